"""Keep or exchange: profits, the crossover price and a growth path (slides 11 and 15)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxp_portal.rules.decision_support import (
    BreakevenRow,
    breakeven_table,
    crossover_price,
    option_profit,
    price_path,
)

OLD_STRIKE, OLD_SHARES = Decimal("6.00"), 1000
NEW_STRIKE, NEW_SHARES = Decimal("1.50"), 750


@pytest.mark.parametrize(
    ("price", "keep", "exchange"),
    [
        pytest.param(Decimal(10), Decimal(4000), Decimal(6375), id="slide 11 at $10"),
        pytest.param(Decimal(20), Decimal(14000), Decimal(13875), id="slide 11 at $20"),
        pytest.param(Decimal("19.50"), Decimal(13500), Decimal(13500), id="at the crossover"),
        pytest.param(Decimal(3), Decimal(0), Decimal(1125), id="old option under water"),
        pytest.param(Decimal("1.50"), Decimal(0), Decimal(0), id="both at or under water"),
    ],
)
def test_slides_11_and_15_keep_against_exchange(price: Decimal, keep: Decimal, exchange: Decimal) -> None:
    assert option_profit(OLD_STRIKE, OLD_SHARES, price) == keep
    assert option_profit(NEW_STRIKE, NEW_SHARES, price) == exchange


def test_slide_15_crossover_is_19_50() -> None:
    assert crossover_price(OLD_STRIKE, OLD_SHARES, NEW_STRIKE, NEW_SHARES) == Decimal("19.50")
    assert crossover_price(NEW_STRIKE, NEW_SHARES, OLD_STRIKE, OLD_SHARES) == Decimal("19.50")


@pytest.mark.parametrize(
    ("strike_a", "shares_a", "strike_b", "shares_b"),
    [
        pytest.param(Decimal(6), 1000, Decimal("1.50"), 1000, id="equal shares never cross"),
        pytest.param(Decimal("1.50"), 1000, Decimal(6), 750, id="more shares at the lower strike always win"),
        pytest.param(Decimal(6), 1000, Decimal(6), 750, id="same strike meet only at the strike"),
    ],
)
def test_no_crossover_above_both_strikes(
    strike_a: Decimal, shares_a: int, strike_b: Decimal, shares_b: int
) -> None:
    assert crossover_price(strike_a, shares_a, strike_b, shares_b) is None


def test_slide_15_growth_path_at_50_percent_a_year() -> None:
    path = price_path(Decimal("1.50"), Decimal("0.5"), 5)
    assert path == [Decimal("1.50"), Decimal("2.25"), Decimal("3.38"), Decimal("5.06"), Decimal("7.59")]
    assert [str(price) for price in path] == ["1.50", "2.25", "3.38", "5.06", "7.59"]


def test_growth_path_rounds_each_year_from_the_start_not_from_the_rounded_year_before() -> None:
    # Compounding the rounded 3.38 would give 5.07 and then 7.61.
    assert price_path(Decimal("1.50"), Decimal("0.5"), 5)[3:] == [Decimal("5.06"), Decimal("7.59")]


def test_growth_path_of_no_years_is_empty() -> None:
    assert price_path(Decimal("1.50"), Decimal("0.5"), 0) == []


def test_breakeven_table() -> None:
    rows = breakeven_table(OLD_STRIKE, OLD_SHARES, NEW_STRIKE, NEW_SHARES, [Decimal(10), Decimal(20)])
    assert rows == [
        BreakevenRow(Decimal(10), Decimal(4000), Decimal(6375)),
        BreakevenRow(Decimal(20), Decimal(14000), Decimal(13875)),
    ]
    assert [row.exchange_advantage for row in rows] == [Decimal(2375), Decimal(-125)]


prices = st.decimals(min_value=0, max_value=1000, places=2)
shares = st.integers(min_value=0, max_value=10**6)


@given(strike=prices, count=shares, price=prices)
def test_option_profit_is_never_negative(strike: Decimal, count: int, price: Decimal) -> None:
    assert option_profit(strike, count, price) >= 0


@given(strike_a=prices, shares_a=shares, strike_b=prices, shares_b=shares)
def test_crossover_price_gives_equal_profits(
    strike_a: Decimal, shares_a: int, strike_b: Decimal, shares_b: int
) -> None:
    price = crossover_price(strike_a, shares_a, strike_b, shares_b)
    if price is None:
        return
    assert price > max(strike_a, strike_b)
    profit_a = option_profit(strike_a, shares_a, price)
    profit_b = option_profit(strike_b, shares_b, price)
    # Exact when the division terminates; otherwise the price carries the decimal context's 28 digits,
    # and each share multiplies what is left of its rounding.
    tolerance = Decimal("1e-20") * (shares_a + shares_b) * max(price, Decimal(1))
    assert abs(profit_a - profit_b) <= tolerance
