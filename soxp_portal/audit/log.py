"""The one writer of the audit trail: ``record``.

Every audited action calls ``record`` inside its own transaction, after its other writes, with the
same ``now`` it used for them. Nothing else creates an ``AuditEvent``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone

from soxp_portal.audit.chain import GENESIS_HASH, JSONValue, event_hash, to_json_safe
from soxp_portal.audit.middleware import REQUEST_ID_HEADER, clean_request_id
from soxp_portal.audit.models import AuditChannel, AuditEvent, AuditEventType
from soxp_portal.client import client_address
from soxp_portal.offers.models import Employee, Offer

CHAIN_LOCK_KEY = int.from_bytes(b"SOXPAUDT", "big")
"""The PostgreSQL advisory lock that serialises appends (any constant; this one spells SOXPAUDT)."""

MAX_USER_AGENT = 1000
_SECRET_WORDS = ("password", "secret", "token")


def record(
    event_type: AuditEventType,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    at: datetime,
    subject: models.Model | None = None,
    employee: Employee | None = None,
    offer: Offer | None = None,
    on_behalf: bool = False,
    channel: str = "",
    data: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """Appends one event to the chain and returns it.

    - ``actor`` is who acted: a user, or None / an anonymous user (a failed sign-in; put the
      attempted email in ``data``). Their email is copied, so the event reads the same after the
      account changes.
    - ``at`` is the action's ``now`` (timezone-aware); it is stored in UTC. ``recorded_at`` is the
      server clock when the row is written.
    - ``subject`` is the row the event is about (stored as model label and pk). When ``employee``
      or ``offer`` is not given, it is taken from the subject: the subject itself if it is an
      Employee or an Offer, else its ``employee`` / ``offer`` foreign key if it has one (an
      Election has both).
    - ``data`` takes natural values (Decimal, date, datetime, UUID, sets...): they are stored
      through ``to_json_safe``. Keys naming a password, secret or token are refused, because the
      trail is read by auditors and must never hold credentials.
    - ``request`` supplies the client's address (``soxp_portal.client``: behind the trusted proxies),
      user agent and request id.

    Atomicity: the event is written in ``transaction.atomic()`` (a savepoint inside the caller's
    transaction), so it commits or rolls back with the caller's changes.

    Concurrency: the chain must never fork, so appending is serialised. On PostgreSQL ``record``
    takes a transaction-level advisory lock (``pg_advisory_xact_lock(CHAIN_LOCK_KEY)``) before it
    reads the last event. That lock is released only when the *caller's* transaction ends, so from
    the moment an action calls ``record`` until it commits, every other audited write waits. This
    is deliberate: it is what gives all events one order, the order they commit in. The cost is
    that audited transactions are serialised from their ``record`` call onwards, so call it as the
    last write of the transaction and do slow work (email, PDFs) in ``transaction.on_commit``;
    because every action takes this lock last, after its own row locks, the lock order is the same
    everywhere and it cannot deadlock. On SQLite the project's ``transaction_mode = "IMMEDIATE"``
    already makes writing transactions run one at a time. Whatever happens, the unique ``sequence``
    and ``previous_hash`` columns make the database refuse a fork rather than store one.
    """
    return append(
        [
            audit_event(
                event_type,
                actor=actor,
                at=at,
                subject=subject,
                employee=employee,
                offer=offer,
                on_behalf=on_behalf,
                channel=channel,
                data=data,
                request=request,
            )
        ]
    )[0]


def audit_event(
    event_type: AuditEventType,
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    at: datetime,
    subject: models.Model | None = None,
    employee: Employee | None = None,
    offer: Offer | None = None,
    on_behalf: bool = False,
    channel: str = "",
    data: Mapping[str, Any] | None = None,
    request: HttpRequest | None = None,
) -> AuditEvent:
    """An event not yet in the chain, checked and filled in as ``record`` describes; ``append`` links it."""
    event_type = AuditEventType(event_type)
    if channel not in AuditChannel.values and channel != "":
        raise ValueError(f"Unknown audit channel {channel!r}; use one of {AuditChannel.values} or ''.")
    if timezone.is_naive(at):
        raise ValueError(f"`at` must be timezone-aware, got the naive datetime {at!r}.")
    safe_data = to_json_safe(dict(data or {}))
    _refuse_secrets(safe_data)
    user = actor if actor is not None and actor.is_authenticated else None
    employee = employee or _related(subject, Employee, "employee")
    offer = offer or _related(subject, Offer, "offer")
    subject_type, subject_id = _subject_reference(subject)
    return AuditEvent(
        event_type=event_type,
        at=at.astimezone(UTC),
        actor=user,
        actor_email=_email(user),
        employee=employee,
        employee_number=employee.employee_id if employee else "",
        offer=offer,
        on_behalf=on_behalf,
        channel=channel,
        subject_type=subject_type,
        subject_id=subject_id,
        data=safe_data,
        **_request_details(request),
    )


def append(events: Sequence[AuditEvent], *, batch_size: int = 1000) -> Sequence[AuditEvent]:
    """Links `events` to the end of the chain, in order, and inserts them; returns them.

    One lock and one read of the last link for the whole batch, then bulk inserts: an action that
    changes 50,000 employees (the close of an offer) writes its 50,000 events in seconds, not minutes.
    Same transaction rules as ``record``: call it as the last write of the caller's transaction.
    """
    with transaction.atomic():
        _lock_chain()
        sequence, previous = last_link()
        recorded_at = timezone.now()
        for event in events:
            sequence += 1
            event.sequence, event.previous_hash, event.recorded_at = sequence, previous, recorded_at
            event.hash = previous = event_hash(event)
        if len(events) == 1:
            events[0].save(force_insert=True)
        else:
            AuditEvent.objects.bulk_create(events, batch_size=batch_size)
    return events


def _lock_chain() -> None:
    """Holds the chain lock until the end of the current transaction (see ``record``)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])


def last_link() -> tuple[int, str]:
    """The sequence number and hash of the last event, or (0, the genesis hash) for an empty trail."""
    last = AuditEvent.objects.order_by("-sequence").values_list("sequence", "hash").first()
    return last if last is not None else (0, GENESIS_HASH)


def _email(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return str(getattr(user, user.get_email_field_name(), "") or "")


def _related[M: models.Model](subject: models.Model | None, model: type[M], field: str) -> M | None:
    if subject is None:
        return None
    if isinstance(subject, model):
        return subject
    value = getattr(subject, field, None)
    return value if isinstance(value, model) else None


def _subject_reference(subject: models.Model | None) -> tuple[str, str]:
    if subject is None:
        return "", ""
    if subject.pk is None:
        raise ValueError(f"Save the {type(subject).__name__} before recording an audit event about it.")
    return subject._meta.label, str(subject.pk)


def _request_details(request: HttpRequest | None) -> dict[str, Any]:
    if request is None:
        return {"ip_address": None, "user_agent": "", "request_id": ""}
    request_id = clean_request_id(getattr(request, "request_id", None)) or clean_request_id(
        request.headers.get(REQUEST_ID_HEADER)
    )
    user_agent = request.META.get("HTTP_USER_AGENT", "")
    return {
        "ip_address": client_address(request),
        "user_agent": str(user_agent).replace("\x00", "")[:MAX_USER_AGENT],
        "request_id": request_id or "",
    }


def _refuse_secrets(value: JSONValue) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if any(word in key.lower() for word in _SECRET_WORDS):
                raise ValueError(f"Audit data must not hold credentials: refusing the key {key!r}.")
            _refuse_secrets(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_secrets(item)
