"""Events anyone can repeat at will, recorded so that a flood of them cannot bloat the chain.

A refusal (a 403, a failed CSRF check, a refused console step), a password-reset request and an
employee's download of their own document each cost the asker one request, so a script or a
cross-site page can send thousands. Each goes through :func:`record_repeatable`, which counts them
per *source*: the kind of event, the signed-in user (or, for nobody signed in, the client address as
``soxp_portal.client`` reads it) and the URL pattern (so ``/console/offers/a/`` and
``/console/offers/b/`` are one source). A source's window opens with its first event and lasts
``AUDIT_REPEAT_WINDOW_SECONDS``:

- the first ``AUDIT_REPEAT_LIMIT`` events of the window are recorded one by one, the last of them
  saying that the limit is reached (``data["repeats"]``);
- the rest are only counted, in the source's :class:`~soxp_portal.audit.models.RepeatWindow` row;
- after the window has ended, the next repeatable event (of any source) first writes one
  ``audit.repeats_summarised`` event for each ended window that counted some: how many, the first
  and last time, the kind, who and where. Rows of ended windows are then deleted.

So a flood of any length from one source adds at most LIMIT + 1 events to the chain per window.

Concurrency. Everything happens in one durable transaction: its events commit whatever the request
does next, and no caller can already hold the chain lock while it waits for a row (rows first, the
chain lock last, as in every action). The source's row is locked (``select_for_update``) before it is
read, so two requests of one source count one after the other and the limit is exact; two requests
that both create the row meet on its unique key, and the second reads the first's. The sweep of
ended windows skips rows another transaction holds (``skip_locked``), so it never waits and each
ended window is summarised once. On SQLite, ``BEGIN IMMEDIATE`` runs these transactions one at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from soxp_portal.audit.chain import utc_iso
from soxp_portal.audit.log import append, audit_event
from soxp_portal.audit.models import AuditChannel, AuditEvent, AuditEventType, RepeatWindow
from soxp_portal.client import client_address
from soxp_portal.offers.models import Employee, Offer

#: Ended windows summarised (or cleared) by one event at most, so no request pays for a backlog.
SWEEP_BATCH = 100
MAX_ROUTE = RepeatWindow._meta.get_field("route").max_length or 300


@dataclass(frozen=True)
class Source:
    """Who asked for what, as the limit counts it."""

    event_type: AuditEventType
    user: AbstractBaseUser | None
    ip_address: str | None
    route: str

    @property
    def key(self) -> str:
        who = f"user:{self.user.pk}" if self.user is not None else f"address:{self.ip_address or '?'}"
        return hashlib.sha256(f"{self.event_type}\n{who}\n{self.route}".encode()).hexdigest()


def signed_in_user(request: HttpRequest) -> AbstractBaseUser | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def source_of(event_type: AuditEventType, request: HttpRequest) -> Source:
    """The request's source: its URL pattern when it resolved to a view, else its path."""
    match = getattr(request, "resolver_match", None)
    route = match.route if match is not None and match.route else request.path
    return Source(
        event_type=AuditEventType(event_type),
        user=signed_in_user(request),
        ip_address=client_address(request),
        route=route[:MAX_ROUTE],
    )


def record_repeatable(
    event_type: AuditEventType,
    request: HttpRequest,
    *,
    data: Mapping[str, Any],
    at: datetime | None = None,
    subject: models.Model | None = None,
    employee: Employee | None = None,
    offer: Offer | None = None,
) -> AuditEvent | None:
    """Records the event unless its source has reached the limit of its window (then it is counted);
    returns the event, or None when it was only counted. See the module's docstring for the rule.

    The actor is the signed-in user, if any; ``data`` gets the request's path and method.
    """
    at = at or timezone.now()
    source = source_of(event_type, request)
    limit = settings.AUDIT_REPEAT_LIMIT
    with transaction.atomic(durable=True):
        window = _locked_window(source, at)
        events = _summaries_of_ended_windows(at, besides=window)
        if window.window_ends_at <= at:
            events.extend(_summary(window))
            _reopen(window, at)
        recorded = None
        if window.recorded < limit:
            window.recorded += 1
            recorded = audit_event(
                source.event_type,
                actor=source.user,
                at=at,
                subject=subject,
                employee=employee,
                offer=offer,
                channel=AuditChannel.WEB,
                data={
                    "path": request.path,
                    "method": request.method,
                    **data,
                    **_limit_reached(window, limit),
                },
                request=request,
            )
            events.append(recorded)
        else:
            window.suppressed += 1
            window.first_suppressed_at = window.first_suppressed_at or at
            window.last_suppressed_at = at
        window.save()
        if events:
            append(events)
    return recorded


def _window_length() -> timedelta:
    return timedelta(seconds=settings.AUDIT_REPEAT_WINDOW_SECONDS)


def _locked_window(source: Source, at: datetime) -> RepeatWindow:
    """The source's row, locked until the transaction ends; created (window opening at `at`) if none."""
    locked = RepeatWindow.objects.select_for_update()
    window = locked.filter(key=source.key).first()
    if window is not None:
        return window
    try:
        with transaction.atomic():
            return RepeatWindow.objects.create(
                key=source.key,
                event_type=source.event_type,
                user=source.user,
                ip_address=source.ip_address,
                route=source.route,
                window_ends_at=at + _window_length(),
            )
    except IntegrityError:  # another request of the same source created it first: count after it
        return locked.get(key=source.key)


def _reopen(window: RepeatWindow, at: datetime) -> None:
    window.window_ends_at = at + _window_length()
    window.recorded = window.suppressed = 0
    window.first_suppressed_at = window.last_suppressed_at = None


def _limit_reached(window: RepeatWindow, limit: int) -> dict[str, Any]:
    if window.recorded < limit:
        return {}
    return {
        "repeats": {
            "limit": limit,
            "window_seconds": settings.AUDIT_REPEAT_WINDOW_SECONDS,
            "counted_until": utc_iso(window.window_ends_at),
            "note": "the limit is reached: until then, more events like this one are counted and summarised",
        }
    }


def _summaries_of_ended_windows(at: datetime, *, besides: RepeatWindow) -> list[AuditEvent]:
    """The summaries of other sources' ended windows (those no other transaction holds), whose rows
    are deleted."""
    ended = list(
        RepeatWindow.objects.select_for_update(skip_locked=True)
        .filter(window_ends_at__lte=at)
        .exclude(pk=besides.pk)
        .order_by("window_ends_at", "pk")[:SWEEP_BATCH]
    )
    if not ended:
        return []
    RepeatWindow.objects.filter(pk__in=[window.pk for window in ended]).delete()
    return [event for window in ended for event in _summary(window)]


def _summary(window: RepeatWindow) -> list[AuditEvent]:
    """One ``audit.repeats_summarised`` event for an ended window that counted events, else none."""
    if not window.suppressed:
        return []
    event = audit_event(
        AuditEventType.REPEATS_SUMMARISED,
        actor=window.user,
        at=window.window_ends_at,
        channel=AuditChannel.WEB,
        data={
            "event_type": window.event_type,
            "route": window.route,
            "count": window.suppressed,
            "first_at": window.first_suppressed_at,
            "last_at": window.last_suppressed_at,
            "recorded_one_by_one": window.recorded,
            "limit": settings.AUDIT_REPEAT_LIMIT,
            "window_seconds": settings.AUDIT_REPEAT_WINDOW_SECONDS,
        },
    )
    event.ip_address = window.ip_address
    return [event]
