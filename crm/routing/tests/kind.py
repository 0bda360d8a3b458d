"""A kind of item of the tests' own, over the lead model, so that the engine is tested without
the sales part's services: it assigns by setting the owner itself."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count
from django.utils import timezone

from crm.routing.kinds import Attribute, RoutingKind
from deals.models import Lead

CODE = "test.lead"


def _load(user_ids: Iterable[int]) -> dict[int, int]:
    rows = (
        Lead.objects.filter(owner_id__in=list(user_ids), status__in=["new", "in_work"])
        .values("owner_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {r["owner_id"]: r["n"] for r in rows}


def _assign(lead: Lead, user, reason: str) -> None:
    Lead.objects.filter(pk=lead.pk).update(owner=user, assigned_at=timezone.now())
    lead.owner = user


def _client_manager(lead: Lead) -> int | None:
    return (lead.custom or {}).get("client_manager")


TEST_KIND = RoutingKind(
    code=CODE,
    label="Test lead",
    model=Lead,
    attributes={
        "source": Attribute("source", lambda lead: lead.source),
        "channel": Attribute("channel", lambda lead: lead.channel),
        "region": Attribute("region", lambda lead: lead.region),
        "language": Attribute("language", lambda lead: lead.language),
        "product": Attribute(
            "product", lambda lead: [lead.product.sku, lead.product.name] if lead.product else None
        ),
    },
    load=_load,
    assign=_assign,
    is_assigned=lambda lead: lead.owner_id is not None,
    is_taken=lambda lead: lead.taken_at is not None,
    client_manager=_client_manager,
    skills=lambda lead: {lead.language} if lead.language else set(),
    territory=lambda lead: lead.region,
    custom=lambda lead: lead.custom or {},
    pending=lambda: Lead.objects.filter(owner__isnull=True, status="new").values_list(
        "pk", flat=True
    ),
    item_label=lambda lead: f"Lead {lead.pk}",
    item_url=lambda lead: f"/deals/leads/{lead.pk}/",
)


def register() -> None:
    from crm.routing.kinds import ROUTING_KINDS

    ROUTING_KINDS.register(CODE, TEST_KIND)
