"""Background work for elections: the confirmation email with the signed form attached.

An election is confirmed by email after its transaction commits (actions.py enqueues this task on
commit), so a rolled-back election never sends a confirmation, and rendering the PDF never holds the
employee's row lock. The task takes the election's id, not the row, because task arguments must be
JSON and a worker may run it in another process.
"""

from __future__ import annotations

from django.core.mail import EmailMessage
from django.tasks import task
from django.template.loader import render_to_string
from django.utils import timezone

from soxp_portal.documents.elections import (
    ElectionDocument,
    audit_hash_for,
    document_filename,
    election_document,
    render_document,
)
from soxp_portal.offers.models import Election, Offer
from soxp_portal.rules import window

CONFIRMATION_TEMPLATE = "emails/elections/confirmation.txt"


def confirmation_subject(document: ElectionDocument) -> str:
    """The subject names the confirmation number, so the employee can find this email again."""
    what = "withdrawal" if document.is_withdrawal else "election"
    return f"Your {what} is recorded: confirmation {document.confirmation_number}"


def _contacts(offer: Offer) -> list[str]:
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
            "contacts": _contacts(election.offer),
        },
    )
    message = EmailMessage(subject=confirmation_subject(document), body=body, to=[election.employee.email])
    message.attach(document_filename(election), pdf, "application/pdf")
    return message


@task
def send_election_confirmation(election_id: int) -> None:
    """Renders the election's form and emails it to the employee, once per election version."""
    election = Election.objects.select_related(
        "offer", "offer__new_option_plan", "employee", "entered_by"
    ).get(pk=election_id)
    audit_hash = audit_hash_for(election)
    document = election_document(election, audit_hash=audit_hash)
    pdf = render_document(document)
    confirmation_message(election, document, pdf).send()
