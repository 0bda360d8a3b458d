"""Sales plans: a sum per manager and month, set by the head of the manager's team."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from crm.models import User
from crm.permissions import require_permission

from ..models import SalesPlan
from .deals import CURRENCIES

MAX_AMOUNT = Decimal("1e12")


def _clean_amount(value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).replace(" ", "").replace(",", ".")).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationError(_("Enter a number.")) from None
    if not amount.is_finite():
        raise ValidationError(_("Enter a number."))
    if amount < 0:
        raise ValidationError(_("A plan cannot be negative."))
    if amount >= MAX_AMOUNT:
        raise ValidationError(_("The amount is too large."))
    return amount


def _check_manager(actor: User | None, manager: User) -> None:
    if actor is None:
        return
    from ..selectors.forecast import managers_in_scope

    if not managers_in_scope(actor).filter(pk=manager.pk).exists():
        raise ValidationError({"manager": [_("You cannot set plans for this person.")]})


def _check_month(month: dt.date) -> dt.date:
    if not isinstance(month, dt.date):
        raise ValidationError({"month": [_("Enter a month.")]})
    return month.replace(day=1)


def plans_set(
    *,
    actor: User | None,
    cells: dict[tuple[User, dt.date], Decimal | str | None],
    currency: str | None = None,
) -> int:
    """Set many plans at once, all or none: ``cells`` maps (manager, month) to an amount;
    None or "" removes that month's plan. Errors are keyed ``"<manager id>-<YYYY-MM>"``.
    Returns how many plans changed."""
    require_permission(actor, "deals.change_salesplan")
    currency = currency or settings.DEFAULT_CURRENCY
    errors: dict[str, list[str]] = {}
    clean: dict[tuple[User, dt.date], Decimal | None] = {}
    for (manager, month), value in cells.items():
        key = f"{manager.pk}-{month:%Y-%m}"
        try:
            _check_manager(actor, manager)
        except ValidationError as exc:
            errors[key] = exc.messages
            continue
        if value in (None, ""):
            clean[(manager, _check_month(month))] = None
            continue
        try:
            clean[(manager, _check_month(month))] = _clean_amount(value)
        except ValidationError as exc:
            errors[key] = exc.messages
    if errors:
        raise ValidationError(errors)
    changed = 0
    with transaction.atomic():
        existing = {
            (p.manager_id, p.month): p
            for p in SalesPlan.objects.select_for_update().filter(
                manager__in={m.pk for m, _ in clean}, month__in={mo for _, mo in clean}
            )
        }
        for (manager, month), amount in clean.items():
            plan = existing.get((manager.pk, month))
            if amount is None:
                if plan is not None:
                    plan.delete()
                    changed += 1
            elif plan is None:
                SalesPlan.objects.create(
                    manager=manager, month=month, amount=amount, currency=currency
                )
                changed += 1
            elif plan.amount != amount:
                plan.amount = amount
                plan.save(update_fields=["amount"])
                changed += 1
    return changed


def plan_create(
    *,
    actor: User | None,
    manager: User,
    month: dt.date,
    amount: Decimal | str,
    currency: str | None = None,
) -> SalesPlan:
    require_permission(actor, "deals.add_salesplan")
    errors: dict[str, list[str]] = {}
    try:
        _check_manager(actor, manager)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    month = _check_month(month)
    try:
        amount = _clean_amount(amount)
    except ValidationError as exc:
        errors["amount"] = exc.messages
    code = (currency or settings.DEFAULT_CURRENCY).upper()
    if code not in CURRENCIES:
        errors["currency"] = [_("Unknown currency.")]
    if not errors and SalesPlan.objects.filter(manager=manager, month=month).exists():
        errors["month"] = [_("This person already has a plan for this month.")]
    if errors:
        raise ValidationError(errors)
    return SalesPlan.objects.create(manager=manager, month=month, amount=amount, currency=code)


def plan_update(*, actor: User | None, salesplan: SalesPlan, **changes: Any) -> SalesPlan:
    require_permission(actor, "deals.change_salesplan")
    _check_manager(actor, salesplan.manager)
    errors: dict[str, list[str]] = {}
    if "amount" in changes:
        try:
            salesplan.amount = _clean_amount(changes["amount"])
        except ValidationError as exc:
            errors["amount"] = exc.messages
    if "currency" in changes:
        code = (changes["currency"] or "").upper()
        if code not in CURRENCIES:
            errors["currency"] = [_("Unknown currency.")]
        salesplan.currency = code
    if set(changes) - {"amount", "currency"}:
        errors.update(
            {
                f: [_("This field cannot be changed here.")]
                for f in set(changes) - {"amount", "currency"}
            }
        )
    if errors:
        raise ValidationError(errors)
    salesplan.save(update_fields=["amount", "currency"])
    return salesplan


def plan_delete(*, actor: User | None, salesplan: SalesPlan) -> None:
    # Heads set plans and may take one back: removing is changing the grid, not a right apart.
    require_permission(actor, "deals.change_salesplan")
    _check_manager(actor, salesplan.manager)
    salesplan.delete()
