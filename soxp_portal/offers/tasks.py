"""Background work for elections: the confirmation emails with the signed forms attached, the
extension notice and the invitations.

An election owes its confirmation email from its own transaction (``offers.confirmations``: an outbox
row), and ``deliver_confirmations`` is enqueued once it commits: rendering the PDF never holds the
employee's row lock, and the email is retried until delivered. Task arguments are JSON, and a worker may
run a task in another process, so tasks take ids, never rows.
"""

from __future__ import annotations

from itertools import batched
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from soxp_portal.documents.elections import (
    ElectionDocument,
    document_filename,
)
from soxp_portal.offers.models import Announcement, Election, Employee, Offer
from soxp_portal.rules import window

CONFIRMATION_TEMPLATE = "emails/elections/confirmation.txt"


def confirmation_subject(document: ElectionDocument) -> str:
    """The subject names the confirmation number, so the employee can find this email again."""
    what = "withdrawal" if document.is_withdrawal else "election"
    return f"Your {what} is recorded: confirmation {document.confirmation_number}"


def contact_lines(offer: Offer) -> list[str]:
    """The offer's contacts as lines: name, role, then whatever ways to reach them are on record."""
    lines = []
    for contact in offer.contacts:
        reach = [contact[key] for key in ("phone", "email") if contact.get(key)]
        if contact.get("fax"):
            reach.append(f"fax {contact['fax']}")
        role = f", {contact['role']}" if contact.get("role") else ""
        lines.append(f"{contact['name']}{role}: {', '.join(reach)}" if reach else f"{contact['name']}{role}")
    return lines


def confirmation_message(election: Election, document: ElectionDocument, pdf: bytes) -> EmailMessage:
    """The email to the employee: what was recorded, when, how to change it, and the form attached."""
    body = render_to_string(
        CONFIRMATION_TEMPLATE,
        {
            "document": document,
            "offer_is_open": window.is_open(election.offer.terms, timezone.now()),
            "contacts": contact_lines(election.offer),
        },
    )
    message = EmailMessage(subject=confirmation_subject(document), body=body, to=[election.employee.email])
    message.attach(document_filename(election), pdf, "application/pdf")
    return message


#: How long one run of ``deliver_confirmations`` delivers before it hands the rest to a new task, so one
#: task never holds a worker for the whole of a surge's backlog.
DELIVERY_BUDGET_SECONDS = 60


@task
def deliver_confirmations() -> int:
    """Delivers the confirmation emails that are due, in batches (``offers.confirmations``); returns how
    many were sent. Every election enqueues it once committed; a run that finds nothing due does nothing.

    What is still due after the budget goes to a new task; a retry is scheduled as a task run later when
    the backend can (the database backend can, ``immediate`` cannot: there ``manage.py
    deliver_confirmations`` sweeps them).
    """
    from soxp_portal.offers.confirmations import deliver_due

    delivery = deliver_due(budget=DELIVERY_BUDGET_SECONDS)
    if delivery.stopped_by_budget:
        deliver_confirmations.enqueue()
    if delivery.next_retry_at is not None and deliver_confirmations.get_backend().supports_defer:
        deliver_confirmations.using(run_after=delivery.next_retry_at).enqueue()
    return delivery.sent


EXTENSION_SUBJECT_TEMPLATE = "emails/extension/notice_subject.txt"
EXTENSION_TEMPLATE = "emails/extension/notice.txt"
EXTENSION_BATCH_SIZE = 500  # messages rendered and handed to the mailer at a time, over one connection


def extension_message(
    announcement: Announcement, employee: Employee, context: dict[str, Any]
) -> EmailMessage:
    context = {**context, "employee": employee}
    subject = "".join(render_to_string(EXTENSION_SUBJECT_TEMPLATE, context).splitlines())
    return EmailMessage(
        subject=subject, body=render_to_string(EXTENSION_TEMPLATE, context), to=[employee.email]
    )


@task
def send_extension_notice(announcement_id: int) -> int:
    """Emails an extension's announcement to every employee who may take part (decision 4); returns
    how many were sent. Eligibility is judged when the task runs, as the portal judges it that day."""
    from soxp_portal.offers.participation import eligibility_census
    from soxp_portal.offers.queries import offer_summary

    announcement = Announcement.objects.select_related("offer", "offer__new_option_plan").get(
        pk=announcement_id
    )
    offer = announcement.offer
    holders = eligibility_census(offer, now=timezone.now()).employee_ids
    context = {
        "announcement": announcement,
        "offer": offer,
        "summary": offer_summary(offer),
        "contacts": contact_lines(offer),
        "portal_url": getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
        + reverse("portal:offer", args=[offer.slug]),
    }
    employees = (
        employee
        for employee in Employee.objects.order_by("employee_id").iterator(chunk_size=2000)
        if employee.employee_id in holders
    )
    sent = 0
    with mailers.default as mailer:
        for batch in batched(employees, EXTENSION_BATCH_SIZE):
            sent += mailer.send_messages([extension_message(announcement, e, context) for e in batch]) or 0
    return sent


@task
def send_pending_invitations(actor_id: int, base_url: str) -> int:
    """Invites every employee still awaiting an invitation, away from the request (a census may hold
    100,000 of them); returns how many were sent."""
    from soxp_portal.accounts.models import User
    from soxp_portal.offers.actions import invite_awaiting_employees

    return invite_awaiting_employees(actor=User.objects.get(pk=actor_id), base_url=base_url)
