"""Between acceptance and the new grant date: a participant who leaves forfeits the promise (decision 7)."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client

from soxp_portal.audit.models import AuditEvent
from soxp_portal.closing.models import Tender
from soxp_portal.offers.models import Employee, Offer
from tests.console.closing.conftest import Participants, messages_of, snapshot, url

pytestmark = pytest.mark.django_db


def test_a_termination_forfeits_the_promise_and_is_listed(
    admin_client: Client, admin, offer: Offer, accepted: Participants, django_capture_on_commit_callbacks
) -> None:
    data = {"employee_id": "E-CARL", "termination_date": "2003-03-14"}
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("close-termination", offer), data, follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#terminations", 302)]
    assert messages_of(response) == [
        "Carl Cole's promise is forfeited: employment ended March 14, 2003, so the 300 new shares will not be "
        "granted and the cancelled options stay cancelled. They are emailed a notice."
    ]
    tender = Tender.objects.get(employee=accepted.carl)
    assert tender.forfeited_on == date(2003, 3, 14)
    carl = Employee.objects.get(pk=accepted.carl.pk)
    assert (carl.status, carl.termination_date) == ("terminated", date(2003, 3, 14))
    event = AuditEvent.objects.get(event_type="termination.recorded")
    assert (event.actor, event.employee, event.on_behalf) == (admin, carl, True)
    assert [message.to for message in mail.outbox] == [[carl.email]]
    html = response.content.decode()
    assert "Promises forfeited: 1" in html
    assert "March 14, 2003" in html
    assert tender.forfeit_reason in html.replace("&#x27;", "'")


def refused(client: Client, offer: Offer, employee_id: str, termination_date: str) -> list[str]:
    before = snapshot(offer)
    data = {"employee_id": employee_id, "termination_date": termination_date}
    response = client.post(url("close-termination", offer), data, follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#terminations", 302)]
    assert snapshot(offer) == before
    return messages_of(response)


def test_an_unknown_employee_id_is_refused(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    assert refused(admin_client, offer, "E-NOBODY", "2003-03-14") == [
        "No employee has the id E-NOBODY in the census; check the id."
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Termination date: This field is required."),
        ("2003-02-30", "Termination date: Enter a valid date."),
        (
            "9999-12-31",
            "Termination date must be from January 1, 1990 to December 31, 2100; December 31, 9999 is "
            "outside that range.",
        ),
        (
            "1900-01-01",
            "Termination date must be from January 1, 1990 to December 31, 2100; January 1, 1900 is "
            "outside that range.",
        ),
    ],
)
def test_a_missing_or_impossible_date_is_refused_naming_the_field(
    admin_client: Client, offer: Offer, accepted: Participants, typed: str, message: str
) -> None:
    assert refused(admin_client, offer, "E-CARL", typed) == [message]


def test_a_termination_after_the_new_grant_date_is_refused(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    assert refused(admin_client, offer, "E-CARL", "2003-07-22") == [
        "A termination on July 22, 2003 is after the new grant date (July 21, 2003): the new grant is still made."
    ]


def test_a_termination_on_or_before_the_cancellation_date_is_refused(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    [message] = refused(admin_client, offer, "E-CARL", "2003-01-20")
    assert message.startswith(
        "Employment ending on January 20, 2003 would have stopped the tender being accepted"
    )


def test_someone_without_an_accepted_tender_is_refused(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    for person in ("E-ALICE", "E-DAVE"):  # not accepted; never elected
        [message] = refused(admin_client, offer, person, "2003-03-14")
        assert message.endswith("has no accepted tender in this offer: nothing is promised.")


def test_a_termination_before_the_accept_is_refused(admin_client: Client, offer: Offer, participants) -> None:
    assert refused(admin_client, offer, "E-CARL", "2003-03-14") == [
        "Accept the tenders first: a termination forfeits an accepted tender's promise."
    ]


def test_recording_the_same_termination_twice_is_refused(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    admin_client.post(
        url("close-termination", offer), {"employee_id": "E-CARL", "termination_date": "2003-03-14"}
    )
    assert refused(admin_client, offer, "E-CARL", "2003-03-20")[-1] == (
        "Carl Cole's promise was already forfeited (employment ended March 14, 2003)."
    )
