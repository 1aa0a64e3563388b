"""Template filters for the sign-in pages and emails."""

from datetime import timedelta

from django import template

register = template.Library()


def _count(number: int, unit: str) -> str:
    return f"{number} {unit}{'' if number == 1 else 's'}"


@register.filter
def duration_in_words(value: timedelta | None) -> str:
    """ "3 days", "1 hour", "1 hour 30 minutes": how long a lockout or a link lasts, in words.

    Whole days are given in days; anything else in hours and minutes (at least one minute).
    """
    if not isinstance(value, timedelta) or value.total_seconds() <= 0:
        return ""
    minutes = max(1, round(value.total_seconds() / 60))
    if minutes % (24 * 60) == 0:
        return _count(minutes // (24 * 60), "day")
    hours, minutes = divmod(minutes, 60)
    parts = [_count(hours, "hour")] if hours else []
    if minutes:
        parts.append(_count(minutes, "minute"))
    return " ".join(parts)
