"""The confirmation emails elections owe, and their delivery by the task worker (the outbox).

``submit_election`` and ``withdraw_election`` write a ``ConfirmationEmail`` row in the election's own
transaction, so an election never exists without the email it owes and a rolled-back one owes none, and
enqueue ``tasks.deliver_confirmations`` once it has committed. The confirm request itself neither renders
nor sends anything (unless the task backend is ``immediate``, in development, which runs the task there).

The worker (``deliver_due``):

- **claims** a batch of due rows in a short transaction of its own: ``select_for_update(skip_locked=True)``
  hands each row to one worker on PostgreSQL, so several workers, or the same task run twice, share the
  queue without sending twice; the claim counts the attempt and moves ``next_attempt_at`` to the end of a
  lease, so the rows of a worker that dies become due again when the lease ends;
- opens the mail connection (if the mail server is down, the batch waits for its retry without a form
  rendered for nothing), **renders** the batch's forms as one document cut into one PDF each
  (``documents.elections.render_documents``; if the batch fails, each form is rendered alone, so one bad
  form holds back no other), then **sends** each email over that connection and marks it sent at once;
- on a failure, keeps the error and makes the row due again after ``RETRY_DELAYS``; after
  ``MAX_ATTEMPTS`` it gives up: the row is *failed*, shown to the administrator on the console
  (``console:confirmations`` and the employee's page), who can send it again (``resend_confirmation``).

Delivery is at least once: a worker killed between sending an email and marking it sent leaves the row
to be claimed again when its lease ends, and the employee gets the confirmation twice. It is never lost.
A lease that runs out while its worker is still busy (a mail server hanging for ten minutes) can send it
twice too. ``manage.py deliver_confirmations`` sweeps what a dead worker left (README, "Deploying").
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from soxp_portal.documents.elections import ElectionDocument, election_document, render_documents
from soxp_portal.offers import outbox
from soxp_portal.offers.models import ConfirmationEmail, Election

logger = logging.getLogger(__name__)

#: How long a claimed row belongs to its worker; a batch takes seconds, so this only matters when a
#: worker dies (or hangs) with the row.
LEASE = timedelta(minutes=10)
#: The wait before each retry: after the 1st failed attempt, 1 minute; after the 5th, 4 hours.
RETRY_DELAYS = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
    timedelta(hours=4),
)
#: Attempts before the worker gives up and the administrator is shown the failure: 6, over about 5.5 hours.
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: Emails claimed, rendered as one document and sent over one connection at a time. Batches do not make
#: the election form much cheaper to lay out (docs/performance.md, "Confirmation emails"); they save
#: the claim, the queries and the mail connection per email, and a failed batch is retried form by form.
BATCH_SIZE = 10
_MAX_ERROR = 2000


@dataclass
class Delivery:
    """What one run of the worker did."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    #: The earliest retry this run scheduled, for a backend that can run a task later.
    next_retry_at: datetime | None = None
    #: More may be due: the run stopped because its time was up.
    stopped_by_budget: bool = False

    def add(self, other: Delivery) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        retries = [at for at in (self.next_retry_at, other.next_retry_at) if at is not None]
        self.next_retry_at = min(retries, default=None)


def owe_confirmation(election: Election) -> ConfirmationEmail:
    """Records, in the caller's transaction, that `election` owes its confirmation email: due now."""
    now = timezone.now()
    return ConfirmationEmail.objects.create(election=election, owed_since=now, next_attempt_at=now)


def owed() -> QuerySet[ConfirmationEmail]:
    """Neither sent nor given up."""
    return ConfirmationEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)


def due(now: datetime) -> QuerySet[ConfirmationEmail]:
    """Owed, and no worker holds it or its retry's time has come."""
    return owed().filter(next_attempt_at__lte=now)


def failed() -> QuerySet[ConfirmationEmail]:
    """Given up after MAX_ATTEMPTS: waiting for the administrator."""
    return ConfirmationEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=False)


def claim(*, now: datetime, limit: int) -> dict[int, int]:
    """Takes up to `limit` due rows for this worker; returns {election id: this attempt's number}."""
    return outbox.claim(due(now), now=now, limit=limit, lease=LEASE)


def _error_text(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:_MAX_ERROR]


def mark_sent(election_id: int) -> None:
    now = timezone.now()
    ConfirmationEmail.objects.filter(pk=election_id, sent_at__isnull=True).update(
        sent_at=now, last_error="", next_attempt_at=now
    )


def mark_not_sent(election_id: int, attempt: int, error: BaseException, delivery: Delivery) -> None:
    """Keeps the error and schedules the next attempt, or gives up after the last one."""
    now = timezone.now()
    row = ConfirmationEmail.objects.filter(pk=election_id, sent_at__isnull=True)
    if attempt >= MAX_ATTEMPTS:
        row.update(last_error=_error_text(error), failed_at=now)
        delivery.failed += 1
        logger.error("Confirmation email of election %s failed for good: %s", election_id, error)
        return
    retry_at = now + RETRY_DELAYS[attempt - 1]
    row.update(last_error=_error_text(error), next_attempt_at=retry_at)
    delivery.retrying += 1
    delivery.next_retry_at = min(filter(None, (delivery.next_retry_at, retry_at)))
    logger.warning("Confirmation email of election %s failed (attempt %s): %s", election_id, attempt, error)


def _documents(elections: Sequence[Election]) -> dict[int, ElectionDocument | BaseException]:
    """Each election's form facts, with the hash of its audit event (one query for the batch)."""
    from soxp_portal.audit.models import AuditEvent

    hashes = dict(
        AuditEvent.objects.filter(
            subject_type=Election._meta.label, subject_id__in=[str(election.pk) for election in elections]
        ).values_list("subject_id", "hash")
    )
    documents: dict[int, ElectionDocument | BaseException] = {}
    for election in elections:
        try:
            documents[election.pk] = election_document(election, audit_hash=hashes.get(str(election.pk)))
        except Exception as error:  # recorded on the row, retried
            documents[election.pk] = error
    return documents


def _render(documents: dict[int, ElectionDocument]) -> dict[int, bytes | BaseException]:
    """The forms as one batch; if the batch fails, each alone, so one bad form fails only itself."""
    try:
        return dict(zip(documents, render_documents(list(documents.values())), strict=True))
    except Exception:  # each form is tried alone below
        logger.exception("A batch of %s confirmation forms failed; rendering each alone", len(documents))
    rendered: dict[int, bytes | BaseException] = {}
    for pk, document in documents.items():
        try:
            rendered[pk] = render_documents([document])[0]
        except Exception as error:  # recorded on the row, retried
            rendered[pk] = error
    return rendered


def deliver_batch(*, batch_size: int | None = None) -> Delivery:
    """Claims, renders and sends one batch of due confirmation emails (BATCH_SIZE unless told).

    The mail connection is opened first: with the mail server down, the batch is retried later without
    rendering a form for nothing.
    """
    attempts = claim(now=timezone.now(), limit=batch_size or BATCH_SIZE)
    delivery = Delivery(claimed=len(attempts))
    if not attempts:
        return delivery
    handled: set[int] = set()
    try:
        with mailers.default as mailer:
            for pk, outcome in _messages(attempts):
                if isinstance(outcome, BaseException):
                    mark_not_sent(pk, attempts[pk], outcome, delivery)
                else:
                    _send(mailer, pk, outcome, attempts[pk], delivery)
                handled.add(pk)
    except Exception as error:  # the connection itself: every email not yet tried is retried
        for pk in attempts:
            if pk not in handled:
                mark_not_sent(pk, attempts[pk], error, delivery)
    return delivery


def _messages(attempts: dict[int, int]) -> list[tuple[int, EmailMessage | BaseException]]:
    """Each claimed election's email with its form attached, or why it could not be made."""
    from soxp_portal.offers.tasks import confirmation_message

    elections = list(
        Election.objects.filter(pk__in=attempts)
        .select_related("offer", "offer__new_option_plan", "employee", "entered_by")
        .order_by("pk")
    )
    facts = _documents(elections)
    documents = {pk: fact for pk, fact in facts.items() if isinstance(fact, ElectionDocument)}
    pdfs = _render(documents)
    messages: list[tuple[int, EmailMessage | BaseException]] = []
    for election in elections:
        document, outcome = documents.get(election.pk), pdfs.get(election.pk, facts[election.pk])
        if document is None or isinstance(outcome, BaseException):
            messages.append((election.pk, outcome))
        else:
            messages.append((election.pk, confirmation_message(election, document, outcome)))
    return messages


def _send(mailer: Any, pk: int, message: EmailMessage, attempt: int, delivery: Delivery) -> None:
    try:
        mailer.send_messages([message])
    except Exception as error:  # recorded on the row, retried
        mark_not_sent(pk, attempt, error, delivery)
    else:
        mark_sent(pk)
        delivery.sent += 1


def deliver_due(*, batch_size: int | None = None, budget: float | None = None) -> Delivery:
    """Delivers due confirmation emails a batch at a time until none is due, or `budget` seconds have
    passed (then the caller enqueues the rest)."""
    batch_size = batch_size or BATCH_SIZE
    started = time.monotonic()
    total = Delivery()
    while True:
        delivery = deliver_batch(batch_size=batch_size)
        total.add(delivery)
        if delivery.claimed < batch_size:
            return total
        if budget is not None and time.monotonic() - started > budget:
            total.stopped_by_budget = True
            return total


def resend_failed(confirmations: QuerySet[ConfirmationEmail]) -> int:
    """Makes the failed ones among `confirmations` due again, their attempts counted from zero, and
    enqueues their delivery once committed; returns how many. Sent and still-owed ones are unchanged."""
    from soxp_portal.offers.tasks import deliver_confirmations

    with transaction.atomic():
        count = (
            failed()
            .filter(pk__in=confirmations.values("pk"))
            .update(attempts=0, failed_at=None, next_attempt_at=timezone.now())
        )
    for _ in range(math.ceil(count / BATCH_SIZE)):
        transaction.on_commit(deliver_confirmations.enqueue)
    return count
