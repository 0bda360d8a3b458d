"""The job engine's pages; included by crm/urls.py under jobs/."""

from django.urls import path

from . import views

urlpatterns = [
    path("<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("<int:pk>/start/", views.job_start, name="job-start"),
]
