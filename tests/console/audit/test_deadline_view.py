"""The events near (default: one hour before) or after an offer's deadline."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Employee, Offer
from tests.console.audit.conftest import SLIDE_9, elect, elect_late

pytestmark = pytest.mark.django_db


@pytest.fixture
def near_deadline(offer: Offer, deadline: datetime, slide_9_employee: Employee) -> dict[str, AuditEvent]:
    elect(offer, slide_9_employee, SLIDE_9, at=deadline - timedelta(hours=2))
    elect(offer, slide_9_employee, SLIDE_9, at=deadline - timedelta(minutes=10))
    elect_late(offer, slide_9_employee, SLIDE_9, at=deadline + timedelta(minutes=3))
    return {
        "two_hours_before": AuditEvent.objects.get(event_type=AuditEventType.ELECTION_SUBMITTED),
        "ten_minutes_before": AuditEvent.objects.get(event_type=AuditEventType.ELECTION_MODIFIED),
        "after": AuditEvent.objects.get(event_type=AuditEventType.ELECTION_REFUSED),
    }


def report(client: Client, offer: Offer, **params: str):
    response = client.get(reverse("console:audit-deadline", args=[offer.slug]), params)
    assert response.status_code == 200
    return response


def test_the_default_window_is_one_hour_and_includes_late_events(
    auditor_client: Client, offer: Offer, near_deadline
) -> None:
    response = report(auditor_client, offer)
    shown = [event for event, _ in response.context["rows"]]
    assert shown == [near_deadline["ten_minutes_before"], near_deadline["after"]]
    html = response.content.decode()
    assert "10 min before the deadline" in html
    assert "3 min after the deadline" in html
    assert "late" in html
    assert "Deadline in force: <strong>January 20, 2003 at 9:00 PM PST</strong>" in html
    assert "from 60 minutes before the deadline" in html


def test_times_are_in_the_offers_zone_to_the_second_or_in_utc_on_request(
    auditor_client: Client, offer: Offer, near_deadline
) -> None:
    html = report(auditor_client, offer).content.decode()
    assert '<th scope="col">When (America/Los_Angeles)</th>' in html
    assert '<td data-label="When"><div>January 20, 2003 at 8:50:00 PM PST</div></td>' in html
    assert '<td data-label="When"><div>January 20, 2003 at 9:03:00 PM PST</div></td>' in html

    html = report(auditor_client, offer, tz="utc").content.decode()
    assert "Deadline in force: <strong>January 21, 2003 at 5:00 AM UTC</strong>" in html
    assert '<th scope="col">When (UTC)</th>' in html
    assert '<td data-label="When"><div>January 21, 2003 at 4:50:00 AM UTC</div></td>' in html
    assert '<td data-label="When"><div>January 21, 2003 at 5:03:00 AM UTC</div></td>' in html
    assert '<input type="hidden" name="tz" value="utc">' in html  # a new window keeps the zone
    assert "PST" not in html


def test_a_wider_window_takes_in_earlier_events(auditor_client: Client, offer: Offer, near_deadline) -> None:
    shown = [event for event, _ in report(auditor_client, offer, window="180").context["rows"]]
    assert shown[0] == near_deadline["two_hours_before"]
    assert len(shown) == 3


def test_an_invalid_window_falls_back_to_the_default_and_says_why(
    auditor_client: Client, offer: Offer, near_deadline
) -> None:
    response = report(auditor_client, offer, window="-5")
    assert response.context["minutes"] == 60
    assert "Ensure this value is greater than or equal to 1." in response.content.decode()


def test_events_of_other_offers_are_left_out(auditor_client: Client, offer: Offer, near_deadline) -> None:
    from tests.factories import OfferFactory

    other = OfferFactory(slug="other")
    assert report(auditor_client, other).context["rows"] == []
