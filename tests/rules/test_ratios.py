"""Exchange ratios from value (rules.ratios): each band's "1 new for X tendered" from Black-Scholes."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from soxp_portal.rules.ratios import (
    MAX_TENDERED_PER_NEW,
    MIN_TENDERED_PER_NEW,
    PriceBasis,
    ValuationInputs,
    band_keys,
    propose_band_ratio,
    propose_ratios,
    ratio_in_words,
    representative_price,
)
from soxp_portal.rules.terms import AwardType, PriceBand
from soxp_portal.rules.valuation import black_scholes_call, black_scholes_working

D = Decimal
LOW = PriceBand(D("3.01"), True, D("5.00"), False, new_shares=D(1), for_tendered=D(1))
TOP = PriceBand(D("5.00"), True, None, False, new_shares=D(1), for_tendered=D(1))
RSU_LOW = PriceBand(D("3.01"), True, D("5.00"), False, new_shares=D(1), award_type=AwardType.RSU)
RSU_TOP = PriceBand(D("5.00"), True, None, False, new_shares=D(1), award_type=AwardType.RSU)

#: Hull's Example 15.6 as inputs: S = 42, r = 10%, sigma = 20%, the surrendered option K = 40, T = 0.5.
HULL = ValuationInputs(
    share_price=D(42),
    volatility=D("0.20"),
    risk_free_rate=D("0.10"),
    new_term_years=D("0.5"),
    old_term_years=D("0.5"),
    target=D(1),
)
HULL_BAND = PriceBand(D(35), True, D(45), False, new_shares=D(1))


def test_the_working_is_hulls_example_step_by_step() -> None:
    """Hull (Example 15.6): d1 = 0.7693, d2 = 0.6278, N(d1) = 0.7791, N(d2) = 0.7349, c = 4.76."""
    working = black_scholes_working(42, 40, 0.10, 0.20, 0.5)
    assert working.d1 == pytest.approx(0.7693, abs=5e-5)
    assert working.d2 == pytest.approx(0.6278, abs=5e-5)
    assert working.n_d1 == pytest.approx(0.7791, abs=5e-5)
    assert working.n_d2 == pytest.approx(0.7349, abs=5e-5)
    assert working.discount == pytest.approx(math.exp(-0.05))
    assert round(working.value, 2) == 4.76
    assert working.value == black_scholes_call(42, 40, 0.10, 0.20, 0.5)


def test_a_band_whose_grants_average_hulls_strike_is_valued_at_hulls_call() -> None:
    """Two grants averaging $40 a share (1,000 at $38 and 1,000 at $42): value_old is Hull's 4.76. The new
    option at the money (K = S = 42, T = 0.5): d1 = 0.4243, d2 = 0.2828, N(d1) = 0.66431, N(d2) = 0.61135,
    by hand 42 x 0.66431 - 39.9516 x 0.61135 = 3.4767, so X = 3.4767 / 4.7594 = 0.7305, 0.73."""
    representative = representative_price(HULL_BAND, [(D(38), 1000), (D(42), 1000)])
    assert representative.price == D("40.0000")
    assert representative.basis is PriceBasis.WEIGHTED_AVERAGE
    assert (representative.grants, representative.shares) == (2, 2000)
    proposal = propose_band_ratio((AwardType.OPTION, 1), HULL_BAND, HULL, representative, D("0.5"))
    assert round(proposal.value_old, 2) == 4.76
    assert proposal.new is not None
    assert proposal.new.d1 == pytest.approx((0.10 + 0.02) * 0.5 / (0.2 * math.sqrt(0.5)))
    assert proposal.new.n_d2 == pytest.approx(0.61135, abs=5e-6)
    assert proposal.value_new == pytest.approx(3.4767, abs=1e-4)
    assert proposal.exact_tendered_per_new == pytest.approx(3.4767 / 4.7594, abs=1e-4)
    assert proposal.tendered_per_new == D("0.73")
    assert proposal.problem is None


def test_a_target_below_full_value_asks_more_tendered_per_new() -> None:
    """At 90% of value (eBay 2009) X = value_new / (0.9 x value_old): 0.7305 / 0.9 = 0.8116, 0.81."""
    representative = representative_price(HULL_BAND, [(D(40), 100)])
    inputs = ValuationInputs(
        share_price=D(42),
        volatility=D("0.20"),
        risk_free_rate=D("0.10"),
        new_term_years=D("0.5"),
        old_term_years=D("0.5"),
        target=D("0.9"),
    )
    proposal = propose_band_ratio((AwardType.OPTION, 1), HULL_BAND, inputs, representative, D("0.5"))
    assert proposal.exact_tendered_per_new == pytest.approx(proposal.value_new / (0.9 * proposal.value_old))
    assert proposal.tendered_per_new == D("0.81")


def test_an_rsu_is_worth_the_share_price() -> None:
    """An RSU band: value_new = S = 42, so X = 42 / 4.7594 = 8.82 (8.8247 rounded half up)."""
    representative = representative_price(RSU_LOW, [(D(40), 100)])
    proposal = propose_band_ratio((AwardType.RSU, 1), RSU_LOW, HULL, representative, D("0.5"))
    assert proposal.new is None
    assert proposal.value_new == 42
    assert proposal.tendered_per_new == D("8.82")


@pytest.mark.parametrize(
    ("band", "expected", "basis"),
    [
        (LOW, D("4.0050"), PriceBasis.MIDPOINT),
        (TOP, D("5.00"), PriceBasis.LOWER_END),
    ],
)
def test_a_band_without_eligible_grants_falls_back_to_its_midpoint_or_lower_end(
    band, expected, basis
) -> None:
    representative = representative_price(band, [])
    assert (representative.price, representative.basis, representative.shares) == (expected, basis, 0)


def test_the_weighted_average_weighs_by_shares_and_rounds_half_up_to_four_places() -> None:
    """(3 x 1 + 4 x 2) / 3 = 3.66666... -> 3.6667."""
    assert representative_price(LOW, [(D(3), 1), (D(4), 2)]).price == D("3.6667")


def test_the_ratio_is_rounded_to_two_decimals_half_up() -> None:
    """The exact X is written out from the float and rounded half up: a ratio is never shown to more."""
    inputs = ValuationInputs(D(5), D("0.6"), D("0.02"), D(4), D(3), D(1))
    proposal = propose_band_ratio((AwardType.OPTION, 1), LOW, inputs, representative_price(LOW, []), D(3))
    exact = Decimal(repr(proposal.exact_tendered_per_new))
    assert proposal.tendered_per_new == exact.quantize(D("0.01"), rounding="ROUND_HALF_UP")
    assert proposal.tendered_per_new.as_tuple().exponent == -2


def test_bands_are_keyed_by_award_and_place_and_may_have_their_own_old_term() -> None:
    bands = [LOW, TOP, RSU_LOW, RSU_TOP]
    assert band_keys(bands) == [
        (AwardType.OPTION, 1),
        (AwardType.OPTION, 2),
        (AwardType.RSU, 1),
        (AwardType.RSU, 2),
    ]
    inputs = ValuationInputs(D(5), D("0.6"), D("0.02"), D(4), D(3), D("0.9"))
    proposals = propose_ratios(
        bands,
        inputs,
        grants_by_band={(AwardType.OPTION, 1): [(D(4), 100)]},
        old_terms={(AwardType.OPTION, 2): D(6)},
    )
    assert [proposal.old_term_years for proposal in proposals] == [D(3), D(6), D(3), D(3)]
    assert proposals[0].representative.price == D(4)
    # A longer remaining term makes the surrendered option worth more, so fewer are asked for one new.
    same_band_longer = propose_band_ratio(
        (AwardType.OPTION, 2), TOP, inputs, representative_price(TOP, []), D(3)
    )
    assert proposals[1].tendered_per_new < same_band_longer.tendered_per_new
    # An RSU is worth more than a new option, so an RSU band asks more tendered shares at the same price.
    assert proposals[3].tendered_per_new > proposals[1].tendered_per_new
    assert all(proposal.problem is None for proposal in proposals)


def test_an_option_worth_nothing_in_the_model_gets_no_ratio_and_says_why() -> None:
    inputs = ValuationInputs(D(1), D("0.01"), D(0), D(4), D("0.01"), D(1))
    band = PriceBand(D(100), True, None, False, new_shares=D(1))
    proposal = propose_band_ratio(
        (AwardType.OPTION, 1), band, inputs, representative_price(band, []), D("0.01")
    )
    assert proposal.tendered_per_new is None
    assert "worth nothing" in proposal.problem


def test_a_ratio_beyond_what_a_band_holds_is_not_proposed() -> None:
    """Far out of the money the option is worth $0.00043: an RSU would ask 23,000 options for one."""
    inputs = ValuationInputs(D(10), D("0.3"), D(0), D(1), D("0.5"), D(1))
    band = PriceBand(D(20), True, None, False, new_shares=D(1), award_type=AwardType.RSU)
    proposal = propose_band_ratio((AwardType.RSU, 1), band, inputs, representative_price(band, []), D("0.5"))
    assert proposal.tendered_per_new is None
    assert "more than" in proposal.problem


def test_the_bounds_match_what_a_band_row_holds() -> None:
    from soxp_portal.offers.models import MAX_BAND_RATIO
    from soxp_portal.offers.models import PriceBand as PriceBandRow

    assert 1 / MIN_TENDERED_PER_NEW == MAX_BAND_RATIO
    field = PriceBandRow._meta.get_field("ratio_tendered")
    assert 10 ** (field.max_digits - field.decimal_places) > MAX_TENDERED_PER_NEW


def test_ratio_in_words() -> None:
    assert ratio_in_words(D("1.000000"), D("1.880000")) == "1 new for 1.88 tendered"
