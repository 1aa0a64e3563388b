"""Template filters that write money and instants the way the rules' messages do (rules/wording.py)."""

from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django import template

from soxp_portal.rules.wording import format_instant, format_money, format_percent

register = template.Library()


@register.filter
def money(amount: Decimal | None) -> str:
    """$6.00; a price with more places keeps them ($2.1875), never rounded towards a threshold."""
    return "" if amount is None else format_money(amount)


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
