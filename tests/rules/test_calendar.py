"""Business days, trading days and calendar months (OFFER.md decision 5)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxp_portal.rules.calendar import (
    add_months,
    business_days_between,
    is_business_day,
    is_trading_day,
    last_trading_day_before,
    next_business_day_on_or_after,
)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2003, 1, 20), False, id="MLK Day 2003, the original expiration date"),
        pytest.param(date(2003, 7, 21), True, id="the new grant date"),
        pytest.param(date(2003, 7, 4), False, id="Independence Day"),
        pytest.param(date(2003, 7, 19), False, id="Saturday"),
        pytest.param(date(2003, 7, 20), False, id="Sunday"),
        pytest.param(date(2003, 4, 18), True, id="Good Friday is not a federal holiday"),
        pytest.param(date(2003, 11, 11), False, id="Veterans Day"),
        pytest.param(date(2003, 10, 13), False, id="Columbus Day"),
        pytest.param(date(2003, 11, 28), True, id="the Friday after Thanksgiving"),
        pytest.param(date(2004, 12, 31), False, id="New Year's Day 2005 observed on a Friday"),
    ],
)
def test_decision_5_business_day_is_a_weekday_that_is_not_a_federal_holiday(
    day: date, expected: bool
) -> None:
    assert is_business_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2003, 4, 18), False, id="Good Friday"),
        pytest.param(date(2003, 1, 20), False, id="MLK Day"),
        pytest.param(date(2003, 7, 18), True, id="the pricing date"),
        pytest.param(date(2003, 11, 11), True, id="the exchange opens on Veterans Day"),
        pytest.param(date(2003, 10, 13), True, id="and on Columbus Day"),
        pytest.param(date(2003, 7, 19), False, id="Saturday"),
        pytest.param(date(2001, 9, 11), False, id="special closing 2001-09-11"),
        pytest.param(date(2004, 6, 11), False, id="special closing for President Reagan"),
    ],
)
def test_decision_5_trading_day_is_a_day_the_exchange_was_open(day: date, expected: bool) -> None:
    assert is_trading_day(day) is expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2003, 7, 21), date(2003, 7, 21), id="a business day is its own answer"),
        pytest.param(date(2003, 7, 19), date(2003, 7, 21), id="Saturday moves to Monday"),
        pytest.param(date(2003, 7, 4), date(2003, 7, 7), id="Independence Day (a Friday) moves to Monday"),
        pytest.param(date(2003, 1, 18), date(2003, 1, 21), id="weekend then MLK Day"),
        pytest.param(date(2004, 12, 31), date(2005, 1, 3), id="across the year end"),
    ],
)
def test_next_business_day_on_or_after(day: date, expected: date) -> None:
    assert next_business_day_on_or_after(day) == expected


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(date(2003, 7, 21), date(2003, 7, 18), id="Monday looks back to Friday"),
        pytest.param(date(2003, 7, 25), date(2003, 7, 24), id="strictly before, even on a trading day"),
        pytest.param(date(2003, 4, 21), date(2003, 4, 17), id="skips Good Friday"),
        pytest.param(date(2003, 7, 7), date(2003, 7, 3), id="skips the weekend and July 4th"),
        pytest.param(date(2003, 1, 2), date(2002, 12, 31), id="across the year end and New Year's Day"),
    ],
)
def test_last_trading_day_before(day: date, expected: date) -> None:
    assert last_trading_day_before(day) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(date(2003, 7, 21), date(2003, 7, 21), 0, id="same day"),
        pytest.param(date(2003, 7, 18), date(2003, 7, 21), 1, id="Friday to Monday"),
        pytest.param(date(2003, 1, 17), date(2003, 1, 21), 1, id="over a weekend and MLK Day"),
        pytest.param(date(2003, 7, 21), date(2003, 7, 18), 0, id="end before start"),
        pytest.param(date(2002, 12, 18), date(2003, 1, 20), 20, id="soxp-2003 open 20 business days"),
    ],
)
def test_business_days_between_excludes_start_and_includes_end(start: date, end: date, expected: int) -> None:
    assert business_days_between(start, end) == expected


dates_2000s = st.dates(min_value=date(2000, 1, 1), max_value=date(2012, 12, 31))


@given(first=dates_2000s, days_a=st.integers(0, 60), days_b=st.integers(0, 60))
def test_business_days_between_adds_up_over_adjoining_periods(first: date, days_a: int, days_b: int) -> None:
    middle = first + timedelta(days=days_a)
    last = middle + timedelta(days=days_b)
    assert business_days_between(first, middle) + business_days_between(middle, last) == (
        business_days_between(first, last)
    )


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param(date(2003, 8, 31), 1, date(2003, 9, 30), id="31st into a 30-day month"),
        pytest.param(date(2004, 1, 31), 1, date(2004, 2, 29), id="into February of a leap year"),
        pytest.param(date(2003, 1, 31), 1, date(2003, 2, 28), id="into February of a common year"),
        pytest.param(date(2003, 8, 31), 6, date(2004, 2, 29), id="six months to a leap day"),
        pytest.param(date(2003, 1, 20), 6, date(2003, 7, 20), id="the cancellation date plus six months"),
        pytest.param(date(2003, 12, 15), 1, date(2004, 1, 15), id="across the year end"),
        pytest.param(date(2004, 2, 29), 12, date(2005, 2, 28), id="a leap day a year later"),
        pytest.param(date(2004, 3, 31), -1, date(2004, 2, 29), id="backwards"),
        pytest.param(date(2003, 5, 31), 0, date(2003, 5, 31), id="no months"),
    ],
)
def test_add_months_clamps_to_the_end_of_the_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@given(day=dates_2000s, months=st.integers(-120, 120))
def test_add_months_lands_in_the_right_month_and_never_past_the_day(day: date, months: int) -> None:
    moved = add_months(day, months)
    assert (moved.year * 12 + moved.month) - (day.year * 12 + day.month) == months
    assert moved.day <= day.day
