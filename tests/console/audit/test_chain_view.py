"""The chain's status: intact with its count and last hash, or where it breaks."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.audit.log import last_link
from soxp_portal.audit.models import AuditEvent
from soxp_portal.console import audit_views
from soxp_portal.offers.models import Election, Employee, Offer, TenderedGrant
from tests.audit.conftest import RawSQL, change_row, unreadable_time
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


def test_records_that_match_their_events_are_shown_with_what_was_checked(
    auditor_client: Client, elections: None
) -> None:
    html = auditor_client.get(CHAIN).content.decode()

    assert "The records match their audit events" in html
    assert "3 elections, 9 tendered grants, 0 tenders" in html


def test_every_record_that_differs_is_listed_with_both_values_and_its_event(
    auditor_client: Client, elections: None, slide_9_employee: Employee
) -> None:
    first, second = Election.objects.filter(employee=slide_9_employee).order_by("version")[:2]
    change_row(Election, first.pk, signature="Mallory Forger")
    line = second.tendered_grants.get(grant__grant_id="G-1002")
    change_row(TenderedGrant, line.pk, new_shares=1000)
    events = {
        election.pk: AuditEvent.objects.get(subject_type="offers.Election", subject_id=str(election.pk))
        for election in (first, second)
    }

    html = auditor_client.get(CHAIN).content.decode()

    assert "The chain is intact" in html
    assert "2 differences between the records and their audit events" in html
    assert f"id {first.pk} ({first.confirmation_number})" in html
    assert "&quot;Mallory Forger&quot;" in html
    assert "&quot;Sam Slide&quot;" in html
    assert f"id {line.pk} (election {second.confirmation_number}, grant G-1002)" in html
    for event in events.values():
        assert reverse("console:audit-event", args=[event.sequence]) in html


def test_only_the_first_differences_are_listed_and_the_command_named(
    auditor_client: Client, elections: None, slide_9_employee: Employee, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(audit_views, "MAX_SHOWN_DIFFERENCES", 1)
    for election in Election.objects.filter(employee=slide_9_employee):
        change_row(Election, election.pk, signature="Mallory Forger")

    html = auditor_client.get(CHAIN).content.decode()

    assert "3 differences between the records and their audit events" in html
    assert "The first 1 are shown; <code>manage.py verify_audit</code> lists every one." in html
    assert html.count("&quot;Mallory Forger&quot;") == 1


def test_the_events_list_and_the_event_page_show_an_unreadable_event_as_such(
    auditor_client: Client, elections: None, tamper: RawSQL
) -> None:
    """The event the chain status names as the break is where an auditor looks next."""
    tamper("UPDATE {table} SET at = %s WHERE sequence = 4", [unreadable_time()])

    listing = auditor_client.get(reverse("console:audit-events"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "This event cannot be read:</strong> the event&#x27;s time cannot be read." in html
    assert reverse("console:audit-event", args=[5]) in html  # the events around it are listed as usual

    page = auditor_client.get(reverse("console:audit-event", args=[4]))
    assert page.status_code == 200
    assert "This event cannot be read" in page.content.decode()
    assert auditor_client.get(reverse("console:audit-event", args=[5])).status_code == 200
