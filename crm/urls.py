from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import views
from .forms import EmailAuthenticationForm

auth_patterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include(auth_patterns)),
    path("tasks/", views.task_list, name="task-list"),
    path("tasks/<int:pk>/", views.task_detail, name="task-detail"),
    path("tasks/<int:pk>/status/", views.task_status, name="task-status"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/bell/", views.notification_bell, name="notification-bell"),
    path("notifications/read/", views.notification_read, name="notification-read"),
    path("settings/", views.settings_view, name="settings"),
    path("settings/tokens/", views.api_token_create, name="api-token-create"),
    path("settings/tokens/<int:pk>/revoke/", views.api_token_revoke, name="api-token-revoke"),
    path("availability/", views.availability_set, name="availability-set"),
    path("language/", views.language_set, name="language-set"),
    path("search/", views.search, name="search"),
    path("area/<slug:area>/", views.area_coming, name="area-coming"),
    path("mail-sink/", views.mail_sink, name="mail-sink"),
    path("jobs/", include("crm.jobs.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Namespaced: the router's names (task-list, notification-list, …) would otherwise shadow
    # the staff pages of the same names in reverse().
    path("api/v1/", include(("crm.api.urls", "api"), namespace="api")),
    path("api/v1/", include(("contacts.api_urls", "contacts-api"), namespace="contacts-api")),
    path("api/v1/", include(("deals.api_urls", "deals-api"), namespace="deals-api")),
    path("api/v1/", include(("crm.routing.api_urls", "routing-api"), namespace="routing-api")),
    path(
        "api/v1/",
        include(("crm.automation.api_urls", "automation-api"), namespace="automation-api"),
    ),
    path(
        "api/v1/", include(("crm.messaging.api_urls", "messaging-api"), namespace="messaging-api")
    ),
    path("contacts/", include("contacts.urls")),
    path("deals/", include("deals.urls")),
    path("settings/routing/", include(("crm.routing.urls", "routing"), namespace="routing")),
    path(
        "settings/automation/",
        include(("crm.automation.urls", "automation"), namespace="automation"),
    ),
    path("settings/messages/", include(("crm.messaging.urls", "messaging"), namespace="messaging")),
    # The schema maps every endpoint and field: signed-in staff only (SERVE_PERMISSIONS; an
    # anonymous caller gets 401), and the docs page sends a browser to log in first. The split
    # view serves Swagger UI's start script as a file, so the page keeps the site's policy
    # (no inline script) like every other page.
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "api/docs/",
        login_required(SpectacularSwaggerSplitView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("csp-report/", views.csp_report, name="csp-report"),
]

handler403 = "crm.views.error_403"
handler404 = "crm.views.error_404"
handler500 = "crm.views.error_500"
