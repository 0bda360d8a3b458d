from django.urls import path

from . import views

urlpatterns = [
    path("", views.template_list, name="template-list"),
    path("templates/new/", views.template_create, name="template-create"),
    path("templates/<int:pk>/", views.template_edit, name="template-edit"),
    path("templates/preview/", views.template_preview, name="template-preview"),
    path("suppressions/", views.suppression_list, name="suppression-list"),
    path("suppressions/<int:pk>/remove/", views.suppression_remove, name="suppression-remove"),
    path("log/", views.message_list, name="message-list"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
