"""Messages (crm/messaging): templates, the suppression list and the log are for those who
write to clients in bulk — heads of sales, marketers, admins; everyone else is refused."""

from __future__ import annotations

LOGIN = 302
# admin, head, manager, manager2, operator, supervisor, marketer, anonymous
EDITORS = [200, 200, 403, 403, 403, 403, 200, LOGIN]
EDITORS_API = [200, 200, 403, 403, 403, 403, 200, 401]

ROWS = {
    "messaging:template-list": ("GET", "/settings/messages/", EDITORS),
    "messaging:template-create": ("GET", "/settings/messages/templates/new/", EDITORS),
    "messaging:template-edit": (
        "GET",
        "/settings/messages/templates/{message_template}/",
        EDITORS,
    ),
    # an empty editor previews as "type the text"
    "messaging:template-preview": ("POST", "/settings/messages/templates/preview/", EDITORS),
    "messaging:suppression-list": ("GET", "/settings/messages/suppressions/", EDITORS),
    # removing is tried on an address no longer listed (a real one would be gone after the
    # first role): those who may remove get 404, the others are refused before the lookup
    "messaging:suppression-remove": (
        "POST",
        "/settings/messages/suppressions/{suppression_gone}/remove/",
        [404, 404, 403, 403, 403, 403, 404, LOGIN],
    ),
    "messaging:message-list": ("GET", "/settings/messages/log/", EDITORS),
    # the client's link from a marketing e-mail: public, the signed token is the key
    "messaging:unsubscribe": (
        "GET",
        "/settings/messages/unsubscribe/{unsubscribe_token}/",
        [200] * 8,
    ),
    "messaging-api:messagetemplate-list": ("GET", "/api/v1/message-templates/", EDITORS_API),
    "messaging-api:messagetemplate-detail": (
        "GET",
        "/api/v1/message-templates/{message_template}/",
        EDITORS_API,
    ),
    "messaging-api:suppression-list": ("GET", "/api/v1/suppressions/", EDITORS_API),
    "messaging-api:suppression-detail": (
        "GET",
        "/api/v1/suppressions/{suppression}/",
        EDITORS_API,
    ),
    "messaging-api:outboundmessage-list": ("GET", "/api/v1/outbound-messages/", EDITORS_API),
    "messaging-api:outboundmessage-detail": (
        "GET",
        "/api/v1/outbound-messages/{outbound_message}/",
        EDITORS_API,
    ),
}


def records(base: dict) -> dict:
    from crm.messaging.models import OutboundMessage, Suppression
    from crm.messaging.services import unsubscribe_url
    from crm.messaging.tests.factories import MessageTemplateFactory

    gone = Suppression.objects.create(address="gone@example.com")
    gone_pk = gone.pk
    gone.delete()
    return {
        "message_template": MessageTemplateFactory(code="invoice_sent").pk,
        "suppression": Suppression.objects.create(address="stop@example.com").pk,
        "suppression_gone": gone_pk,
        "unsubscribe_token": unsubscribe_url("petrov@example.ru").rstrip("/").rsplit("/", 1)[1],
        "outbound_message": OutboundMessage.objects.create(
            key="matrix:1", to="petrov@example.ru", subject="Счёт", actor=base["manager"]
        ).pk,
    }
