"""The events page: each filter narrows the trail; 50 events a page; queries do not grow with the page."""

import re
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, urlsplit

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Election, Employee, Offer
from tests.console.audit.conftest import SLIDE_9, elect, elect_late
from tests.factories import OfferFactory

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
    return [event.sequence for event, _ in response.context["rows"]]


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


def test_the_time_range_is_read_in_utc_from_inclusive_to_exclusive_when_the_page_shows_utc(
    auditor_client: Client, trail, deadline: datetime
) -> None:
    bob_at = trail["bob_fax"].at  # 2003-01-21 00:01 UTC: received at 00:00, entered a minute later
    assert bob_at == datetime.fromisoformat("2003-01-21T00:01:00+00:00")
    assert shown(
        auditor_client, tz="utc", since="2003-01-21T00:01:00", until="2003-01-21T05:00:00"
    ) == sequences(trail["bob_fax"])
    after_bob = {"since": "2003-01-21T00:01:00.000001", "until": "2003-02-01T00:00:00"}
    assert shown(auditor_client, tz="utc", **after_bob) == sequences(trail["sam_refused"])
    assert shown(auditor_client, tz="utc", until="2003-01-21T00:01:00", employee="E-BOB") == []


def test_the_time_range_is_read_in_the_offers_zone_the_page_shows_by_default(
    auditor_client: Client, trail
) -> None:
    # Bob's event at 4:01 PM Pacific (00:01 UTC the next day): the range is read as Pacific wall time.
    assert shown(auditor_client, since="2003-01-20T16:01:00", until="2003-01-20T21:00:00") == sequences(
        trail["bob_fax"]
    )
    assert shown(auditor_client, since="2003-01-21T00:01:00", employee="E-BOB") == []
    response = auditor_client.get(EVENTS, {"since": "2003-01-20T16:01:00"})
    assert "From (America/Los_Angeles)" in response.content.decode()


def test_the_switch_to_utc_keeps_the_same_instants_in_the_range(auditor_client: Client, trail) -> None:
    response = auditor_client.get(EVENTS, {"employee": "E-BOB", "since": "2003-01-20T16:01:00"})
    switch = response.context["switch_url"]
    assert switch == f"{EVENTS}?employee=E-BOB&since=2003-01-21T00%3A01%3A00&tz=utc"
    assert shown(auditor_client, **dict(parse_qsl(urlsplit(switch).query))) == sequences(trail["bob_fax"])
    back = auditor_client.get(switch).context["switch_url"]
    assert back == f"{EVENTS}?employee=E-BOB&since=2003-01-20T16%3A01%3A00"


def test_a_wall_clock_time_that_does_not_exist_in_the_offers_zone_is_refused(
    auditor_client: Client, trail
) -> None:
    # 2:30 AM on April 6, 2003 did not happen in California (the clocks went to 3:00); in UTC it did.
    response = auditor_client.get(EVENTS, {"since": "2003-04-06T02:30:00"})
    assert response.context.get("page_obj") is None
    assert "be interpreted in time zone America/Los_Angeles" in response.content.decode()
    in_utc = auditor_client.get(EVENTS, {"since": "2003-04-06T02:30:00", "tz": "utc"})
    assert in_utc.context["page_obj"] is not None


def test_filters_combine(auditor_client: Client, trail) -> None:
    assert shown(auditor_client, employee="E1001", event_type="election.refused") == sequences(
        trail["sam_refused"]
    )
    assert shown(auditor_client, employee="E1001", channel="fax") == []


def when_cells(html: str) -> list[str]:
    return re.findall(r'<td data-label="When"><div>([^<]*)</div></td>', html)


def test_times_are_shown_in_the_offers_zone_to_the_second_and_in_utc_on_request(
    auditor_client: Client, trail
) -> None:
    html = auditor_client.get(EVENTS, {"employee": "E-BOB"}).content.decode()
    assert '<th scope="col">When (America/Los_Angeles)</th>' in html
    assert when_cells(html) == ["January 20, 2003 at 4:01:00 PM PST"]
    assert "Times are in <strong>America/Los_Angeles</strong>, the offer's time zone, to the second." in html
    assert f'<a href="{EVENTS}?employee=E-BOB&amp;tz=utc">Show the times in UTC</a>' in html
    assert ".000000" not in html

    html = auditor_client.get(EVENTS, {"employee": "E-BOB", "tz": "utc"}).content.decode()
    assert '<th scope="col">When (UTC)</th>' in html
    assert when_cells(html) == ["January 21, 2003 at 12:01:00 AM UTC"]
    assert f'<a href="{EVENTS}?employee=E-BOB">Show the times in America/Los_Angeles</a>' in html
    assert 'href="/console/audit/events/' in html
    assert f'href="/console/audit/events/{trail["bob_fax"].sequence}/?tz=utc"' in html  # the zone is kept


def test_sign_in_and_election_events_are_shown_in_one_zone_and_in_order(
    auditor_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    """A sign-in has no offer, an election has one: both read in the same zone, so the column is in order."""
    signed_in = datetime(2003, 1, 10, 17, 59, 30, 250_000, tzinfo=UTC)  # 9:59:30 AM Pacific
    with time_machine.travel(signed_in, tick=False) as clock:
        Client().force_login(slide_9_employee.user)
        elect(offer, slide_9_employee, SLIDE_9, at=signed_in + timedelta(seconds=40))
        clock.move_to(signed_in + timedelta(seconds=90))
        Client().force_login(slide_9_employee.user)

    response = auditor_client.get(EVENTS, {"employee": "E1001"})
    types = [event.event_type for event, _ in response.context["rows"]]
    html = response.content.decode()

    assert types == ["auth.signed_in", "election.submitted", "auth.signed_in"]
    assert when_cells(html) == [
        "January 10, 2003 at 9:59:30 AM PST",
        "January 10, 2003 at 10:00:10 AM PST",
        "January 10, 2003 at 10:01:00 AM PST",
    ]
    html = auditor_client.get(EVENTS, {"employee": "E1001", "tz": "utc"}).content.decode()
    assert when_cells(html) == [
        "January 10, 2003 at 5:59:30 PM UTC",
        "January 10, 2003 at 6:00:10 PM UTC",
        "January 10, 2003 at 6:01:00 PM UTC",
    ]


def test_a_range_that_ends_before_it_starts_is_refused(auditor_client: Client, trail) -> None:
    response = auditor_client.get(EVENTS, {"since": "2003-01-21T00:00:00", "until": "2003-01-20T00:00:00"})
    assert response.context.get("page_obj") is None
    assert "Choose an end after the start." in response.content.decode()


def test_an_unknown_type_is_a_form_error_not_a_crash(auditor_client: Client) -> None:
    response = auditor_client.get(EVENTS, {"event_type": "election.forged"})
    assert response.status_code == 200
    assert "Correct the filters above" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ({"until": "9999-12-31T23:59:59"}, "To (America/Los_Angeles) must be from January 1, 1990"),
        ({"since": "0001-01-01T00:00:00", "tz": "utc"}, "From (UTC) must be from January 1, 1990"),
    ],
)
def test_a_time_outside_the_dates_the_portal_takes_is_a_form_error_not_a_crash(
    auditor_client: Client, trail, query: dict[str, str], words: str
) -> None:
    response = auditor_client.get(EVENTS, query)
    assert response.status_code == 200
    assert response.context.get("page_obj") is None
    assert words in response.content.decode()


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
    assert [e.data["n"] for e, _ in last.context["rows"]] == list(range(100, 120))


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


def test_offers_in_different_zones_share_no_offers_zone_so_the_events_are_shown_in_utc(
    auditor_client: Client, trail
) -> None:
    OfferFactory(slug="east", time_zone="America/New_York")
    html = auditor_client.get(EVENTS, {"employee": "E-BOB"}).content.decode()
    assert when_cells(html) == ["January 21, 2003 at 12:01:00 AM UTC"]
    assert "Times are in <strong>UTC</strong>, as the audit trail stores them, to the second." in html
    assert "Show the times in" not in html
    # The deadline report is about one offer: its own zone.
    offer = trail["bob_fax"].offer
    html = auditor_client.get(reverse("console:audit-deadline", args=[offer.slug])).content.decode()
    assert '<th scope="col">When (America/Los_Angeles)</th>' in html


def test_the_new_kinds_are_offered_and_every_refusal_is_one_choice(
    auditor_client: Client, trail, offer: Offer, slide_9_employee: Employee, stock_admin: User
) -> None:
    """Refusals of every kind (a role, a form's CSRF check, a console step, an election, a sign-in) are
    shown together with "Every refusal", each with its reason, path and address; a download is not one."""
    employee = Client(REMOTE_ADDR="192.0.2.55")
    employee.force_login(slide_9_employee.user)
    employee.get("/console/")
    Client(enforce_csrf_checks=True, REMOTE_ADDR="192.0.2.56").post(reverse("accounts:login"))
    administrator = Client()
    administrator.force_login(stock_admin)
    administrator.post(reverse("console:close-cancel", args=[offer.slug]))
    Client().post(reverse("accounts:password-reset"), {"email": "someone@example.com"})

    html = auditor_client.get(EVENTS).content.decode()
    for kind in (
        "access.refused",
        "csrf.failed",
        "console.refused",
        "password.reset_requested",
        "password.changed",
        "document.downloaded",
        "audit.repeats_summarised",
    ):
        assert f'<option value="{kind}">' in html, kind
    assert '<option value="refusals">Every refusal</option>' in html

    response = auditor_client.get(EVENTS, {"event_type": "refusals"})
    kinds = [event.event_type for event, _ in response.context["rows"]]
    assert kinds == ["election.refused", "access.refused", "csrf.failed", "console.refused"]
    page = response.content.decode()
    assert "Your login does not have the role this page needs. " in page
    assert "(GET <code>/console/</code>)" in page
    assert "from 192.0.2.55" in page
    assert "CSRF cookie not set." in page
    assert "Accept the tenders first: only accepted grants are cancelled." in page

    only = auditor_client.get(EVENTS, {"event_type": "access.refused"}).context["rows"]
    assert [event.event_type for event, _ in only] == ["access.refused"]
