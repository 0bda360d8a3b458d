"""The verbs of a lead: it comes in from a channel, is assigned, taken into work, junked or
converted into a contact, a company and a deal."""

from __future__ import annotations

import inspect
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from contacts.models import Interaction, Source
from contacts.validators import normalize_email, normalize_phone
from crm.models import User
from crm.permissions import require_permission

from .. import signals
from ..models import Deal, Lead, Pipeline, Product, Stage, WebForm
from ..models.leads import LeadNote
from ..selectors.deals import pipelines_active

# Where a lead can come in from.
CHANNELS = ("web_form", "api", "call", "email", "manual")

# The source a lead gets when the data does not name one.
SOURCE_OF_CHANNEL = {
    "web_form": Source.WEB_FORM,
    "call": Source.CALL,
    "email": Source.EMAIL,
}

# Channels where a person takes the lead in themselves (not a site or an integration).
PERSONAL_CHANNELS = ("call", "email", "manual")

UTM_FIELDS = ("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term")

# Free text a lead keeps: a message longer than this is a paste of something else.
MESSAGE_MAX = 5000

OPEN_STATUSES = (Lead.Status.NEW, Lead.Status.IN_WORK)


def _plain(value: Any) -> str:
    # PostgreSQL text cannot hold NUL; a form filled by a bot may send it.
    return "" if value is None else str(value).replace("\x00", "").strip()


def _text(data: dict, key: str, limit: int) -> str:
    return _plain(data.get(key))[:limit]


def _clean_product(value: Any, errors: dict) -> Product | None:
    if value in (None, ""):
        return None
    if isinstance(value, Product):
        return value
    try:
        return Product.objects.get(pk=int(value), is_active=True)
    except (Product.DoesNotExist, ValueError, TypeError, OverflowError):
        errors["product"] = [_("There is no such product.")]
        return None


def _clean_lead_data(channel: str, data: dict) -> dict[str, Any]:
    """The fields of a new lead from what a channel sent, or ValidationError keyed by field
    with every problem at once."""
    errors: dict[str, list[str]] = {}
    if channel not in CHANNELS:
        errors["channel"] = [
            _("Unknown channel “%(channel)s”; use one of: %(channels)s.")
            % {"channel": channel, "channels": ", ".join(CHANNELS)}
        ]
    fields: dict[str, Any] = {
        "name": _text(data, "name", 255),
        "company_name": _text(data, "company", 255) or _text(data, "company_name", 255),
        "region": _text(data, "region", 100),
        "language": _text(data, "language", 8).lower(),
        "external_id": _text(data, "external_id", 200),
        "phone": "",
        "email": "",
    }
    message = _plain(data.get("message"))
    if len(message) > MESSAGE_MAX:
        errors["message"] = [
            _("The message can be at most %(count)d characters.") % {"count": MESSAGE_MAX}
        ]
    fields["message"] = message
    # UTM tags come from other people's links: kept as they are, cut to the column.
    for key in UTM_FIELDS:
        fields[key] = _text(data, key, 100)
    phone = _text(data, "phone", 60)
    if phone:
        try:
            fields["phone"] = normalize_phone(phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    email = _text(data, "email", 254)
    if email:
        try:
            fields["email"] = normalize_email(email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    if not phone and not email:
        errors["phone"] = [_("Give a phone or an e-mail to reach the client.")]
    source = _text(data, "source", 20) or SOURCE_OF_CHANNEL.get(channel, Source.OTHER)
    if source not in Source.values:
        errors["source"] = [_("Unknown source.")]
    fields["source"] = source
    fields["product"] = _clean_product(data.get("product"), errors)
    web_form = data.get("web_form")
    if web_form is not None and not isinstance(web_form, WebForm):
        errors["web_form"] = [_("There is no such web form.")]
    fields["web_form"] = web_form
    if fields["product"] is None and web_form is not None and "product" not in errors:
        fields["product"] = web_form.product
    custom = data.get("custom") or {}
    if not isinstance(custom, dict):
        errors["custom"] = [_("Custom fields are a set of names and values.")]
    fields["custom"] = custom if isinstance(custom, dict) else {}
    if errors:
        raise ValidationError(errors)
    return fields


def lead_contact_match(*, phone: str, email: str):
    """The existing contact with this phone or e-mail (the most recently added when several
    share them), or None. The whole base is searched, not what the actor sees: a lead from a
    site has no actor, and a client is the same client whoever took the call."""
    from contacts.services import contacts_with_points

    matches = contacts_with_points(phones=[phone] if phone else [], emails=[email] if email else [])
    return matches[-1] if matches else None


def lead_create(*, actor: User | None, channel: str, data: dict) -> Lead:
    """A lead from ``channel`` (web_form, api, call, email, manual) with ``data``: name, phone,
    email, company, message, source, utm_*, product, region, language, web_form, external_id,
    custom, owner, created_at. The phone is normalised (E.164), the e-mail checked; a contact
    with the same phone or e-mail is linked with their company. Routing hears of the lead after
    the commit (``lead_received``). Raises ValidationError keyed by field."""
    require_permission(actor, "deals.add_lead")
    fields = _clean_lead_data(channel, data or {})
    owner = data.get("owner")
    if owner is not None and (not isinstance(owner, User) or not owner.is_active):
        raise ValidationError({"owner": [_("Choose an active person to be responsible.")]})
    # A person who works leads and takes one in (a call they answered, a walk-in) keeps it;
    # an operator's lead from a call (they do not work leads) is left for routing.
    if (
        owner is None
        and channel in PERSONAL_CHANNELS
        and actor is not None
        and actor.has_perm("deals.view_lead")
        and actor.has_perm("deals.change_lead")
    ):
        owner = actor
    contact = lead_contact_match(phone=fields["phone"], email=fields["email"])
    now = timezone.now()
    with transaction.atomic():
        lead = Lead.objects.create(
            **fields,
            channel=channel,
            contact=contact,
            company=contact.company if contact is not None else None,
            owner=owner,
            assigned_at=now if owner is not None else None,
            created_by=actor,
            created_at=data.get("created_at") or now,
        )
        transaction.on_commit(lambda: signals.lead_received.send(sender=Lead, lead=lead))
    return lead


# Fields lead_update may change; status, owner and conversion have their own verbs.
UPDATABLE = (
    "name",
    "phone",
    "email",
    "company",
    "message",
    "source",
    "product",
    "region",
    "language",
    *UTM_FIELDS,
)


def lead_update(*, actor: User | None, lead: Lead, **changes: Any) -> Lead:
    """Correct what came in (a mistyped phone, the name); checked as at intake. A changed
    phone or e-mail is matched against the base again while the lead has no contact."""
    _check_can_change(actor, lead)
    unknown = set(changes) - set(UPDATABLE)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in unknown})
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"lead": [_("The lead has already been converted.")]})
    current = {
        "name": lead.name,
        "phone": lead.phone,
        "email": lead.email,
        "company": lead.company_name,
        "message": lead.message,
        "source": lead.source,
        "product": lead.product,
        "region": lead.region,
        "language": lead.language,
        **{k: getattr(lead, k) for k in UTM_FIELDS},
    }
    fields = _clean_lead_data(lead.channel or "manual", {**current, **changes})
    fields.pop("web_form")
    fields.pop("custom")
    fields.pop("external_id")
    with transaction.atomic():
        for name, value in fields.items():
            setattr(lead, name, value)
        if lead.contact_id is None:
            contact = lead_contact_match(phone=lead.phone, email=lead.email)
            if contact is not None:
                lead.contact, lead.company = contact, contact.company
        lead.save()
    return lead


def _check_can_change(actor: User | None, lead: Lead) -> None:
    require_permission(actor, "deals.change_lead")
    if actor is not None:
        from ..selectors.leads import leads_visible_to

        if not leads_visible_to(actor).filter(pk=lead.pk).exists():
            raise ValidationError({"lead": [_("You cannot change this lead.")]})


def _locked(lead: Lead) -> Lead:
    return Lead.objects.select_for_update().get(pk=lead.pk)


def _refuse_closed(lead: Lead) -> None:
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError({"lead": [_("The lead has already been converted.")]})
    if lead.status == Lead.Status.JUNK:
        raise ValidationError({"lead": [_("The lead is in junk.")]})


def _refresh(lead: Lead, locked: Lead, fields: tuple[str, ...]) -> None:
    for name in fields:
        setattr(lead, name, getattr(locked, name))


def _note(lead: Lead, *, kind: str, body: str, author: User | None, at=None) -> LeadNote:
    return LeadNote.objects.create(
        lead=lead, kind=kind, body=body, author=author, created_at=at or timezone.now()
    )


def lead_assign_to(*, actor: User | None, lead: Lead, owner: User, reason: str = "") -> Lead:
    """Make ``owner`` responsible for ``lead`` and tell them (a notification linking to the
    lead). ``reason`` is recorded on the lead ("rule 'Moscow', round robin"). The routing
    engine calls it with ``actor=None``."""
    _check_can_change(actor, lead)
    if owner is None or not owner.is_active:
        raise ValidationError({"owner": [_("Choose an active person to be responsible.")]})
    if not owner.has_perm("deals.view_lead"):
        raise ValidationError({"owner": [_("This person does not work with leads.")]})
    if actor is not None:
        from crm.selectors import users_assignable_by

        if not users_assignable_by(actor).filter(pk=owner.pk).exists():
            raise ValidationError({"owner": [_("You cannot give leads to this person.")]})
    from crm.services import notification_create

    now = timezone.now()
    with transaction.atomic():
        # Routing and a head may assign the same lead at once: the second waits and sees the
        # first one's owner, so the lead never ends up with one owner and two notifications.
        locked = _locked(lead)
        _refuse_closed(locked)
        if locked.owner_id == owner.pk:
            _refresh(lead, locked, ("owner_id", "assigned_at"))
            return lead
        locked.owner = owner
        locked.assigned_at = now
        locked.save(update_fields=["owner", "assigned_at", "updated_at"])
        text = _("Assigned to %(owner)s.") % {"owner": owner}
        if reason:
            text = f"{text} {reason[:500]}"
        _note(locked, kind=LeadNote.Kind.SYSTEM, body=text, author=actor, at=now)
        notification_create(
            recipient=owner,
            title=_("New lead: %(lead)s") % {"lead": locked},
            body=reason[:500],
            url=reverse("deals:lead-detail", args=[locked.pk]),
            kind="lead",
            dedupe_key=f"deals.lead-assigned:{locked.pk}:{owner.pk}:{now.timestamp():.6f}",
        )
    _refresh(lead, locked, ("owner_id", "assigned_at"))
    lead.owner = owner
    return lead


def _first_action(lead: Lead, now) -> list[str]:
    if lead.taken_at is None:
        lead.taken_at = now
        return ["taken_at"]
    return []


def lead_take(*, actor: User | None, lead: Lead) -> Lead:
    """The actor takes the lead into work and becomes responsible for it; the first action
    stops the clock of "time to first action" (``taken_at``)."""
    _check_can_change(actor, lead)
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(lead)
        _refuse_closed(locked)
        changed = ["status", "updated_at", *_first_action(locked, now)]
        locked.status = Lead.Status.IN_WORK
        if actor is not None and locked.owner_id != actor.pk:
            locked.owner = actor
            locked.assigned_at = now
            changed += ["owner", "assigned_at"]
        locked.save(update_fields=changed)
    _refresh(lead, locked, ("status", "taken_at", "owner_id", "assigned_at"))
    return lead


def lead_junk(*, actor: User | None, lead: Lead, reason: str, comment: str = "") -> Lead:
    """Put the lead in junk with a reason (spam, a duplicate, could not reach…)."""
    _check_can_change(actor, lead)
    if reason not in Lead.JunkReason.values:
        raise ValidationError({"reason": [_("Say why the lead is junk.")]})
    comment = (comment or "").strip()
    if len(comment) > 500:
        raise ValidationError({"comment": [_("The comment can be at most 500 characters.")]})
    now = timezone.now()
    with transaction.atomic():
        locked = _locked(lead)
        _refuse_closed(locked)
        locked.status = Lead.Status.JUNK
        locked.junk_reason = reason
        locked.junk_comment = comment
        locked.save(
            update_fields=[
                "status",
                "junk_reason",
                "junk_comment",
                "updated_at",
                *_first_action(locked, now),
            ]
        )
    _refresh(lead, locked, ("status", "junk_reason", "junk_comment", "taken_at"))
    return lead


def lead_note_add(*, actor: User | None, lead: Lead, text: str, kind: str = "note") -> LeadNote:
    """A note (or a call, an e-mail) on a lead; it moves to the contact's timeline when the
    lead is converted."""
    _check_can_change(actor, lead)
    text = (text or "").strip()
    if not text:
        raise ValidationError({"body": [_("Write the note first.")]})
    if len(text) > 10_000:
        raise ValidationError({"body": [_("A note can be at most 10,000 characters.")]})
    if kind not in LeadNote.Kind.values:
        raise ValidationError({"kind": [_("Unknown kind of note.")]})
    if lead.status == Lead.Status.CONVERTED:
        raise ValidationError(
            {"body": [_("The lead has been converted: write on the contact's card.")]}
        )
    now = timezone.now()
    with transaction.atomic():
        note = _note(lead, kind=kind, body=text, author=actor, at=now)
        Lead.objects.filter(pk=lead.pk, taken_at__isnull=True).update(taken_at=now)
    return note


# --- conversion ----------------------------------------------------------------------------

# How a lead's records appear on the contact's timeline.
INTERACTION_OF_NOTE = {
    LeadNote.Kind.NOTE: Interaction.Kind.NOTE,
    LeadNote.Kind.CALL: Interaction.Kind.CALL,
    LeadNote.Kind.EMAIL: Interaction.Kind.EMAIL,
    LeadNote.Kind.SYSTEM: Interaction.Kind.SYSTEM,
}
INTERACTION_OF_CHANNEL = {"call": Interaction.Kind.CALL, "email": Interaction.Kind.EMAIL}


def _split_name(name: str) -> dict[str, str]:
    """ "Иван Петров" → first name Иван, last name Петров: people write their own name first
    name first in a form; one word is a first name."""
    parts = name.split(None, 1)
    if not parts:
        return {}
    return {"first_name": parts[0][:100], "last_name": (parts[1] if len(parts) > 1 else "")[:100]}


def _contact_for(actor: User | None, lead: Lead, owner: User, company):
    from contacts import services as contact_services

    data = {
        **_split_name(lead.name),
        "source": lead.source,
        "region": lead.region,
        "language": lead.language,
        "owner": owner,
    }
    if company is not None:
        data["company"] = company
    try:
        return contact_services.contact_create(
            actor=actor,
            data={k: v for k, v in data.items() if v not in ("", None)},
            phones=[{"number": lead.phone}] if lead.phone else [],
            emails=[{"address": lead.email}] if lead.email else [],
            # The lead was matched against the base when it came in: a contact made since, or
            # one with this phone the actor may not see, is for the duplicates page.
            allow_duplicate=True,
        )
    except ValidationError as exc:
        messages = [m for ms in exc.message_dict.values() for m in ms]
        raise ValidationError({"contact": messages}) from None


def _company_for(actor: User | None, lead: Lead, owner: User):
    from contacts import services as contact_services

    try:
        return contact_services.company_create(
            actor=actor, data={"name": lead.company_name, "source": lead.source, "owner": owner}
        )
    except ValidationError as exc:
        messages = [m for ms in exc.message_dict.values() for m in ms]
        raise ValidationError({"company": messages}) from None


def _product_line(actor: User | None, deal: Deal, product: Product) -> None:
    """The lead's product as the deal's first line, when the product lines exist. A product
    that cannot be a line of this deal (no longer sold, in another currency) is left out: the
    deal still opens, and the manager adds the line they mean."""
    try:
        from . import products
    except ImportError:
        return
    add = getattr(products, "deal_line_add", None)
    if add is None:
        return
    offered = {"actor": actor, "deal": deal, "product": product, "quantity": Decimal("1")}
    accepted = inspect.signature(add).parameters
    try:
        with transaction.atomic():
            add(**{k: v for k, v in offered.items() if k in accepted})
    except ValidationError:
        return


def _history_move(lead: Lead, contact, deal: Deal) -> int:
    """The request itself and everything recorded on the lead go to the contact's timeline
    (at the times they happened, by their authors); the lead keeps none of it."""
    from contacts.services import interaction_record

    subject = _("Lead: %(lead)s") % {"lead": lead}
    interaction_record(
        contact=contact,
        kind=INTERACTION_OF_CHANNEL.get(lead.channel, Interaction.Kind.SYSTEM),
        direction=Interaction.Direction.IN,
        occurred_at=lead.created_at,
        subject=subject,
        body=lead.message,
        channel="lead",
        external_id=f"lead:{lead.pk}",
        related=deal,
        data={"lead": lead.pk},
    )
    notes = list(LeadNote.objects.filter(lead=lead).order_by("created_at", "id"))
    for note in notes:
        interaction_record(
            contact=contact,
            kind=INTERACTION_OF_NOTE[note.kind],
            occurred_at=note.created_at,
            subject=subject if note.kind != LeadNote.Kind.NOTE else "",
            body=note.body,
            author=note.author,
            related=deal,
            data={"lead": lead.pk},
        )
    LeadNote.objects.filter(pk__in=[n.pk for n in notes]).delete()
    return len(notes)


def lead_convert(
    *,
    actor: User | None,
    lead: Lead,
    pipeline: Pipeline | None = None,
    stage: Stage | None = None,
    title: str | None = None,
    amount: Decimal | str | int | None = None,
    contact=None,
    company=None,
    create_company: bool = True,
    new_contact: bool = False,
) -> Deal:
    """Turn the lead into a deal in one step: the contact (``contact``, else the one the lead
        is linked to, else a new one from the lead), their company (``company``, the contact's,
        the lead's, or a new one from the company name unless ``create_company`` is off), a deal in
        ``pipeline`` (the first active one by default) with the lead's product as a line, and the
        lead's history on the contact's timeline; ``new_contact`` makes a new contact even when the
    lead matched one. A lead is converted once; routing and robots
        hear of it after the commit (``lead_converted``)."""
    _check_can_change(actor, lead)
    require_permission(actor, "deals.add_deal")
    from .deals import deal_create

    if pipeline is None:
        pipeline = pipelines_active().first()
        if pipeline is None:
            raise ValidationError(
                {"pipeline": [_("There is no active pipeline to open a deal in.")]}
            )
    elif not pipeline.is_active:
        raise ValidationError({"pipeline": [_("This pipeline is not active.")]})
    now = timezone.now()
    with transaction.atomic():
        # Two people pressing "Convert" at once: the second waits, then finds the lead
        # converted and is refused, so one lead never opens two deals.
        locked = _locked(lead)
        if locked.status == Lead.Status.CONVERTED or locked.deal_id:
            raise ValidationError({"lead": [_("The lead has already been converted.")]})
        if locked.status == Lead.Status.JUNK:
            raise ValidationError({"lead": [_("The lead is in junk.")]})
        owner = locked.owner or actor
        if owner is None:
            raise ValidationError({"owner": [_("Give the lead to someone before converting it.")]})
        contact = contact or (None if new_contact else locked.contact)
        if company is None and not new_contact:
            company = locked.company or (contact.company if contact is not None else None)
        if company is None and create_company and locked.company_name:
            company = _company_for(actor, locked, owner)
        if contact is None:
            contact = _contact_for(actor, locked, owner, company)
        elif company is not None and contact.company_id is None:
            from contacts.services import contact_update

            contact_update(actor=actor, contact=contact, data={"company": company})
        deal = deal_create(
            actor=actor,
            title=(title or "").strip() or str(locked),
            pipeline=pipeline,
            stage=stage,
            owner=owner,
            contact=contact,
            company=company,
            amount=amount if amount not in (None, "") else Decimal("0"),
            source=locked.source,
        )
        if locked.product is not None and amount in (None, ""):
            _product_line(actor, deal, locked.product)
        _history_move(locked, contact, deal)
        locked.status = Lead.Status.CONVERTED
        locked.deal = deal
        locked.contact = contact
        locked.company = company
        locked.converted_at = now
        locked.owner = owner
        changed = ["status", "deal", "contact", "company", "converted_at", "owner", "updated_at"]
        locked.save(update_fields=changed + _first_action(locked, now))
        transaction.on_commit(
            lambda: signals.lead_converted.send(sender=Lead, lead=locked, deal=deal, actor=actor)
        )
    _refresh(
        lead,
        locked,
        ("status", "deal_id", "contact_id", "company_id", "converted_at", "owner_id", "taken_at"),
    )
    return deal


# --- web forms ------------------------------------------------------------------------------


def origin_normalize(value: str) -> str:
    """ "https://Mebel.ru:443/catalog" → "https://mebel.ru": a site as a browser names it in
    the Origin header (RFC 6454), so that the CORS check compares like with like."""
    try:
        parts = urlsplit(str(value).strip())
        port = parts.port
    except ValueError:
        parts, port = None, None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValidationError(
            _("“%(value)s” is not a site address like https://example.ru.") % {"value": value}
        )
    default = {"http": 80, "https": 443}[parts.scheme]
    suffix = f":{port}" if port and port != default else ""
    return f"{parts.scheme}://{parts.hostname.lower()}{suffix}"


WEB_FORM_FIELDS = ("name", "allowed_origins", "product", "success_message", "is_active")


def _web_form_apply(web_form: WebForm, changes: dict[str, Any]) -> None:
    unknown = set(changes) - set(WEB_FORM_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in unknown})
    errors: dict[str, list[str]] = {}
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()[:100]
        if not changes["name"]:
            errors["name"] = [_("Give the form a name.")]
    if "allowed_origins" in changes:
        origins: list[str] = []
        for value in changes["allowed_origins"] or []:
            try:
                origin = origin_normalize(value)
            except ValidationError as exc:
                errors.setdefault("allowed_origins", []).extend(exc.messages)
                continue
            if origin not in origins:
                origins.append(origin)
        changes["allowed_origins"] = origins
    if "success_message" in changes:
        changes["success_message"] = (changes["success_message"] or "").strip()[:255]
    if errors:
        raise ValidationError(errors)
    for name, value in changes.items():
        setattr(web_form, name, value)


def web_form_create(*, actor: User | None, **fields: Any) -> WebForm:
    """A web form for a site: its name, the sites allowed to send it, the product it is
    about, the thanks it answers with."""
    require_permission(actor, "deals.add_webform")
    web_form = WebForm()
    _web_form_apply(web_form, fields)
    web_form.save()
    return web_form


def web_form_update(*, actor: User | None, web_form: WebForm, **changes: Any) -> WebForm:
    require_permission(actor, "deals.change_webform")
    _web_form_apply(web_form, changes)
    web_form.save()
    return web_form


# --- channels built later: telephony and e-mail intake call these ---------------------------


def _open_lead_with(**lookup: str) -> Lead | None:
    # lower(email): the expression the e-mail index is built on.
    return (
        Lead.objects.annotate(email_lower=Lower("email"))
        .filter(status__in=OPEN_STATUSES, **lookup)
        .order_by("-created_at")
        .first()
    )


def lead_create_from_call(*, actor: User | None, phone: str) -> Lead:
    """A call from a number the base does not know. A lead still open for that number gets
    the call on its history instead of a second lead."""
    try:
        number = normalize_phone(phone)
    except ValidationError as exc:
        raise ValidationError({"phone": exc.messages}) from None
    existing = _open_lead_with(phone=number)
    if existing is not None:
        require_permission(actor, "deals.add_lead")
        _note(existing, kind=LeadNote.Kind.CALL, body=_("Called again."), author=actor)
        return existing
    return lead_create(actor=actor, channel="call", data={"phone": phone})


def lead_create_from_email(*, actor: User | None, address: str, subject: str, body: str) -> Lead:
    """An e-mail from an address the base does not know: a lead with the letter as its
    message; a lead still open for that address gets the letter on its history instead."""
    try:
        email = normalize_email(address)
    except ValidationError as exc:
        raise ValidationError({"email": exc.messages}) from None
    text = "\n\n".join(p for p in ((subject or "").strip(), (body or "").strip()) if p)
    existing = _open_lead_with(email_lower=email)
    if existing is not None:
        require_permission(actor, "deals.add_lead")
        _note(existing, kind=LeadNote.Kind.EMAIL, body=text[:MESSAGE_MAX] or "—", author=actor)
        return existing
    return lead_create(
        actor=actor, channel="email", data={"email": email, "message": text[:MESSAGE_MAX]}
    )
