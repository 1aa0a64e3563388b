"""Promise-to-grant letters, rendered and emailed by background tasks (slide 12).

``issue_letters`` (actions.py) enqueues ``enqueue_letters`` once its transaction commits. The accepted
tenders are split into batches, one task each, so several worker processes share the work and the
progress page counts letters as they are saved. A batch skips tenders that already have a letter, so
a batch that is run twice (a worker restarted) does not issue a second letter.

A batch's letters are rendered together (``letters.render_letters`` lays them out as one document and
cuts it into one PDF each), then saved one by one, each with its audit event, and emailed over one
mail connection.
"""

from __future__ import annotations

import hashlib
from itertools import batched

from django.core.files.base import ContentFile
from django.core.mail import mailers
from django.db import transaction
from django.tasks import task
from django.utils import timezone

from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditChannel, AuditEventType
from soxp_portal.closing.letters import letter_email, render_letters
from soxp_portal.closing.models import PromiseLetter, Tender
from soxp_portal.offers.models import Offer

LETTER_BATCH_SIZE = 100


def enqueue_letters(offer: Offer) -> int:
    """Enqueues one task per batch of accepted tenders without a letter; returns the number of batches."""
    ids = (
        Tender.objects.filter(
            offer=offer, outcome=Tender.Outcome.ACCEPTED, forfeited_on__isnull=True, letter__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    count = 0
    for batch in batched(ids.iterator(chunk_size=5000), LETTER_BATCH_SIZE):
        issue_promise_letters.enqueue(list(batch))
        count += 1
    return count


@task
def issue_promise_letters(tender_ids: list[int]) -> int:
    """Renders, saves and emails the letters of these tenders; returns how many were issued."""
    tenders = list(
        Tender.objects.filter(
            pk__in=tender_ids, outcome=Tender.Outcome.ACCEPTED, forfeited_on__isnull=True, letter__isnull=True
        )
        .select_related("offer", "offer__new_option_plan", "employee")
        .order_by("pk")
    )
    issued = []
    for tender, pdf in zip(tenders, render_letters(tenders), strict=True):
        now = timezone.now()
        with transaction.atomic():
            letter = PromiseLetter(tender=tender, sha256=hashlib.sha256(pdf).hexdigest(), issued_at=now)
            letter.pdf.save(f"promise-{tender.employee.employee_id}.pdf", ContentFile(pdf), save=False)
            letter.save()
            record(
                AuditEventType.LETTERS_ISSUED,
                actor=None,
                at=now,
                subject=tender,
                employee=tender.employee,
                offer=tender.offer,
                channel=AuditChannel.SYSTEM,
                data={"sha256": letter.sha256, "file": letter.pdf.name},
            )
        issued.append((letter, pdf))
    with mailers.default as mailer:
        for letter, pdf in issued:
            mailer.send_messages([letter_email(letter, pdf)])
            PromiseLetter.objects.filter(pk=letter.pk).update(emailed_at=timezone.now())
    return len(issued)
