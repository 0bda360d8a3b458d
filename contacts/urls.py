from django.urls import include, path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list, name="contact-list"),
    path("new/", views.contact_create, name="contact-create"),
    path("<int:pk>/", views.contact_detail, name="contact-detail"),
    path("<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("<int:pk>/timeline/", views.contact_timeline, name="contact-timeline"),
    path("<int:pk>/notes/", views.note_add, name="note-add"),
    path("<int:pk>/consents/", views.consent_set, name="consent-set"),
    path("<int:pk>/tasks/", views.contact_task_add, name="contact-task-add"),
    path("companies/", views.company_list, name="company-list"),
    path("companies/new/", views.company_create, name="company-create"),
    path("companies/suggest/", views.company_suggest, name="company-suggest"),
    path("companies/<int:pk>/", views.company_detail, name="company-detail"),
    path("companies/<int:pk>/edit/", views.company_edit, name="company-edit"),
    path("companies/<int:pk>/tasks/", views.company_task_add, name="company-task-add"),
    path("duplicates/", views.duplicate_list, name="duplicate-list"),
    path("merge/", views.contact_merge, name="contact-merge"),
    path("merges/", views.merge_history, name="merge-history"),
    path("merges/<int:pk>/undo/", views.merge_undo, name="merge-undo"),
    path("", include("contacts.urls_io")),
]
