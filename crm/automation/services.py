"""The engine: rules are checked and saved here, events make runs, the poller runs them.

A run goes scheduled → running → done | skipped | failed. Runs due now are started by a task
after the commit; every other run (a delay, a retry after backoff, a run whose worker died)
is found by the beat-driven poller in the database, never by a Celery countdown, so a delay
of days survives restarts and outlives the broker's visibility timeout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import OperationalError, connection, transaction
from django.db.models import Exists, F, Model, OuterRef, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from crm.celery import enqueue_on_commit
from crm.models import User
from crm.permissions import require_permission

from .models import AutomationRule, AutomationRun
from .registry import (
    AUTOMATION_ACTIONS,
    AUTOMATION_EVENTS,
    AUTOMATION_KINDS,
    AutomationEvent,
    AutomationKind,
    Fail,
    Retry,
    Skip,
)

log = logging.getLogger(__name__)

MAX_ACTIONS = 10
MAX_CONDITIONS = 10
MAX_DELAY_MINUTES = 366 * 24 * 60
OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "in", "empty", "not_empty")


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_attempts() -> int:
    return _setting("AUTOMATION_MAX_ATTEMPTS", 5)


def backoff(attempts: int) -> dt.timedelta:
    """1, 2, 4, 8… minutes after the 1st, 2nd, 3rd… failure, at most an hour."""
    base = _setting("AUTOMATION_BACKOFF_SECONDS", 60)
    return dt.timedelta(seconds=min(base * 2 ** max(0, attempts - 1), 3600))


def lease() -> dt.timedelta:
    """How long a claimed run is left to its worker before the poller takes it again."""
    return dt.timedelta(seconds=_setting("AUTOMATION_LEASE_SECONDS", 600))


# --- rules ---------------------------------------------------------------------------------


def _clean_conditions(conditions: Any, event: AutomationEvent | None, errors: dict) -> list:
    if conditions in (None, ""):
        return []
    if not isinstance(conditions, list) or len(conditions) > MAX_CONDITIONS:
        errors["conditions"] = [
            _("Give at most %(n)s conditions as a list.") % {"n": MAX_CONDITIONS}
        ]
        return []
    cleaned = []
    for i, cond in enumerate(conditions):
        key = f"conditions.{i}"
        if not isinstance(cond, dict):
            errors[key] = [_("A condition is a field, an operator and a value.")]
            continue
        field, op = str(cond.get("field") or ""), str(cond.get("op") or "eq")
        if event is not None and field not in event.parameters:
            errors[f"{key}.field"] = [_("This event has no field “%(field)s”.") % {"field": field}]
        if op not in OPERATORS:
            errors[f"{key}.op"] = [_("Unknown operator “%(op)s”.") % {"op": op}]
        value = cond.get("value", "")
        scalar = (str, int, float, bool, type(None))
        if not isinstance(value, scalar) and not (
            isinstance(value, list) and all(isinstance(v, scalar) for v in value)
        ):
            errors[f"{key}.value"] = [_("Enter a value.")]
        cleaned.append({"field": field, "op": op, "value": value})
    return cleaned


def _clean_actions(actions: Any, scope: dict, errors: dict) -> list:
    if not isinstance(actions, list) or not actions:
        errors["actions"] = [_("Add at least one action.")]
        return []
    if len(actions) > MAX_ACTIONS:
        errors["actions"] = [_("A rule has at most %(n)s actions.") % {"n": MAX_ACTIONS}]
        return []
    cleaned = []
    for i, item in enumerate(actions):
        key = f"actions.{i}"
        if not isinstance(item, dict):
            errors[key] = [_("An action is a code and its parameters.")]
            continue
        code = str(item.get("code") or "")
        spec = AUTOMATION_ACTIONS.get(code)
        if spec is None:
            errors[f"{key}.code"] = [_("Unknown action “%(code)s”.") % {"code": code}]
            continue
        params = item.get("params") or {}
        if not isinstance(params, dict):
            errors[f"{key}.params"] = [_("Parameters are named values.")]
            continue
        form = spec.form(data=params, scope=scope)
        if not form.is_valid():
            for field, messages in form.errors.items():
                name = "params" if field == "__all__" else field
                errors[f"{key}.{name}"] = [str(m) for m in messages]
            continue
        cleaned.append({"code": code, "params": form.cleaned_data})
    return cleaned


def rule_clean(
    *, name: str, event: str, scope: Any, conditions: Any, delay_minutes: Any, actions: Any
) -> dict[str, Any]:
    """The rule's fields checked and cleaned; ValidationError keyed by field (an action's
    parameter as "actions.<n>.<param>") when anything is wrong."""
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = [_("Name the rule.")]
    spec = AUTOMATION_EVENTS.get(event or "")
    if spec is None:
        errors["event"] = [_("Unknown event “%(event)s”.") % {"event": event}]
    scope = scope or {}
    if not isinstance(scope, dict):
        errors["scope"] = [_("The scope is a set of named values.")]
        scope = {}
    elif spec is not None:
        unknown = set(scope) - set(spec.scopes)
        if unknown:
            errors["scope"] = [
                _("This event cannot be narrowed by: %(keys)s.")
                % {"keys": ", ".join(sorted(unknown))}
            ]
        else:
            kind = AUTOMATION_KINDS.get(spec.kind)
            try:
                scope = kind.clean_scope(scope) if kind and kind.clean_scope else scope
            except ValidationError as exc:
                errors.update({k: list(v) for k, v in exc.message_dict.items()})
    try:
        delay = int(delay_minutes or 0)
        if not 0 <= delay <= MAX_DELAY_MINUTES:
            raise ValueError
    except (TypeError, ValueError):
        errors["delay_minutes"] = [_("Enter a number of minutes from 0 to a year.")]
        delay = 0
    if spec is not None and spec.timed and delay <= 0:
        errors["delay_minutes"] = [_("Say how long: a time condition needs a duration.")]
    cleaned_conditions = _clean_conditions(conditions, spec, errors)
    cleaned_actions = _clean_actions(actions, scope, errors)
    if errors:
        raise ValidationError(errors)
    return {
        "name": name[:200],
        "event": event,
        "scope": scope,
        "conditions": cleaned_conditions,
        "delay_minutes": delay,
        "actions": cleaned_actions,
    }


def rule_create(
    *,
    actor: User | None,
    name: str,
    event: str,
    actions: list,
    scope: dict | None = None,
    conditions: list | None = None,
    delay_minutes: int = 0,
    is_active: bool = True,
) -> AutomationRule:
    require_permission(actor, "automation.add_automationrule")
    fields = rule_clean(
        name=name,
        event=event,
        scope=scope,
        conditions=conditions,
        delay_minutes=delay_minutes,
        actions=actions,
    )
    return AutomationRule.objects.create(
        **fields, is_active=bool(is_active), created_by=actor, updated_by=actor
    )


def rule_update(*, actor: User | None, rule: AutomationRule, **changes: Any) -> AutomationRule:
    """Change a rule; runs already made keep going with the actions they were made with
    (a run reads its rule's actions when it runs)."""
    require_permission(actor, "automation.change_automationrule")
    allowed = {"name", "event", "scope", "conditions", "delay_minutes", "actions", "is_active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in unknown})
    current = {f: getattr(rule, f) for f in allowed - {"is_active"}}
    current.update({k: v for k, v in changes.items() if k != "is_active"})
    fields = rule_clean(**current)
    for field, value in fields.items():
        setattr(rule, field, value)
    if "is_active" in changes:
        rule.is_active = bool(changes["is_active"])
    rule.updated_by = actor
    rule.save()
    return rule


def rule_set_active(*, actor: User | None, rule: AutomationRule, is_active: bool) -> AutomationRule:
    require_permission(actor, "automation.change_automationrule")
    rule.is_active = bool(is_active)
    rule.updated_by = actor
    rule.save(update_fields=["is_active", "updated_by", "updated_at"])
    return rule


def rule_delete(*, actor: User | None, rule: AutomationRule) -> None:
    """A rule that has run stays, so that its runs keep saying what they did: turn it off."""
    require_permission(actor, "automation.delete_automationrule")
    if rule.runs.exists():
        raise ValidationError(
            {"rule": [_("This rule has already run; turn it off instead of deleting it.")]}
        )
    rule.delete()


# --- events --------------------------------------------------------------------------------


def kind_of(obj: Model) -> AutomationKind:
    label = obj._meta.label
    for kind in AUTOMATION_KINDS:
        if kind.model == label:
            return kind
    raise LookupError(f"{label} is not a kind of object automation knows")


def run_key_for(rule_id: int, content_type_id: int, object_id: int, occasion: str) -> str:
    key = f"{rule_id}:{content_type_id}:{object_id}:{occasion}"
    if len(key) > 255:
        key = (
            f"{rule_id}:{content_type_id}:{object_id}:"
            + hashlib.sha256(occasion.encode()).hexdigest()
        )
    return key


def scope_matches(rule_scope: dict, obj_scope: dict) -> bool:
    return all(obj_scope.get(k) == v for k, v in (rule_scope or {}).items())


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError, TypeError):
        return None


def condition_holds(cond: dict, values: dict) -> bool:
    op, expected = cond.get("op", "eq"), cond.get("value")
    actual = values.get(cond.get("field"))
    if op == "empty":
        return actual in (None, "", [], {})
    if op == "not_empty":
        return actual not in (None, "", [], {})
    if op == "contains":
        if isinstance(actual, (list, tuple, set)):
            return str(expected) in {str(a) for a in actual}
        return str(expected).casefold() in str(actual or "").casefold()
    if op == "in":
        options = expected if isinstance(expected, list) else str(expected).split(",")
        return str(actual) in {str(o).strip() for o in options}
    left, right = _number(actual), _number(expected)
    if left is None or right is None:
        left, right = (
            str("" if actual is None else actual),
            str("" if expected is None else expected),
        )
    if op == "eq":
        return left == right
    if op == "ne":
        return left != right
    try:
        return {"gt": left > right, "gte": left >= right, "lt": left < right, "lte": left <= right}[
            op
        ]
    except (TypeError, KeyError):
        return False


def conditions_hold(conditions: list, values: dict) -> bool:
    return all(condition_holds(c, values) for c in conditions or ())


def _values(kind: AutomationKind, obj: Model, context: dict) -> dict:
    values = dict(kind.values_of(obj))
    values.update(context.get("values") or {})
    return values


def _run_get_or_create(
    rule: AutomationRule,
    ct: ContentType,
    obj: Model,
    occasion: str,
    due: dt.datetime,
    context: dict,
) -> tuple[AutomationRun, bool]:
    return AutomationRun.objects.get_or_create(
        run_key=run_key_for(rule.pk, ct.pk, obj.pk, occasion),
        defaults={
            "rule": rule,
            "content_type": ct,
            "object_id": obj.pk,
            "occasion": occasion[:120],
            "due_at": due,
            "next_attempt_at": due,
            "context": context,
        },
    )


_INSERT_RUNS = """
    INSERT INTO automation_automationrun
        (rule_id, content_type_id, object_id, occasion, run_key, status, due_at, attempts,
         next_attempt_at, last_error, context, result, created_at)
    VALUES {rows}
    ON CONFLICT (run_key) DO NOTHING
    RETURNING id, due_at
"""


def _runs_insert(rows: list[tuple]) -> list[tuple[int, dt.datetime]]:
    """All the runs of one event in one statement; a run key already there is left alone
    (the event told twice, two workers at once): only the new runs come back."""
    placeholders = ", ".join(
        ["(%s, %s, %s, %s, %s, 'scheduled', %s, 0, %s, '', %s::jsonb, '{}'::jsonb, %s)"] * len(rows)
    )
    params = [value for row in rows for value in row]
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_RUNS.format(rows=placeholders), params)
        return list(cursor.fetchall())


def _start_on_commit(run_ids: list[int]) -> None:
    """One message for the runs of one event: the request that made them pays one round
    trip to the broker, however many robots fired."""
    if run_ids:
        transaction.on_commit(lambda: _enqueue_quietly(run_ids))


def _enqueue_quietly(run_ids: list[int]) -> None:
    """A broker that is down must not fail the change that fired the robots: the runs are in
    the database, due now, and the next poll runs them."""
    try:
        enqueue_on_commit("crm.automation.tasks.execute_runs", run_ids)
    except Exception:  # kombu's errors vary by transport
        log.warning(
            "automation runs %s left to the poller: the broker refused them", run_ids, exc_info=True
        )


def automation_event(
    *,
    event: str,
    obj: Model,
    occasion: str,
    context: dict | None = None,
    now: dt.datetime | None = None,
) -> QuerySet[AutomationRun]:
    """``event`` happened to ``obj``: make a run of every active rule of the event whose scope
    and conditions ``obj`` meets, once per rule × object × ``occasion`` however often this is
    called. Runs due now start after the commit; delayed ones wait for the poller."""
    spec = AUTOMATION_EVENTS.get(event)
    if spec is None:
        raise LookupError(f"unknown automation event {event!r}")
    rules = list(AutomationRule.objects.filter(event=event, is_active=True))
    if not rules:
        return []
    kind = AUTOMATION_KINDS.get(spec.kind)
    context = dict(context or {})
    scope, values = kind.scope_of(obj), _values(kind, obj, context)
    ct = ContentType.objects.get_for_model(obj)
    now = now or timezone.now()
    rows = []
    payload = json.dumps(context, cls=DjangoJSONEncoder)
    for rule in rules:
        if not scope_matches(rule.scope, scope) or not conditions_hold(rule.conditions, values):
            continue
        due = now + dt.timedelta(minutes=0 if spec.timed else rule.delay_minutes)
        key = run_key_for(rule.pk, ct.pk, obj.pk, occasion)
        rows.append((rule.pk, ct.pk, obj.pk, occasion[:120], key, due, due, payload, now))
    if not rows:
        return AutomationRun.objects.none()
    with transaction.atomic():
        made = _runs_insert(rows)
        _start_on_commit([pk for pk, due in made if due <= now])
    # Lazy: the receivers of sales' signals never read it, so the request pays no query.
    return AutomationRun.objects.filter(pk__in=[pk for pk, _due in made]).order_by("id")


def automation_poll_timed(*, now: dt.datetime | None = None, batch_size: int = 500) -> int:
    """Beat: the objects that meet a timed rule's condition now ("2 hours in the stage", "no
    activity for 3 days") and have no run of the rule since the moment it counts from."""
    now = now or timezone.now()
    made = 0
    timed = [code for code, spec in AUTOMATION_EVENTS.items() if spec.timed]
    for rule in AutomationRule.objects.filter(event__in=timed, is_active=True):
        spec = AUTOMATION_EVENTS.get(rule.event)
        kind = AUTOMATION_KINDS.get(spec.kind)
        queryset, anchor = spec.poll(rule, now)
        ct = ContentType.objects.get_for_model(queryset.model)
        already = AutomationRun.objects.filter(
            rule=rule, content_type=ct, object_id=OuterRef("pk"), created_at__gte=OuterRef(anchor)
        )
        candidates = queryset.filter(~Exists(already)).order_by(anchor, "pk")[:batch_size]
        runs = []
        with transaction.atomic():
            for obj in candidates:
                if not conditions_hold(rule.conditions, _values(kind, obj, {})):
                    continue
                since = getattr(obj, anchor)
                occasion = f"{rule.event}:{int(since.timestamp())}"
                run, created = _run_get_or_create(
                    rule, ct, obj, occasion, now, {"since": since.isoformat()}
                )
                if created:
                    runs.append(run)
            made += len(runs)
    return made


# --- running -------------------------------------------------------------------------------


def _claim(now: dt.datetime, *, run_id: int | None = None, limit: int = 50) -> list[int]:
    """Take due runs for this worker. ``SKIP LOCKED``: two pollers (or a poller and the task
    started after the commit) never take the same run; the lease hands a run whose worker
    died to the next poll."""
    with transaction.atomic():
        qs = AutomationRun.objects.select_for_update(skip_locked=True).filter(
            status__in=[AutomationRun.Status.SCHEDULED, AutomationRun.Status.RUNNING],
            next_attempt_at__lte=now,
        )
        if run_id is not None:
            qs = qs.filter(pk=run_id)
        ids = list(qs.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        if ids:
            AutomationRun.objects.filter(pk__in=ids).update(
                status=AutomationRun.Status.RUNNING,
                attempts=F("attempts") + 1,
                started_at=now,
                next_attempt_at=now + lease(),
            )
    return ids


def _record(run: AutomationRun, index: int, code: str, status: str, result: dict) -> None:
    actions = run.action_results
    entry = {"code": code, "status": status, "result": result}
    if index < len(actions):
        actions[index] = entry
    else:
        actions.extend([{}] * (index - len(actions)))
        actions.append(entry)
    run.result = {**(run.result or {}), "actions": actions}
    AutomationRun.objects.filter(pk=run.pk).update(result=run.result)


def _finish(run: AutomationRun, status: str, error: str = "") -> AutomationRun:
    run.status = status
    run.last_error = error
    run.finished_at = timezone.now()
    AutomationRun.objects.filter(pk=run.pk).update(
        status=status, last_error=error, finished_at=run.finished_at
    )
    if status == AutomationRun.Status.FAILED:
        _tell_of_failure(run)
    return run


def _url_of(obj) -> str:
    from django.urls import NoReverseMatch

    try:
        return obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    except NoReverseMatch:
        return ""


def _tell_of_failure(run: AutomationRun) -> None:
    """A failed run is never silent: the person responsible for the object hears of it."""
    from crm.services import notification_create

    spec = AUTOMATION_EVENTS.get(run.rule.event)
    kind = AUTOMATION_KINDS.get(spec.kind) if spec else None
    if kind is None:
        return
    obj = kind.model_class.objects.filter(pk=run.object_id).first()
    person = kind.responsible(obj) if obj is not None else None
    if person is None:
        return
    with translation.override(person.language):
        notification_create(
            recipient=person,
            kind="automation-failed",
            title=_("Robot “%(rule)s” failed on “%(object)s”")
            % {"rule": run.rule.name, "object": obj},
            body=run.last_error[:1000],
            url=_url_of(obj),
            dedupe_key=f"automation-failed:{run.pk}",
        )


def _retry_or_fail(run: AutomationRun, error: str, now: dt.datetime) -> AutomationRun:
    if run.attempts >= max_attempts():
        return _finish(run, AutomationRun.Status.FAILED, error)
    run.status = AutomationRun.Status.SCHEDULED
    run.last_error = error
    run.next_attempt_at = now + backoff(run.attempts)
    AutomationRun.objects.filter(pk=run.pk).update(
        status=run.status, last_error=error, next_attempt_at=run.next_attempt_at
    )
    return run


def _still_applies(run: AutomationRun, spec: AutomationEvent, kind: AutomationKind, obj) -> bool:
    """A delayed run checks again that the object is still where the rule wants it ("the deal
    is still in the stage two hours later")."""
    if run.rule.delay_minutes == 0 or spec.timed:
        return True
    return scope_matches(run.rule.scope, kind.scope_of(obj)) and conditions_hold(
        run.rule.conditions, _values(kind, obj, run.context or {})
    )


def _execute(run_id: int, now: dt.datetime) -> AutomationRun:
    run = AutomationRun.objects.select_related("rule").get(pk=run_id)
    if run.attempts > max_attempts():
        return _finish(
            run,
            AutomationRun.Status.FAILED,
            run.last_error or _("Gave up: the run stopped too often."),
        )
    rule = run.rule
    spec = AUTOMATION_EVENTS.get(rule.event)
    kind = AUTOMATION_KINDS.get(spec.kind) if spec else None
    if kind is None:
        return _finish(
            run, AutomationRun.Status.FAILED, _("The event of this rule is no longer known.")
        )
    model = kind.model_class
    obj = model.objects.filter(pk=run.object_id).first()
    if obj is None:
        return _finish(run, AutomationRun.Status.SKIPPED, _("skipped: the object no longer exists"))
    if not rule.is_active:
        return _finish(run, AutomationRun.Status.SKIPPED, _("skipped: the rule was turned off"))
    if not _still_applies(run, spec, kind, obj):
        return _finish(
            run, AutomationRun.Status.SKIPPED, _("skipped: the conditions no longer hold")
        )
    done = run.action_results
    statuses = []
    for index, item in enumerate(rule.actions):
        if index < len(done) and done[index].get("status") in ("done", "skipped"):
            statuses.append(done[index]["status"])
            continue
        code = item.get("code", "")
        action = AUTOMATION_ACTIONS.get(code)
        if action is None:
            return _finish(
                run, AutomationRun.Status.FAILED, _("Unknown action “%(code)s”.") % {"code": code}
            )
        run.action_key = f"{run.run_key}:{index}"
        run.action_index = index
        obj = model.objects.get(pk=run.object_id)  # fresh: an earlier action may have moved it
        try:
            if action.atomic:
                with transaction.atomic():
                    out = action.run(obj, item.get("params") or {}, run) or {}
                    _record(run, index, code, "done", out)
            else:
                out = action.run(obj, item.get("params") or {}, run) or {}
                _record(run, index, code, "done", out)
            statuses.append("done")
        except Skip as exc:
            _record(run, index, code, "skipped", {"reason": str(exc)})
            statuses.append("skipped")
        except (Retry, OperationalError, OSError) as exc:
            return _retry_or_fail(run, f"{index + 1}. {code}: {exc}", now)
        except (Fail, ValidationError, PermissionDenied) as exc:
            return _finish(
                run, AutomationRun.Status.FAILED, f"{index + 1}. {code}: {_error_text(exc)}"
            )
        except Exception as exc:  # a bug must not stop the other runs; it stays visible
            log.exception("automation run %s failed", run.pk)
            return _retry_or_fail(run, f"{index + 1}. {code}: {exc!r}", now)
    # "skipped: no consent" is what the card shows of an action that had nothing to do.
    skipped = [
        _("skipped: %(reason)s") % {"reason": r.get("result", {}).get("reason", "")}
        for r in run.action_results
        if r.get("status") == "skipped"
    ]
    status = AutomationRun.Status.DONE
    if statuses and all(s == "skipped" for s in statuses):
        status = AutomationRun.Status.SKIPPED
    return _finish(run, status, "; ".join(skipped))


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def automation_run_execute(*, run_id: int) -> str | None:
    """Run one run if it is due and nobody else has it (the task started after the commit)."""
    now = timezone.now()
    ids = _claim(now, run_id=run_id, limit=1)
    if not ids:
        return None
    return _execute(ids[0], now).status


def automation_runs_execute(*, run_ids: list[int]) -> int:
    """The runs one event made, due now (the task started after its commit)."""
    return sum(1 for run_id in run_ids if automation_run_execute(run_id=run_id) is not None)


def automation_runs_execute_due(
    *, now: dt.datetime | None = None, limit: int = 200, budget_seconds: float = 120.0
) -> int:
    """Beat: take the due runs a few at a time and run them; returns how many ran. Stops
    taking more after ``budget_seconds`` (a batch of slow webhooks must not outlive the task's
    time limit with runs claimed and not run); the next tick goes on."""
    ran = 0
    started = time.monotonic()
    while ran < limit and time.monotonic() - started < budget_seconds:
        at = now or timezone.now()
        ids = _claim(at, limit=min(10, limit - ran))
        if not ids:
            break
        for run_id in ids:
            _execute(run_id, at)
        ran += len(ids)
    return ran


def automation_poll(*, now: dt.datetime | None = None) -> dict[str, int]:
    made = automation_poll_timed(now=now)
    ran = automation_runs_execute_due(now=now)
    return {"made": made, "ran": ran}


def run_retry(*, actor: User | None, run: AutomationRun) -> AutomationRun:
    """A person asks a failed run to try again (the actions done stay done)."""
    require_permission(actor, "automation.change_automationrule")
    if run.status != AutomationRun.Status.FAILED:
        raise ValidationError({"run": [_("Only a failed run can be tried again.")]})
    now = timezone.now()
    AutomationRun.objects.filter(pk=run.pk, status=AutomationRun.Status.FAILED).update(
        status=AutomationRun.Status.SCHEDULED, attempts=0, next_attempt_at=now, finished_at=None
    )
    enqueue_on_commit("crm.automation.tasks.execute_run", run.pk)
    run.refresh_from_db()
    return run


__all__ = [
    "automation_event",
    "automation_poll",
    "automation_poll_timed",
    "automation_run_execute",
    "automation_runs_execute",
    "automation_runs_execute_due",
    "rule_clean",
    "rule_create",
    "rule_delete",
    "rule_set_active",
    "rule_update",
    "run_retry",
]
