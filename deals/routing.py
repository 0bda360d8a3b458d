"""The lead as a kind of item the routing engine (crm/routing) assigns, the route started when
a lead comes in, and the block on the lead's card that says who got it and why."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from contacts.models import Source
from crm.routing.kinds import Attribute, RoutingKind, routing_kind_register

from . import signals
from .hooks import LEAD_CARD_BLOCKS, DealCardBlock
from .models import Lead

LEAD_KIND = "deals.lead"
OPEN = (Lead.Status.NEW, Lead.Status.IN_WORK)
CHANNELS = (
    ("web_form", _("Web form")),
    ("api", _("API")),
    ("call", _("Call")),
    ("email", _("E-mail")),
    ("manual", _("Manual entry")),
)


def _load(user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Lead.objects.filter(owner_id__in=list(user_ids), status__in=OPEN)
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["owner_id"]: row["n"] for row in rows}


def _assign(lead: Lead, user, reason: str) -> None:
    from deals.services.leads import lead_assign_to

    lead_assign_to(actor=None, lead=lead, owner=user, reason=reason)


def _client_manager(lead: Lead) -> int | None:
    if not lead.contact_id:
        return None
    from contacts.models import Contact

    return Contact.objects.filter(pk=lead.contact_id).values_list("owner_id", flat=True).first()


def _product(lead: Lead) -> list[str] | None:
    if not lead.product_id:
        return None
    product = lead.product
    return [product.sku, product.name]


def _pending() -> list[int]:
    return list(
        Lead.objects.filter(owner__isnull=True, status=Lead.Status.NEW)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


LEAD = RoutingKind(
    code=LEAD_KIND,
    label=_("Lead"),
    model=Lead,
    attributes={
        "source": Attribute(_("source"), lambda lead: lead.source, tuple(Source.choices)),
        "channel": Attribute(_("channel"), lambda lead: lead.channel, CHANNELS),
        "region": Attribute(_("region"), lambda lead: lead.region),
        "product": Attribute(_("product (SKU or name)"), _product),
        "language": Attribute(_("language"), lambda lead: lead.language),
        "company_name": Attribute(_("company"), lambda lead: lead.company_name),
        "utm_source": Attribute("utm_source", lambda lead: lead.utm_source),
        "utm_campaign": Attribute("utm_campaign", lambda lead: lead.utm_campaign),
        "client_known": Attribute(
            _("known client"),
            lambda lead: "yes" if lead.contact_id else "no",
            (("yes", _("yes")), ("no", _("no"))),
        ),
    },
    load=_load,
    assign=_assign,
    is_assigned=lambda lead: lead.owner_id is not None or lead.status != Lead.Status.NEW,
    is_taken=lambda lead: lead.taken_at is not None or lead.status != Lead.Status.NEW,
    client_manager=_client_manager,
    skills=lambda lead: set(_product(lead) or []) | ({lead.language} if lead.language else set()),
    territory=lambda lead: lead.region,
    custom=lambda lead: lead.custom or {},
    pending=_pending,
    item_label=lambda lead: str(_("Lead “%(lead)s”") % {"lead": lead}),
    item_url=lambda lead: lead.get_absolute_url(),
    url_of_id=lambda pk: reverse("deals:lead-detail", args=[pk]),
)


def _route_received(sender, lead: Lead, **kwargs) -> None:
    from crm.celery import enqueue_on_commit

    # The signal is sent after the lead's commit; on_commit still guards a sender that is
    # inside an outer transaction of its own.
    enqueue_on_commit("crm.routing.tasks.route_item", LEAD_KIND, lead.pk)


def _assignments_block(lead: Lead, user) -> DealCardBlock | None:
    from crm.routing.selectors import assignments_for

    assignments = list(assignments_for(LEAD_KIND, lead.pk))
    if not assignments:
        return None
    return DealCardBlock(
        title=str(_("Assignments")),
        template="routing/_assignments.html",
        context={"assignments": assignments},
    )


def routing_kinds_register() -> None:
    """Called from ``DealsConfig.ready()``."""
    routing_kind_register(LEAD)
    signals.lead_received.connect(
        _route_received, sender=Lead, dispatch_uid="routing.lead_received"
    )
    LEAD_CARD_BLOCKS.register("routing.assignments", _assignments_block, order=50)
