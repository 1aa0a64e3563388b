"""The chain's status: intact with its count and last hash, or where it breaks."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.audit.log import last_link
from soxp_portal.offers.models import Employee, Offer
from tests.audit.conftest import RawSQL, unreadable_time
from tests.console.audit.conftest import SLIDE_9, elect

pytestmark = pytest.mark.django_db

CHAIN = reverse("console:audit-chain")


@pytest.fixture
def elections(offer: Offer, slide_9_employee: Employee, auditor_client: Client) -> None:
    for day in (1, 2, 3):
        elect(offer, slide_9_employee, SLIDE_9, at=offer.opens_at + timedelta(days=day))


def test_an_intact_chain_shows_its_count_and_last_hash(auditor_client: Client, elections: None) -> None:
    count, last_hash = last_link()  # the auditor's role, their sign-in and three elections
    assert count == 5

    html = auditor_client.get(CHAIN).content.decode()

    assert "The chain is intact" in html
    assert "All 5 events follow each other" in html
    assert last_hash in html
    assert "takes a while" in html


def test_a_changed_event_shows_where_the_chain_breaks(
    auditor_client: Client, elections: None, tamper: RawSQL
) -> None:
    tamper("UPDATE {table} SET data = %s WHERE sequence = 3", ['{"forged": true}'])

    html = auditor_client.get(CHAIN).content.decode()

    assert "The chain is broken at event #3" in html
    assert "its content does not match its hash" in html
    assert "The 2 events before it are intact" in html
    assert reverse("console:audit-event", args=[3]) in html


def test_an_event_that_cannot_be_read_is_shown_as_the_break(
    auditor_client: Client, elections: None, tamper: RawSQL
) -> None:
    tamper("UPDATE {table} SET at = %s WHERE sequence = 4", [unreadable_time()])

    response = auditor_client.get(CHAIN)

    assert response.status_code == 200
    html = response.content.decode()
    assert "The chain is broken at event #4" in html
    assert "the event&#x27;s time cannot be read" in html
    assert "The 3 events before it are intact" in html
    assert reverse("console:audit-event", args=[4]) not in html  # its page could not show it either
