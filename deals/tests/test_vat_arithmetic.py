"""The arithmetic of a line and of an invoice's totals, as properties over many inputs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deals.models import VatRate
from deals.services.products import CENT, LineAmounts, line_amounts, lines_total

prices = st.decimals(min_value=0, max_value=Decimal("9999999.99"), places=2)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999"), places=3)
discounts = st.decimals(min_value=0, max_value=100, places=2)
rates = st.sampled_from(VatRate.values)
# Pure arithmetic, but on a machine shared with other work a draw can stall for a second:
# no deadline, and slowness is not taken for a fault of the strategies.
arithmetic = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@arithmetic
@given(prices, quantities, discounts, rates, st.booleans())
def test_a_line_adds_up_in_kopecks_and_is_never_negative(price, qty, discount, rate, included):
    a = line_amounts(
        price=price, quantity=qty, discount_percent=discount, vat_rate=rate, vat_included=included
    )
    assert a.net + a.vat == a.gross
    assert min(a) >= 0
    assert all(v == v.quantize(CENT) for v in a)
    if rate in (VatRate.NONE, VatRate.ZERO):
        assert a.vat == 0


@arithmetic
@given(prices, quantities, discounts, st.sampled_from(["5", "7", "10", "20", "22"]))
def test_vat_inside_the_price_comes_back_within_a_kopeck(price, qty, discount, rate):
    inside = line_amounts(
        price=price, quantity=qty, discount_percent=discount, vat_rate=rate, vat_included=True
    )
    # the same net with VAT put on top gives the gross back, up to the kopeck of rounding
    on_top = line_amounts(
        price=inside.net, quantity=1, discount_percent=0, vat_rate=rate, vat_included=False
    )
    assert on_top.net == inside.net
    assert abs(on_top.gross - inside.gross) <= CENT


@arithmetic
@given(st.lists(st.tuples(prices, quantities, discounts, rates, st.booleans()), max_size=20))
def test_totals_are_the_sum_of_the_rounded_lines(lines):
    amounts = [
        line_amounts(price=p, quantity=q, discount_percent=d, vat_rate=r, vat_included=i)
        for p, q, d, r, i in lines
    ]
    total = lines_total(amounts)
    assert total == LineAmounts(
        sum((a.net for a in amounts), Decimal("0.00")),
        sum((a.vat for a in amounts), Decimal("0.00")),
        sum((a.gross for a in amounts), Decimal("0.00")),
    )
    assert total.net + total.vat == total.gross


def test_known_values():
    # 120 000,50 with 22% inside: VAT = 120000.50 × 22 / 122 = 21 639.4344… → 21 639,43
    assert line_amounts(
        price="120000.50", quantity=1, discount_percent=0, vat_rate="22", vat_included=True
    ) == (Decimal("98361.07"), Decimal("21639.43"), Decimal("120000.50"))
    # discount before VAT: 3 × 1000 − 10% = 2700, VAT 20% on top = 540
    assert line_amounts(
        price="1000", quantity=3, discount_percent=10, vat_rate="20", vat_included=False
    ) == (Decimal("2700.00"), Decimal("540.00"), Decimal("3240.00"))
    # half a kopeck rounds up: 0.125 → 0.13
    assert line_amounts(
        price="0.05", quantity="2.5", discount_percent=0, vat_rate="none", vat_included=True
    ).gross == Decimal("0.13")
    # without VAT is not a VAT of zero on paper, but no VAT all the same
    assert line_amounts(
        price="100", quantity=1, discount_percent=0, vat_rate="none", vat_included=False
    ) == (Decimal("100.00"), Decimal("0.00"), Decimal("100.00"))


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"quantity": -1}, "quantity"),
        ({"quantity": 0}, "quantity"),
        ({"discount_percent": 120}, "discount_percent"),
        ({"discount_percent": -1}, "discount_percent"),
        ({"vat_rate": "18"}, "vat_rate"),
        ({"price": "-5"}, "price"),
        ({"price": "abc"}, "price"),
        ({"price": "1.005"}, "price"),
    ],
)
def test_bad_input_is_refused_by_field(kwargs, field):
    args = {"price": "100", "quantity": 1, "discount_percent": 0, "vat_rate": "22"} | kwargs
    with pytest.raises(ValidationError) as caught:
        line_amounts(vat_included=True, **args)
    assert field in caught.value.message_dict
