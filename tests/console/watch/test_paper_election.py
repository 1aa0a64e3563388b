"""Paper and fax elections (decision 8): entered by the administrator, judged by the time received."""

import uuid
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.test import Client

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Election, Employee, Offer
from tests.console.watch.conftest import submit, url

pytestmark = pytest.mark.django_db
SLIDE_9_FORM = {"tender-G-1001": "800", "tender-G-1002": "1000", "tender-G-1004": "500"}


def paper(received: str, version: int = 0, **extra: str) -> dict[str, str]:
    return {
        **SLIDE_9_FORM,
        "channel": "fax",
        "received_at": received,
        "signature": "Sam Slide",
        "expected_version": str(version),
        "submission_token": str(uuid.uuid4()),
        **extra,
    }


def test_the_form_offers_each_eligible_grant_and_the_delivery(
    admin_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    html = admin_client.get(url("paper-election", offer, "E1001")).content.decode()
    for grant_id in ("G-1001", "G-1002", "G-1004"):
        assert f'name="tender-{grant_id}"' in html
    assert 'name="tender-G-1003"' not in html
    assert 'type="datetime-local"' in html
    assert "America/Los_Angeles" in html


def test_the_form_chooses_nothing_not_even_the_lookback_grant(
    admin_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    """The administrator enters the paper form as signed: a lookback grant is not chosen in advance."""
    html = admin_client.get(url("paper-election", offer, "E1001")).content.decode()
    assert 'name="tender-G-1004"' in html
    assert " checked" not in html


def test_a_fax_election_is_recorded_as_received_and_the_employee_sees_and_gets_it(
    client: Client, admin, offer: Offer, slide_9_employee: Employee, django_capture_on_commit_callbacks
) -> None:
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("paper-election", offer, "E1001"), paper("2003-01-09T15:15"))
    election = Election.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("employee", offer, "E1001")
    assert election.received_at == datetime(2003, 1, 9, 23, 15, tzinfo=UTC)  # 3:15 PM Pacific
    assert election.recorded_at == datetime(2003, 1, 10, 18, 0, tzinfo=UTC)  # keyed in now
    assert (election.channel, election.entered_by, election.kind) == ("fax", admin, "election")
    assert sorted(election.tendered_grants.values_list("new_shares", flat=True)) == [375, 600, 750]
    event = AuditEvent.objects.get(event_type="election.submitted")
    assert (event.actor, event.on_behalf, event.channel, event.at) == (
        admin,
        True,
        "fax",
        election.recorded_at,
    )

    page = client.get(response["Location"]).content.decode()
    # One zone on the administrator's pages: the offer's, to the second.
    assert "recorded as version 1, received January 9, 2003 at 3:15:00 PM PST. Confirmation" in page
    assert "UTC" not in page
    assert "ada.admin@example.com" in page

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [slide_9_employee.email]
    assert election.confirmation_number in mail.outbox[0].subject

    client.force_login(slide_9_employee.user)
    history = client.get(f"/offers/{offer.slug}/elections/").content.decode()
    assert election.confirmation_number in history
    assert "Fax" in history
    assert "January 9, 2003 at 3:15:00 PM PST" in history


def test_a_hand_delivered_withdrawal(
    admin_client: Client, admin, offer: Offer, slide_9_employee: Employee
) -> None:
    admin_client.post(url("paper-election", offer, "E1001"), paper("2003-01-08T09:00:30"))
    form = admin_client.get(url("paper-withdrawal", offer, "E1001")).content.decode()
    assert "an election received January 8, 2003 at 9:00:30 AM PST (fax)." in form  # the one on record
    assert "It counts only if received before the deadline, January 20, 2003 at 9:00 PM PST." in form
    data = paper("2003-01-09T11:00", version=1, channel="hand")
    response = admin_client.post(url("paper-withdrawal", offer, "E1001"), data)
    assert response.status_code == 302
    withdrawal = Election.objects.get(version=2)
    assert (withdrawal.kind, withdrawal.channel, withdrawal.entered_by) == ("withdrawal", "hand", admin)
    assert withdrawal.received_at == datetime(2003, 1, 9, 19, 0, tzinfo=UTC)


def refused(client: Client, offer: Offer, data: dict[str, str]) -> str:
    response = client.post(url("paper-election", offer, "E1001"), data)
    assert response.status_code == 400
    assert not Election.objects.exists()
    assert not mail.outbox
    html = response.content.decode()
    assert "Nothing was recorded" in html
    return html


def test_a_time_in_the_future_is_refused(
    admin_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    html = refused(admin_client, offer, paper("2003-01-10T10:01"))  # a minute after now (10:00 AM Pacific)
    assert "The time received cannot be in the future." in html


@pytest.mark.parametrize("received", ["2003-01-20T21:00", "2003-01-20T21:00:01", "2003-01-21T08:00"])
def test_at_or_after_the_deadline_is_refused(
    admin_client: Client, admin, offer: Offer, slide_9_employee: Employee, during_offer, received: str
) -> None:
    during_offer.move_to(datetime(2003, 1, 21, 9, 0, tzinfo=offer.zone))  # the morning after
    admin_client.force_login(admin)
    html = refused(admin_client, offer, paper(received))
    assert "The offer closed at January 20, 2003 at 9:00 PM PST" in html


def test_a_fax_received_a_minute_before_the_deadline_counts_the_next_morning(
    admin_client: Client, admin, offer: Offer, slide_9_employee: Employee, during_offer
) -> None:
    during_offer.move_to(datetime(2003, 1, 21, 9, 0, tzinfo=offer.zone))
    admin_client.force_login(admin)
    response = admin_client.post(url("paper-election", offer, "E1001"), paper("2003-01-20T20:59"))
    assert response.status_code == 302
    assert Election.objects.get().received_at == datetime(2003, 1, 21, 4, 59, tzinfo=UTC)


def test_a_signature_other_than_the_name_on_record_is_refused(
    admin_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    html = refused(admin_client, offer, paper("2003-01-09T15:15", signature="S. Slide"))
    assert "full name as the company records it: Sam Slide" in html


def test_the_offers_rules_apply_as_online(
    admin_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    html = refused(admin_client, offer, paper("2003-01-09T15:15", **{"tender-G-1004": "0"}))
    assert "G-1004 was granted in the lookback window" in html


def test_a_time_that_does_not_exist_in_the_offers_zone_is_refused(
    admin_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    # 2:30 AM on the first Sunday of April 2002 did not happen in California (clocks went to 3:00).
    html = refused(admin_client, offer, paper("2002-04-07T02:30"))
    assert "America/Los_Angeles" in html
    assert "may not exist" in html


@pytest.mark.parametrize(
    ("received", "day"), [("9999-12-31T23:59", "December 31, 9999"), ("0001-01-01T00:00", "January 1, 1")]
)
@pytest.mark.parametrize("page", ["paper-election", "paper-withdrawal"])
def test_a_time_received_outside_the_dates_the_portal_takes_is_refused(
    admin_client: Client, offer: Offer, slide_9_employee: Employee, received: str, day: str, page: str
) -> None:
    submit(offer, slide_9_employee, {"G-1001": 800, "G-1002": 1000, "G-1004": 500})
    response = admin_client.post(url(page, offer, "E1001"), paper(received, version=1))
    assert response.status_code == 400
    assert Election.objects.count() == 1
    assert (
        f"Received at must be from January 1, 1990 to December 31, 2100; {day} is outside that range."
        in response.content.decode()
    )
