"""The time filters every page uses: one formatter (rules/wording.py format_instant), two precisions."""

from datetime import UTC, datetime

from django.template import Context, Template

#: 8:59:59.5 PM Pacific on the 2003 deadline day.
JUST_BEFORE = datetime(2003, 1, 21, 4, 59, 59, 500000, tzinfo=UTC)


def rendered(source: str, **context: object) -> str:
    return Template("{% load soxp %}" + source).render(Context(context))


def test_in_zone_writes_a_set_time_to_the_minute() -> None:
    assert (
        rendered("{{ t|in_zone:'America/Los_Angeles' }}", t=JUST_BEFORE) == "January 20, 2003 at 8:59 PM PST"
    )


def test_in_zone_to_second_writes_a_time_whose_order_matters_to_the_second() -> None:
    text = rendered("{{ t|in_zone_to_second:'America/Los_Angeles' }}", t=JUST_BEFORE)
    assert text == "January 20, 2003 at 8:59:59 PM PST"
    assert rendered("{{ t|in_zone_to_second:'UTC' }}", t=JUST_BEFORE) == "January 21, 2003 at 4:59:59 AM UTC"


def test_iso_instant_gives_the_browser_the_same_second_in_utc() -> None:
    assert rendered("{{ t|iso_instant }}", t=JUST_BEFORE) == "2003-01-21T04:59:59Z"


def test_no_time_writes_nothing() -> None:
    source = "[{{ t|in_zone:'UTC' }}|{{ t|in_zone_to_second:'UTC' }}|{{ t|iso_instant }}]"
    assert rendered(source, t=None) == "[||]"
