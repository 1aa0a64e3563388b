"""Keep or exchange: profits, the crossover price and a growth path (slides 11 and 15).

The bands' expected prices were computed apart from the code, with mpmath at 40 digits and checked
with bc: 2.25 x exp(0.8) = 5.007467..., 7.59 x exp(-1.6) = 1.532394..., and so on.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxp_portal.rules.decision_support import (
    BreakevenRow,
    Holding,
    PriceBand,
    breakeven_table,
    comparison_prices,
    crossover_price,
    exchange_crossover,
    exchange_ever_yields_more,
    growth_table,
    holdings_breakeven_table,
    holdings_profit,
    option_profit,
    price_path,
    price_step,
    volatility_band,
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


# Several grants at once: the slide 9 employee's three eligible grants ---------------------------

SLIDE_9_KEPT = [Holding(Decimal("6.00"), 800), Holding(Decimal("4.50"), 1000), Holding(Decimal("0.40"), 500)]
SLIDE_9_NEW = Holding(Decimal("1.50"), 1725)  # 600 + 750 + 375, rounded up per grant


def test_holdings_profit_adds_only_the_options_in_the_money() -> None:
    # At $5: 0 (the $6.00 grant is under water) + 1,000 x 0.50 + 500 x 4.60.
    assert holdings_profit(SLIDE_9_KEPT, Decimal(5)) == Decimal(2800)
    assert holdings_profit([], Decimal(5)) == 0


def test_slide_9_grants_cross_at_12_02() -> None:
    # Above $6.00: exchange 1,725 x (P - 1.50) = keep 2,300 x P - 9,500 when 575 x P = 6,912.50, P = 12.0217...
    assert exchange_crossover(SLIDE_9_KEPT, SLIDE_9_NEW) == Decimal("12.02")
    rows = holdings_breakeven_table(SLIDE_9_KEPT, SLIDE_9_NEW, [Decimal("12.02"), Decimal(13)])
    assert [(row.keep_profit, row.exchange_profit) for row in rows] == [
        (Decimal(18146), Decimal(18147)),
        (Decimal(20400), Decimal("19837.50")),
    ]


def test_one_grant_crosses_where_slide_15_says() -> None:
    assert exchange_crossover([Holding(OLD_STRIKE, OLD_SHARES)], Holding(NEW_STRIKE, NEW_SHARES)) == Decimal(
        "19.50"
    )


def test_a_crossover_below_the_highest_strike() -> None:
    # Exchange 80 x (P - 1) against 100 x (P - 2): equal at $6, below the $50 grant's strike.
    kept = [Holding(Decimal(2), 100), Holding(Decimal(50), 1000)]
    assert exchange_crossover(kept, Holding(Decimal(1), 80)) == Decimal("6.00")


@pytest.mark.parametrize(
    ("kept", "new", "ever_more"),
    [
        pytest.param(
            [Holding(Decimal("0.40"), 500)], Holding(Decimal("1.50"), 375), False, id="new price higher"
        ),
        pytest.param(
            [Holding(Decimal(6), 1000)], Holding(Decimal(6), 750), False, id="same price, fewer shares"
        ),
        pytest.param(
            [Holding(Decimal(6), 1)], Holding(Decimal("1.50"), 1), True, id="as many shares, lower price"
        ),
    ],
)
def test_no_crossover(kept: list[Holding], new: Holding, ever_more: bool) -> None:
    assert exchange_crossover(kept, new) is None
    assert exchange_ever_yields_more(kept, new) is ever_more


def test_exchange_yields_more_somewhere_for_the_slides() -> None:
    assert exchange_ever_yields_more(SLIDE_9_KEPT, SLIDE_9_NEW)
    assert exchange_ever_yields_more([Holding(OLD_STRIKE, OLD_SHARES)], Holding(NEW_STRIKE, NEW_SHARES))


# The volatility band ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "years", "low", "high"),
    [
        pytest.param("1.50", 0, "1.50", "1.50", id="year 0 is the price itself"),
        pytest.param("2.25", 1, "1.01", "5.01", id="2.25 x exp(-+0.8) = 1.0110, 5.0075"),
        pytest.param("3.38", 2, "1.09", "10.48", id="3.38 x exp(-+0.8 x 1.4142) = 1.0904, 10.4777"),
        pytest.param("5.06", 3, "1.27", "20.23", id="5.06 x exp(-+0.8 x 1.7321) = 1.2658, 20.2268"),
        pytest.param("7.59", 4, "1.53", "37.59", id="7.59 x exp(-+1.6) = 1.5324, 37.5935"),
    ],
)
def test_band_around_slide_15s_path_at_80_percent(price: str, years: int, low: str, high: str) -> None:
    band = volatility_band(Decimal(price), Decimal("0.80"), years)
    assert band == PriceBand(low=Decimal(low), high=Decimal(high))


def test_band_at_30_percent_a_year() -> None:
    # 100 x exp(-0.3) = 74.0818..., 100 x exp(0.3) = 134.9858...
    assert volatility_band(Decimal(100), Decimal("0.3"), 1) == PriceBand(Decimal("74.08"), Decimal("134.99"))


def test_band_rounds_half_up() -> None:
    assert volatility_band(Decimal("3.365"), Decimal(0), 2) == PriceBand(Decimal("3.37"), Decimal("3.37"))


def test_band_refuses_negative_inputs() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        volatility_band(Decimal(1), Decimal("-0.1"), 1)


@given(
    price=st.decimals(min_value=Decimal("0.01"), max_value=1000, places=2),
    volatility=st.decimals(min_value=Decimal("0.01"), max_value=5, places=2),
    years=st.integers(min_value=1, max_value=10),
)
def test_band_surrounds_the_price_and_widens_with_time(
    price: Decimal, volatility: Decimal, years: int
) -> None:
    band = volatility_band(price, volatility, years)
    later = volatility_band(price, volatility, years + 1)
    assert band.low <= price <= band.high
    assert later.low <= band.low
    assert band.high <= later.high
    # exp(-x) x exp(x) = 1: low x high is the price squared, but for each bound's half cent of rounding.
    rounding = (band.low + band.high) * Decimal("0.005") + Decimal("0.000025")
    assert abs(band.low * band.high - price * price) <= rounding


# The prices of a breakeven table and the growth table --------------------------------------------


@pytest.mark.parametrize(
    ("top", "step"),
    [
        pytest.param("24.375", "5", id="slide 11 up to 24.38: 5, 10, ... 25"),
        pytest.param("7", "2", id="7 / 6 = 1.17: 2"),
        pytest.param("150", "25", id="150 / 6 = 25: 25"),
        pytest.param("0.6", "0.1", id="pennies: 0.1"),
    ],
)
def test_price_step_is_round(top: str, step: str) -> None:
    assert price_step(Decimal(top)) == Decimal(step)


def test_slide_11_prices_hold_the_marks_and_round_multiples() -> None:
    prices = comparison_prices(NEW_STRIKE, [OLD_STRIKE], Decimal("19.50"))
    assert prices == [Decimal(p) for p in ("1.50", "5", "6.00", "10", "15", "19.50", "20", "25")]
    rows = breakeven_table(OLD_STRIKE, OLD_SHARES, NEW_STRIKE, NEW_SHARES, prices)
    assert [(row.keep_profit, row.exchange_profit) for row in rows if row.price in (10, 20)] == [
        (Decimal(4000), Decimal(6375)),
        (Decimal(14000), Decimal(13875)),
    ]


def test_comparison_prices_without_a_crossover_keep_each_mark_once() -> None:
    # Up to 1.50 x 1.25 = 1.875 in steps of 0.5; $1.50 is both the assumed price and a strike.
    prices = comparison_prices(Decimal("1.50"), [Decimal("1.5"), Decimal("0.40")])
    assert prices == [Decimal(p) for p in ("0.40", "0.5", "1.0", "1.50", "2.0")]


def test_slide_15_growth_table_year_by_year() -> None:
    rows = growth_table(
        [Holding(OLD_STRIKE, OLD_SHARES, expires_on=date(2010, 5, 20))],
        Holding(NEW_STRIKE, NEW_SHARES, expires_on=date(2013, 7, 21)),
        start_on=date(2003, 7, 21),
        yearly_growth=Decimal("0.5"),
        volatility=Decimal("0.8"),
    )
    assert [row.on for row in rows] == [date(year, 7, 21) for year in range(2003, 2008)]
    assert [row.price for row in rows] == [Decimal(p) for p in ("1.50", "2.25", "3.38", "5.06", "7.59")]
    assert [row.keep_profit for row in rows] == [0, 0, 0, 0, Decimal(1590)]
    assert [row.exchange_profit for row in rows] == [
        0,
        Decimal("562.50"),
        Decimal(1410),
        Decimal(2670),
        Decimal("4567.50"),
    ]
    assert rows[4].band == PriceBand(Decimal("1.53"), Decimal("37.59"))
    assert rows[0].exchange_advantage == 0


def test_growth_table_counts_nothing_for_an_option_once_expired() -> None:
    rows = growth_table(
        [Holding(Decimal(1), 100, expires_on=date(2005, 7, 21))],
        Holding(NEW_STRIKE, 75),
        start_on=date(2003, 7, 21),
        yearly_growth=Decimal("0.5"),
    )
    assert [row.keep_profit for row in rows] == [Decimal(50), Decimal(125), 0, 0, 0]
    assert all(row.band is None for row in rows)


holdings = st.lists(
    st.builds(
        Holding,
        strike=st.decimals(min_value=Decimal("0.01"), max_value=100, places=2),
        shares=st.integers(min_value=1, max_value=10_000),
    ),
    min_size=1,
    max_size=4,
)


def exchanged(kept: list[Holding], new_strike: Decimal) -> Holding:
    """What the kept grants become at the 2003 ratio, rounded up per grant."""
    shares = sum(int((holding.shares * Decimal("0.75")).to_integral_value(ROUND_CEILING)) for holding in kept)
    return Holding(new_strike, shares)


@given(kept=holdings, new_strike=st.decimals(min_value=Decimal("0.01"), max_value=100, places=2))
def test_keeping_yields_more_just_above_the_crossover(kept: list[Holding], new_strike: Decimal) -> None:
    new = exchanged(kept, new_strike)
    crossover = exchange_crossover(kept, new)
    if crossover is None:
        return
    assert exchange_ever_yields_more(kept, new)
    for price in (crossover + Decimal("0.01"), crossover * 2 + 100):
        assert holdings_profit(kept, price) > option_profit(new.strike, new.shares, price)


@given(
    strike=prices,
    count=st.integers(min_value=1, max_value=10**6),
    new_strike=prices,
    new_count=st.integers(min_value=0, max_value=10**6),
)
def test_one_grants_crossover_is_slide_15s_rounded(
    strike: Decimal, count: int, new_strike: Decimal, new_count: int
) -> None:
    new_count = min(new_count, count)  # the ratio is at most 1, so never more new shares than old
    expected = crossover_price(strike, count, new_strike, new_count)
    crossover = exchange_crossover([Holding(strike, count)], Holding(new_strike, new_count))
    assert crossover == (
        None if expected is None else expected.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    )
