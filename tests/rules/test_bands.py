"""Price bands and rounding modes (issue 15): each band's ratio, its edges, each rounding mode, and a
flat-ratio offer giving exactly what it gave before bands existed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxp_portal.rules.eligibility import (
    EmployeeEligibility,
    band_in_words,
    grant_eligibility,
    may_be_tendered,
)
from soxp_portal.rules.exchange import ExchangeLine, exchange_summary, grant_new_shares, new_shares
from soxp_portal.rules.facts import GrantFacts
from soxp_portal.rules.terms import AwardVesting, OfferTerms, PriceBand, Rounding, band_problems
from soxp_portal.rules.vesting import award_vesting
from tests.rules.terms_2003 import SOXP_2003

ELIGIBLE = EmployeeEligibility(is_eligible=True, reasons=())
D = Decimal

#: Three bands in the style of a 2009 value-for-value exchange: the lower ends inclusive, as
#: soxp-2003's threshold is ("$3.01 or higher"), the middle band's top inclusive, no top to the last.
LOW = PriceBand(D("3.01"), True, D("5.00"), False, new_shares=D(1), for_tendered=D("1.5"))
MIDDLE = PriceBand(
    D("5.00"),
    True,
    D("10.00"),
    True,
    new_shares=D(1),
    for_tendered=D("1.88"),
    vesting=AwardVesting(cliff_months=12, cliff_fraction=D("0.25"), monthly_installments=36),
)
HIGH = PriceBand(D("10.00"), False, None, False, new_shares=D(1), for_tendered=D(4))


@pytest.fixture
def banded(terms: OfferTerms) -> OfferTerms:
    return replace(terms, price_bands=(LOW, MIDDLE, HIGH))


@pytest.mark.parametrize(
    ("price", "band"),
    [
        pytest.param("3.01", LOW, id="inclusive lower end"),
        pytest.param("4.9999", LOW, id="just below an exclusive top"),
        pytest.param("5.00", MIDDLE, id="exclusive top of one band, inclusive bottom of the next"),
        pytest.param("10.00", MIDDLE, id="inclusive top"),
        pytest.param("10.0001", HIGH, id="just above an exclusive lower end"),
        pytest.param("250.00", HIGH, id="a band with no top"),
        pytest.param("3.00", None, id="below every band"),
    ],
)
def test_band_for_reads_each_end_as_stated(banded: OfferTerms, price: str, band: PriceBand | None) -> None:
    assert banded.band_for(D(price)) == band


def test_an_exclusive_lower_end_leaves_its_own_price_out() -> None:
    band = PriceBand(D("3.01"), False, D("5.00"), True, new_shares=D("0.5"))
    assert not band.contains(D("3.01"))
    assert band.contains(D("3.0101"))
    assert band.contains(D("5.00"))
    assert not band.contains(D("5.0001"))


def test_bands_in_words_state_each_end() -> None:
    assert band_in_words(LOW) == "$3.01 or higher and below $5.00"
    assert band_in_words(MIDDLE) == "$5.00 or higher and up to $10.00"
    assert band_in_words(HIGH) == "above $10.00"


@pytest.mark.parametrize(
    ("price", "tendered", "expected"),
    [
        pytest.param("4.00", 300, 200, id="1 for 1.5: exact"),
        pytest.param("4.00", 301, 201, id="1 for 1.5: 200.67 rounds up"),
        pytest.param("7.00", 188, 100, id="1 for 1.88: exactly 100, no decimal error"),
        pytest.param("7.00", 1000, 532, id="1 for 1.88: 531.9 rounds up"),
        pytest.param("12.00", 1001, 251, id="1 for 4: 250.25 rounds up"),
    ],
)
def test_grant_new_shares_uses_the_grants_band(
    banded: OfferTerms, price: str, tendered: int, expected: int
) -> None:
    assert grant_new_shares(banded, tendered, D(price)) == expected


def test_grant_new_shares_refuses_a_price_in_no_band(banded: OfferTerms) -> None:
    with pytest.raises(ValueError, match="none of the offer's price bands"):
        grant_new_shares(banded, 100, D("2.00"))


@pytest.mark.parametrize(
    ("tendered", "ratio", "up", "down", "nearest"),
    [
        pytest.param(800, "0.75", 600, 600, 600, id="exact integer: never rounded"),
        pytest.param(333, "0.75", 250, 249, 250, id="249.75"),
        pytest.param(331, "0.75", 249, 248, 248, id="248.25"),
        pytest.param(333, "0.5", 167, 166, 167, id="166.5: a half rounds up"),
        pytest.param(1, "0.5", 1, 0, 1, id="0.5 of one share"),
        pytest.param(0, "0.75", 0, 0, 0, id="nothing"),
    ],
)
def test_each_rounding_mode(tendered: int, ratio: str, up: int, down: int, nearest: int) -> None:
    assert new_shares(tendered, D(ratio), Rounding.UP) == up
    assert new_shares(tendered, D(ratio), Rounding.DOWN) == down
    assert new_shares(tendered, D(ratio), Rounding.NEAREST) == nearest


def test_rounding_applies_to_the_tendered_per_new_form_too() -> None:
    # 1 for 1.5 of 301 shares is 200.666...: up 201, down 200, nearest 201; 1 for 4 of 2 is exactly 0.5.
    assert [new_shares(301, D(1), mode, for_tendered=D("1.5")) for mode in Rounding] == [201, 200, 201]
    assert [new_shares(2, D(1), mode, for_tendered=D(4)) for mode in Rounding] == [1, 0, 1]


def test_the_offers_rounding_is_applied_per_grant(banded: OfferTerms) -> None:
    down = replace(banded, rounding=Rounding.DOWN)
    prices = {"G-1": D("4.00"), "G-2": D("4.00")}
    summary = exchange_summary(down, {"G-1": 301, "G-2": 301}, prices)
    assert summary.lines == (ExchangeLine("G-1", 301, 200), ExchangeLine("G-2", 301, 200))
    assert summary.total_new == 400  # rounding the employee's 602 at once would give 401


@given(
    tendered=st.integers(min_value=0, max_value=10**7),
    new=st.integers(min_value=1, max_value=10_000).map(lambda n: D(n).scaleb(-3)),
    per=st.integers(min_value=1, max_value=10_000).map(lambda n: D(n).scaleb(-3)),
)
def test_every_mode_is_the_exact_quotient_rounded(tendered: int, new: Decimal, per: Decimal) -> None:
    exact = tendered * new / per  # a Decimal quotient may be inexact: the checks use the fraction
    (new_numerator, new_denominator), (per_numerator, per_denominator) = (
        new.as_integer_ratio(),
        per.as_integer_ratio(),
    )
    numerator, denominator = tendered * new_numerator * per_denominator, new_denominator * per_numerator
    down = new_shares(tendered, new, Rounding.DOWN, for_tendered=per)
    up = new_shares(tendered, new, Rounding.UP, for_tendered=per)
    nearest = new_shares(tendered, new, Rounding.NEAREST, for_tendered=per)
    assert down * denominator <= numerator < (down + 1) * denominator
    assert up == (down if down * denominator == numerator else down + 1)
    assert nearest == (down + 1 if 2 * (numerator - down * denominator) >= denominator else down)
    assert down <= exact <= up


# A flat-ratio offer is the one-band case and gives exactly what it gave before bands.


def test_a_flat_offer_is_one_band_covering_every_price(terms: OfferTerms) -> None:
    assert terms.price_bands == ()
    assert terms.rounding is Rounding.UP
    (band,) = terms.bands
    assert (band.lower, band.lower_inclusive, band.upper, band.new_shares, band.for_tendered) == (
        D(0),
        True,
        None,
        D("0.75"),
        D(1),
    )
    assert terms.band_for(D("0.0001")) == band
    assert terms.band_for(D(0)) == band


@given(
    tendered=st.integers(min_value=0, max_value=10**7),
    price=st.integers(min_value=0, max_value=10**7).map(lambda n: D(n).scaleb(-4)),
)
def test_a_flat_offer_gives_the_ratio_rounded_up_at_every_price(tendered: int, price: Decimal) -> None:
    before = (tendered * D("0.75")).to_integral_value(rounding=ROUND_CEILING)
    assert grant_new_shares(SOXP_2003, tendered, price) == before


# Eligibility: a price in no band has no ratio.


def test_a_price_below_every_band_keeps_the_threshold_reason(
    banded: OfferTerms, make_grant: Callable[..., GrantFacts]
) -> None:
    verdict = grant_eligibility(banded, make_grant(exercise_price=D("2.18")), ELIGIBLE)
    assert not verdict.is_eligible
    assert verdict.reason == "Exercise price $2.18 is below the $3.01 threshold."


def test_a_price_above_the_threshold_in_no_band_is_not_eligible(
    terms: OfferTerms, make_grant: Callable[..., GrantFacts]
) -> None:
    gap = replace(terms, price_bands=(LOW, HIGH))  # nothing from $5.00 to $10.00
    grant = make_grant(exercise_price=D("6.00"))
    verdict = grant_eligibility(gap, grant, ELIGIBLE)
    assert not verdict.is_eligible
    assert verdict.reason == (
        "Exercise price $6.00 falls in none of the offer's price bands ($3.01 or higher and below $5.00; "
        "above $10.00), so the offer sets no exchange ratio for it."
    )
    assert not may_be_tendered(gap, grant)
    assert may_be_tendered(gap, make_grant(exercise_price=D("4.00")))


def test_a_lookback_grant_in_no_band_is_not_eligible_nor_required(
    banded: OfferTerms, make_grant: Callable[..., GrantFacts]
) -> None:
    grant = make_grant(grant_date=date(2002, 7, 1), exercise_price=D("0.40"))
    verdict = grant_eligibility(banded, grant, ELIGIBLE)
    assert (verdict.is_eligible, verdict.is_lookback, verdict.is_required) == (False, True, False)
    assert "falls in none of the offer's price bands" in verdict.reason
    assert not may_be_tendered(banded, grant)


def test_a_band_in_range_is_eligible_with_the_threshold_reason(
    banded: OfferTerms, make_grant: Callable[..., GrantFacts]
) -> None:
    verdict = grant_eligibility(banded, make_grant(exercise_price=D("7.00")), ELIGIBLE)
    assert verdict.is_eligible
    assert verdict.reason == "Exercise price $7.00 is at or above the $3.01 threshold."


# The new award's vesting: the band's own, or the offer's.


def test_award_vesting_is_the_bands_own_or_the_offers(banded: OfferTerms, terms: OfferTerms) -> None:
    assert award_vesting(banded, D("7.00")) == MIDDLE.vesting
    offers = AwardVesting(cliff_months=6, cliff_fraction=D("0.5"), monthly_installments=24)
    assert award_vesting(banded, D("4.00")) == offers
    assert award_vesting(terms, D("4.00")) == offers


# The bands of an offer follow one another without overlap or gap.


def test_sound_bands_have_no_problems() -> None:
    assert band_problems((LOW, MIDDLE, HIGH)) == []
    assert band_problems(()) == []


@pytest.mark.parametrize(
    ("bands", "problem"),
    [
        pytest.param(
            (LOW, replace(MIDDLE, lower=D("4.50"))),
            "Band 2 overlaps band 1: it starts at $4.50, below $5.00.",
            id="overlap",
        ),
        pytest.param(
            (replace(LOW, upper_inclusive=True), MIDDLE),
            "Band 2 overlaps band 1: both include $5.00.",
            id="both ends include the shared price",
        ),
        pytest.param(
            (LOW, replace(MIDDLE, lower=D("6.00"))),
            "Band 2 leaves a gap after band 1: $5.00 to $6.00 is in no band.",
            id="gap",
        ),
        pytest.param(
            (LOW, replace(MIDDLE, lower_inclusive=False)),
            "Band 2 leaves a gap after band 1: neither includes $5.00.",
            id="neither end includes the shared price",
        ),
        pytest.param(
            (LOW, replace(MIDDLE, upper=None), HIGH),
            "Band 2 has no top, so band 3 cannot come after it.",
            id="open band not last",
        ),
        pytest.param(
            (replace(LOW, upper=D("3.01")),),
            "Band 1 ends at $3.01, which is not above its start, $3.01.",
            id="empty band",
        ),
    ],
)
def test_band_problems_name_the_band(bands: tuple[PriceBand, ...], problem: str) -> None:
    assert problem in band_problems(bands)
