"""Emails to one participant about their promise: forfeited by a termination, standing again when that
termination was recorded in error, or granted."""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string

from soxp_portal.closing.models import Tender
from soxp_portal.offers.tasks import contact_lines

FORFEITURE_SUBJECT = "emails/closing/forfeiture_subject.txt"
FORFEITURE_TEMPLATE = "emails/closing/forfeiture.txt"
REINSTATEMENT_SUBJECT = "emails/closing/reinstatement_subject.txt"
REINSTATEMENT_TEMPLATE = "emails/closing/reinstatement.txt"


def _message(subject_template: str, body_template: str, tender: Tender) -> EmailMessage:
    context = {
        "tender": tender,
        "offer": tender.offer,
        "employee": tender.employee,
        "contacts": contact_lines(tender.offer),
    }
    subject = "".join(render_to_string(subject_template, context).splitlines())
    return EmailMessage(
        subject=subject, body=render_to_string(body_template, context), to=[tender.employee.email]
    )


@task
def send_forfeiture_notice(tender_id: int) -> None:
    """Tells the employee that, having left before the new grant date, they will not get the new option."""
    tender = Tender.objects.select_related("offer", "employee").get(pk=tender_id)
    _message(FORFEITURE_SUBJECT, FORFEITURE_TEMPLATE, tender).send()


@task
def send_reinstatement_notice(tender_id: int) -> None:
    """Tells the employee that the termination recorded in error is withdrawn: the promise stands."""
    tender = Tender.objects.select_related("offer", "employee").get(pk=tender_id)
    _message(REINSTATEMENT_SUBJECT, REINSTATEMENT_TEMPLATE, tender).send()
