"""The reminder email to every eligible employee who has not made an election yet.

The stock administrator starts it from the console's dashboard, after a confirmation step showing how
many will be emailed; the sending is a background task (Django's ``django.tasks``), because on a large
census it lists every eligible employee (``participation.undecided_eligible_employees``) and sends thousands
of messages.
The recipients are worked out when the task runs, not when it was queued, so someone who decides in
between is not reminded. Mail cannot be rolled back, so the task first decides who is reminded and
writes one ``reminders.sent`` audit event naming them, in a transaction, and sends only once that has
committed: a run that fails before the commit sends nothing and leaves no event.

A double click on the confirmation queues the same batch twice; the offer's row is locked while the
batch is decided, so the second run finds the first one's audit event (same ``batch``) and sends nothing.
"""

from __future__ import annotations

import uuid
from itertools import batched
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from soxp_portal.accounts.invitations import DEFAULT_PORTAL_BASE_URL
from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditChannel, AuditEvent, AuditEventType
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.offers.participation import undecided_eligible_employees
from soxp_portal.offers.queries import offer_summary
from soxp_portal.offers.tasks import contact_lines

SUBJECT_TEMPLATE = "emails/reminders/reminder_subject.txt"
BODY_TEMPLATE = "emails/reminders/reminder.txt"
BATCH_SIZE = 500  # messages rendered and handed to the mailer at a time, over one connection


def reminder_message(
    offer: Offer, employee: Employee, *, portal_url: str, context: dict[str, Any]
) -> EmailMessage:
    context = {**context, "employee": employee, "offer": offer, "portal_url": portal_url}
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    return EmailMessage(subject, render_to_string(BODY_TEMPLATE, context), to=[employee.email])


def portal_url(offer: Offer, base_url: str | None) -> str:
    """The offer's page on the portal, absolute: from the console's own address when it queued the task."""
    base = base_url or getattr(settings, "PORTAL_BASE_URL", DEFAULT_PORTAL_BASE_URL)
    return base.rstrip("/") + reverse("portal:offer", kwargs={"slug": offer.slug})


def batch_was_sent(offer: Offer, batch: str) -> bool:
    return AuditEvent.objects.filter(
        event_type=AuditEventType.REMINDERS_SENT, offer=offer, data__batch=batch
    ).exists()


@task
def send_reminders(offer_id: int, actor_id: int, batch: str, base_url: str = "") -> int:
    """Emails each eligible employee without an election; returns how many are emailed.

    `batch` (a UUID the confirmation form carries) makes a second run of the same request send nothing.
    The transaction is durable (never inside another), so the sending after it follows the commit.
    """
    actor = User.objects.get(pk=actor_id)
    uuid.UUID(batch)  # refuses anything but the form's UUID before it reaches the audit trail
    now = timezone.now()
    with transaction.atomic(durable=True):
        offer = Offer.objects.select_for_update(no_key=True).get(pk=offer_id)
        if batch_was_sent(offer, batch):
            return 0
        recipients = [
            (employee.pk, employee.employee_id) for employee in undecided_eligible_employees(offer, now=now)
        ]
        record(
            AuditEventType.REMINDERS_SENT,
            actor=actor,
            at=now,
            subject=offer,
            channel=AuditChannel.SYSTEM,
            data={
                "batch": batch,
                "recipients": len(recipients),
                "employee_ids": [employee_id for _, employee_id in recipients],
            },
        )
    url = portal_url(offer, base_url or None)
    context = {"summary": offer_summary(offer), "contacts": contact_lines(offer)}
    with mailers.default as mailer:
        for pks in batched((pk for pk, _ in recipients), BATCH_SIZE):
            employees = Employee.objects.in_bulk(pks)
            mailer.send_messages(
                [reminder_message(offer, employees[pk], portal_url=url, context=context) for pk in pks]
            )
    return len(recipients)
