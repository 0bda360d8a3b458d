"""The masking crawl: a role that sees contact details masked never receives one in clear.

With the demo data loaded, each masked role (``CONTACT_FIELD_MASKS``) opens every staff page
of the navigation, every list and detail page of the contacts app and every API list and
detail endpoint — routes read from the URL resolver, ids from the data — plus searches,
caller-ID and the exports, and the test fails on any phone number (found by
``phonenumbers.PhoneNumberMatcher``, region RU) or e-mail address that is not masked,
anywhere in the HTML (text and attributes) or the JSON.

Staff members' own work phones and e-mails are not client data and may appear. Free text —
notes, interaction subjects and bodies, custom text fields — is checked like everything else:
a phone or an e-mail a person typed into it reaches a masked role masked too.
"""

from __future__ import annotations

import re
from email.utils import parseaddr
from urllib.parse import parse_qs, urlsplit

import phonenumbers
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from contacts.models import (
    Company,
    Consent,
    Contact,
    CustomField,
    Email,
    Interaction,
    Phone,
    Purchase,
)
from contacts.selectors import duplicate_groups
from crm.automation.models import AutomationRule, AutomationRun
from crm.demo import demo_load_all
from crm.messaging.models import MessageTemplate, OutboundMessage, Suppression
from crm.models import Notification, Task, Team, User
from crm.navigation import navigation_for
from crm.routing.models import Assignment, RoutingRule
from deals.models import (
    Deal,
    DealLine,
    Invoice,
    Lead,
    Payment,
    Pipeline,
    Product,
    RepeatDealRule,
    SalesPlan,
    WebForm,
)

from .routes import routes

IPV4 = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}")  # a consent's IP address reads as a number too
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SAMPLE = 6  # ids per kind of record: a bounded crawl that still reaches every template

# The API's records by the route names of the routers.
API_MODELS = {
    "company": Company,
    "contact": Contact,
    "phone": Phone,
    "email": Email,
    "interaction": Interaction,
    "purchase": Purchase,
    "consent": Consent,
    "customfield": CustomField,
    "user": User,
    "team": Team,
    "task": Task,
    "notification": Notification,
    # sales and the engines under it
    "deal": Deal,
    "pipeline": Pipeline,
    "lead": Lead,
    "webform": WebForm,
    "product": Product,
    "deal-line": DealLine,
    "invoice": Invoice,
    "payment": Payment,
    "salesplan": SalesPlan,
    "repeatdealrule": RepeatDealRule,
    "routing-rule": RoutingRule,
    "routing-assignment": Assignment,
    "automation-rule": AutomationRule,
    "automation-run": AutomationRun,
    "messagetemplate": MessageTemplate,
    "suppression": Suppression,
    "outboundmessage": OutboundMessage,
}
API_NAMESPACES = (
    "api",
    "contacts-api",
    "deals-api",
    "routing-api",
    "automation-api",
    "messaging-api",
)
PAGE_NAMESPACES = ("contacts", "deals", "routing", "automation", "messaging")
# Staff pages by id: which records their ``pk`` is.
PAGE_MODELS = {
    "contacts:contact-detail": Contact,
    "contacts:contact-edit": Contact,
    "contacts:contact-timeline": Contact,
    "contacts:company-detail": Company,
    "contacts:company-edit": Company,
    "deals:board": Pipeline,
    "deals:deal-detail": Deal,
    "deals:deal-edit": Deal,
    "deals:pipeline-edit": Pipeline,
    "deals:lead-detail": Lead,
    "deals:lead-convert": Lead,
    "deals:webform-detail": WebForm,
    "deals:webform-edit": WebForm,
    "deals:product-edit": Product,
    "deals:invoice-detail": Invoice,
    "deals:robots": Pipeline,
    "deals:robot-edit": AutomationRule,
    "deals:generator-edit": RepeatDealRule,
    "routing:rule-edit": RoutingRule,
    "messaging:template-edit": MessageTemplate,
}


@pytest.fixture
def demo(db):
    demo_load_all("demo-password-1")
    # Contact details people typed into free text, on the records the crawl opens first: a
    # note, a call's subject, the contact's and the company's notes and a custom text field.
    written = "Перезвонить на 8 (958) 306-07-66 или +7 912 345-67-89, почта ivan.free@example.ru"
    contact = (
        Contact.objects.filter(phones__isnull=False, emails__isnull=False, merged_into=None)
        .order_by("pk")
        .first()
    )
    field = CustomField.objects.create(
        target=CustomField.Target.CONTACT, code="free_text", label="Комментарий", field_type="text"
    )
    contact.notes = written
    contact.custom = {**contact.custom, field.code: written}
    contact.save(update_fields=["notes", "custom"])
    Interaction.objects.create(
        contact=contact, kind=Interaction.Kind.NOTE, body=written, occurred_at=timezone.now()
    )
    Interaction.objects.create(
        contact=contact, kind=Interaction.Kind.CALL, subject=written, occurred_at=timezone.now()
    )
    company = Company.objects.filter(phones__isnull=False, emails__isnull=False).order_by("pk")
    company.update(notes=written)


def _sample_ids(model, user) -> list[int]:
    """Records with the most contact details on them first, so the sample shows them."""
    qs = model.objects.order_by("pk")
    if model is Contact:
        with_both = qs.filter(phones__isnull=False, emails__isnull=False, merged_into=None)
        ids = list(with_both.values_list("pk", flat=True).distinct()[:SAMPLE])
        ids += [c.pk for g in duplicate_groups(user) for c in g["contacts"]][:SAMPLE]
        return sorted(set(ids))
    if model is Company:
        qs = qs.filter(phones__isnull=False, emails__isnull=False).distinct()
    return list(qs.values_list("pk", flat=True)[:SAMPLE])


def _urls(user) -> tuple[list[str], list[str]]:
    """Staff pages and API endpoints to open, from the resolver and the data."""
    pages: list[str] = []
    api: list[str] = []
    for route in routes():
        if "format" in route.params:
            continue  # the same endpoint with a format suffix
        namespace, _sep, name = route.name.rpartition(":")
        if namespace in API_NAMESPACES:
            base, _sep, kind = name.rpartition("-")
            model = API_MODELS.get(base)
            if kind == "list":
                api.append(reverse(route.name))
            elif kind == "detail" and model is not None:
                api += [reverse(route.name, kwargs={"pk": pk}) for pk in _sample_ids(model, user)]
        elif namespace in PAGE_NAMESPACES:
            if not route.params:
                pages.append(reverse(route.name))
            elif route.name in PAGE_MODELS:
                ids = _sample_ids(PAGE_MODELS[route.name], user)
                pages += [reverse(route.name, kwargs={"pk": pk}) for pk in ids]
    return pages, api


def _searches(user) -> tuple[list[str], list[str]]:
    """Searches by a client's phone, e-mail and name: hits show contact details too."""
    contact = Contact.objects.filter(phones__isnull=False, emails__isnull=False).first()
    phone = contact.phones.first().number
    address = contact.emails.first().address
    pages = [
        f"/search/?q={phone[2:]}",
        f"/search/?q={contact.last_name}",
        f"/contacts/?q={phone[-7:]}",
        f"/contacts/?q={address}",
        f"/contacts/companies/?q={Company.objects.first().name[:6]}",
        "/contacts/export/?format=csv",
        "/contacts/export/?format=vcf",
        "/contacts/export/?format=vcf4",
        "/contacts/merge/?"
        + "&".join(f"ids={c.pk}" for c in duplicate_groups(user)[0]["contacts"][:2]),
    ]
    api = [
        f"/api/v1/contacts/?search={phone[-7:]}",
        f"/api/v1/contacts/?search={address}",
        f"/api/v1/companies/?search={Company.objects.first().name[:6]}",
        f"/api/v1/contacts/lookup/?phone={phone}",
        f"/api/v1/phones/?contact={contact.pk}",
        f"/api/v1/emails/?contact={contact.pk}",
    ]
    return pages, api


def _company_registration_numbers() -> set[str]:
    """INN, KPP and OGRN: ten- and twelve-digit numbers that read as valid phone numbers
    (+7 771… is Kazakhstan) but are public registration data, not contact details."""
    numbers: set[str] = set()
    for row in Company.objects.values_list("inn", "kpp", "ogrn"):
        numbers |= {n for n in row if n}
    return numbers


def _unmasked(text: str, *, allowed: set[str]) -> list[str]:
    found = []
    for match in phonenumbers.PhoneNumberMatcher(text, "RU"):
        number = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        digits = "".join(ch for ch in match.raw_string if ch.isdigit())
        if number in allowed or digits in allowed or IPV4.fullmatch(match.raw_string):
            continue
        found.append(match.raw_string)
    for match in EMAIL.finditer(text):
        address = match.group(0).lower().rstrip(".")
        if address in allowed:
            continue
        found.append(address)
    return found


def _typed(url: str) -> set[str]:
    """What the person typed into the address: a page may echo one's own search back."""
    values = {v for vs in parse_qs(urlsplit(url).query).values() for v in vs}
    return {v.lower() for v in values} | {"".join(ch for ch in v if ch.isdigit()) for v in values}


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


@pytest.mark.parametrize(
    "role", sorted(r for r, fields in settings.CONTACT_FIELD_MASKS.items() if fields)
)
def test_a_masked_role_never_receives_a_phone_or_an_email_in_clear(client, demo, role):
    user = User.objects.filter(groups__name=role, is_active=True).first()
    assert user is not None, f"the demo data has no {role}"
    assert Phone.objects.exists()
    assert Email.objects.exists()
    # Staff members' own work details are not client data; companies' registration numbers
    # are not contact details.
    allowed = {e.lower() for e in User.objects.values_list("email", flat=True)}
    allowed |= {p for p in User.objects.values_list("phone", flat=True) if p}
    allowed |= {parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower()}
    allowed |= _company_registration_numbers()

    client.force_login(user)
    pages, api = _urls(user)
    nav = [reverse(item.url_name, kwargs=item.url_kwargs) for item in navigation_for(user)]
    more_pages, more_api = _searches(user)
    opened, leaks = 0, []
    for url in [*nav, *pages, *more_pages]:
        response = client.get(url)
        if response.status_code in (403, 404, 405):
            continue  # not this role's page: nothing shown
        assert response.status_code in (200, 302), f"{url}: {response.status_code}"
        opened += 1
        leaks += [
            f"{url}: {leak}" for leak in _unmasked(_body(response), allowed=allowed | _typed(url))
        ]
    for url in [*api, *more_api]:
        response = client.get(url, HTTP_ACCEPT="application/json")
        if response.status_code in (403, 404, 405):
            continue
        assert response.status_code == 200, f"{url}: {response.status_code}"
        opened += 1
        leaks += [
            f"{url}: {leak}" for leak in _unmasked(_body(response), allowed=allowed | _typed(url))
        ]
    assert opened > 60, "the crawl reached too few pages to mean anything"
    assert not leaks, "\n".join(leaks[:40])
