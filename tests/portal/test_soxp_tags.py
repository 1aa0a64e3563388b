"""The time filters every page uses: one formatter (rules/wording.py format_instant), two precisions; and the
cheap share and date filters of the pages that list many grants, which write what Django's do."""

from datetime import UTC, date, datetime

import pytest
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


@pytest.mark.parametrize("count", [0, 7, 999, 1000, 12345, 1234567, 2**40])
def test_shares_writes_what_intcomma_writes(count: int) -> None:
    django, ours = rendered("{% load humanize %}{{ n|intcomma }}|{{ n|shares }}", n=count).split("|")
    assert ours == django


@pytest.mark.parametrize(
    "day", [date(2004, 1, 21), date(2003, 7, 1), date(2006, 12, 31), date(2004, 2, 29), date(2010, 5, 9)]
)
def test_short_date_writes_what_the_date_filter_writes(day: date) -> None:
    django, ours = rendered('{{ d|date:"M j, Y" }}|{{ d|short_date }}', d=day).split("|")
    assert ours == django


def test_shares_and_short_date_read_as_the_pages_wrote_them() -> None:
    assert (
        rendered("{{ n|shares }} on {{ d|short_date }}", n=1725, d=date(2004, 1, 21))
        == "1,725 on Jan 21, 2004"
    )


def test_no_number_or_date_writes_nothing() -> None:
    assert rendered("[{{ n|shares }}|{{ d|short_date }}]", n=None, d=None) == "[|]"
