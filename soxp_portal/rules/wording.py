"""How the rules put money, dates and instants into words.

Every reason and problem message the rules return is read by an employee or an
administrator, so amounts and dates are written the way the offer's documents
write them ("$3.01", "December 19, 2002"), in one place so they never differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, tzinfo
from decimal import Decimal
from functools import lru_cache

_CENT = Decimal("0.01")


@lru_cache(maxsize=8192)  # a census's report words the same prices and dates 400,000 times
def format_money(amount: Decimal) -> str:
    """Dollars with thousands separators and at least two decimals: "$3.01", "$14,000.00".

    An amount with more than two decimals (an exercise price of $2.1875) keeps them all: rounding it
    for display could make a price look equal to the threshold it fails.
    """
    sign = "-" if amount < 0 else ""
    magnitude = abs(amount)
    if magnitude == magnitude.quantize(_CENT):
        return f"{sign}${magnitude:,.2f}"
    return f"{sign}${magnitude.normalize():,f}"


def format_price_input(price: Decimal) -> str:
    """A price as a form shows it for editing, without "$" or separators: "1.50", "2.1875", "1000.00"."""
    return format_money(price).removeprefix("$").replace(",", "")


def format_round_money(amount: Decimal) -> str:
    """Money without the cents when there are none, as a chart's axis reads: "$5", "$2.50", "$14,000"."""
    whole = format_money(amount)
    return whole.removesuffix(".00")


def format_percent(fraction: Decimal) -> str:
    """A fraction as a percentage, without trailing zeros: 0.80 is "80%", 0.825 is "82.5%", -0.1 is "-10%"."""
    return f"{(fraction * 100).normalize():f}%"


@lru_cache(maxsize=8192)
def format_date(day: date) -> str:
    """A date as the offer's documents write it, without a leading zero: "December 19, 2002"."""
    return f"{day:%B} {day.day}, {day.year}"


def format_short_date(day: date) -> str:
    """A date as a table or a list of many dates writes it: "Jan 21, 2004"."""
    return f"{day:%b} {day.day}, {day.year}"


def format_instant(instant: datetime, zone: tzinfo, *, seconds: bool = False) -> str:
    """An aware instant in `zone`, the zone named: "January 20, 2003 at 9:00 PM PST".

    The one way the portal writes a time for a person: pages, emails, PDFs and messages (OFFER.md
    decision 3: stored in UTC, shown in the offer's zone). `seconds` is for times whose order matters,
    such as when an election was received or an audit event happened: "January 20, 2003 at 8:59:59 PM
    PST", so that versions made within one minute read differently. Without it the time is given to the
    minute, as deadlines are set and announced. A fraction is dropped, never rounded up, so a time shown
    before the deadline was before it; microseconds are never shown.
    """
    local = instant.astimezone(zone)
    hour = local.hour % 12 or 12
    meridiem = "AM" if local.hour < 12 else "PM"
    clock = f"{hour}:{local.minute:02d}:{local.second:02d}" if seconds else f"{hour}:{local.minute:02d}"
    return f"{format_date(local.date())} at {clock} {meridiem} {local.tzname()}"


def format_shares(shares: int) -> str:
    """A share count with thousands separators: "1,000"."""
    return f"{shares:,}"


def format_exact_shares(shares: Decimal) -> str:
    """A number of shares that may not be whole, as the rounding is explained: "750", "1,249.75"."""
    return f"{shares.normalize():,f}"


def format_ratio(ratio: Decimal) -> str:
    """The exchange ratio as the offer states it, without trailing zeros: 0.750000 -> "0.75"."""
    return f"{ratio.normalize():f}"


def plural(count: int, word: str) -> str:
    """ "1 month", "6 months": the count with its word, plural unless the count is one."""
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def join_in_words(items: Sequence[str]) -> str:
    """Items as a sentence lists them: "G-1001", "G-1001 and G-1002", "G-1001, G-1002 and G-1004"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} and {items[-1]}"


def countries_in_words(codes: str) -> str:
    """Where the offer's employees must work, from its comma-separated country codes ("US")."""
    countries = sorted(code.strip().upper() for code in codes.split(",") if code.strip())
    if countries == ["US"]:
        return "in the United States"
    return f"in a country the offer covers ({', '.join(countries)})"
