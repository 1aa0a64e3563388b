"""Promise-to-grant letters, rendered and emailed by background tasks (slide 12).

``issue_letters`` (actions.py) enqueues ``enqueue_letters`` once its transaction commits. The accepted
tenders are split into batches, one task each, so several worker processes share the work and the
progress page counts letters as each batch is saved. A batch skips tenders that already have a letter, so
a batch that is run twice (a worker restarted) does not issue a second letter.

A batch's letters are rendered together (``letters.render_documents`` lays them out as one document and
cuts it into one PDF each), then saved together, each with its audit event, in one transaction, and
emailed over one mail connection.
"""

from __future__ import annotations

import hashlib
from itertools import batched

from django.core.files.base import ContentFile
from django.core.mail import mailers
from django.db import transaction
from django.db.models import QuerySet
from django.tasks import task
from django.utils import timezone

from soxp_portal.audit.log import append, audit_event
from soxp_portal.audit.models import AuditChannel, AuditEventType
from soxp_portal.closing.letters import letter_documents, letter_email, render_documents
from soxp_portal.closing.models import PromiseLetter, Tender
from soxp_portal.offers.models import Offer

LETTER_BATCH_SIZE = 100


def awaiting_letter() -> QuerySet[Tender]:
    """Accepted tenders whose promise stands and that have no letter yet."""
    return Tender.objects.filter(
        outcome=Tender.Outcome.ACCEPTED, forfeited_on__isnull=True, letter__isnull=True
    )


def enqueue_letters(offer: Offer) -> int:
    """Enqueues one task per batch of accepted tenders without a letter; returns the number of batches."""
    ids = awaiting_letter().filter(offer=offer).order_by("pk").values_list("pk", flat=True)
    count = 0
    for batch in batched(ids.iterator(chunk_size=5000), LETTER_BATCH_SIZE):
        issue_promise_letters.enqueue(list(batch))
        count += 1
    return count


@task
def issue_promise_letters(tender_ids: list[int]) -> int:
    """Renders, saves and emails the letters of these tenders; returns how many were issued.

    The batch's letters are saved, with their audit events, in one transaction once all are rendered:
    one commit (and one take of the audit chain's lock) per batch rather than per letter. The tenders
    are locked and checked again in that transaction, so a batch run twice at once issues nothing twice.
    """
    tenders = list(
        awaiting_letter()
        .filter(pk__in=tender_ids)
        .select_related("offer", "offer__new_option_plan", "employee")
        .order_by("pk")
    )
    documents = letter_documents(tenders)
    pdfs = render_documents(documents)
    issued = []
    with transaction.atomic():
        waiting = set(
            awaiting_letter()
            .filter(pk__in=tender_ids)
            .select_for_update(of=("self",))
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        for tender, document, pdf in zip(tenders, documents, pdfs, strict=True):
            if tender.pk not in waiting:
                continue
            letter = PromiseLetter(tender=tender, sha256=hashlib.sha256(pdf).hexdigest(), issued_at=now)
            letter.pdf.save(f"promise-{tender.employee.employee_id}.pdf", ContentFile(pdf), save=False)
            issued.append((letter, document, pdf))
        PromiseLetter.objects.bulk_create([letter for letter, _, _ in issued])
        append(
            [
                audit_event(
                    AuditEventType.LETTERS_ISSUED,
                    actor=None,
                    at=now,
                    subject=letter.tender,
                    employee=letter.tender.employee,
                    offer=letter.tender.offer,
                    channel=AuditChannel.SYSTEM,
                    data={"sha256": letter.sha256, "file": letter.pdf.name},
                )
                for letter, _, _ in issued
            ]
        )
    with mailers.default as mailer:
        for letter, document, pdf in issued:
            mailer.send_messages([letter_email(letter, pdf, document)])
            PromiseLetter.objects.filter(tender=letter.tender).update(emailed_at=timezone.now())
    return len(issued)
