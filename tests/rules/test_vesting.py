"""Vesting of the new options in whole shares, and their expiration (OFFER.md decision 6, slides 14-15)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxp_portal.rules.terms import OfferTerms
from soxp_portal.rules.vesting import (
    AssumedVesting,
    VestingEvent,
    current_grant_vested,
    new_option_expiration,
    vested_shares,
    vesting_schedule,
    vesting_schedule_for,
)
from soxp_portal.rules.window import new_grant_date

SLIDE_14_GRANT_DATE = date(2003, 7, 21)
HALF = Decimal("0.5")


def slide_14_schedule() -> list[VestingEvent]:
    return vesting_schedule(1000, SLIDE_14_GRANT_DATE, 6, HALF, 24)


def test_slide_14_half_vests_on_the_six_month_anniversary() -> None:
    assert slide_14_schedule()[0] == VestingEvent(date(2004, 1, 21), 500, 500)


def test_slide_14_first_monthly_installment() -> None:
    assert slide_14_schedule()[1] == VestingEvent(date(2004, 2, 21), 20, 520)


def test_slide_14_last_installment_completes_the_grant_on_2006_01_21() -> None:
    schedule = slide_14_schedule()
    assert len(schedule) == 25
    assert schedule[-1].vest_date == date(2006, 1, 21)  # slide 15's "1/18/06" is a slip
    assert schedule[-1].cumulative == 1000


def test_decision_6_monthly_installments_are_20_or_21_whole_shares() -> None:
    monthly = [event.shares for event in slide_14_schedule()[1:]]
    assert set(monthly) == {20, 21}
    assert sum(monthly) == 500


def test_decision_6_cumulative_is_half_plus_floor_of_the_rest_times_n_over_24() -> None:
    for n, event in enumerate(slide_14_schedule()[1:], start=1):
        assert event.cumulative == 500 + 500 * n // 24
        assert event.vest_date.day == 21


def test_schedule_for_the_offer_uses_its_terms(terms: OfferTerms) -> None:
    assert vesting_schedule_for(terms, 1000, new_grant_date(terms)) == slide_14_schedule()


def test_odd_total_rounds_the_cliff_down(terms: OfferTerms) -> None:
    schedule = vesting_schedule_for(terms, 375, SLIDE_14_GRANT_DATE)
    assert schedule[0].shares == 187
    assert schedule[-1].cumulative == 375


def test_monthly_dates_are_each_computed_from_the_grant_date_and_clamped() -> None:
    schedule = vesting_schedule(1000, date(2003, 8, 31), 6, HALF, 24)
    dates = [event.vest_date for event in schedule]
    assert dates[:4] == [date(2004, 2, 29), date(2004, 3, 31), date(2004, 4, 30), date(2004, 5, 31)]
    assert dates[-1] == date(2006, 2, 28)


def test_every_event_is_kept_even_with_zero_shares() -> None:
    schedule = vesting_schedule(1, SLIDE_14_GRANT_DATE, 6, HALF, 24)
    assert len(schedule) == 25
    assert [event.cumulative for event in schedule] == [0] * 24 + [1]


def test_zero_shares_has_no_schedule() -> None:
    assert vesting_schedule(0, SLIDE_14_GRANT_DATE, 6, HALF, 24) == []


def test_no_installments_means_everything_vests_at_the_cliff() -> None:
    assert vesting_schedule(100, SLIDE_14_GRANT_DATE, 12, Decimal(1), 0) == [
        VestingEvent(date(2004, 7, 21), 100, 100)
    ]


@pytest.mark.parametrize(
    ("total", "cliff_months", "fraction", "installments"),
    [
        pytest.param(-1, 6, HALF, 24, id="negative total"),
        pytest.param(1000, -1, HALF, 24, id="negative cliff"),
        pytest.param(1000, 6, Decimal("1.5"), 24, id="fraction above 1"),
        pytest.param(1000, 6, Decimal("-0.1"), 24, id="negative fraction"),
        pytest.param(1000, 6, HALF, 0, id="half would never vest"),
    ],
)
def test_impossible_vesting_terms_are_refused(
    total: int, cliff_months: int, fraction: Decimal, installments: int
) -> None:
    with pytest.raises(ValueError):
        vesting_schedule(total, SLIDE_14_GRANT_DATE, cliff_months, fraction, installments)


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        pytest.param(SLIDE_14_GRANT_DATE, 0, id="grant date"),
        pytest.param(date(2004, 1, 20), 0, id="day before the cliff"),
        pytest.param(date(2004, 1, 21), 500, id="the cliff"),
        pytest.param(date(2004, 2, 20), 500, id="day before the first installment"),
        pytest.param(date(2004, 2, 21), 520, id="first installment"),
        pytest.param(date(2006, 1, 21), 1000, id="fully vested"),
        pytest.param(date(2013, 7, 20), 1000, id="long after"),
    ],
)
def test_vested_shares_on_a_day(on: date, expected: int) -> None:
    assert vested_shares(slide_14_schedule(), on) == expected


def test_vested_shares_of_an_empty_schedule_is_zero() -> None:
    assert vested_shares([], date(2010, 1, 1)) == 0


@pytest.mark.parametrize(
    ("grant_date", "expected"),
    [
        pytest.param(date(2003, 7, 21), date(2013, 7, 21), id="soxp-2003"),
        pytest.param(date(2003, 7, 25), date(2013, 7, 25), id="after the extension"),
        pytest.param(date(2004, 2, 29), date(2014, 2, 28), id="leap day"),
    ],
)
def test_new_option_expires_after_its_term(grant_date: date, expected: date) -> None:
    assert new_option_expiration(grant_date, 10) == expected


fractions = st.integers(min_value=0, max_value=100).map(lambda n: Decimal(n).scaleb(-2))


@given(
    total=st.integers(min_value=1, max_value=10**7),
    grant_date=st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
    cliff_months=st.integers(min_value=0, max_value=24),
    fraction=fractions,
    installments=st.integers(min_value=1, max_value=60),
)
def test_vesting_schedule_properties(
    total: int, grant_date: date, cliff_months: int, fraction: Decimal, installments: int
) -> None:
    schedule = vesting_schedule(total, grant_date, cliff_months, fraction, installments)
    assert len(schedule) == installments + 1
    assert schedule[-1].cumulative == total
    assert all(event.shares >= 0 for event in schedule)
    cumulatives = [event.cumulative for event in schedule]
    assert cumulatives == sorted(cumulatives)
    assert sum(event.shares for event in schedule) == total
    dates = [event.vest_date for event in schedule]
    assert all(later > earlier for earlier, later in pairwise(dates))
    assert vested_shares(schedule, dates[-1]) == total


#: The four-year schedule soxp-2003's administrator assumes for the current grants (fixtures/soxp-2003.json).
FOUR_YEARS = AssumedVesting(cliff_months=12, cliff_fraction=Decimal("0.25"), installments=36)


def test_a_current_grant_vests_a_quarter_after_a_year_then_monthly_for_the_gap() -> None:
    """The four-year schedule: 1,000 granted 2001-03-05 have 250 + 22 x 750 / 36 by 2003-01-24."""
    assert current_grant_vested(FOUR_YEARS, 1000, 0, 1000, date(2001, 3, 5), date(2002, 3, 4)) == 0
    assert current_grant_vested(FOUR_YEARS, 1000, 0, 1000, date(2001, 3, 5), date(2002, 3, 5)) == 250
    assert (
        current_grant_vested(FOUR_YEARS, 1000, 0, 1000, date(2001, 3, 5), date(2003, 1, 24))
        == 250 + 750 * 10 // 36
    )
    assert (
        current_grant_vested(FOUR_YEARS, 1000, 0, 1000, date(2001, 3, 5), date(2003, 7, 25))
        == 250 + 750 * 16 // 36
    )
    # Exercised shares had vested first; a cancelled part never counts past what is outstanding.
    assert (
        current_grant_vested(FOUR_YEARS, 1000, 200, 800, date(2000, 5, 20), date(2003, 7, 25))
        == 250 + 750 * 26 // 36 - 200
    )
    assert current_grant_vested(FOUR_YEARS, 1000, 0, 100, date(1998, 1, 1), date(2003, 7, 25)) == 100


def test_the_count_follows_the_schedule_it_is_given() -> None:
    """The schedule is the offer's data: another one gives other counts on the same dates."""
    granted, on = date(2001, 3, 5), date(2003, 1, 24)
    three_years = AssumedVesting(cliff_months=6, cliff_fraction=Decimal("0.5"), installments=30)
    monthly = AssumedVesting(cliff_months=0, cliff_fraction=Decimal(0), installments=48)
    all_at_once = AssumedVesting(cliff_months=36, cliff_fraction=Decimal(1), installments=0)
    counts = [current_grant_vested(s, 1000, 0, 1000, granted, on) for s in (FOUR_YEARS, three_years, monthly)]
    assert counts == [250 + 750 * 10 // 36, 500 + 500 * 16 // 30, 1000 * 22 // 48]
    assert current_grant_vested(all_at_once, 1000, 0, 1000, granted, date(2004, 3, 4)) == 0
    assert current_grant_vested(all_at_once, 1000, 0, 1000, granted, date(2004, 3, 5)) == 1000


@pytest.mark.parametrize(
    ("months", "fraction", "installments"),
    [(-1, "0.25", 36), (12, "1.01", 36), (12, "-0.01", 36), (12, "0.25", -1), (12, "0.25", 0)],
)
def test_an_impossible_schedule_is_refused(months: int, fraction: str, installments: int) -> None:
    with pytest.raises(ValueError):
        AssumedVesting(cliff_months=months, cliff_fraction=Decimal(fraction), installments=installments)


@pytest.mark.parametrize(
    "schedule",
    [
        FOUR_YEARS,
        AssumedVesting(cliff_months=6, cliff_fraction=Decimal("0.5"), installments=30),
        AssumedVesting(cliff_months=0, cliff_fraction=Decimal(0), installments=48),
        AssumedVesting(cliff_months=24, cliff_fraction=Decimal(1), installments=0),
    ],
)
@pytest.mark.parametrize("granted", [1, 7, 1000, 4321])
@pytest.mark.parametrize(
    "grant_date", [date(2000, 1, 31), date(2000, 2, 29), date(2001, 3, 5), date(2002, 8, 31)]
)
def test_the_current_grants_count_matches_the_full_schedule_on_every_day(
    schedule, granted, grant_date
) -> None:
    from datetime import timedelta

    full = vesting_schedule(
        granted, grant_date, schedule.cliff_months, schedule.cliff_fraction, schedule.installments
    )
    for day in range(-3, 4 * 366 + 40, 3):
        on = grant_date + timedelta(days=day)
        assert current_grant_vested(schedule, granted, 0, granted, grant_date, on) == vested_shares(
            full, on
        ), on
