"""People and companies — the *parties* a business deals with — with their phones, e-mails,
tags and custom fields.

A phone or an e-mail is a *contact point* (the word of vCard and schema.org's
``ContactPoint``): ``Phone`` and ``Email`` rows belong to a person or to a company, one of
them primary."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from crm.models import AccessLog, User
from crm.permissions import require_permission
from crm.services import access_record

from ..models import (
    Company,
    Contact,
    CustomField,
    Email,
    Interaction,
    Phone,
    Tag,
)
from ..validators import (
    clean_custom_value,
    normalize_email,
    normalize_phone,
    validate_birthday,
)
from .timeline import _event, interaction_record


class DuplicateContactError(ValidationError):
    """The phone or e-mail belongs to existing contacts; ``duplicates`` lists them."""

    def __init__(self, duplicates: list[Contact]):
        self.duplicates = duplicates
        # No names here: the caller shows only the duplicates its user may open.
        super().__init__(
            {"__all__": [_("A contact with this phone or e-mail already exists.")]},
            code="duplicate",
        )


# --- custom fields, phones, e-mails --------------------------------------------------------


def custom_fields_clean(
    target: str,
    values: dict[str, Any] | None,
    *,
    partial: bool = False,
    stored: dict[str, Any] | None = None,
    fields: dict[str, CustomField] | None = None,
) -> dict:
    """Check custom field values against their definitions; errors are keyed ``custom.<code>``.

    ``stored`` are the values already on the record, which ``values`` update. A stored value
    of a field since deactivated or removed is kept as it is (it comes back with the field)
    instead of being reported: nobody sent it, and nobody could correct it. ``fields`` are the
    target's active definitions by code, when the caller read them once for many records (an
    import); otherwise they are read here.
    """
    incoming = dict(values or {})
    stored = dict(stored or {})
    values = {**stored, **incoming}
    if fields is None:
        fields = {f.code: f for f in CustomField.objects.filter(target=target, is_active=True)}
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    for code in values:
        if code in fields:
            continue
        if code in incoming:
            errors[f"custom.{code}"] = [_("There is no such field.")]
        else:
            cleaned[code] = stored[code]
    for code, field in fields.items():
        if partial and code not in values:
            continue
        try:
            value = clean_custom_value(field, values.get(code))
        except ValidationError as exc:
            errors[f"custom.{code}"] = exc.messages
            continue
        if value is not None:
            cleaned[code] = value
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_points(
    phones: list[dict] | None, emails: list[dict] | None
) -> tuple[list[dict], list[dict]]:
    errors: dict[str, list[str]] = {}
    clean_phones, clean_emails = [], []
    seen: set[str] = set()
    for i, item in enumerate(phones or []):
        try:
            number = normalize_phone(item.get("number", ""))
        except ValidationError as exc:
            errors[f"phones.{i}.number"] = exc.messages
            continue
        if number in seen:
            continue
        seen.add(number)
        kind = item.get("kind") or Phone.Kind.MOBILE
        if kind not in Phone.Kind.values:
            errors[f"phones.{i}.kind"] = [_("Unknown kind.")]
        clean_phones.append(
            {"number": number, "kind": kind, "extension": item.get("extension", "")[:10]}
        )
    seen = set()
    for i, item in enumerate(emails or []):
        try:
            address = normalize_email(item.get("address", ""))
        except ValidationError as exc:
            errors[f"emails.{i}.address"] = exc.messages
            continue
        if address in seen:
            continue
        seen.add(address)
        kind = item.get("kind") or Email.Kind.WORK
        if kind not in Email.Kind.values:
            errors[f"emails.{i}.kind"] = [_("Unknown kind.")]
        clean_emails.append({"address": address, "kind": kind})
    if errors:
        raise ValidationError(errors)
    return clean_phones, clean_emails


def contacts_with_points(
    *, phones: list[str], emails: list[str], exclude_pk: int | None = None
) -> list[Contact]:
    """Existing (not merged-away) contacts that have any of these phones or e-mails."""
    if not phones and not emails:
        return []
    ids = set(
        Phone.objects.filter(number__in=phones, contact__isnull=False).values_list(
            "contact_id", flat=True
        )
    )
    ids |= set(
        Email.objects.annotate(a=Lower("address"))
        .filter(a__in=[e.lower() for e in emails], contact__isnull=False)
        .values_list("contact_id", flat=True)
    )
    ids.discard(exclude_pk)
    return list(Contact.objects.filter(pk__in=ids, merged_into__isnull=True).order_by("pk")[:20])


def _replace_points(
    owner: Contact | Company, phones: list[dict] | None, emails: list[dict] | None
) -> None:
    key = "contact" if isinstance(owner, Contact) else "company"
    if phones is not None:
        Phone.objects.filter(**{key: owner}).delete()
        Phone.objects.bulk_create(
            Phone(**{key: owner}, is_primary=(i == 0), **p) for i, p in enumerate(phones)
        )
    if emails is not None:
        Email.objects.filter(**{key: owner}).delete()
        Email.objects.bulk_create(
            Email(**{key: owner}, is_primary=(i == 0), **e) for i, e in enumerate(emails)
        )


def tags_resolve(names: list[str]) -> list[Tag]:
    tags = []
    for name in {n.strip()[:60] for n in names if n and n.strip()}:
        tag = Tag.objects.filter(name__iexact=name).first()
        if tag is None:
            try:
                with transaction.atomic():
                    tag = Tag.objects.create(name=name)
            except IntegrityError:
                tag = Tag.objects.get(name__iexact=name)
        tags.append(tag)
    return tags


def _full_clean(obj: models.Model, exclude: list[str] | None = None) -> None:
    try:
        obj.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise ValidationError(exc.message_dict) from None


# --- contacts and companies ----------------------------------------------------------------


def _party_validate(
    party: Contact | Company,
    *,
    creating: bool,
    phones: list[dict] | None,
    emails: list[dict] | None,
    custom: dict[str, Any] | None,
    errors: dict[str, list[str]] | None = None,
) -> tuple[list[dict] | None, list[dict] | None]:
    """Check a person or company with its phones, e-mails and custom fields, all at once, so
    that the user sees every problem in one answer; returns the normalised phones and e-mails
    (None for a list that is not being changed)."""
    errors = dict(errors or {})
    try:
        _full_clean(party, exclude=["custom"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if isinstance(party, Contact) and "birthday" not in errors:
        try:
            validate_birthday(party.birthday)
        except ValidationError as exc:
            errors["birthday"] = exc.messages
    clean_phones = clean_emails = None
    if creating or phones is not None or emails is not None:
        try:
            found_phones, found_emails = _clean_points(phones, emails)
            clean_phones = found_phones if creating or phones is not None else None
            clean_emails = found_emails if creating or emails is not None else None
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if creating or custom is not None:
        target = (
            CustomField.Target.CONTACT if isinstance(party, Contact) else CustomField.Target.COMPANY
        )
        try:
            party.custom = custom_fields_clean(
                target, custom, stored=None if creating else party.custom
            )
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return clean_phones, clean_emails


def _party_save(
    party: Contact | Company,
    phones: list[dict] | None,
    emails: list[dict] | None,
    tags: list[str] | None,
) -> None:
    party.save()
    _replace_points(party, phones, emails)
    if tags is not None:
        party.tags.set(tags_resolve(tags))


def _party_new(model, data: dict[str, Any], actor: User | None):
    party = model(**{k: v for k, v in data.items() if k in model.EDITABLE_FIELDS})
    party.created_by = actor
    if party.owner_id is None and actor is not None:
        party.owner = actor
    return party


def contact_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
    allow_duplicate: bool = False,
) -> Contact:
    """Create a person with their phones and e-mails.

    Raises ``DuplicateContactError`` when a phone or e-mail already belongs to someone, unless
    ``allow_duplicate`` (the user saw the warning and chose to create anyway).
    """
    require_permission(actor, "contacts.add_contact")
    contact = _party_new(Contact, data, actor)
    errors = {}
    if not (contact.first_name or contact.last_name or phones or emails):
        errors["last_name"] = [_("Give at least a name, a phone or an e-mail.")]
    clean_phones, clean_emails = _party_validate(
        contact, creating=True, phones=phones, emails=emails, custom=custom, errors=errors
    )
    if not allow_duplicate:
        dupes = contacts_with_points(
            phones=[p["number"] for p in clean_phones], emails=[e["address"] for e in clean_emails]
        )
        if dupes:
            raise DuplicateContactError(dupes)
    with transaction.atomic():
        _party_save(contact, clean_phones, clean_emails, tags or None)
        interaction_record(
            contact=contact,
            kind=Interaction.Kind.SYSTEM,
            author=actor,
            **_event("contact_created"),
        )
    return contact


def _party_update(
    party: Contact | Company,
    *,
    data: dict[str, Any] | None,
    phones: list[dict] | None,
    emails: list[dict] | None,
    tags: list[str] | None,
    custom: dict[str, Any] | None,
) -> None:
    for key, value in (data or {}).items():
        if key in party.EDITABLE_FIELDS:
            setattr(party, key, value)
    clean_phones, clean_emails = _party_validate(
        party, creating=False, phones=phones, emails=emails, custom=custom
    )
    with transaction.atomic():
        _party_save(party, clean_phones, clean_emails, tags)


def contact_update(
    *,
    actor: User | None,
    contact: Contact,
    data: dict[str, Any] | None = None,
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Contact:
    require_permission(actor, "contacts.change_contact")
    _party_update(contact, data=data, phones=phones, emails=emails, tags=tags, custom=custom)
    return contact


def company_create(
    *,
    actor: User | None,
    data: dict[str, Any],
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Company:
    require_permission(actor, "contacts.add_company")
    company = _party_new(Company, data, actor)
    clean_phones, clean_emails = _party_validate(
        company, creating=True, phones=phones, emails=emails, custom=custom
    )
    with transaction.atomic():
        _party_save(company, clean_phones, clean_emails, tags or None)
    return company


def company_update(
    *,
    actor: User | None,
    company: Company,
    data: dict[str, Any] | None = None,
    phones: list[dict] | None = None,
    emails: list[dict] | None = None,
    tags: list[str] | None = None,
    custom: dict[str, Any] | None = None,
) -> Company:
    require_permission(actor, "contacts.change_company")
    _party_update(company, data=data, phones=phones, emails=emails, tags=tags, custom=custom)
    return company


def contact_viewed(*, user: User, contact: Contact, ip_address: str | None = None) -> None:
    """Every card view goes to the access log (and may raise a mass-viewing alert)."""
    access_record(user=user, action=AccessLog.Action.VIEW, obj=contact, ip_address=ip_address)


def company_viewed(*, user: User, company: Company, ip_address: str | None = None) -> None:
    """A company card, through any door, is logged like a contact's."""
    access_record(user=user, action=AccessLog.Action.VIEW, obj=company, ip_address=ip_address)


# --- one phone or e-mail at a time, removal of companies -----------------------------------


# How each kind of contact point is checked: the field that holds it, how it is normalised,
# and the lookup that finds the same value on the same card.
_POINT_RULES = {
    Phone: ("number", normalize_phone, "number"),
    Email: ("address", normalize_email, "address__iexact"),
}


def _owner_of(point: Phone | Email) -> dict[str, int]:
    if point.contact_id:
        return {"contact_id": point.contact_id}
    return {"company_id": point.company_id}


def _point_save(*, actor: User | None, point: Phone | Email, make_primary: bool) -> None:
    model = type(point)
    verb = "change" if point.pk else "add"
    require_permission(actor, f"contacts.{verb}_{model._meta.model_name}")
    value_field, normalize, same_value = _POINT_RULES[model]
    errors: dict[str, list[str]] = {}
    try:
        setattr(point, value_field, normalize(getattr(point, value_field)))
    except ValidationError as exc:
        errors[value_field] = exc.messages
    if point.kind not in model.Kind.values:
        errors["kind"] = [_("Unknown kind.")]
    if errors:
        raise ValidationError(errors)
    siblings = model.objects.filter(**_owner_of(point)).exclude(pk=point.pk)
    if siblings.filter(**{same_value: getattr(point, value_field)}).exists():
        raise ValidationError({value_field: [_("It is already on this card.")]})
    with transaction.atomic():
        if make_primary or not siblings.filter(is_primary=True).exists():
            siblings.filter(is_primary=True).update(is_primary=False)
            point.is_primary = True
        try:
            with transaction.atomic():
                point.save()
        except IntegrityError:  # the same value added at the same moment by someone else
            raise ValidationError({value_field: [_("It is already on this card.")]}) from None


def phone_save(*, actor: User | None, phone: Phone, make_primary: bool = False) -> Phone:
    """Add or change one phone of a contact or a company; the first one becomes primary."""
    _point_save(actor=actor, point=phone, make_primary=make_primary)
    return phone


def email_save(*, actor: User | None, email: Email, make_primary: bool = False) -> Email:
    """Add or change one e-mail of a contact or a company; the first one becomes primary."""
    _point_save(actor=actor, point=email, make_primary=make_primary)
    return email


def contact_point_remove(*, actor: User | None, point: Phone | Email) -> None:
    """Remove a phone or e-mail; when it was the primary one, the next becomes primary.

    Removing one is editing the card it is on: the roles that change phones remove them."""
    model = type(point)
    require_permission(actor, f"contacts.change_{model._meta.model_name}")
    with transaction.atomic():
        point.delete()
        if point.is_primary:
            following = model.objects.filter(**_owner_of(point)).order_by("id").first()
            if following is not None:
                model.objects.filter(pk=following.pk).update(is_primary=True)


def company_delete(*, actor: User, company: Company) -> None:
    """Delete a company; its people stay, without a company."""
    require_permission(actor, "contacts.delete_company", _("You cannot delete companies."))
    try:
        with transaction.atomic():
            company.delete()
    except models.ProtectedError:
        raise ValidationError(
            _("Other records refer to this company; it cannot be deleted.")
        ) from None
