"""How far an event is from the deadline, as the auditor's pages write it beside its time."""

from datetime import UTC, datetime, timedelta

import pytest

from soxp_portal.audit.queries import deadline_distance, duration_text

DEADLINE = datetime(2003, 1, 21, 5, 0, tzinfo=UTC)  # January 20, 2003 at 9:00 PM PST


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        pytest.param(timedelta(days=2, hours=3), "2 days 3 h", id="days and hours"),
        pytest.param(timedelta(hours=1, seconds=30), "1 h 30 s", id="zero parts left out"),
        pytest.param(
            timedelta(seconds=40, microseconds=118_156), "40 s", id="whole seconds, no microseconds"
        ),
        pytest.param(timedelta(seconds=59, microseconds=999_999), "59 s", id="never rounded up"),
        pytest.param(timedelta(microseconds=1), "less than 1 s", id="under a second"),
        pytest.param(timedelta(0), "0 s", id="none"),
        pytest.param(timedelta(days=1), "1 day", id="one day"),
    ],
)
def test_duration_text(delta: timedelta, text: str) -> None:
    assert duration_text(delta) == text
    assert duration_text(-delta) == text


def test_a_microsecond_before_the_deadline_reads_before_it_and_the_deadline_itself_after() -> None:
    assert str(deadline_distance(DEADLINE - timedelta(microseconds=1), DEADLINE)) == (
        "less than 1 s before the deadline"
    )
    assert str(deadline_distance(DEADLINE, DEADLINE)) == "0 s after the deadline"
    assert str(deadline_distance(DEADLINE + timedelta(minutes=3, seconds=0.5), DEADLINE)) == (
        "3 min after the deadline"
    )
