"""The console's entry: the offers an administrator runs; what every console download does; and how a
refused action is audited."""

from typing import Any

from django.db import models, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from soxp_portal.accounts.roles import Role, role_required
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditChannel, AuditEventType
from soxp_portal.audit.repeats import record_repeatable
from soxp_portal.offers.models import Offer
from soxp_portal.rules import window

staff_required = role_required(Role.STOCK_ADMINISTRATOR)


@staff_required
def offers(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        (offer, "closed" if offer.closed_at else window.phase(offer.terms, now).value)
        for offer in Offer.objects.prefetch_related("covered_plans").order_by("-opens_at")
    ]
    return render(request, "console/offers.html", {"rows": rows})


def record_download(
    request: HttpRequest,
    offer: Offer,
    *,
    export: str,
    fmt: str,
    subject: models.Model | None = None,
    **data: Any,
) -> None:
    """Audits a file leaving the console (an export, an employee's form or letter) before it is sent:
    one ``export.downloaded`` event, committed on its own, so a download that fails half way is still
    on record."""
    with transaction.atomic():
        record(
            AuditEventType.EXPORT_DOWNLOADED,
            actor=request.user,
            at=timezone.now(),
            offer=offer,
            subject=subject,
            channel=AuditChannel.WEB,
            data={"export": export, "format": fmt, "offer": offer.slug, **data},
            request=request,
        )


def record_refusal(request: HttpRequest, offer: Offer | None, *, action: str, reason: str) -> None:
    """A console action the offer's rules refused (the terms locked, a deadline that cannot move, a step
    of the close too early or out of order): one ``console.refused`` event with the action and the
    reason the administrator was shown. Repeats are limited (``audit.repeats``); nothing else changed,
    so the event is written on its own."""
    record_repeatable(
        AuditEventType.CONSOLE_REFUSED, request, offer=offer, data={"action": action, "reason": reason}
    )
