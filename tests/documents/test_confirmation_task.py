"""The confirmation email an election owes (offers.confirmations), as deliver_confirmations sends it: one
email to the employee, with the form attached as a PDF."""

import pytest
from django.core import mail
from django.tasks import TaskResultStatus

from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEventType
from soxp_portal.offers.confirmations import owe_confirmation
from soxp_portal.offers.models import Election
from soxp_portal.offers.tasks import deliver_confirmations
from tests.documents.pdf_text import pdf_text

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def send_confirmation(election: Election) -> None:
    """The election owes its email, as the action records it, and the worker delivers it."""
    owe_confirmation(election)
    assert deliver_confirmations.call() == 1


def test_enqueued_confirmation_sends_one_email_with_the_pdf(slide_9_election: Election, settings) -> None:
    settings.TASKS = IMMEDIATE
    owe_confirmation(slide_9_election)
    result = deliver_confirmations.enqueue()

    assert result.status == TaskResultStatus.SUCCESSFUL, result.errors
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["dana.whitfield@example.com"]
    assert message.subject == "Your election is recorded: confirmation 7QJ3M-XR2PD"
    [attachment] = message.attachments
    assert attachment.filename == "election-7QJ3M-XR2PD.pdf"
    assert attachment.mimetype == "application/pdf"
    assert attachment.content.startswith(b"%PDF")
    assert "7QJ3M-XR2PD" in pdf_text(attachment.content)


def test_election_email_summarises_what_was_recorded(slide_9_election: Election) -> None:
    send_confirmation(slide_9_election)

    body = mail.outbox[0].body
    assert "Dear Dana Whitfield," in body
    assert "G-1001: 800 shares at $6.00, granted May 20, 2000 -> 600 new shares" in body
    assert "G-1002: 1,000 shares at $4.50, granted March 5, 2001 -> 750 new shares" in body
    assert "G-1004 (lookback): 500 shares at $0.40, granted July 1, 2002 -> 375 new shares" in body
    assert "Total: 2,300 shares tendered -> 1,725 new shares" in body
    # The employee's convention: the offer's zone, named, to the second; no UTC, no microseconds.
    assert "Received by the server:\n  January 10, 2003 at 10:00:00 AM PST\n  Online:" in body
    assert "UTC" not in body
    assert "123456" not in body
    assert "July 21, 2003" in body
    assert "January 20, 2003 at 9:00 PM PST" in body  # the deadline
    assert "Linda Duffy, Questions and account access: 949-453-7123" in body


def test_email_says_how_to_change_before_the_deadline(slide_9_election: Election, time_machine) -> None:
    time_machine.move_to("2003-01-12 12:00:00+00:00")
    send_confirmation(slide_9_election)
    body = " ".join(mail.outbox[0].body.split())
    assert (
        "You may change this election (a new election replaces it in full) or withdraw it on the SOXP Portal "
        "before the deadline, January 20, 2003 at 9:00 PM PST." in body
    )


def test_email_after_the_deadline_says_it_is_final(slide_9_election: Election) -> None:
    send_confirmation(slide_9_election)  # now is long after 2003
    body = mail.outbox[0].body
    assert "The offer's deadline, January 20, 2003 at 9:00 PM PST, has passed: this is final." in body
    assert "&#x27;" not in body  # plain text: never HTML-escaped


def test_withdrawal_email(slide_9_withdrawal: Election, time_machine) -> None:
    time_machine.move_to("2003-01-16 12:00:00+00:00")
    send_confirmation(slide_9_withdrawal)

    [message] = mail.outbox
    assert message.subject == "Your withdrawal is recorded: confirmation WD4KP-9ZNTE"
    body = " ".join(message.body.split())
    assert "Withdraws election: 7QJ3M-XR2PD" in body
    assert "You are not participating in the offer" in body
    assert "every grant keeps its current terms" in body
    assert "You may still make a new election on the SOXP Portal before the deadline" in body
    [attachment] = message.attachments
    assert attachment.filename == "withdrawal-WD4KP-9ZNTE.pdf"
    assert attachment.mimetype == "application/pdf"
    assert "Withdrawal Form" in pdf_text(attachment.content)


def test_audit_hash_reaches_the_pdf_and_the_email(slide_9_election: Election) -> None:
    event = record(
        AuditEventType.ELECTION_SUBMITTED,
        actor=slide_9_election.employee.user,
        at=slide_9_election.received_at,
        subject=slide_9_election,
    )
    send_confirmation(slide_9_election)

    message = mail.outbox[0]
    assert f"Audit record: {event.hash}" in message.body
    assert f"Audit record: {event.hash}" in pdf_text(message.attachments[0].content)
