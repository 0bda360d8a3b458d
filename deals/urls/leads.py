from django.urls import path

from deals.views import leads as views
from deals.views import webform

urlpatterns = [
    path("", views.lead_list, name="lead-list"),
    path("new/", views.lead_create, name="lead-create"),
    path("<int:pk>/", views.lead_detail, name="lead-detail"),
    path("<int:pk>/take/", views.lead_take, name="lead-take"),
    path("<int:pk>/assign/", views.lead_assign, name="lead-assign"),
    path("<int:pk>/junk/", views.lead_junk, name="lead-junk"),
    path("<int:pk>/convert/", views.lead_convert, name="lead-convert"),
    path("<int:pk>/notes/", views.lead_note_add, name="lead-note-add"),
    path("forms/", views.web_form_list, name="webform-list"),
    path("forms/new/", views.web_form_create, name="webform-create"),
    path("forms/<int:pk>/", views.web_form_detail, name="webform-detail"),
    path("forms/<int:pk>/edit/", views.web_form_edit, name="webform-edit"),
    # Public: what a site embeds and where it posts (no login).
    path("forms/<str:key>/embed.js", webform.web_form_embed, name="webform-embed"),
    path("forms/<str:key>/submit/", webform.web_form_submit, name="webform-submit"),
]
