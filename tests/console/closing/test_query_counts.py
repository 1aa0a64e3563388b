"""The close pages run the same number of queries for a few participants as for many."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from soxp_portal.closing.actions import accept_tenders, issue_letters
from soxp_portal.offers.models import Offer
from tests.console.closing.conftest import ELECTION_DAY, Participants, employee_with_grant, submit, url

pytestmark = pytest.mark.django_db


def more_participants(offer: Offer, clock, start: int, size: int) -> None:
    clock.move_to(ELECTION_DAY)
    for n in range(start, start + size):
        submit(offer, employee_with_grant(f"E-Q{n:03d}", "Quentin", f"Query{n:03d}"), {f"G-E-Q{n:03d}": 1000})


def counts(client: Client, offer: Offer) -> list[int]:
    client.get(url("close", offer))  # the session's renewal (at most once a minute) is not a page's
    result = []
    for name in ("close", "close-tenders", "close-granted"):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(name, offer)).status_code == 200
        result.append(len(captured))
    return result


def test_before_acceptance_the_preview_does_not_grow_with_the_participants(
    admin_client: Client, offer: Offer, participants: Participants, clock
) -> None:
    now = timezone.now()
    more_participants(offer, clock, 0, 3)
    clock.move_to(now)
    small = counts(admin_client, offer)
    more_participants(offer, clock, 3, 27)
    clock.move_to(now)
    assert counts(admin_client, offer) == small


def test_after_acceptance_the_pages_do_not_grow_with_the_participants(
    admin_client: Client, admin, offer: Offer, participants: Participants, clock
) -> None:
    now = timezone.now()
    more_participants(offer, clock, 0, 30)
    clock.move_to(now)
    accept_tenders(offer, actor=admin, now=now)
    issue_letters(offer, actor=admin, now=now)
    small = counts(admin_client, offer)
    assert max(small) <= 20, small  # 34 rows on the tender list: nothing is queried per row
