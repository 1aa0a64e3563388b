"""Invitations for employees who have never signed in: a count, then a confirmed POST."""

from datetime import date

import pytest
from django.core import mail
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Employee
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db
INVITATIONS = reverse("console:invitations")


@pytest.fixture
def awaiting(db: None) -> list[Employee]:
    """Two employees await an invitation; one has a password; a terminated one is never invited."""
    waiting = [EmployeeFactory(), EmployeeFactory()]
    terminated = EmployeeFactory(status="terminated", termination_date=date(2002, 12, 31))
    EmployeeFactory()  # has a password
    for employee in [*waiting, terminated]:
        employee.user.set_unusable_password()
        employee.user.save(update_fields=["password"])
    return waiting


def test_the_page_counts_the_employees_awaiting_an_invitation(staff_client, awaiting) -> None:
    html = staff_client.get(INVITATIONS).content.decode()
    assert "<strong>2</strong> employees await an invitation" in html
    assert "Send 2 invitations" in html


def test_sending_emails_each_awaiting_employee_and_audits_the_count(staff_client, admin, awaiting) -> None:
    response = staff_client.post(INVITATIONS, {"count": "2"}, follow=True)
    assert "Sent 2 invitation(s)." in response.content.decode()
    assert sorted(message.to[0] for message in mail.outbox) == sorted(e.email for e in awaiting)
    assert "/accounts/invitation/" in mail.outbox[0].body
    assert "http://testserver/accounts/invitation/" in mail.outbox[0].body
    event = AuditEvent.objects.get(event_type="invitation.sent")
    assert event.actor == admin
    assert event.data["count"] == 2


def test_a_count_that_changed_since_the_page_was_loaded_sends_nothing(staff_client, awaiting) -> None:
    response = staff_client.post(INVITATIONS, {"count": "5"}, follow=True)
    assert "2 employee(s) now await an invitation" in response.content.decode()
    assert mail.outbox == []
    assert not AuditEvent.objects.filter(event_type="invitation.sent").exists()


def test_with_nobody_waiting_there_is_no_button(staff_client, db) -> None:
    response = staff_client.get(INVITATIONS)
    assert "No employee awaits an invitation" in response.content.decode()
    assert "Send " not in response.content.decode()
