"""Black-Scholes values and the probability that exchanging beats keeping (rules.valuation)."""

import math
from datetime import date
from decimal import Decimal

import pytest

from soxp_portal.rules.valuation import (
    PROBABILITY_NODES,
    SIMULATION_PATHS,
    KeptGrant,
    LognormalStep,
    black_scholes_call,
    black_scholes_put,
    exchange_wins_probabilities,
    forward_start_call,
    price_percentiles,
    simulate_exchange_wins,
    to_cents,
    years_between,
)


def test_hulls_example_call_and_put() -> None:
    """Hull, Options, Futures, and Other Derivatives (Example 15.6): S=42, K=40, r=10%, sigma=20%, T=0.5."""
    assert to_cents(black_scholes_call(42, 40, 0.10, 0.20, 0.5)) == Decimal("4.76")
    assert to_cents(black_scholes_put(42, 40, 0.10, 0.20, 0.5)) == Decimal("0.81")


def test_at_expiry_and_for_a_zero_strike_the_value_is_what_exercising_gives() -> None:
    assert black_scholes_call(10, 6, 0.05, 0.8, 0) == 4
    assert black_scholes_call(5, 6, 0.05, 0.8, 0) == 0
    assert black_scholes_call(10, 0, 0.05, 0.8, 2) == 10


@pytest.mark.parametrize("bad", [{"spot": 0}, {"volatility": 0}, {"strike": -1}, {"years": -0.1}])
def test_nonsense_inputs_are_refused(bad) -> None:
    args = {"spot": 10.0, "strike": 6.0, "rate": 0.04, "volatility": 0.8, "years": 1.0} | bad
    with pytest.raises(ValueError):
        black_scholes_call(**args)


def test_the_new_option_today_is_todays_price_times_a_one_dollar_at_the_money_option() -> None:
    """A forward-start call: the wait does not enter; it scales with today's price."""
    unit = black_scholes_call(1, 1, 0.04, 0.8, 10)
    assert forward_start_call(1.5, 0.04, 0.8, 10) == pytest.approx(1.5 * unit)
    assert forward_start_call(3.0, 0.04, 0.8, 10) == pytest.approx(2 * forward_start_call(1.5, 0.04, 0.8, 10))


def test_years_are_actual_over_365_and_never_negative() -> None:
    assert years_between(date(2003, 1, 20), date(2004, 1, 20)) == 1
    assert years_between(date(2003, 1, 20), date(2003, 1, 1)) == 0


def test_price_percentiles_are_the_lognormal_quantiles() -> None:
    step = LognormalStep(rate=0.04, volatility=0.8, years=0.5)
    low, median, high = price_percentiles(1.5, step)
    assert median == pytest.approx(1.5 * math.exp((0.04 - 0.32) * 0.5))
    assert low == pytest.approx(1.5 * math.exp(step.mean - 1.6448536 * step.deviation), rel=1e-6)
    assert high == pytest.approx(1.5 * math.exp(step.mean + 1.6448536 * step.deviation), rel=1e-6)


TO_GRANT = LognormalStep(rate=0.04, volatility=0.8, years=182 / 365)
TO_HORIZON = LognormalStep(rate=0.04, volatility=0.8, years=915 / 365)
CASES = [
    KeptGrant(6.0, 1000, 750),  # slide 11: fewer new shares
    KeptGrant(1.0, 1000, 750),  # a strike below today's price
    KeptGrant(0.4, 500, 375),  # slide 9's lookback grant
    KeptGrant(6.0, 1000, 1200),  # more new shares than kept (another offer's ratio)
    KeptGrant(6.0, 1000, 1000),  # as many
    KeptGrant(6.0, 1000, 750, alive_at_horizon=False),  # expires before the horizon
]


@pytest.mark.parametrize("grant", CASES)
def test_the_one_grant_probability_agrees_with_a_seeded_simulation_within_its_error(grant) -> None:
    """400,000 seeded paths: the quadrature lies within four standard errors of the simulation."""
    exact = exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, [grant])[0]
    simulated = simulate_exchange_wins(1.5, TO_GRANT, TO_HORIZON, [grant], paths=400_000, seed=7)
    assert abs(exact - simulated.probability) < 4 * simulated.standard_error + 1e-4
    assert 0 <= exact <= 1


@pytest.mark.parametrize("grant", CASES)
def test_the_quadrature_agrees_with_twice_as_many_nodes(grant) -> None:
    fine = exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, [grant], nodes=2 * PROBABILITY_NODES)
    assert exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, [grant])[0] == pytest.approx(
        fine[0], abs=1e-10
    )


def test_closed_forms_where_the_event_needs_no_integral() -> None:
    """As many new shares as kept, or a grant gone by the horizon: P(s < K) P(x > s), or P(x > s)."""
    up = 0.5 * math.erfc(-TO_HORIZON.mean / TO_HORIZON.deviation / math.sqrt(2))
    below = 0.5 * math.erfc(-(math.log(6 / 1.5) - TO_GRANT.mean) / TO_GRANT.deviation / math.sqrt(2))
    same, gone = exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, CASES[4:])
    assert same == pytest.approx(below * up, abs=1e-12)
    assert gone == pytest.approx(up, abs=1e-12)


def test_each_grant_is_judged_alone_and_in_any_order() -> None:
    together = exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, CASES)
    alone = [exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, [grant])[0] for grant in CASES]
    assert together == pytest.approx(alone, abs=1e-14)
    assert exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, []) == []


def test_the_total_simulation_is_seeded_and_states_its_size() -> None:
    grants = [KeptGrant(6.0, 800, 600), KeptGrant(4.5, 1000, 750), KeptGrant(0.4, 500, 375)]
    first = simulate_exchange_wins(1.5, TO_GRANT, TO_HORIZON, grants)
    assert first == simulate_exchange_wins(1.5, TO_GRANT, TO_HORIZON, grants)
    assert first.paths == SIMULATION_PATHS
    assert first.standard_error <= 0.5 / math.sqrt(SIMULATION_PATHS)


def test_the_total_of_one_grant_is_that_grants_probability() -> None:
    grant = KeptGrant(6.0, 1000, 750)
    exact = exchange_wins_probabilities(1.5, TO_GRANT, TO_HORIZON, [grant])[0]
    simulated = simulate_exchange_wins(1.5, TO_GRANT, TO_HORIZON, [grant])
    assert abs(simulated.probability - exact) < 4 * simulated.standard_error


def test_keeping_in_the_simulation_sums_every_grant_in_the_money() -> None:
    """Against a plain per-path loop on a few paths: the sorted running sums give the same payoffs."""
    import numpy as np

    grants = [
        KeptGrant(6.0, 800, 600),
        KeptGrant(4.5, 1000, 750),
        KeptGrant(9.0, 10, 8, alive_at_horizon=False),
    ]
    draws = np.random.default_rng(3).standard_normal((2, 2000))
    s = 1.5 * np.exp(TO_GRANT.mean + TO_GRANT.deviation * draws[0])
    x = s * np.exp(TO_HORIZON.mean + TO_HORIZON.deviation * draws[1])
    wins = [
        1358 * max(xi - si, 0) > sum(g.shares * max(xi - g.strike, 0) for g in grants if g.alive_at_horizon)
        for si, xi in zip(s, x, strict=True)
    ]
    simulated = simulate_exchange_wins(1.5, TO_GRANT, TO_HORIZON, grants, paths=2000, seed=3)
    assert simulated.probability == sum(wins) / 2000
