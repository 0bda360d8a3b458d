"""Money of products and deal lines: the catalog, a deal's lines, and the arithmetic of a line.

All amounts are ``Decimal`` rounded to kopecks with ROUND_HALF_UP (the rounding of Russian
accounting: 0.005 → 0.01), never floats.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from crm.models import User
from crm.permissions import require_permission

from ..models import Deal, DealLine, Product, VatRate

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
MAX_AMOUNT = Decimal("1e12")  # the columns hold 14 digits, two of them kopecks


class LineAmounts(NamedTuple):
    """A line's (or an invoice's) sum without VAT, the VAT and the sum with VAT."""

    net: Decimal
    vat: Decimal
    gross: Decimal


def kopecks(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def vat_percent(code: str) -> Decimal | None:
    """The rate of a ``VatRate`` code as a number; None for "without VAT"."""
    if code not in VatRate.values:
        raise ValidationError(
            {
                "vat_rate": [
                    _("Unknown VAT rate “%(code)s”; use one of: %(codes)s.")
                    % {"code": code, "codes": ", ".join(VatRate.values)}
                ]
            }
        )
    return None if code == VatRate.NONE else Decimal(code)


def _decimal(value: Any, field: str, errors: dict) -> Decimal | None:
    try:
        number = Decimal(str(value).strip().replace(",", ".").replace(" ", ""))
    except (InvalidOperation, ValueError, TypeError):
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[field] = [_("Enter a number.")]
        return None
    return number


def clean_line_numbers(
    *, price: Any, quantity: Any, discount_percent: Any, vat_rate: str
) -> tuple[Decimal, Decimal, Decimal]:
    """The numbers of a line checked, or ValidationError keyed by field."""
    errors: dict[str, list[str]] = {}
    price = _decimal(price, "price", errors)
    quantity = _decimal(quantity, "quantity", errors)
    discount = _decimal(discount_percent, "discount_percent", errors)
    if price is not None and not (0 <= price < MAX_AMOUNT):
        errors["price"] = [_("The price cannot be negative.")]
    if price is not None and price != price.quantize(CENT):
        errors["price"] = [_("A price has at most two digits after the point (kopecks).")]
    if quantity is not None and not (0 < quantity < Decimal("1e9")):
        errors["quantity"] = [_("The quantity must be more than zero.")]
    if quantity is not None and quantity != quantity.quantize(Decimal("0.001")):
        errors["quantity"] = [_("A quantity has at most three digits after the point.")]
    if discount is not None and not (0 <= discount <= 100):
        errors["discount_percent"] = [_("A discount is between 0 and 100%.")]
    if vat_rate not in VatRate.values:
        errors["vat_rate"] = [
            _("Unknown VAT rate “%(code)s”; use one of: %(codes)s.")
            % {"code": vat_rate, "codes": ", ".join(VatRate.values)}
        ]
    if errors:
        raise ValidationError(errors)
    return price, quantity, discount


def line_amounts(
    *,
    price: Decimal | str | int,
    quantity: Decimal | str | int,
    discount_percent: Decimal | str | int,
    vat_rate: str,
    vat_included: bool,
) -> LineAmounts:
    """The sums of one line. The discount applies to the price before VAT is reckoned; the
    VAT is either inside the price (VAT = gross × rate / (100 + rate)) or on top of it
    (VAT = net × rate / 100). Each of net, VAT and gross is in kopecks and net + VAT = gross
    exactly: the third is always derived from the two rounded ones, never rounded itself."""
    price, quantity, discount = clean_line_numbers(
        price=price, quantity=quantity, discount_percent=discount_percent, vat_rate=vat_rate
    )
    base = kopecks(price * quantity * (HUNDRED - discount) / HUNDRED)
    rate = vat_percent(vat_rate)
    if rate is None:
        return LineAmounts(base, Decimal("0.00"), base)
    if vat_included:
        vat = kopecks(base * rate / (HUNDRED + rate))
        return LineAmounts(base - vat, vat, base)
    vat = kopecks(base * rate / HUNDRED)
    return LineAmounts(base, vat, base + vat)


def lines_total(amounts: Iterable[LineAmounts]) -> LineAmounts:
    """An invoice's totals: the sum of its lines as each was rounded. Russian invoices (and
    the accounting systems that read them, 1C included) round VAT per line and add the lines
    up; reckoning VAT once on the grand total could differ from the sum of the printed lines
    by a kopeck, and a buyer's accountant rejects an invoice whose lines do not add up."""
    net = vat = gross = Decimal("0.00")
    for line in amounts:
        net += line.net
        vat += line.vat
        gross += line.gross
    return LineAmounts(net, vat, gross)


def amounts_of(line) -> LineAmounts:
    """The amounts of a DealLine or InvoiceLine row."""
    return line_amounts(
        price=line.price,
        quantity=line.quantity,
        discount_percent=line.discount_percent,
        vat_rate=line.vat_rate,
        vat_included=line.vat_included,
    )


# --- the catalog -----------------------------------------------------------------------------

PRODUCT_FIELDS = (
    "name",
    "sku",
    "description",
    "price",
    "currency",
    "vat_rate",
    "vat_included",
    "unit",
    "is_active",
)


def _clean_product(data: dict[str, Any], *, instance: Product | None) -> dict[str, Any]:
    from .deals import CURRENCIES

    errors: dict[str, list[str]] = {}
    out = dict(data)
    if "name" in out:
        out["name"] = (out["name"] or "").strip()[:255]
        if not out["name"]:
            errors["name"] = [_("Give the product a name.")]
    if "sku" in out:
        out["sku"] = (out["sku"] or "").strip()[:64]
        if not out["sku"]:
            errors["sku"] = [_("Give the product an SKU.")]
        else:
            taken = Product.objects.filter(sku__iexact=out["sku"])
            if instance is not None:
                taken = taken.exclude(pk=instance.pk)
            if taken.exists():
                errors["sku"] = [_("Another product already has this SKU.")]
    if "price" in out:
        price = _decimal(out["price"], "price", errors)
        if price is not None:
            if not (0 <= price < MAX_AMOUNT):
                errors["price"] = [_("The price cannot be negative.")]
            elif price != price.quantize(CENT):
                errors["price"] = [_("A price has at most two digits after the point (kopecks).")]
            out["price"] = price
    if "currency" in out:
        out["currency"] = (out["currency"] or "").strip().upper()
        if out["currency"] not in CURRENCIES:
            errors["currency"] = [
                _("Unknown currency “%(code)s”; use one of: %(codes)s.")
                % {"code": out["currency"], "codes": ", ".join(CURRENCIES)}
            ]
    if "vat_rate" in out and out["vat_rate"] not in VatRate.values:
        errors["vat_rate"] = [
            _("Unknown VAT rate “%(code)s”; use one of: %(codes)s.")
            % {"code": out["vat_rate"], "codes": ", ".join(VatRate.values)}
        ]
    if "unit" in out:
        out["unit"] = (out["unit"] or "").strip()[:20] or "шт"
    if errors:
        raise ValidationError(errors)
    return out


def product_create(
    *,
    actor: User | None,
    name: str,
    sku: str,
    price: Decimal | str | int,
    currency: str = "RUB",
    vat_rate: str = VatRate.TWENTY_TWO,
    vat_included: bool = True,
    unit: str = "шт",
    description: str = "",
    is_active: bool = True,
) -> Product:
    require_permission(actor, "deals.add_product")
    data = _clean_product(
        {
            "name": name,
            "sku": sku,
            "price": price,
            "currency": currency,
            "vat_rate": vat_rate,
            "vat_included": bool(vat_included),
            "unit": unit,
            "description": description or "",
            "is_active": bool(is_active),
        },
        instance=None,
    )
    try:
        with transaction.atomic():
            return Product.objects.create(**data)
    except IntegrityError:  # the same SKU saved by someone else a moment ago
        raise ValidationError({"sku": [_("Another product already has this SKU.")]}) from None


def product_update(*, actor: User | None, product: Product, **changes: Any) -> Product:
    require_permission(actor, "deals.change_product")
    unknown = set(changes) - set(PRODUCT_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in unknown})
    data = _clean_product(changes, instance=product)
    diff = [f for f, v in data.items() if getattr(product, f) != v]
    if not diff:
        return product
    for field in diff:
        setattr(product, field, data[field])
    try:
        with transaction.atomic():
            product.save(update_fields=diff)
    except IntegrityError:
        raise ValidationError({"sku": [_("Another product already has this SKU.")]}) from None
    return product


def product_deactivate(*, actor: User | None, product: Product) -> Product:
    """Take a product out of the catalog: deals and invoices that have it keep their lines."""
    return product_update(actor=actor, product=product, is_active=False)


# --- a deal's lines --------------------------------------------------------------------------


def _check_deal(actor: User | None, deal: Deal, permission: str) -> None:
    require_permission(actor, permission)
    if actor is not None:
        from ..selectors.deals import deals_visible_to

        if not deals_visible_to(actor).filter(pk=deal.pk).exists():
            raise ValidationError({"deal": [_("You cannot change this deal.")]})


def deal_lines_total(deal: Deal) -> LineAmounts:
    return lines_total(amounts_of(line) for line in deal.lines.all())


def _sync_deal_amount(actor: User | None, deal: Deal) -> None:
    """The deal's amount is the sum of its lines with VAT; changed through deal_update so that
    robots hear of it like of any other change of the amount."""
    from .deals import deal_update

    # Lines of one deal changed at once by two people: the second waits here, and each sums
    # the lines as they are after its own change.
    locked = Deal.objects.select_for_update().get(pk=deal.pk)
    total = deal_lines_total(locked).gross
    if locked.amount != total:
        deal_update(actor=actor, deal=locked, amount=total)
    deal.amount = total


LINE_FIELDS = (
    "name",
    "quantity",
    "unit",
    "price",
    "discount_percent",
    "vat_rate",
    "vat_included",
)


def _clean_line_fields(data: dict[str, Any]) -> dict[str, Any]:
    out = dict(data)
    errors: dict[str, list[str]] = {}
    if "name" in out:
        out["name"] = (out["name"] or "").strip()[:255]
        if not out["name"]:
            errors["name"] = [_("Give the line a name.")]
    if "unit" in out:
        out["unit"] = (out["unit"] or "").strip()[:20] or "шт"
    if errors:
        raise ValidationError(errors)
    price, quantity, discount = clean_line_numbers(
        price=out["price"],
        quantity=out["quantity"],
        discount_percent=out["discount_percent"],
        vat_rate=out["vat_rate"],
    )
    out.update(price=price, quantity=quantity, discount_percent=discount)
    return out


def deal_line_add(
    *,
    actor: User | None,
    deal: Deal,
    product: Product | None = None,
    quantity: Decimal | str | int = Decimal("1"),
    discount_percent: Decimal | str | int = Decimal("0"),
    name: str | None = None,
    price: Decimal | str | None = None,
    unit: str | None = None,
    vat_rate: str | None = None,
    vat_included: bool | None = None,
) -> DealLine:
    """Add a line to ``deal``: a product of the catalog (its name, price, unit and VAT copied,
    so that a later change of the catalog does not change the deal), or a free line."""
    _check_deal(actor, deal, "deals.add_dealline")
    if product is None and (not name or price is None):
        raise ValidationError({"product": [_("Choose a product.")]})
    if product is not None:
        if not product.is_active:
            raise ValidationError({"product": [_("This product is no longer sold.")]})
        if product.currency != deal.currency:
            raise ValidationError(
                {
                    "product": [
                        _("The product is priced in %(product)s, the deal is in %(deal)s.")
                        % {"product": product.currency, "deal": deal.currency}
                    ]
                }
            )
    data = _clean_line_fields(
        {
            "name": name if name is not None else product.name,
            "quantity": quantity,
            "unit": unit if unit is not None else (product.unit if product else "шт"),
            "price": price if price is not None else product.price,
            "discount_percent": discount_percent,
            "vat_rate": vat_rate
            if vat_rate is not None
            else (product.vat_rate if product else VatRate.TWENTY_TWO),
            "vat_included": bool(
                vat_included
                if vat_included is not None
                else (product.vat_included if product else True)
            ),
        }
    )
    with transaction.atomic():
        position = (deal.lines.aggregate(m=Max("position"))["m"] or 0) + 1
        line = DealLine.objects.create(deal=deal, product=product, position=position, **data)
        _check_total(deal)
        _sync_deal_amount(actor, deal)
    return line


def _check_total(deal: Deal) -> None:
    if deal_lines_total(deal).gross >= MAX_AMOUNT:
        raise ValidationError({"quantity": [_("The deal's total is too large.")]})


def deal_line_update(*, actor: User | None, line: DealLine, **changes: Any) -> DealLine:
    _check_deal(actor, line.deal, "deals.change_dealline")
    unknown = set(changes) - set(LINE_FIELDS)
    if unknown:
        raise ValidationError({f: [_("This field cannot be changed here.")] for f in unknown})
    merged = {f: getattr(line, f) for f in LINE_FIELDS} | changes
    data = _clean_line_fields(merged)
    diff = [f for f in LINE_FIELDS if getattr(line, f) != data[f]]
    if not diff:
        return line
    with transaction.atomic():
        for field in diff:
            setattr(line, field, data[field])
        line.save(update_fields=diff)
        _check_total(line.deal)
        _sync_deal_amount(actor, line.deal)
    return line


def deal_line_remove(*, actor: User | None, line: DealLine) -> None:
    _check_deal(actor, line.deal, "deals.delete_dealline")
    deal = line.deal
    with transaction.atomic():
        line.delete()
        _sync_deal_amount(actor, deal)
