"""Import and export pages; included into the "contacts" namespace by contacts/urls.py."""

from django.urls import path

from . import views_io

urlpatterns = [
    path("import/", views_io.import_upload, name="import-upload"),
    path("import/<int:pk>/", views_io.import_detail, name="import-detail"),
    path("import/<int:pk>/progress/", views_io.import_progress, name="import-progress"),
    path("import/<int:pk>/run/", views_io.import_run, name="import-run"),
    path("export/", views_io.export, name="export"),
]
