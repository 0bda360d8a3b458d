from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter()
router.register("message-templates", views.MessageTemplateViewSet, basename="messagetemplate")
router.register("suppressions", views.SuppressionViewSet, basename="suppression")
router.register("outbound-messages", views.OutboundMessageViewSet, basename="outboundmessage")

urlpatterns = [path("", include(router.urls))]
