"""Reads of the customer base. Every list, search, API and export starts here, scoped."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.contrib.postgres.search import TrigramSimilarity, TrigramWordSimilarity
from django.db import connection, transaction
from django.db.models import (
    CharField,
    Count,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Coalesce, Concat, Lower, Reverse, Upper

from crm.models import Role, Task, Team, User
from crm.search import search_text
from crm.selectors import tasks_visible_to

from . import masking
from .models import (
    Company,
    Consent,
    Contact,
    ContactMerge,
    CustomField,
    Email,
    Interaction,
    Phone,
    Purchase,
)
from .validators import try_normalize_phone

FULL_NAME = Upper(
    Concat("last_name", Value(" "), "first_name", Value(" "), "middle_name")
)  # the expression the trigram index is built on


def can_see_all_contacts(user: User) -> bool:
    return user.has_role(Role.ADMIN, Role.HEAD, Role.SUPERVISOR, Role.MARKETER, Role.OPERATOR)


def contacts_visible_to(user: User) -> QuerySet[Contact]:
    """The contacts ``user`` may open. Operators may open any caller, but listing the base
    is a separate permission (``contacts.list_contact``) they do not have."""
    qs = Contact.objects.filter(merged_into__isnull=True)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if can_see_all_contacts(user):
        return qs
    if user.has_role(Role.MANAGER):
        scope = Q(owner=user)
        if (
            user.team_id
            and Team.objects.filter(pk=user.team_id, visibility=Team.Visibility.TEAM).exists()
        ):
            scope |= Q(owner__team_id=user.team_id)
        return qs.filter(scope)
    return qs.none()


def companies_visible_to(user: User) -> QuerySet[Company]:
    qs = Company.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if can_see_all_contacts(user):
        return qs
    if user.has_role(Role.MANAGER):
        people = contacts_visible_to(user).filter(company__isnull=False).values("company_id")
        return qs.filter(Q(owner=user) | Q(pk__in=people))
    return qs.none()


def masked_fields_for(user: User) -> set[str]:
    """Which contact details ``user`` sees masked (settings.CONTACT_FIELD_MASKS by role)."""
    if user.has_role(Role.ADMIN):
        return set()
    masks: set[str] = set()
    for role in user.roles:
        masks |= set(settings.CONTACT_FIELD_MASKS.get(role, ()))
    # A mask applies only when none of the user's other roles sees the field in clear.
    for role in user.roles:
        if role not in settings.CONTACT_FIELD_MASKS:
            return set()
    return masks


def export_cap_for(user: User) -> int:
    """How many contacts one export may hold for ``user`` (0: no export)."""
    if not user.has_perm("contacts.export_contact"):
        return 0
    caps = [settings.CONTACT_EXPORT_CAPS.get(r, 0) for r in user.roles]
    if user.is_superuser:
        caps.append(settings.CONTACT_EXPORT_CAPS.get(Role.ADMIN, 0))
    return max(caps, default=0)


def bulk_read_cap_for(user: User) -> int | None:
    """How many records ``user`` may read in bulk per day — list and search pages, API pages
    and exports together — by role (``CONTACT_EXPORT_CAPS``); ``None`` with the audited
    permission to read without a cap (``contacts.bulk_read_unlimited``, given to integrations,
    no role has it by default). Unlike ``export_cap_for`` it does not need the export
    permission: a supervisor pages through the base without exporting it."""
    if _granted_unlimited_bulk_reads(user):
        return None
    caps = [settings.CONTACT_EXPORT_CAPS.get(r, 0) for r in user.roles]
    if user.is_superuser:
        caps.append(settings.CONTACT_EXPORT_CAPS.get(Role.ADMIN, 0))
    return max(caps, default=0)


def _granted_unlimited_bulk_reads(user: User) -> bool:
    if not user.is_superuser:
        return user.has_perm("contacts.bulk_read_unlimited")
    # A superuser "has" every permission; this one must be given by name, to them or a group.
    return Permission.objects.filter(
        Q(user=user) | Q(group__user=user),
        content_type__app_label="contacts",
        codename="bulk_read_unlimited",
    ).exists()


def contact_list(user: User) -> QuerySet[Contact]:
    """The contacts list: one query for the page, plus one per prefetched relation."""
    return (
        contacts_visible_to(user)
        .select_related("company", "owner")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            "tags",
        )
    )


def contact_card(user: User, pk: int) -> Contact:
    """One contact with everything its card shows, in a fixed number of queries."""
    return (
        contacts_visible_to(user)
        .select_related("company", "owner", "created_by")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            Prefetch("consents", queryset=Consent.objects.select_related("recorded_by")),
            "tags",
        )
        .get(pk=pk)
    )


@dataclass(frozen=True)
class TimelineCursor:
    occurred_at: dt.datetime
    id: int

    def encode(self) -> str:
        return f"{self.occurred_at.isoformat()}|{self.id}"

    @classmethod
    def decode(cls, value: str) -> TimelineCursor | None:
        try:
            when, pk = value.rsplit("|", 1)
            return cls(dt.datetime.fromisoformat(when), int(pk))
        except (ValueError, TypeError):
            return None


def interactions_timeline(
    contact: Contact,
    *,
    kinds: list[str] | None = None,
    before: TimelineCursor | None = None,
    limit: int = 30,
) -> tuple[list[Interaction], TimelineCursor | None]:
    """A page of the contact's timeline, newest first, by keyset (index-only on
    (contact, occurred_at, id) however long the history is)."""
    qs = Interaction.objects.filter(contact=contact).select_related("author")
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if before is not None:
        qs = qs.filter(
            Q(occurred_at__lt=before.occurred_at)
            | Q(occurred_at=before.occurred_at, id__lt=before.id)
        )
    rows = list(qs.order_by("-occurred_at", "-id")[: limit + 1])
    next_cursor = None
    if len(rows) > limit:
        rows = rows[:limit]
        next_cursor = TimelineCursor(rows[-1].occurred_at, rows[-1].id)
    return rows, next_cursor


def _digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def contacts_by_phone(user: User, phone: str) -> QuerySet[Contact]:
    number = try_normalize_phone(phone)
    if number is None:
        return Contact.objects.none()
    return contacts_visible_to(user).filter(
        pk__in=Phone.objects.filter(number=number, contact__isnull=False).values("contact_id")
    )


def contacts_search(user: User, query: str, *, limit: int = 20) -> list[Contact]:
    """The search box: a phone in any format, an e-mail, an INN, a name with typos, a company.

    Each branch is one indexed query; the first that matches answers.
    """
    query = search_text(query)
    if len(query) < 2:
        return []
    base = contacts_visible_to(user).select_related("company", "owner")
    digits = _digits(query)
    if "@" in query:
        address = query.lower()
        # Lower(address) is what contacts_email_lower_idx holds (pattern ops: also prefixes).
        ids = Email.objects.annotate(lower_address=Lower("address")).filter(contact__isnull=False)
        ids = (
            ids.filter(lower_address=address)
            if "." in address.split("@")[-1]
            else ids.filter(lower_address__startswith=address)
        )
        return list(base.filter(pk__in=ids.values("contact_id")[:limit])[:limit])
    if len(digits) >= 6 and len(digits) >= len(query.replace(" ", "")) - 6:
        if len(digits) in (10, 12):
            by_inn = list(base.filter(company__inn=digits)[:limit])
            if by_inn:
                return by_inn
        by_phone = list(contacts_by_phone(user, query).select_related("company", "owner")[:limit])
        if by_phone:
            return by_phone
        # A partial number: the digits the person remembers at the end, found as the beginning
        # of the reversed number (contacts_phone_suffix_idx).
        tail = Phone.objects.annotate(reversed_number=Reverse("number")).filter(
            reversed_number__startswith=digits[::-1], contact__isnull=False
        )
        return list(base.filter(pk__in=tail.values("contact_id")[:limit])[:limit])
    upper = query.upper()
    by_name = _contacts_by_name(base, upper, limit)
    if len(by_name) >= limit:
        return by_name
    companies = Company.objects.annotate(uname=Upper("name")).filter(
        uname__trigram_word_similar=upper
    )
    seen = {c.pk for c in by_name}
    by_company = base.filter(company__in=companies.values("pk")[:50]).exclude(pk__in=seen)
    return by_name + list(by_company[: limit - len(by_name)])


# pg_trgm's word-similarity threshold: strict first, then the default when the strict pass
# finds nobody. With the default alone, a correctly typed common first name lets tens of
# thousands of rows through at a million contacts (see docs/benchmarks.md).
NAME_THRESHOLDS = ("0.7", "0.6")


def _contacts_by_name(base: QuerySet[Contact], upper: str, limit: int) -> list[Contact]:
    """Contacts whose name resembles ``upper`` (typos allowed), best first.

    Ranked on the contacts table alone, then company and owner are joined for the page only: a
    common first name lets thousands of candidates through pg_trgm's threshold, and joining
    each of them before the sort costs more than ranking them.
    """
    # Word similarity gives 1.0 to every name that contains the typed words in any order;
    # plain similarity then puts "Петров Иван" before "Беспалов Иван Петрович".
    scored = base.annotate(
        full=FULL_NAME,
        score=TrigramWordSimilarity(upper, FULL_NAME),
        closeness=TrigramSimilarity(FULL_NAME, upper),
    )
    ranking = ("-score", "-closeness", "id")
    page = scored.filter(full__trigram_word_similar=upper).order_by(*ranking)
    query = scored.filter(pk__in=page.values("pk")[:limit]).order_by(*ranking)
    with transaction.atomic(), connection.cursor() as cursor:
        # NULL until pg_trgm is first used in this session: its default is then in force.
        cursor.execute("SELECT current_setting('pg_trgm.word_similarity_threshold', true)")
        before = cursor.fetchone()[0] or NAME_THRESHOLDS[-1]
        rows: list[Contact] = []
        for threshold in NAME_THRESHOLDS:
            # is_local: the setting ends with this transaction (or is restored below when an
            # outer transaction goes on).
            cursor.execute(
                "SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [threshold]
            )
            rows = list(query.all())
            if rows:
                break
        cursor.execute("SELECT set_config('pg_trgm.word_similarity_threshold', %s, true)", [before])
    return rows


def companies_search(user: User, query: str, *, limit: int = 10) -> list[Company]:
    query = search_text(query)
    if len(query) < 2:
        return []
    qs = companies_visible_to(user)
    digits = _digits(query)
    if len(digits) in (10, 12, 13, 15) and digits == query.replace(" ", ""):
        return list(qs.filter(Q(inn=digits) | Q(ogrn=digits))[:limit])
    upper = query.upper()
    return list(
        qs.annotate(uname=Upper("name"), score=TrigramWordSimilarity(upper, Upper("name")))
        .filter(uname__trigram_word_similar=upper)
        .order_by("-score", "id")[:limit]
    )


def custom_fields_visible_to(user: User) -> QuerySet[CustomField]:
    """Field definitions are not client data: whoever may see contacts reads all of them."""
    if not user.is_authenticated:
        return CustomField.objects.none()
    return CustomField.objects.order_by("target", "order", "id")


def company_list(user: User) -> QuerySet[Company]:
    """The companies list (UI and API): one query for the page, one per prefetched relation."""
    return (
        companies_visible_to(user)
        .select_related("owner")
        .prefetch_related(
            Prefetch("phones", queryset=Phone.objects.order_by("-is_primary", "id")),
            Prefetch("emails", queryset=Email.objects.order_by("-is_primary", "id")),
            "tags",
        )
    )


def _search_then_narrow(hits: list, within: QuerySet | None, ranked: bool) -> list:
    """The best matches of a search, kept only when they pass ``within`` (a list's filters),
    in match order unless ``ranked`` is off (then in ``within``'s own order)."""
    if within is None:
        return hits
    ids = [hit.pk for hit in hits]
    rows = list(within.filter(pk__in=ids))
    if ranked:
        rank = {pk: i for i, pk in enumerate(ids)}
        rows.sort(key=lambda row: rank[row.pk])
    return rows


def contacts_found(
    user: User,
    query: str,
    *,
    within: QuerySet[Contact] | None = None,
    limit: int = 20,
    ranked: bool = True,
) -> list[Contact]:
    """Search, then filter, then rank: what every door that searches contacts answers (the
    list page's box, the global search, the API's ``?search=``). ``within`` is the list's
    filtered queryset (already scoped), so a filter never shows a contact the search did not
    find, nor one the user may not see."""
    return _search_then_narrow(contacts_search(user, query, limit=limit), within, ranked)


def companies_found(
    user: User,
    query: str,
    *,
    within: QuerySet[Company] | None = None,
    limit: int = 10,
    ranked: bool = True,
) -> list[Company]:
    """``contacts_found`` for companies."""
    return _search_then_narrow(companies_search(user, query, limit=limit), within, ranked)


def contacts_split_by_visibility(
    user: User, contacts: list[Contact]
) -> tuple[list[Contact], list[Contact]]:
    """(the ones ``user`` may open, the others), each in the given order: a duplicate
    warning names the first and only counts the second, so that it reveals nobody."""
    visible = set(
        contacts_visible_to(user)
        .filter(pk__in=[c.pk for c in contacts])
        .values_list("pk", flat=True)
    )
    return [c for c in contacts if c.pk in visible], [c for c in contacts if c.pk not in visible]


def duplicate_groups(user: User, *, limit: int = 100) -> list[dict]:
    """Contacts that share a phone or an e-mail: candidates for merging.

    Each group's ``key`` is opaque (``masking.opaque_key``) and ``shown`` is the shared value
    as ``user`` may see it: the raw value never reaches the page of a role that sees masks,
    not even in an attribute."""
    visible = contacts_visible_to(user).values("pk")
    phones = (
        Phone.objects.filter(contact__in=visible)
        .values("number")
        .annotate(n=Count("contact_id", distinct=True))
        .filter(n__gt=1)
        .order_by("-n", "number")[:limit]
    )
    groups = []
    for row in phones:
        groups.append({"key": row["number"], "kind": "phone", "count": row["n"]})
    emails = (
        Email.objects.filter(contact__in=visible)
        .values(key=F("address"))
        .annotate(n=Count("contact_id", distinct=True))
        .filter(n__gt=1)
        .order_by("-n", "key")[:limit]
    )
    for row in emails:
        groups.append({"key": row["key"], "kind": "email", "count": row["n"]})
    keys_phone = [g["key"] for g in groups if g["kind"] == "phone"]
    keys_email = [g["key"] for g in groups if g["kind"] == "email"]
    members: dict[tuple[str, str], list[Contact]] = {}
    for p in Phone.objects.filter(number__in=keys_phone, contact__in=visible).select_related(
        "contact"
    ):
        members.setdefault(("phone", p.number), []).append(p.contact)
    for e in Email.objects.filter(address__in=keys_email, contact__in=visible).select_related(
        "contact"
    ):
        members.setdefault(("email", e.address), []).append(e.contact)
    masks = masked_fields_for(user)
    for g in groups:
        g["contacts"] = sorted(
            {c.pk: c for c in members.get((g["kind"], g["key"]), [])}.values(), key=lambda c: c.pk
        )
        g["shown"] = masking.point_for(g["kind"], g["key"], masks)
        g["key"] = masking.opaque_key(g["kind"], g["key"])
    return groups


def people_counts(user: User, company_ids: list[int]) -> dict[int, int]:
    """How many of each company's people ``user`` may see (the companies list's column)."""
    return dict(
        contacts_visible_to(user)
        .filter(company_id__in=company_ids)
        .values_list("company_id")
        .annotate(n=Count("id"))
        .order_by()
    )


def _counts(model: type, ids: list[int]) -> dict[int, int]:
    return dict(
        model.objects.filter(contact_id__in=ids)
        .values_list("contact_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def merge_candidates(user: User, ids: list[int]) -> list[Contact]:
    """The contacts ``user`` may see among ``ids``, each with ``moves``: how much of its
    history a merge would move (what the merge tool shows before anyone confirms)."""
    contacts = list(
        contacts_visible_to(user)
        .filter(pk__in=ids)
        .select_related("company", "owner")
        .prefetch_related("phones", "emails", "tags")
        .order_by("pk")
    )
    pks = [c.pk for c in contacts]
    counts = {
        "interactions": _counts(Interaction, pks),
        "purchases": _counts(Purchase, pks),
        "consents": _counts(Consent, pks),
    }
    for contact in contacts:
        contact.moves = {
            "interactions": counts["interactions"].get(contact.pk, 0),
            "purchases": counts["purchases"].get(contact.pk, 0),
            "phones": len(contact.phones.all()),
            "emails": len(contact.emails.all()),
            "consents": counts["consents"].get(contact.pk, 0),
            "tags": len(contact.tags.all()),
        }
    return contacts


def merges_visible_to(user: User) -> QuerySet[ContactMerge]:
    """The merge history of the contacts ``user`` may see (kept ones)."""
    return ContactMerge.objects.filter(
        kept__in=contacts_visible_to(user).values("pk")
    ).select_related("kept", "dropped", "actor", "undone_by")


def _of_visible_parties(qs: QuerySet, user: User, *, companies: bool = False) -> QuerySet:
    scope = Q(contact__in=contacts_visible_to(user).values("pk"))
    if companies:
        scope |= Q(company__in=companies_visible_to(user).values("pk"))
    return qs.filter(scope)


def phones_visible_to(user: User) -> QuerySet[Phone]:
    """Phones of the contacts and companies ``user`` may open."""
    return _of_visible_parties(Phone.objects.all(), user, companies=True)


def emails_visible_to(user: User) -> QuerySet[Email]:
    return _of_visible_parties(Email.objects.all(), user, companies=True)


def interactions_visible_to(user: User) -> QuerySet[Interaction]:
    return _of_visible_parties(Interaction.objects.select_related("author"), user)


def purchases_visible_to(user: User) -> QuerySet[Purchase]:
    return _of_visible_parties(Purchase.objects.all(), user)


def consents_visible_to(user: User) -> QuerySet[Consent]:
    return _of_visible_parties(Consent.objects.select_related("recorded_by"), user)


def contact_lookup(user: User, phone: str, *, limit: int = 10) -> list[Contact]:
    """Caller-ID: the contacts with this phone and what a screen pop shows about them.

    Two queries however long their history: the contacts with company, owner, the time of the
    last interaction (one index probe on the timeline) and the number of open tasks; then their
    consents. The most recently active contact comes first.
    """
    contact_type = ContentType.objects.get_for_model(Contact)
    open_tasks = (
        Task.objects.filter(
            content_type=contact_type,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            status=Task.Status.OPEN,
        )
        .order_by()
        .values("content_type")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last_interaction = (
        Interaction.objects.filter(contact=OuterRef("pk"))
        .order_by("-occurred_at", "-id")
        .values("occurred_at")[:1]
    )
    return list(
        contacts_by_phone(user, phone)
        .select_related("company", "owner")
        .prefetch_related("consents")
        .annotate(
            last_interaction_at=Subquery(last_interaction),
            open_tasks=Coalesce(Subquery(open_tasks), 0),
        )
        .order_by(F("last_interaction_at").desc(nulls_last=True), "-id")[:limit]
    )


OPEN_TASKS_SHOWN = 10


def open_tasks_about(user: User, party: Contact | Company) -> list[Task]:
    """The open tasks about a contact or a company that ``user`` may see, soonest first, in
    one query (the assignee and the author joined)."""
    return list(
        tasks_visible_to(user).filter(
            content_type=ContentType.objects.get_for_model(type(party)),
            object_id=str(party.pk),
            status=Task.Status.OPEN,
        )[:OPEN_TASKS_SHOWN]
    )
