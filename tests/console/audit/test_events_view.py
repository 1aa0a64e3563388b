"""The events page: each filter narrows the trail; 50 events a page; queries do not grow with the page."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Election, Employee, Offer
from tests.console.audit.conftest import SLIDE_9, elect, elect_late

pytestmark = pytest.mark.django_db

EVENTS = reverse("console:audit-events")


@pytest.fixture
def trail(
    offer: Offer, deadline: datetime, slide_9_employee: Employee, bob_with_grant: Employee, stock_admin: User
) -> dict[str, AuditEvent]:
    """Sam elects online and modifies; Bob's election arrives by fax; Sam tries again too late."""
    sam_first = elect(offer, slide_9_employee, SLIDE_9, at=deadline - timedelta(days=3))
    sam_second = elect(offer, slide_9_employee, SLIDE_9, at=deadline - timedelta(days=1))
    bob_fax = elect(
        offer,
        bob_with_grant,
        {"G-BOB-1": 1000},
        at=deadline - timedelta(hours=5),
        channel="fax",
        actor=stock_admin,
    )
    elect_late(offer, slide_9_employee, SLIDE_9, at=deadline + timedelta(minutes=5))
    by_subject = {str(e.pk): e for e in (sam_first, sam_second, bob_fax)}
    found = {
        by_subject[event.subject_id].confirmation_number: event
        for event in AuditEvent.objects.filter(subject_type="offers.Election")
    }
    return {
        "sam_first": found[sam_first.confirmation_number],
        "sam_second": found[sam_second.confirmation_number],
        "bob_fax": found[bob_fax.confirmation_number],
        "sam_refused": AuditEvent.objects.get(event_type=AuditEventType.ELECTION_REFUSED),
    }


def shown(client: Client, **params: str) -> list[int]:
    response = client.get(EVENTS, params)
    assert response.status_code == 200
    return [event.sequence for event in response.context["page_obj"]]


def sequences(*events: AuditEvent) -> list[int]:
    return sorted(event.sequence for event in events)


def test_the_employee_filter_keeps_that_employees_events(auditor_client: Client, trail) -> None:
    assert shown(auditor_client, employee="E1001") == sequences(
        trail["sam_first"], trail["sam_second"], trail["sam_refused"]
    )
    assert shown(auditor_client, employee="E-BOB") == sequences(trail["bob_fax"])


def test_the_type_filter_keeps_that_type(auditor_client: Client, trail) -> None:
    assert shown(auditor_client, event_type="election.modified") == sequences(trail["sam_second"])
    assert shown(auditor_client, event_type="election.submitted") == sequences(
        trail["sam_first"], trail["bob_fax"]
    )


def test_the_channel_filter_keeps_that_channel(auditor_client: Client, trail) -> None:
    assert shown(auditor_client, channel="fax") == sequences(trail["bob_fax"])
    assert trail["bob_fax"].sequence not in shown(auditor_client, channel="web")


def test_the_channel_filter_can_ask_for_events_without_a_channel(
    auditor_client: Client, offer: Offer
) -> None:
    census = record(AuditEventType.CENSUS_IMPORTED, actor=None, at=offer.opens_at, offer=offer)
    assert shown(auditor_client, channel="none") == [census.sequence]


def test_the_time_range_is_read_in_utc_from_inclusive_to_exclusive(
    auditor_client: Client, trail, deadline: datetime
) -> None:
    bob_at = trail["bob_fax"].at  # 2003-01-21 00:01 UTC: received at 00:00, entered a minute later
    assert bob_at == datetime.fromisoformat("2003-01-21T00:01:00+00:00")
    assert shown(auditor_client, since="2003-01-21T00:01:00", until="2003-01-21T05:00:00") == sequences(
        trail["bob_fax"]
    )
    after_bob = {"since": "2003-01-21T00:01:00.000001", "until": "2003-02-01T00:00:00"}
    assert shown(auditor_client, **after_bob) == sequences(trail["sam_refused"])
    assert shown(auditor_client, until="2003-01-21T00:01:00", employee="E-BOB") == []


def test_filters_combine(auditor_client: Client, trail) -> None:
    assert shown(auditor_client, employee="E1001", event_type="election.refused") == sequences(
        trail["sam_refused"]
    )
    assert shown(auditor_client, employee="E1001", channel="fax") == []


def test_times_are_shown_in_the_offers_zone_and_in_utc_to_the_microsecond(
    auditor_client: Client, trail
) -> None:
    html = auditor_client.get(EVENTS, {"employee": "E-BOB"}).content.decode()
    assert "January 20, 2003 at 4:01 PM PST" in html
    assert "2003-01-21 00:01:00.000000 UTC" in html


def test_a_range_that_ends_before_it_starts_is_refused(auditor_client: Client, trail) -> None:
    response = auditor_client.get(EVENTS, {"since": "2003-01-21T00:00:00", "until": "2003-01-20T00:00:00"})
    assert response.context.get("page_obj") is None
    assert "Choose an end after the start." in response.content.decode()


def test_an_unknown_type_is_a_form_error_not_a_crash(auditor_client: Client) -> None:
    response = auditor_client.get(EVENTS, {"event_type": "election.forged"})
    assert response.status_code == 200
    assert "Correct the filters above" in response.content.decode()


def bulk_events(employee: Employee, offer: Offer, count: int) -> None:
    for n in range(count):
        record(
            AuditEventType.ELECTION_REFUSED,
            actor=employee.user,
            at=offer.opens_at + timedelta(minutes=n),
            employee=employee,
            offer=offer,
            data={"n": n},
        )


def test_pages_hold_50_events_and_keep_the_filters(
    auditor_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    bulk_events(slide_9_employee, offer, 120)
    first = auditor_client.get(EVENTS, {"employee": "E1001"})
    assert len(first.context["page_obj"]) == 50
    assert first.context["page_obj"].paginator.count == 120
    html = first.content.decode()
    assert "?employee=E1001&amp;page=2" in html
    assert "Page 1 of 3" in html
    last = auditor_client.get(EVENTS, {"employee": "E1001", "page": "3"})
    assert len(last.context["page_obj"]) == 20
    assert [e.data["n"] for e in last.context["page_obj"]] == list(range(100, 120))


def test_the_number_of_queries_does_not_grow_with_the_page(
    auditor_client: Client, offer: Offer, slide_9_employee: Employee, bob_with_grant: Employee
) -> None:
    elect(offer, slide_9_employee, SLIDE_9, at=offer.opens_at + timedelta(days=1))
    auditor_client.get(EVENTS)  # warm up caches (content types, session)

    with CaptureQueriesContext(connection) as few:
        auditor_client.get(EVENTS)
    bulk_events(slide_9_employee, offer, 30)
    bulk_events(bob_with_grant, offer, 30)
    with CaptureQueriesContext(connection) as many:
        response = auditor_client.get(EVENTS)

    assert len(response.context["page_obj"]) == 50
    assert len(many.captured_queries) == len(few.captured_queries)
    assert Election.objects.count() == 1
