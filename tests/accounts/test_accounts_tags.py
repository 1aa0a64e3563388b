"""duration_in_words: the lockout page's and the reset email's durations."""

from datetime import timedelta

import pytest

from soxp_portal.accounts.templatetags.accounts_tags import duration_in_words


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (timedelta(hours=1), "1 hour"),
        (timedelta(minutes=30), "30 minutes"),
        (timedelta(hours=1, minutes=30), "1 hour 30 minutes"),
        (timedelta(hours=2, minutes=1), "2 hours 1 minute"),
        (timedelta(days=3), "3 days"),
        (timedelta(days=1), "1 day"),
        (timedelta(seconds=10), "1 minute"),
        (timedelta(0), ""),
        (None, ""),
    ],
)
def test_duration_in_words(value: timedelta | None, words: str) -> None:
    assert duration_in_words(value) == words
