"""The bounds of every price, whole number and date a person types into the console (issue 11, item 2).

Each bound is one the database can hold and a person would accept, and each refusal says it. A price
column holds 12 digits with 4 decimal places (at most $99,999,999.9999), a whole number of shares a
PostgreSQL ``integer``, and a date computed from an offer (a new grant date, an option's expiration)
must stay within the calendar Python can count in. The bounds are tighter than that, so that a slip of
the keyboard (a closing price of 99999999999, a deadline in the year 9999) is refused with a reason
instead of being stored and breaking every page that reads it afterwards.

The forms check these before anything is written; the actions check them again on what they are
given, so a caller other than a form gets the same message. The words name the field, as the form
labels it, and the bound.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from soxp_portal.rules.wording import format_date, format_money

#: The highest share price typed anywhere in the console (a threshold, a reference or closing price, an
#: exercise price in the census): above any listed stock's, and well inside what the columns hold.
MAX_PRICE = Decimal(1_000_000)
#: Decimal places every price is kept to (the columns' ``decimal_places``).
PRICE_PLACES = 4
#: The dates of an offer (its opening, deadline, cut-off and lookback, a termination, the time a paper
#: form was received, the audit filters) lie in this range.
EARLIEST_DATE = date(1990, 1, 1)
LATEST_DATE = date(2100, 12, 31)
#: The census reaches further back: an employee hired, or an option granted, decades before an offer.
EARLIEST_CENSUS_DATE = date(1900, 1, 1)
#: The longest an offer may be open, from its opening to its deadline, extensions included.
MAX_OFFER_LENGTH = timedelta(days=366)

#: The longest vesting cliff and the most monthly instalments a schedule may have: the new options' and
#: the one the administrator assumes for the current grants.
MAX_CLIFF_MONTHS = 60
MAX_INSTALLMENTS = 120

#: The offer's whole-number terms: field -> (what the form calls it, smallest, largest, unit).
WHOLE_NUMBER_TERMS: dict[str, tuple[str, int, int, str]] = {
    "new_grant_delay_months": ("New grant: months after cancellation", 0, 24, "months"),
    "new_grant_delay_days": ("New grant: and days after that", 0, 31, "days"),
    "new_term_years": ("New option term", 1, 15, "years"),
    "vesting_cliff_months": ("Vesting cliff", 0, MAX_CLIFF_MONTHS, "months"),
    "vesting_monthly_installments": (
        "Monthly instalments after the cliff",
        0,
        MAX_INSTALLMENTS,
        "instalments",
    ),
}
THRESHOLD = "The price threshold"
#: The offer's date terms and what the form calls them.
DATE_TERMS = {
    "hire_cutoff_date": "Hire cut-off date",
    "lookback_start": "Lookback window: first grant date",
    "lookback_end": "Lookback window: last grant date",
}


def date_problem(
    day: date, what: str, *, earliest: date = EARLIEST_DATE, latest: date = LATEST_DATE
) -> str | None:
    """Why `day` is out of range for `what` (a field's label), or None."""
    if earliest <= day <= latest:
        return None
    return (
        f"{what} must be from {format_date(earliest)} to {format_date(latest)}; "
        f"{format_date(day)} is outside that range."
    )


def price_problem(price: Decimal, what: str, *, zero_allowed: bool = False) -> str | None:
    """Why `price` (dollars a share) is not one the console takes for `what`, or None."""
    if not price.is_finite():
        return f"{what} must be a number of dollars, such as 1.25."
    if price < 0 or (price == 0 and not zero_allowed):
        return f"{what} must be {'$0 or more' if zero_allowed else 'more than $0'}."
    if price > MAX_PRICE:
        return f"{what} must be at most {format_money(MAX_PRICE)} a share."
    if int(price.as_tuple().exponent) < -PRICE_PLACES:
        return f"{what} has at most {PRICE_PLACES} decimal places."
    return None


def offer_length_problem(opens_at: datetime, expires_at: datetime, zone: zoneinfo.ZoneInfo) -> str | None:
    """Why a deadline is too far after the opening, or None (the same bound for terms and extensions)."""
    if expires_at - opens_at <= MAX_OFFER_LENGTH:
        return None
    latest = opens_at.astimezone(zone) + MAX_OFFER_LENGTH
    return (
        f"The deadline must be at most {MAX_OFFER_LENGTH.days} days after the opening, so no later than "
        f"{format_date(latest.date())}: no offer stays open longer than a year."
    )


def term_problems(terms: Mapping[str, Any]) -> dict[str, str]:
    """Every bound the offer's terms break, by field name; empty when they keep them all.

    `terms` holds the values as the offer stores them (aware datetimes, dates, Decimals, ints); a term
    that is missing (a form field that did not even parse) is skipped, and so is every rule that
    needs it.
    """
    problems: dict[str, str] = {}
    zone = zoneinfo.ZoneInfo(terms.get("time_zone") or "UTC")
    opens, expires = terms.get("opens_at"), terms.get("expires_at")
    for name, what, instant in (("opens_at", "Opens", opens), ("expires_at", "Deadline", expires)):
        if instant is not None and (problem := date_problem(instant.astimezone(zone).date(), what)):
            problems[name] = problem
    if opens and expires and not problems and (problem := offer_length_problem(opens, expires, zone)):
        problems["expires_at"] = problem
    for name, what in DATE_TERMS.items():
        if terms.get(name) is not None and (problem := date_problem(terms[name], what)):
            problems[name] = problem
    cutoff = terms.get("hire_cutoff_date")
    if cutoff is not None and expires is not None and "hire_cutoff_date" not in problems:
        deadline_date = expires.astimezone(zone).date()
        if cutoff > deadline_date:
            problems["hire_cutoff_date"] = (
                "The hire cut-off date must be on or before the deadline's date, "
                f"{format_date(deadline_date)}: someone hired after the deadline could never take part."
            )
    threshold = terms.get("price_threshold")
    if threshold is not None and (problem := price_problem(threshold, THRESHOLD, zero_allowed=True)):
        problems["price_threshold"] = problem
    for name, (what, low, high, unit) in WHOLE_NUMBER_TERMS.items():
        value = terms.get(name)
        if value is not None and not low <= value <= high:
            problems[name] = f"{what} must be from {low} to {high} {unit}; {value} is outside that range."
    problems.update(_vesting_problems(terms, skip=set(problems)))
    return problems


def _vesting_problems(terms: Mapping[str, Any], *, skip: set[str]) -> dict[str, str]:
    """The vesting must add up: with no instalments all of it vests at the cliff, and it ends before the
    new option expires."""
    fraction = terms.get("vesting_cliff_fraction")
    installments = terms.get("vesting_monthly_installments")
    cliff, term = terms.get("vesting_cliff_months"), terms.get("new_term_years")
    if installments is None or "vesting_monthly_installments" in skip:
        return {}
    if installments == 0 and fraction is not None and fraction != 1:
        return {
            "vesting_monthly_installments": "Without monthly instalments the whole option vests at the "
            "cliff: set the share vesting at the cliff to 1, or give the number of instalments."
        }
    if cliff is None or term is None or {"vesting_cliff_months", "new_term_years"} & skip:
        return {}
    if cliff + installments >= term * 12:
        return {
            "vesting_monthly_installments": f"The new options would vest over {cliff + installments} months "
            f"(the cliff and the instalments), but they expire after {term} years ({term * 12} months): "
            "the vesting must end before the option expires."
        }
    return {}
