"""Template filters that write money, shares, dates and instants the way the rules' messages do
(rules/wording.py)."""

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template
from django.utils.safestring import SafeString

from soxp_portal.offers.queries import GrantStatus
from soxp_portal.portal.awards import BandTerms, NewAward
from soxp_portal.rules.wording import (
    format_instant,
    format_money,
    format_percent,
    format_shares,
    format_short_date,
)

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """$6.00; a price with more places keeps them ($2.1875), never rounded towards a threshold."""
    return "" if amount is None else format_money(amount)


@register.filter
def shares(count: int | None) -> str:
    """A number of shares with thousands separators, "1,000": what ``intcomma`` writes for a whole number,
    without its trip through the locale's formats, a cost the pages that list many grants pay for each
    number."""
    # Digits and commas: nothing to escape, so marked safe and not escaped again.
    return "" if count is None else SafeString(format_shares(count))


@register.filter
def short_date(day: date | None) -> str:
    """A date in a table or a list of many, "Jan 21, 2004": what ``date:"M j, Y"`` writes, more cheaply."""
    return "" if day is None else SafeString(format_short_date(day))


@register.filter
def percent(fraction: Decimal | None) -> str:
    """A fraction as a percentage: a volatility of 0.80 is "80%"."""
    return "" if fraction is None else format_percent(fraction)


@register.filter
def in_zone(instant: datetime | None, zone_name: str) -> str:
    """A set time (a deadline, an opening) in the named zone, to the minute:
    "January 20, 2003 at 9:00 PM PST"."""
    return "" if instant is None else format_instant(instant, ZoneInfo(zone_name))


@register.filter
def in_zone_to_second(instant: datetime | None, zone_name: str) -> str:
    """A time whose order matters (an election received, an audit event) in the named zone, to the second:
    "January 20, 2003 at 8:59:59 PM PST"."""
    return "" if instant is None else format_instant(instant, ZoneInfo(zone_name), seconds=True)


@register.filter
def iso_instant(instant: datetime | None) -> str:
    """The instant for the browser's script that writes it in the reader's own zone (static/js/portal.js):
    ISO 8601 in UTC, to the second as the page shows it ("2003-01-21T05:00:00Z")."""
    if instant is None:
        return ""
    return instant.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


@register.filter
def band_of(award: NewAward | None, grant: GrantStatus | None) -> BandTerms | None:
    """The words of a grant's price band under the employee's award (``portal.awards``): its prices,
    its ratio ("1 new for 1.88 tendered") and its own vesting; None for a grant that cannot be exchanged."""
    if award is None or grant is None:
        return None
    return award.band_of(grant.band)
