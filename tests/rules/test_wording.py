"""Money, dates and instants as the rules' messages write them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from soxp_portal.rules.wording import (
    format_date,
    format_exact_shares,
    format_instant,
    format_money,
    format_percent,
    format_price_input,
    format_ratio,
    format_round_money,
    format_shares,
    join_in_words,
)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        pytest.param(Decimal("3.01"), "$3.01", id="threshold"),
        pytest.param(Decimal("0.4"), "$0.40", id="two decimals"),
        pytest.param(Decimal(14000), "$14,000.00", id="thousands"),
        pytest.param(Decimal("2.1875"), "$2.1875", id="more decimals kept"),
        pytest.param(Decimal("-125"), "-$125.00", id="negative"),
    ],
)
def test_format_money(amount: Decimal, expected: str) -> None:
    assert format_money(amount) == expected


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        pytest.param(Decimal(5), "$5", id="whole dollars"),
        pytest.param(Decimal("2.5"), "$2.50", id="cents kept"),
        pytest.param(Decimal(14000), "$14,000", id="thousands"),
        pytest.param(Decimal("1.0000"), "$1", id="stored places"),
    ],
)
def test_format_round_money(amount: Decimal, expected: str) -> None:
    assert format_round_money(amount) == expected


def test_format_price_input_is_what_a_form_reads_back() -> None:
    assert [format_price_input(Decimal(p)) for p in ("1.5000", "2.1875", "1000")] == [
        "1.50",
        "2.1875",
        "1000.00",
    ]


@pytest.mark.parametrize(
    ("fraction", "expected"),
    [
        pytest.param(Decimal("0.8000"), "80%", id="stored volatility"),
        pytest.param(Decimal("0.825"), "82.5%", id="a half"),
        pytest.param(Decimal(0), "0%", id="no growth"),
        pytest.param(Decimal("-0.1"), "-10%", id="a fall"),
        pytest.param(Decimal(5), "500%", id="the highest volatility"),
    ],
)
def test_format_percent(fraction: Decimal, expected: str) -> None:
    assert format_percent(fraction) == expected


def test_format_date_has_no_leading_zero() -> None:
    assert format_date(date(2003, 7, 1)) == "July 1, 2003"
    assert format_date(date(2002, 12, 19)) == "December 19, 2002"


@pytest.mark.parametrize(
    ("instant", "expected"),
    [
        pytest.param(
            datetime(2003, 1, 21, 5, 0, tzinfo=UTC), "January 20, 2003 at 9:00 PM PST", id="deadline"
        ),
        pytest.param(
            datetime(2002, 12, 19, 8, 0, tzinfo=UTC), "December 19, 2002 at 12:00 AM PST", id="midnight"
        ),
        pytest.param(
            datetime(2003, 7, 18, 19, 5, tzinfo=UTC), "July 18, 2003 at 12:05 PM PDT", id="noon, summer"
        ),
    ],
)
def test_format_instant_in_the_offers_zone(instant: datetime, expected: str) -> None:
    assert format_instant(instant, ZoneInfo("America/Los_Angeles")) == expected


def test_format_shares() -> None:
    assert format_shares(1220000) == "1,220,000"


@pytest.mark.parametrize(
    ("shares", "expected"),
    [
        pytest.param(Decimal("249.75"), "249.75", id="before rounding"),
        pytest.param(Decimal(1000) * Decimal("0.750000"), "750", id="whole, trailing zeros dropped"),
        pytest.param(Decimal("1249.75"), "1,249.75", id="thousands"),
        pytest.param(Decimal(1000000), "1,000,000", id="no exponent"),
    ],
)
def test_format_exact_shares(shares: Decimal, expected: str) -> None:
    assert format_exact_shares(shares) == expected


@pytest.mark.parametrize(
    ("ratio", "expected"),
    [
        pytest.param(Decimal("0.750000"), "0.75", id="as stored"),
        pytest.param(Decimal("0.5"), "0.5", id="half"),
        pytest.param(Decimal("1.000000"), "1", id="one for one"),
    ],
)
def test_format_ratio(ratio: Decimal, expected: str) -> None:
    assert format_ratio(ratio) == expected


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([], "", id="none"),
        pytest.param(["G-1001"], "G-1001", id="one"),
        pytest.param(["G-1001", "G-1002"], "G-1001 and G-1002", id="two"),
        pytest.param(["G-1001", "G-1002", "G-1004"], "G-1001, G-1002 and G-1004", id="three"),
    ],
)
def test_join_in_words_lists_as_a_sentence_does(items: list[str], expected: str) -> None:
    assert join_in_words(items) == expected


@pytest.mark.parametrize(
    ("instant", "zone", "expected"),
    [
        pytest.param(
            datetime(2003, 1, 10, 18, 0, 7, 654321, tzinfo=UTC),
            "America/Los_Angeles",
            "January 10, 2003 at 10:00:07 AM PST",
            id="received, microseconds dropped",
        ),
        pytest.param(
            datetime(2003, 1, 21, 4, 59, 59, 999999, tzinfo=UTC),
            "America/Los_Angeles",
            "January 20, 2003 at 8:59:59 PM PST",
            id="a microsecond before the deadline is never rounded up to it",
        ),
        pytest.param(
            datetime(2003, 1, 21, 5, 0, tzinfo=UTC),
            "UTC",
            "January 21, 2003 at 5:00:00 AM UTC",
            id="in UTC, named",
        ),
        pytest.param(
            datetime(2003, 7, 18, 19, 5, 3, tzinfo=UTC),
            "America/Los_Angeles",
            "July 18, 2003 at 12:05:03 PM PDT",
            id="summer",
        ),
    ],
)
def test_format_instant_to_the_second(instant: datetime, zone: str, expected: str) -> None:
    assert format_instant(instant, ZoneInfo(zone), seconds=True) == expected


def test_format_instant_to_the_minute_drops_the_seconds_without_rounding() -> None:
    instant = datetime(2003, 1, 21, 4, 59, 59, 999999, tzinfo=UTC)
    assert format_instant(instant, ZoneInfo("America/Los_Angeles")) == "January 20, 2003 at 8:59 PM PST"
