"""Restricted stock units against keeping (issue 15): an RSU has no exercise price, so it is worth the
share price today and beats keeping a grant wherever units x S_T > options x max(S_T - K, 0)."""

import math
from datetime import date
from decimal import Decimal

import numpy as np
import pytest

from soxp_portal.rules.decision_support import Holding, exchange_crossover, growth_table
from soxp_portal.rules.valuation import (
    KeptGrant,
    LognormalStep,
    restricted_stock_unit,
    rsu_wins_probabilities,
    simulate_exchange_wins,
)

TO_GRANT = LognormalStep(rate=0.04, volatility=0.6, years=10 / 365)
TO_HORIZON = LognormalStep(rate=0.04, volatility=0.6, years=1461 / 365)
#: Valuation date to horizon in one step: what the RSUs' closed form reads.
WHOLE = LognormalStep(rate=0.04, volatility=0.6, years=1471 / 365)


def test_an_rsu_is_worth_todays_share_price() -> None:
    assert restricted_stock_unit(12.5) == 12.5
    with pytest.raises(ValueError):
        restricted_stock_unit(0.0)


@pytest.mark.parametrize(
    "grant",
    [
        KeptGrant(4.5, 1000, 334),  # band 1 of the test offer: 1 RSU for 3 options
        KeptGrant(6.0, 940, 235),
        KeptGrant(12.0, 900, 150),
        KeptGrant(1.0, 1000, 100),  # a strike below today's price
    ],
)
def test_the_closed_form_agrees_with_a_seeded_simulation_within_its_error(grant) -> None:
    exact = rsu_wins_probabilities(1.5, WHOLE, [grant])[0]
    simulated = simulate_exchange_wins(1.5, TO_GRANT, TO_HORIZON, [grant], paths=400_000, seed=11, units=True)
    assert abs(exact - simulated.probability) < 4 * simulated.standard_error + 1e-4
    assert 0 < exact < 1


def test_the_closed_form_is_the_chance_of_ending_below_the_crossover() -> None:
    """1,000 options at $4.50 against 334 RSUs: the RSUs win below c = 1000 x 4.5 / 666 = $6.7568, the
    same crossover as the breakeven table's."""
    grant = KeptGrant(4.5, 1000, 334)
    crossover = 1000 * 4.5 / (1000 - 334)
    expected = 0.5 * math.erfc(-(math.log(crossover / 1.5) - WHOLE.mean) / (WHOLE.deviation * math.sqrt(2)))
    assert rsu_wins_probabilities(1.5, WHOLE, [grant])[0] == pytest.approx(expected, rel=1e-12)
    table = exchange_crossover([Holding(Decimal("4.50"), 1000)], Holding(0, 334))
    assert float(table) == pytest.approx(crossover, abs=0.005)


def test_brute_force_on_a_grid_of_final_prices() -> None:
    """The event read directly, units x S_T > n x max(S_T - K, 0), integrated over the lognormal density."""
    grant = KeptGrant(6.0, 940, 235)
    z = np.linspace(-9, 9, 200_001)
    final = 1.5 * np.exp(WHOLE.mean + WHOLE.deviation * z)
    wins = grant.new_shares * final > grant.shares * np.maximum(final - grant.strike, 0)
    density = np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi)
    brute = float(np.sum(density * wins) * (z[1] - z[0]))
    assert rsu_wins_probabilities(1.5, WHOLE, [grant])[0] == pytest.approx(brute, abs=1e-4)


def test_as_many_rsus_as_shares_or_an_expired_grant_always_lose_to_the_rsus() -> None:
    grants = [
        KeptGrant(6.0, 1000, 1000),
        KeptGrant(6.0, 1000, 1200),
        KeptGrant(6.0, 1000, 10, alive_at_horizon=False),
    ]
    assert rsu_wins_probabilities(1.5, WHOLE, grants) == [1.0, 1.0, 1.0]


def test_the_total_of_rsus_pays_the_final_price_whatever_the_price_on_the_new_grant_date() -> None:
    """With units=True the exchange pays M x S_T: for one grant the simulated total is the closed form
    (within its error), whatever the wait before the grant; as options it pays only above s, less often."""
    grant = KeptGrant(4.5, 1000, 334)
    long_wait = LognormalStep(rate=0.04, volatility=0.6, years=1.0)
    short_rest = LognormalStep(rate=0.04, volatility=0.6, years=WHOLE.years - 1.0)
    for to_grant, to_horizon in ((TO_GRANT, TO_HORIZON), (long_wait, short_rest)):
        total = simulate_exchange_wins(1.5, to_grant, to_horizon, [grant], paths=400_000, seed=3, units=True)
        exact = rsu_wins_probabilities(1.5, WHOLE, [grant])[0]
        assert abs(total.probability - exact) < 4 * total.standard_error + 1e-4
    options = simulate_exchange_wins(1.5, TO_GRANT, TO_HORIZON, [grant])
    assert options.probability < exact


def test_the_growth_path_of_rsus_starts_at_the_assumed_share_price() -> None:
    rows = growth_table(
        [Holding(Decimal("4.50"), 1000)],
        Holding(Decimal(0), 334),
        start_on=date(2003, 1, 21),
        yearly_growth=Decimal("0.5"),
        start=Decimal("1.50"),
    )
    assert [row.price for row in rows] == [
        Decimal("1.50"),
        Decimal("2.25"),
        Decimal("3.38"),
        Decimal("5.06"),
        Decimal("7.59"),
    ]
    assert rows[0].exchange_profit == Decimal("501.00")  # 334 x $1.50: an RSU pays the whole price
    assert rows[3].keep_profit == Decimal("560.00")  # 1,000 x ($5.06 - $4.50)
