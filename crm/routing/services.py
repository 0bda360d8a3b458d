"""The routing engine's verbs: route an item, reassign what was not taken in time, and manage
the rules.

How two workers routing at the same time stay correct (see ``routing_route``):

1. The item's row is locked first, with ``SKIP LOCKED``: a second worker given the same item
   (a retried message, a duplicate signal) does not wait for the first and then route it
   again — it skips it, and once the first commits the item is assigned and nothing more
   happens. On top of that, a partial unique index allows one current assignment per item.
2. The chosen rule's round-robin pointer row is locked (waiting, not skipping) before anyone
   is chosen: workers routing items of one rule take their turns one after the other, each
   reading the pointer the previous one committed, so nobody is given two items in a row while
   another is skipped, and loads counted against caps are the committed ones.
3. When a cap applies, the chosen person's row is locked too (``FOR NO KEY UPDATE``) and their
   load counted again under that lock: two rules sharing a person cannot both hand them the
   item that takes them over the cap.
"""

from __future__ import annotations

import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.models import User, WorkingHours
from crm.permissions import require_permission
from crm.services import notification_create

from .conditions import conditions_hold
from .kinds import ROUTING_KINDS, RoutingKind, routing_kind
from .models import Assignment, RoundRobinPointer, RoutingProfile, RoutingRule, Strategy
from .reasons import reason_render

log = logging.getLogger(__name__)

# How many overdue assignments one sweep handles; the next beat tick takes the rest.
SWEEP_BATCH = 500


# --- who may take an item now ----------------------------------------------------------------


def _local(user: User, now: dt.datetime) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(user.time_zone or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return now.astimezone(zone)


def within_working_hours(user: User, now: dt.datetime) -> bool:
    """Whether ``now`` falls in the person's working hours, read in their own time zone. A
    person with no working hours set has no schedule and takes work at any time; one with
    hours on other weekdays only is off today. Reads the (weekday, start, end) rows that
    ``_people`` attached, or the person's working hours."""
    hours = getattr(user, "routing_hours", None)
    if hours is None:
        hours = [(h.weekday, h.starts_at, h.ends_at) for h in user.working_hours.all()]
    if not hours:
        return True
    local = _local(user, now)
    moment, weekday = local.time(), local.weekday()
    return any(day == weekday and start <= moment < end for day, start, end in hours)


def _cap_of(rule: RoutingRule, user: User) -> int | None:
    profile = getattr(user, "routing_profile_cached", None)
    caps = [c for c in (rule.cap, profile.cap if profile else None) if c is not None]
    return min(caps) if caps else None


def why_not(user: User, *, now: dt.datetime, load: int, cap: int | None) -> str | None:
    """Why the person cannot be given an item now (a code), or None when they can."""
    if not user.is_active:
        return "inactive"
    if user.availability != User.Availability.AVAILABLE:
        return user.availability
    if not within_working_hours(user, now):
        return "off_hours"
    if cap is not None and load >= cap:
        return "cap"
    return None


# --- the people of a rule --------------------------------------------------------------------


def _people(users: Iterable[User]) -> list[User]:
    """Attach what eligibility and the strategies read: the routing profile (None without
    one) and the working hours as plain rows (one query for everyone; routing reads them for
    every item, so no model instances are made for them)."""
    users = list(users)
    hours: dict[int, list] = {u.pk: [] for u in users}
    rows = WorkingHours.objects.filter(user_id__in=list(hours)).values_list(
        "user_id", "weekday", "starts_at", "ends_at"
    )
    for user_id, weekday, starts_at, ends_at in rows:
        hours[user_id].append((weekday, starts_at, ends_at))
    for user in users:
        user.routing_hours = hours[user.pk]
        try:
            user.routing_profile_cached = user.routing_profile
        except ObjectDoesNotExist:
            user.routing_profile_cached = None
    return users


# What routing reads of a person; the rest of the row (password, …) stays in the database.
PERSON_FIELDS = (
    "id",
    "email",
    "first_name",
    "last_name",
    "team_id",
    "availability",
    "time_zone",
    "is_active",
    "language",
)


def _people_query():
    return User.objects.select_related("routing_profile").only(
        *PERSON_FIELDS,
        "routing_profile__skills",
        "routing_profile__regions",
        "routing_profile__cap",
        "routing_profile__user_id",
    )


def rule_candidates(rule: RoutingRule) -> list[User]:
    """The rule's people, in their turn order (by id): those named, and the members of its team
    except the team's head (a head takes items only when named). Two queries."""
    scope = Q(pk__in=rule.people.values("pk"))
    if rule.team_id:
        team_members = Q(team_id=rule.team_id)
        head_id = rule.team.head_id
        if head_id:
            team_members &= ~Q(pk=head_id)
        scope |= team_members
    return _people(_people_query().filter(scope, is_active=True).order_by("pk").distinct())


def _display(user: User) -> str:
    return user.get_full_name() or user.email


# --- choosing --------------------------------------------------------------------------------


def _rotation(candidates: list[User], last_user_id: int | None) -> list[User]:
    """The turn order starting after the last person served."""
    if last_user_id is None:
        return list(candidates)
    after = [u for u in candidates if u.pk > last_user_id]
    before = [u for u in candidates if u.pk <= last_user_id]
    return after + before


def _eligible(rule, users, *, now, loads, exclude) -> tuple[list[tuple[User, int]], list[dict]]:
    """(eligible people with their turn number, skip parts for those passed over)."""
    eligible, skipped = [], []
    for turn, user in enumerate(users, start=1):
        cap = _cap_of(rule, user)
        why = (
            "excluded"
            if user.pk in exclude
            else why_not(user, now=now, load=loads.get(user.pk, 0), cap=cap)
        )
        if why is None:
            eligible.append((user, turn))
        else:
            skipped.append({"c": "skip", "name": _display(user), "why": why, "cap": cap})
    return eligible, skipped


def _round_robin(rule, candidates, pointer, *, now, loads, exclude) -> list[tuple[User, list]]:
    rotation = _rotation(candidates, pointer.last_user_id)
    order = []
    passed: list[dict] = []
    for turn, user in enumerate(rotation, start=1):
        cap = _cap_of(rule, user)
        why = (
            "excluded"
            if user.pk in exclude
            else why_not(user, now=now, load=loads.get(user.pk, 0), cap=cap)
        )
        if why is None:
            order.append((user, [{"c": "round_robin", "turn": turn}, *passed]))
        else:
            # Only those passed over before the person chosen explain the choice.
            passed = [*passed, {"c": "skip", "name": _display(user), "why": why, "cap": cap}]
    return order


def _least_loaded(rule, candidates, pointer, *, now, loads, exclude) -> list[tuple[User, list]]:
    rotation = _rotation(candidates, pointer.last_user_id)
    eligible, _skipped = _eligible(rule, rotation, now=now, loads=loads, exclude=exclude)
    # Ties go to whoever is next in turn, so equal loads still rotate.
    eligible.sort(key=lambda pair: (loads.get(pair[0].pk, 0), pair[1]))
    return [(u, [{"c": "least_loaded", "load": loads.get(u.pk, 0)}]) for u, _turn in eligible]


def _skills(
    rule, candidates, pointer, *, now, loads, exclude, kind, item
) -> list[tuple[User, list]]:
    wanted = {s.casefold() for s in kind.skills(item) if s}
    territory = (kind.territory(item) or "").casefold()
    rotation = _rotation(candidates, pointer.last_user_id)
    eligible, _skipped = _eligible(rule, rotation, now=now, loads=loads, exclude=exclude)
    matched = []
    for user, turn in eligible:
        profile = user.routing_profile_cached
        skills = {s.casefold() for s in (profile.skills if profile else [])}
        regions = {r.casefold() for r in (profile.regions if profile else [])}
        hits = sorted(wanted & skills)
        if territory and territory in regions:
            hits.append(kind.territory(item))
        if hits:
            matched.append((len(hits), user, turn, hits))
    # Most matches first, then the least loaded, then whoever is next in turn.
    matched.sort(key=lambda m: (-m[0], loads.get(m[1].pk, 0), m[2]))
    order = [(user, [{"c": "skills", "matched": hits}]) for _n, user, _t, hits in matched]
    chosen = {user.pk for user, _parts in order}
    rest = sorted(
        ((u, t) for u, t in eligible if u.pk not in chosen),
        key=lambda pair: (loads.get(pair[0].pk, 0), pair[1]),
    )
    return order + [
        (u, [{"c": "no_skills"}, {"c": "least_loaded", "load": loads.get(u.pk, 0)}])
        for u, _t in rest
    ]


def _sticky(
    rule, candidates, pointer, *, now, loads, exclude, kind, item
) -> list[tuple[User, list]]:
    manager_id = kind.client_manager(item)
    first: list[tuple[User, list]] = []
    missed: list[dict] = []
    if manager_id:
        manager = next((u for u in candidates if u.pk == manager_id), None)
        if manager is None:
            found = _people_query().filter(pk=manager_id).first()
            manager = _people([found])[0] if found else None
        if manager is not None:
            load = loads.get(manager.pk)
            if load is None:
                load = kind.load([manager.pk]).get(manager.pk, 0)
                loads[manager.pk] = load
            cap = _cap_of(rule, manager)
            why = (
                "excluded"
                if manager.pk in exclude
                else why_not(manager, now=now, load=load, cap=cap)
            )
            if why is None:
                first = [(manager, [{"c": "sticky"}])]
            else:
                missed = [{"c": "sticky_missed", "name": _display(manager), "why": why, "cap": cap}]
    others = [c for c in candidates if c.pk != manager_id]
    fallback = _round_robin(rule, others, pointer, now=now, loads=loads, exclude=exclude)
    return first + [(u, [*missed, *parts]) for u, parts in fallback]


# --- routing ---------------------------------------------------------------------------------


def _rule_for(kind: RoutingKind, item, now: dt.datetime) -> RoutingRule | None:
    local_now = timezone.localtime(now)
    rules = RoutingRule.objects.filter(kind=kind.code, is_active=True).select_related("team")
    for rule in rules.order_by("order", "pk"):
        if conditions_hold(kind, item, rule.conditions, local_now):
            return rule
    return None


def _pointer_locked(rule: RoutingRule) -> RoundRobinPointer:
    pointer = RoundRobinPointer.objects.select_for_update().filter(rule=rule).first()
    if pointer is None:
        RoundRobinPointer.objects.get_or_create(rule=rule)
        pointer = RoundRobinPointer.objects.select_for_update().get(rule=rule)
    return pointer


def _needs_loads(rule: RoutingRule, candidates: list[User]) -> bool:
    return (
        rule.strategy in (Strategy.LEAST_LOADED, Strategy.SKILLS)
        or rule.cap is not None
        or any(
            u.routing_profile_cached and u.routing_profile_cached.cap is not None
            for u in candidates
        )
    )


def _under_cap_locked(kind: RoutingKind, rule: RoutingRule, user: User) -> tuple[bool, int]:
    """Lock the person's row and count their load again, from what is committed now."""
    cap = _cap_of(rule, user)
    if cap is None:
        return True, 0
    User.objects.select_for_update(no_key=True).filter(pk=user.pk).values_list("pk").first()
    load = kind.load([user.pk]).get(user.pk, 0)
    return load < cap, load


def _site_language_reason(details: list[dict]) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reason_render(details)[:500]


def _route(
    kind: RoutingKind,
    item,
    *,
    now: dt.datetime,
    exclude: frozenset[int] = frozenset(),
    previous: Assignment | None = None,
) -> Assignment | None:
    """Choose a person for the locked ``item`` and assign it; None when no rule takes it or
    nobody can. Runs inside the caller's transaction."""
    rule = _rule_for(kind, item, now)
    if rule is None:
        return None
    # Everything that does not depend on whose turn it is is read before the turn is locked:
    # workers wait on the pointer only for the choice and the writes.
    candidates = rule_candidates(rule)
    pointer = _pointer_locked(rule)
    loads = kind.load([u.pk for u in candidates]) if _needs_loads(rule, candidates) else {}
    strategy = rule.strategy
    args = {"now": now, "loads": loads, "exclude": exclude}
    if strategy == Strategy.LEAST_LOADED:
        order = _least_loaded(rule, candidates, pointer, **args)
    elif strategy == Strategy.SKILLS:
        order = _skills(rule, candidates, pointer, kind=kind, item=item, **args)
    elif strategy == Strategy.STICKY:
        order = _sticky(rule, candidates, pointer, kind=kind, item=item, **args)
    else:
        order = _round_robin(rule, candidates, pointer, **args)

    over_cap: list[dict] = []
    for user, parts in order:
        fits, _load = _under_cap_locked(kind, rule, user)
        if not fits:
            over_cap.append(
                {"c": "skip", "name": _display(user), "why": "cap", "cap": _cap_of(rule, user)}
            )
            continue
        details = [{"c": "rule", "name": rule.name}]
        if previous is not None:
            details.append(
                {
                    "c": "reassigned",
                    "name": _display(previous.user),
                    "minutes": rule.take_within_minutes
                    or int((now - previous.assigned_at).total_seconds() // 60),
                }
            )
        details += parts + over_cap
        return _assign(
            kind,
            item,
            user=user,
            rule=rule,
            details=details,
            now=now,
            previous=previous,
            pointer=pointer,
        )
    _notify_nobody(kind, item, rule, now=now)
    return None


def _assign(kind, item, *, user, rule, details, now, previous, pointer) -> Assignment:
    reason = _site_language_reason(details)
    if previous is not None:
        previous.is_current = False
        previous.ended_at = now
        previous.save(update_fields=["is_current", "ended_at"])
    assignment = Assignment.objects.create(
        kind=kind.code,
        item_id=item.pk,
        user=user,
        rule=rule,
        strategy=rule.strategy,
        reason=reason,
        details=details,
        assigned_at=now,
        due_at=now + dt.timedelta(minutes=rule.take_within_minutes)
        if rule.take_within_minutes
        else None,
        reassigned_from=previous.user if previous is not None else None,
    )
    if not any(p.get("c") == "sticky" for p in details):
        # The client's own manager is served out of turn: the round robin goes on as it was.
        pointer.last_user = user
        pointer.turns += 1
        pointer.save(update_fields=["last_user", "turns"])
    kind.assign(item, user, reason)
    return assignment


def _head_of(rule: RoutingRule | None, user: User | None) -> User | None:
    team_id = (rule.team_id if rule else None) or (user.team_id if user else None)
    if not team_id:
        return None
    return User.objects.filter(headed_teams__pk=team_id, is_active=True).first()


def _notify_nobody(kind: RoutingKind, item, rule: RoutingRule, *, now: dt.datetime) -> None:
    head = _head_of(rule, None)
    if head is None:
        log.info("routing: nobody can take %s #%s under rule %s", kind.code, item.pk, rule.pk)
        return
    with translation.override(head.language or settings.LANGUAGE_CODE):
        notification_create(
            recipient=head,
            kind="routing",
            title=_("Nobody can take %(item)s now") % {"item": kind.item_label(item)},
            body=_(
                "Rule “%(rule)s”: everyone is away, off work or at the cap. It will be "
                "assigned when someone is free."
            )
            % {"rule": rule.name},
            url=kind.item_url(item),
            dedupe_key=f"routing:nobody:{kind.code}:{item.pk}",
        )


def _commit_without_waiting_for_the_disk() -> None:
    """Commit this transaction without waiting for its WAL to reach the disk.

    A round robin's workers take the rule's turn one after another, and each holds the turn
    until its commit: waiting for the disk at every commit would make the flush time of the
    disk the pace of all routing (about 20 leads a second on a slow disk). Nothing becomes
    inconsistent this way — PostgreSQL only may lose the last fraction of a second of such
    commits if the server itself crashes — and a lead that loses its assignment like that is
    new and without a manager again, so the sweep (every minute) routes it again.
    """
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def routing_route(*, kind: str, item_id: int, now: dt.datetime | None = None) -> Assignment | None:
    """Assign the item to a person by the first active rule of its kind whose conditions hold;
    None when it is gone, already assigned, being routed by another worker right now, or no
    rule or nobody can take it (the sweep tries again later)."""
    routing = routing_kind(kind)
    now = now or timezone.now()
    outermost = not transaction.get_connection().in_atomic_block
    with transaction.atomic():
        if outermost:
            _commit_without_waiting_for_the_disk()
        # SKIP LOCKED: an item another worker holds is theirs to route (see the module's
        # docstring); waiting for it would only find it assigned.
        item = (
            routing.model._default_manager.select_for_update(skip_locked=True)
            .filter(pk=item_id)
            .first()
        )
        if item is None or routing.is_assigned(item):
            return None
        return _route(routing, item, now=now)


def routing_route_pending(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Route again the items that came in and still have nobody (everyone was away)."""
    routed = 0
    for code, routing in ROUTING_KINDS.items():
        for item_id in list(routing.pending())[:limit]:
            if routing_route(kind=code, item_id=item_id, now=now) is not None:
                routed += 1
    return routed


def _reassign_one(*, assignment_id: int, now: dt.datetime) -> bool:
    with transaction.atomic():
        # SKIP LOCKED: two sweeps racing each take different assignments.
        current = (
            Assignment.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=assignment_id, is_current=True, taken_at__isnull=True)
            .select_related("user", "rule")
            .first()
        )
        if current is None:
            return False
        routing = ROUTING_KINDS.get(current.kind)
        if routing is None:
            return False
        item = (
            routing.model._default_manager.select_for_update(skip_locked=True)
            .filter(pk=current.item_id)
            .first()
        )
        if item is None:
            if not routing.model._default_manager.filter(pk=current.item_id).exists():
                current.due_at = None
                current.save(update_fields=["due_at"])
            return False
        if routing.is_taken(item):
            current.taken_at = now
            current.save(update_fields=["taken_at"])
            return False
        new = _route(routing, item, now=now, exclude=frozenset({current.user_id}), previous=current)
        head = _head_of(current.rule, current.user)
        if new is None:
            # Nobody else can take it: it stays with the person, and the head decides.
            current.due_at = None
            current.save(update_fields=["due_at"])
        if head is not None:
            with translation.override(head.language or settings.LANGUAGE_CODE):
                label = routing.item_label(item)
                if new is not None:
                    title = _("%(item)s reassigned: %(old)s did not take it in time") % {
                        "item": label,
                        "old": _display(current.user),
                    }
                    body = _("Now with %(new)s. %(reason)s") % {
                        "new": _display(new.user),
                        "reason": new.reason_text,
                    }
                else:
                    title = _("%(item)s not taken in time by %(old)s") % {
                        "item": label,
                        "old": _display(current.user),
                    }
                    body = _("Nobody else can take it now; it stays with them.")
                notification_create(
                    recipient=head,
                    kind="routing",
                    title=title,
                    body=body,
                    url=routing.item_url(item),
                    dedupe_key=f"routing:overdue:{current.pk}",
                )
        return new is not None


def routing_reassign_overdue(*, now: dt.datetime | None = None) -> int:
    """Reassign the items not taken into work within their rule's limit, telling the team's
    head; return how many were reassigned. Run by beat every minute."""
    now = now or timezone.now()
    ids = list(
        Assignment.objects.filter(
            is_current=True, taken_at__isnull=True, due_at__isnull=False, due_at__lte=now
        )
        .order_by("due_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    return sum(_reassign_one(assignment_id=pk, now=now) for pk in ids)


# --- rules -----------------------------------------------------------------------------------

RULE_FIELDS = (
    "kind",
    "name",
    "order",
    "conditions",
    "team",
    "strategy",
    "cap",
    "take_within_minutes",
    "is_active",
)


NO_TARGET = gettext_lazy(
    "Name a team or people to assign to: a rule with no target routes nothing."
)


def _check_target(rule: RoutingRule, people: list[User]) -> None:
    if rule.team_id is None and not people:
        raise ValidationError({"team": NO_TARGET})


@transaction.atomic
def routing_rule_create(
    *, actor: User | None, people: Iterable[User] = (), **values
) -> RoutingRule:
    require_permission(actor, "routing.add_routingrule")
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown rule fields: {sorted(unknown)}")
    rule = RoutingRule(**values)
    people = list(people)
    rule.full_clean()
    _check_target(rule, people)
    rule.save()
    rule.people.set(people)
    RoundRobinPointer.objects.create(rule=rule)
    return rule


@transaction.atomic
def routing_rule_update(
    *, actor: User | None, rule: RoutingRule, people: Iterable[User] | None = None, **changes
) -> RoutingRule:
    require_permission(actor, "routing.change_routingrule")
    unknown = set(changes) - set(RULE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown rule fields: {sorted(unknown)}")
    rule = RoutingRule.objects.select_for_update().get(pk=rule.pk)
    for name, value in changes.items():
        setattr(rule, name, value)
    rule.full_clean()
    people = list(people) if people is not None else list(rule.people.all())
    _check_target(rule, people)
    rule.save()
    rule.people.set(people)
    return rule


@transaction.atomic
def routing_rule_delete(*, actor: User | None, rule: RoutingRule) -> None:
    require_permission(actor, "routing.delete_routingrule")
    rule.delete()


@transaction.atomic
def routing_profile_set(
    *, actor: User | None, user: User, skills: list[str], regions: list[str], cap: int | None
) -> RoutingProfile:
    require_permission(actor, "routing.change_routingprofile")
    profile, _created = RoutingProfile.objects.get_or_create(user=user)
    profile.skills, profile.regions, profile.cap = skills, regions, cap
    profile.full_clean()
    profile.save()
    return profile
