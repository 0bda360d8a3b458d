"""Import and export pages; included into the "contacts" namespace by contacts/urls.py.

An import's progress and its start button are the job engine's pages (crm/jobs/urls.py).
"""

from django.urls import path

from . import views_io

urlpatterns = [
    path("import/", views_io.import_upload, name="import-upload"),
    path("import/<int:pk>/", views_io.import_detail, name="import-detail"),
    path("export/", views_io.export, name="export"),
]
