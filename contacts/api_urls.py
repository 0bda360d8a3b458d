from django.urls import include, path
from rest_framework.routers import SimpleRouter

from .api import views

router = SimpleRouter()
router.register("companies", views.CompanyViewSet, basename="company")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("phones", views.PhoneViewSet, basename="phone")
router.register("emails", views.EmailViewSet, basename="email")
router.register("interactions", views.InteractionViewSet, basename="interaction")
router.register("purchases", views.PurchaseViewSet, basename="purchase")
router.register("consents", views.ConsentViewSet, basename="consent")
router.register("custom-fields", views.CustomFieldViewSet, basename="customfield")

urlpatterns = [
    path("contacts/lookup/", views.ContactLookupView.as_view(), name="contact-lookup"),
    # Telephony systems call the URL as configured, often without the slash, and do not
    # follow redirects; the same view answers there (left out of the schema: one operation).
    path("contacts/lookup", views.ContactLookupView.as_view(schema=None)),
    path("", include(router.urls)),
]
