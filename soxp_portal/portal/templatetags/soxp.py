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
    """An instant in the offer's time zone: "January 20, 2003 at 9:00 PM PST"."""
    return "" if instant is None else format_instant(instant, ZoneInfo(zone_name))


@register.filter
def utc(instant: datetime | None) -> str:
    """An instant in UTC to the microsecond, as the audit trail records it."""
    return "" if instant is None else f"{instant.astimezone(UTC):%Y-%m-%d %H:%M:%S.%f} UTC"
