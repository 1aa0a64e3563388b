"""The emails a change of ratios owes (``offers.actions.set_band_ratios``), delivered by the task worker.

``set_band_ratios`` writes one ``RatioChangeEmail`` row per employee whose election in force gives other
new shares under the new ratios, in its own transaction (an outbox, as the confirmation emails have), and
enqueues ``deliver_ratio_emails`` once it has committed: the request neither renders nor sends a batch of
emails. The worker claims due rows with ``select_for_update(skip_locked=True)`` and a lease (so two
workers never send the same row, and a dead worker's rows are due again when its lease ends), sends them
over one connection, and marks each sent; a failure is kept on the row and retried after `RETRY_DELAY`,
up to `MAX_ATTEMPTS`. ``manage.py deliver_ratio_emails`` sweeps what a dead worker or a lost queue left.
Delivery is at least once, as for the confirmations.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.db.models import QuerySet
from django.tasks import task
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from soxp_portal.accounts.invitations import DEFAULT_PORTAL_BASE_URL
from soxp_portal.offers import outbox
from soxp_portal.offers.models import RatioChangeEmail
from soxp_portal.offers.ratios import units_word
from soxp_portal.offers.tasks import contact_lines
from soxp_portal.rules.wording import format_instant, format_money, format_shares

SUBJECT_TEMPLATE = "emails/ratios/change_subject.txt"
BODY_TEMPLATE = "emails/ratios/change.txt"
BATCH_SIZE = 200
LEASE = timedelta(minutes=10)
RETRY_DELAY = timedelta(minutes=5)
MAX_ATTEMPTS = 6
_MAX_ERROR = 2000

logger = logging.getLogger(__name__)


def owed() -> QuerySet[RatioChangeEmail]:
    return RatioChangeEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)


def ratio_change_message(email: RatioChangeEmail) -> EmailMessage:
    """The employee's old and new figures, grant by grant and in total, and that the election stays in
    force unless they change it before the deadline."""
    offer, setting = email.setting.offer, email.setting
    figures = email.figures
    grants = [
        {
            **line,
            "exercise_price": format_money(Decimal(line["exercise_price"])),
            "tendered": format_shares(line["tendered"]),
            "new_before": format_shares(line["new_before"]),
            "new_after": format_shares(line["new_after"]),
        }
        for line in figures["grants"]
    ]
    base = getattr(settings, "PORTAL_BASE_URL", DEFAULT_PORTAL_BASE_URL).rstrip("/")
    context: dict[str, Any] = {
        "employee": email.employee,
        "offer": offer,
        "final": setting.stage == "final",
        "units": units_word(offer, email.employee),
        "grants": grants,
        "total_tendered": format_shares(figures["total_tendered"]),
        "total_before": format_shares(figures["total_before"]),
        "total_after": format_shares(figures["total_after"]),
        "deadline": format_instant(offer.expires_at, offer.zone),
        "announcement": setting.announcement,
        "contacts": contact_lines(offer),
        "portal_url": base + reverse("portal:offer", kwargs={"slug": offer.slug}),
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    return EmailMessage(subject, render_to_string(BODY_TEMPLATE, context), to=[email.employee.email])


def _claim(limit: int) -> list[int]:
    now = timezone.now()
    return list(outbox.claim(owed().filter(next_attempt_at__lte=now), now=now, limit=limit, lease=LEASE))


def _failed(pk: int, error: BaseException) -> None:
    logger.warning("Ratio change email %s failed: %s", pk, error)
    RatioChangeEmail.objects.filter(pk=pk, sent_at__isnull=True).update(
        last_error=f"{type(error).__name__}: {error}"[:_MAX_ERROR],
        next_attempt_at=timezone.now() + RETRY_DELAY,
    )


def deliver_batch(limit: int = BATCH_SIZE) -> tuple[int, int]:
    """Claims, sends and marks one batch; returns (claimed, sent)."""
    pks = _claim(limit)
    if not pks:
        return 0, 0
    rows = RatioChangeEmail.objects.filter(pk__in=pks).select_related(
        "employee", "setting__offer", "setting__announcement"
    )
    sent, handled = 0, set()
    try:
        with mailers.default as mailer:
            for row in rows.order_by("pk"):
                handled.add(row.pk)
                try:
                    mailer.send_messages([ratio_change_message(row)])
                except Exception as error:  # kept on the row, retried
                    _failed(row.pk, error)
                    continue
                RatioChangeEmail.objects.filter(pk=row.pk).update(sent_at=timezone.now(), last_error="")
                sent += 1
    except Exception as error:  # the connection itself: every email not yet tried is retried
        for pk in set(pks) - handled:
            _failed(pk, error)
    return len(pks), sent


def deliver_due() -> int:
    """Delivers every due ratio change email, a batch at a time; returns how many were sent."""
    total = 0
    while True:
        claimed, sent = deliver_batch()
        total += sent
        if claimed < BATCH_SIZE:
            return total


@task
def deliver_ratio_emails() -> int:
    """Delivers the ratio change emails that are due; a retry is scheduled as a later run where the
    backend can defer (elsewhere ``manage.py deliver_ratio_emails`` sweeps them)."""
    sent = deliver_due()
    retry = owed().order_by("next_attempt_at").values_list("next_attempt_at", flat=True).first()
    if retry is not None and deliver_ratio_emails.get_backend().supports_defer:
        deliver_ratio_emails.using(run_after=retry).enqueue()
    return sent
