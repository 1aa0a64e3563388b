"""Business days, trading days and calendar months (OFFER.md decision 5).

A business day is Monday to Friday and not a US federal holiday; a trading day is a day the New York
Stock Exchange was open. Both calendars come from the maintained `holidays` library, never from a
hand-written list, and are cached per year so day-by-day loops stay fast.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from functools import cache

import holidays

_ONE_DAY = timedelta(days=1)
_SATURDAY = 5


@cache
def _federal_holidays(year: int) -> frozenset[date]:
    """US federal holidays of `year`, observed days included (the library's "public" category)."""
    return frozenset(holidays.US(years=year, categories=(holidays.PUBLIC,)))


@cache
def _exchange_closures(year: int) -> frozenset[date]:
    """Weekdays of `year` the NYSE was closed: its holidays and special closings (2001-09-11)."""
    return frozenset(holidays.financial_holidays("NYSE", years=year))


def _is_weekday(day: date) -> bool:
    return day.weekday() < _SATURDAY


def is_business_day(day: date) -> bool:
    """Monday to Friday and not a US federal holiday (decision 5): 2003-01-20, MLK Day, is not one."""
    return _is_weekday(day) and day not in _federal_holidays(day.year)


def is_trading_day(day: date) -> bool:
    """A day the stock exchange was open (decision 5): not 2003-04-18, Good Friday, though a business day."""
    return _is_weekday(day) and day not in _exchange_closures(day.year)


def next_business_day_on_or_after(day: date) -> date:
    """`day` itself when it is a business day, else the first business day after it."""
    while not is_business_day(day):
        day += _ONE_DAY
    return day


def last_trading_day_before(day: date) -> date:
    """The last trading day strictly before `day`, whose close prices a grant made on `day` (slide 10)."""
    day -= _ONE_DAY
    while not is_trading_day(day):
        day -= _ONE_DAY
    return day


def business_days_between(start: date, end: date) -> int:
    """How many business days d satisfy start < d <= end; 0 when end is not after start.

    The start day is excluded and the end day included, so consecutive calls over adjoining periods
    never count a day twice. To count a period that includes its first day (as tender-offer rules count
    the day an offer opens), pass the day before it as `start`.
    """
    count = 0
    day = start + _ONE_DAY
    while day <= end:
        count += is_business_day(day)
        day += _ONE_DAY
    return count


def add_months(day: date, months: int) -> date:
    """`day` moved by whole calendar months, clamped to the month's last day (decision 6).

    2003-08-31 plus one month is 2003-09-30 and 2004-01-31 plus one is 2004-02-29. Callers that need a
    series of monthly dates compute each one from the same start, so a clamped month never shifts the
    months after it.
    """
    month_index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(month_index, 12)
    month += 1
    last_day = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last_day))
