"""A termination recorded with a wrong date, or in error, is corrected from the close page before the
new grants are made: audited, the employee told, the census record put back, the records check clean."""

from datetime import date

import pytest
from django.core import mail
from django.test import Client

from soxp_portal.audit.models import AuditEvent
from soxp_portal.audit.records import verify_records
from soxp_portal.closing.models import Tender
from soxp_portal.offers.models import Employee, Offer
from tests.console.closing.conftest import Participants, messages_of, snapshot, url

pytestmark = pytest.mark.django_db
WHY = "The census had another Carl's leaving date."


@pytest.fixture
def terminated(admin_client: Client, offer: Offer, accepted: Participants) -> Tender:
    """Carl's termination recorded on March 14, 2003."""
    admin_client.post(
        url("close-termination", offer), {"employee_id": "E-CARL", "termination_date": "2003-03-14"}
    )
    return Tender.objects.get(employee=accepted.carl)


def correct(client: Client, offer: Offer, **data: str):
    return client.post(url("close-termination-correct", offer, "E-CARL"), data, follow=True)


def test_the_close_page_offers_the_correction_beside_each_forfeited_promise(
    admin_client: Client, offer: Offer, terminated: Tender
) -> None:
    html = admin_client.get(url("close", offer)).content.decode()
    assert url("close-termination-correct", offer, "E-CARL") in html
    assert "Withdraw: recorded in error" in html


def test_a_wrong_date_is_corrected_audited_and_told(
    admin_client: Client, admin, offer: Offer, terminated: Tender, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = correct(admin_client, offer, action="date", termination_date="2003-04-30", reason=WHY)
    assert messages_of(response)[-1:] == [
        "Carl Cole's termination is corrected to April 30, 2003. They are emailed a corrected notice; the "
        "audit trail keeps both."
    ]
    tender = Tender.objects.get(pk=terminated.pk)
    assert tender.forfeited_on == date(2003, 4, 30)
    assert "Employment ended on April 30, 2003" in tender.forfeit_reason
    assert Employee.objects.get(employee_id="E-CARL").termination_date == date(2003, 4, 30)
    event = AuditEvent.objects.filter(event_type="termination.recorded").latest("sequence")
    assert event.actor == admin
    assert event.data["corrects"] == {"termination_date": "2003-03-14"}
    assert event.data["reason"] == WHY
    assert "April 30, 2003" in mail.outbox[-1].body
    assert not verify_records().differences


def test_a_termination_recorded_in_error_is_withdrawn_and_the_promise_stands(
    admin_client: Client, offer: Offer, terminated: Tender, django_capture_on_commit_callbacks
) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = correct(admin_client, offer, action="withdraw", termination_date="", reason=WHY)
    assert messages_of(response)[-1:] == [
        "The termination of Carl Cole is withdrawn: the promised grant stands again. They are emailed a "
        "corrected notice; the audit trail keeps both."
    ]
    tender = Tender.objects.get(pk=terminated.pk)
    assert (tender.forfeited_on, tender.forfeit_reason, tender.forfeit_recorded_at) == (None, "", None)
    carl = Employee.objects.get(employee_id="E-CARL")
    assert (carl.status, carl.termination_date) == ("active", None)
    assert mail.outbox[-1].subject.endswith("your promised new option stands")
    assert "That termination was recorded in error and has been withdrawn." in mail.outbox[-1].body
    assert "Promises forfeited: 0" in response.content.decode()
    assert not verify_records().differences


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"action": "date", "termination_date": "", "reason": WHY}, "Give the right termination date"),
        ({"action": "date", "termination_date": "2003-04-30", "reason": ""}, "Why: This field is required."),
        ({"action": "date", "termination_date": "2003-03-14", "reason": WHY}, "already recorded on March 14"),
        ({"action": "date", "termination_date": "2003-12-31", "reason": WHY}, "after the new grant date"),
        ({"action": "erase", "termination_date": "", "reason": WHY}, "Select a valid choice"),
    ],
)
def test_a_correction_that_cannot_be_made_changes_nothing(
    admin_client: Client, offer: Offer, terminated: Tender, data: dict[str, str], message: str
) -> None:
    before = snapshot(offer)
    response = correct(admin_client, offer, **data)
    assert snapshot(offer) == before
    assert any(message in text for text in messages_of(response)), messages_of(response)


def test_without_a_termination_there_is_nothing_to_correct(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    response = correct(admin_client, offer, action="withdraw", termination_date="", reason=WHY)
    assert messages_of(response) == ["No termination is recorded for Carl Cole in this offer."]
