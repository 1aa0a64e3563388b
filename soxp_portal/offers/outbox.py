"""The claim an email outbox's workers share (the confirmation emails, the ratio change emails)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import F, QuerySet


def claim(due: QuerySet[Any], *, now: datetime, limit: int, lease: timedelta) -> dict[int, int]:
    """Takes up to `limit` of the `due` rows for this worker; returns {pk: this attempt's number}.

    A short transaction: rows another worker is claiming are skipped (``SKIP LOCKED`` on PostgreSQL),
    and each claimed row's attempt is counted and its lease started before the transaction commits, so a
    dead worker's rows are due again when the lease ends.
    """
    with transaction.atomic():
        rows = list(
            due.order_by("next_attempt_at", "pk")
            .select_for_update(skip_locked=True)
            .values_list("pk", "attempts")[:limit]
        )
        due.model.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            attempts=F("attempts") + 1, next_attempt_at=now + lease
        )
    return {pk: attempts + 1 for pk, attempts in rows}
