"""The routing engine's verbs: route an item, reassign what was not taken in time, and manage
the rules.

How workers routing at the same time stay correct. Items are routed in batches, one
transaction per batch (see ``routing_route_batch``; ``routing_route`` is a batch of one):

1. The batch's item rows are locked first, with ``SKIP LOCKED``: workers starting at once take
   disjoint batches, and a second worker given an item being routed (a retried message, a
   duplicate signal) does not wait for the first and then route it again — it skips it, and
   once the first commits the item is assigned and nothing more happens. On top of that, a
   partial unique index allows one current assignment per item.
2. The round-robin pointer rows of the rules the batch's items fall under are locked (waiting,
   not skipping; in the order of the rules' ids, so that two batches cannot deadlock) before
   anyone is chosen: batches of one rule take their turns one after the other, each reading
   the pointer the previous one committed, so nobody is given two items in a row while another
   is skipped, and loads counted against caps are the committed ones.
3. When a cap applies, the capped people's rows are locked too (``FOR NO KEY UPDATE``, after
   the pointers, in the order of ids) and their loads counted under those locks: two rules
   sharing a person cannot both hand them the item that takes them over the cap.
4. Inside the batch the choices are made in memory, item after item, the turn moving on and
   each item given counting in its person's load, so the batch assigns exactly as the same
   items routed one by one would.
5. A task started for one new item routes a batch of the items waiting (``routing_route_
   with_pending``); the tasks of the other items of the burst then find theirs taken, first
   by a note in the cache (a hint only, see ``CLAIMED_HINT_SECONDS``), else by the row.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
import zoneinfo
from collections.abc import Iterable

from django.conf import settings
from django.core.cache import cache
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
# How many items one transaction routes. Bigger batches hold a rule's turn longer (other
# batches of the rule wait for it) but pay the fixed cost of a batch over more items.
BATCH = 200
# A worker reads this many batches' worth of pending ids: workers starting at once lock
# different rows of them, so each finds a full batch.
PENDING_READ = 4


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
    rule, candidates, pointer, *, now, loads, exclude, manager: User | None
) -> list[tuple[User, list]]:
    """The client's own manager (read for the whole batch beforehand) first, then the round
    robin of the others."""
    first: list[tuple[User, list]] = []
    missed: list[dict] = []
    if manager is not None:
        cap = _cap_of(rule, manager)
        why = (
            "excluded"
            if manager.pk in exclude
            else why_not(manager, now=now, load=loads.get(manager.pk, 0), cap=cap)
        )
        if why is None:
            first = [(manager, [{"c": "sticky"}])]
        else:
            missed = [{"c": "sticky_missed", "name": _display(manager), "why": why, "cap": cap}]
    others = [c for c in candidates if manager is None or c.pk != manager.pk]
    fallback = _round_robin(rule, others, pointer, now=now, loads=loads, exclude=exclude)
    return first + [(u, [*missed, *parts]) for u, parts in fallback]


# --- routing ---------------------------------------------------------------------------------


def _active_rules(kind: RoutingKind) -> list[RoutingRule]:
    return list(
        RoutingRule.objects.filter(kind=kind.code, is_active=True)
        .select_related("team")
        .order_by("order", "pk")
    )


def _rule_for(kind: RoutingKind, item, rules: list[RoutingRule], local_now) -> RoutingRule | None:
    for rule in rules:
        if conditions_hold(kind, item, rule.conditions, local_now):
            return rule
    return None


def _pointers_locked(rules: Iterable[RoutingRule]) -> dict[int, RoundRobinPointer]:
    """Lock the rules' round-robin pointers, in the order of the rules' ids: two batches that
    both touch rules A and B then always take A first, so neither can hold B while waiting for
    A held by the other (a deadlock, which PostgreSQL would end by failing one of them)."""
    rule_ids = sorted({rule.pk for rule in rules})
    # A rule made before pointers were created with it, or whose pointer was lost.
    RoundRobinPointer.objects.bulk_create(
        [RoundRobinPointer(rule_id=pk) for pk in rule_ids], ignore_conflicts=True
    )
    pointers = RoundRobinPointer.objects.select_for_update().filter(rule_id__in=rule_ids)
    return {p.rule_id: p for p in pointers.order_by("rule_id")}


def _choose(kind, rule, candidates, pointer, *, now, loads, exclude, item, manager):
    args = {"now": now, "loads": loads, "exclude": exclude}
    if rule.strategy == Strategy.LEAST_LOADED:
        return _least_loaded(rule, candidates, pointer, **args)
    if rule.strategy == Strategy.SKILLS:
        return _skills(rule, candidates, pointer, kind=kind, item=item, **args)
    if rule.strategy == Strategy.STICKY:
        return _sticky(rule, candidates, pointer, manager=manager, **args)
    return _round_robin(rule, candidates, pointer, **args)


def _route_many(
    kind: RoutingKind,
    items: list,
    *,
    now: dt.datetime,
    exclude: dict[int, frozenset[int]] | None = None,
    previous: dict[int, Assignment] | None = None,
) -> dict[int, Assignment | None]:
    """Choose a person for each of the locked ``items``, in their order, and assign them all;
    item id → the assignment, or None when no rule takes the item or nobody can. Runs inside
    the caller's transaction (one for the whole batch).

    Everything is read once for the batch and the choices are made in memory, as if the items
    came one after another: the turn moves on from item to item, and each item given to a
    person counts in their load for the next ones, so caps and "least loaded" stay exact.
    """
    exclude = exclude or {}
    previous = previous or {}
    results: dict[int, Assignment | None] = {item.pk: None for item in items}
    rules = _active_rules(kind)
    local_now = timezone.localtime(now)
    rule_of = {item.pk: _rule_for(kind, item, rules, local_now) for item in items}
    used = {rule.pk: rule for rule in rule_of.values() if rule is not None}
    if not used:
        return results

    # Everything that does not depend on whose turn it is is read before the turns are locked:
    # other batches wait on the pointers only for the choices and the writes.
    candidates = {pk: rule_candidates(rule) for pk, rule in used.items()}
    known: dict[int, User] = {u.pk: u for people in candidates.values() for u in people}
    managers: dict[int, int] = {}
    for item in items:
        rule = rule_of[item.pk]
        if rule is not None and rule.strategy == Strategy.STICKY:
            manager_id = kind.client_manager(item)
            if manager_id:
                managers[item.pk] = manager_id
    missing = set(managers.values()) - set(known)
    if missing:
        known.update((u.pk, u) for u in _people(_people_query().filter(pk__in=missing)))

    pointers = _pointers_locked(used.values())

    # Whom a cap applies to, under any rule of the batch.
    capped = sorted(
        {
            user.pk
            for rule in used.values()
            for user in (
                known.values() if rule.strategy == Strategy.STICKY else candidates[rule.pk]
            )
            if _cap_of(rule, user) is not None
        }
    )
    if capped:
        # A capped person's row is locked (after the pointers, in the order of ids: the same
        # deadlock-free order for every batch) before their load is counted: two rules sharing
        # the person cannot then both give them the item that takes them over the cap.
        list(
            User.objects.select_for_update(no_key=True)
            .filter(pk__in=capped)
            .order_by("pk")
            .values_list("pk")
        )
    needs_loads = bool(capped) or any(
        rule.strategy in (Strategy.LEAST_LOADED, Strategy.SKILLS) for rule in used.values()
    )
    loads: dict[int, int] = {}
    if needs_loads:
        counted = kind.load(list(known))
        loads = {pk: counted.get(pk, 0) for pk in known}

    chosen: list[tuple[object, User, RoutingRule, list[dict]]] = []
    moved: set[int] = set()
    for item in items:
        rule = rule_of[item.pk]
        if rule is None:
            continue
        pointer = pointers[rule.pk]
        manager = known.get(managers.get(item.pk)) if item.pk in managers else None
        order = _choose(
            kind,
            rule,
            candidates[rule.pk],
            pointer,
            now=now,
            loads=loads,
            exclude=exclude.get(item.pk, frozenset()),
            item=item,
            manager=manager,
        )
        if not order:
            _notify_nobody(kind, item, rule, now=now)
            continue
        user, parts = order[0]
        before = previous.get(item.pk)
        details = [{"c": "rule", "name": rule.name}]
        if before is not None:
            details.append(
                {
                    "c": "reassigned",
                    "name": _display(before.user),
                    "minutes": rule.take_within_minutes
                    or int((now - before.assigned_at).total_seconds() // 60),
                }
            )
            if before.user_id in loads:
                loads[before.user_id] -= 1
        details += parts
        chosen.append((item, user, rule, details))
        loads[user.pk] = loads.get(user.pk, 0) + 1
        if not any(p.get("c") == "sticky" for p in details):
            # The client's own manager is served out of turn: the round robin goes on as it was.
            pointer.last_user_id = user.pk
            pointer.turns += 1
            moved.add(rule.pk)
    if not chosen:
        return results

    with translation.override(settings.LANGUAGE_CODE):
        reasons = [reason_render(details)[:500] for _i, _u, _r, details in chosen]
    ended = [previous[item.pk] for item, *_rest in chosen if item.pk in previous]
    for before in ended:
        before.is_current = False
        before.ended_at = now
    if ended:
        Assignment.objects.bulk_update(ended, ["is_current", "ended_at"])
    assignments = Assignment.objects.bulk_create(
        [
            Assignment(
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
                reassigned_from=previous[item.pk].user if item.pk in previous else None,
            )
            for (item, user, rule, details), reason in zip(chosen, reasons, strict=True)
        ]
    )
    for pk in sorted(moved):
        pointers[pk].save(update_fields=["last_user", "turns"])
    for (item, user, _rule, _details), reason, assignment in zip(
        chosen, reasons, assignments, strict=True
    ):
        kind.assign(item, user, reason)
        results[item.pk] = assignment
    return results


def _route(
    kind: RoutingKind,
    item,
    *,
    now: dt.datetime,
    exclude: frozenset[int] = frozenset(),
    previous: Assignment | None = None,
) -> Assignment | None:
    """One locked item: a batch of one."""
    return _route_many(
        kind,
        [item],
        now=now,
        exclude={item.pk: exclude},
        previous={item.pk: previous} if previous is not None else None,
    )[item.pk]


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

    A rule's batches take the rule's turn one after another, and each holds the turn until its
    commit: waiting for the disk at every commit would make the flush time of the disk part of
    the pace of all routing. Nothing becomes inconsistent this way — PostgreSQL only may lose
    the last fraction of a second of such commits if the server itself crashes — and a lead
    that loses its assignment like that is new and without a manager again, so the sweep
    (every minute) routes it again.
    """
    with transaction.get_connection().cursor() as cursor:
        cursor.execute("SET LOCAL synchronous_commit TO OFF")


def _pending_ids(routing: RoutingKind, limit: int) -> list[int]:
    return list(itertools.islice(iter(routing.pending()), limit))


def _claim(routing: RoutingKind, ids: list[int], limit: int, hinted: list[str]) -> list:
    """Lock up to ``limit`` of the items ``ids`` still without anyone, by id. SKIP LOCKED: an
    item another worker holds is theirs to route; waiting for it would only find it
    assigned."""
    if not ids or limit < 1:
        return []
    claimed = (
        routing.model._default_manager.select_for_update(skip_locked=True)
        .filter(pk__in=ids)
        .order_by("pk")[:limit]
    )
    items = [item for item in claimed if not routing.is_assigned(item)]
    hinted += _hint_claimed(routing.code, items)
    return items


# --- the hint that an item is taken care of ----------------------------------------------------
#
# A burst of new items queues a task per item, and the first of them routes a whole batch:
# most tasks then find their item taken. Each task runs on a database connection of its own
# (the worker closes them around every task), and opening one costs far more than the check it
# is opened for; so a batch also notes its items in the cache, and a task whose item is noted
# stops there. The note is only a hint — the row locks decide who routes what — and it errs on
# one side only: a batch that fails removes its notes, and an item whose batch died with its
# worker is routed by the task's retry or by the sweep of pending items a minute later.

CLAIMED_HINT_SECONDS = 120


def _hint_key(code: str, item_id: int) -> str:
    return f"routing:claimed:{code}:{item_id}"


def _hint_claimed(code: str, items: list) -> list[str]:
    keys = [_hint_key(code, item.pk) for item in items]
    if keys:
        try:
            cache.set_many(dict.fromkeys(keys, 1), timeout=CLAIMED_HINT_SECONDS)
        except Exception:  # the cache is down: the tasks check the database instead
            log.warning("routing: cannot note claimed items in the cache", exc_info=True)
            return []
    return keys


def _hinted(code: str, item_id: int) -> bool:
    try:
        return bool(cache.get(_hint_key(code, item_id)))
    except Exception:
        log.warning("routing: cannot read the cache", exc_info=True)
        return False


def _forget_hints(keys: list[str]) -> None:
    try:
        cache.delete_many(keys)
    except Exception:
        log.warning("routing: cannot remove notes from the cache", exc_info=True)


def _in_batch_transaction(route):
    """Run ``route(hinted)`` in the batch's transaction; the assignments it made."""
    outermost = not transaction.get_connection().in_atomic_block
    hinted: list[str] = []
    try:
        with transaction.atomic():
            routed = route(hinted)
            if routed and outermost:
                # Read by PostgreSQL at the commit: set only when there is something to commit.
                _commit_without_waiting_for_the_disk()
    except BaseException:
        if hinted:
            _forget_hints(hinted)
        raise
    return [assignment for assignment in routed.values() if assignment is not None]


def routing_route_batch(
    *,
    kind: str,
    item_ids: Iterable[int] | None = None,
    limit: int = BATCH,
    now: dt.datetime | None = None,
) -> list[Assignment]:
    """Route up to ``limit`` of the items ``item_ids`` (by default the kind's pending items),
    by id, in one transaction, and return the assignments made. Items another worker is
    routing right now are left to it and assigned ones are left alone, so workers calling
    this at once take disjoint batches (see the module's docstring)."""
    routing = routing_kind(kind)
    now = now or timezone.now()
    ids = list(item_ids) if item_ids is not None else _pending_ids(routing, limit * PENDING_READ)
    if not ids or limit < 1:
        return []

    def route(hinted: list[str]) -> dict:
        items = _claim(routing, ids, limit, hinted)
        return _route_many(routing, items, now=now) if items else {}

    return _in_batch_transaction(route)


def routing_route(*, kind: str, item_id: int, now: dt.datetime | None = None) -> Assignment | None:
    """Assign the item to a person by the first active rule of its kind whose conditions hold;
    None when it is gone, already assigned, being routed by another worker right now, or no
    rule or nobody can take it (the sweep tries again later)."""
    made = routing_route_batch(kind=kind, item_ids=[item_id], limit=1, now=now)
    return made[0] if made else None


def routing_route_with_pending(
    *, kind: str, item_id: int, limit: int = BATCH, now: dt.datetime | None = None
) -> list[Assignment]:
    """What a task started for one new item does: route it first, together with other items
    of its kind waiting for someone, in one batch. A burst of new items is thus drained by a
    few batches, and the tasks of the items routed by then cost one read: their item is
    assigned, or locked by the batch routing it."""
    routing = routing_kind(kind)
    now = now or timezone.now()
    if _hinted(kind, item_id):
        return []
    item = routing.model._default_manager.filter(pk=item_id).first()
    if item is None or routing.is_assigned(item):
        return []

    def route(hinted: list[str]) -> dict:
        own = _claim(routing, [item_id], 1, hinted)
        if not own:
            return {}
        # Only now the pending ones are read: a task whose item is in another batch stops at
        # the claim above, cheaply, and leaves the processors to the batches.
        others = [pk for pk in _pending_ids(routing, limit * PENDING_READ) if pk != item_id]
        items = own + _claim(routing, others, limit - 1, hinted)
        return _route_many(routing, items, now=now)

    return _in_batch_transaction(route)


def routing_route_pending(
    *, kind: str | None = None, now: dt.datetime | None = None, limit: int = SWEEP_BATCH
) -> int:
    """Route again the items that came in and still have nobody (everyone was away), of one
    kind or of every kind, at most ``limit`` of each, in batches; return how many were
    routed."""
    routed = 0
    codes = [kind] if kind is not None else [code for code, _routing in ROUTING_KINDS.items()]
    for code in codes:
        ids = _pending_ids(routing_kind(code), limit)
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            routed += len(routing_route_batch(kind=code, item_ids=chunk, limit=len(chunk), now=now))
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
