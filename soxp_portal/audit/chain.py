"""The chain's encoding: what exactly is hashed, and how values are made JSON-safe.

The canonical content of an event is compact JSON with sorted keys, encoded as UTF-8, of every
field but ``hash`` (and the surrogate ``id``, which carries no meaning). Anyone holding a copy of the
table can recompute ``sha256(canonical_content)`` with any JSON library that sorts keys, so the
format is part of the audit trail's contract: changing it would make every stored hash wrong.
``tests/audit/test_chain.py`` pins it with a known event and its known hash.
"""

from __future__ import annotations

import enum
import hashlib
import ipaddress
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from soxp_portal.audit.models import AuditEvent

type JSONValue = bool | int | str | list[JSONValue] | dict[str, JSONValue] | None

GENESIS_HASH = "0" * 64
"""The ``previous_hash`` of event #1: there is nothing before it."""


def utc_iso(value: datetime) -> str:
    """ISO-8601 in UTC, always with six fractional digits and a ``Z``: one text per instant.

    ``datetime.isoformat()`` drops the fraction when it is zero and keeps the local offset, so the
    same instant could be written several ways; that would change the hash.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{value!r} is a naive datetime; audit times must be timezone-aware (UTC).")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_ip(value: str | None) -> str | None:
    """One spelling per address, whatever short form the database hands back.

    PostgreSQL's ``inet`` and Django's IPv6 cleaning may abbreviate an address differently from
    what was written, and Python 3.13 changed how IPv4-mapped IPv6 addresses print (even
    ``exploded``), so IPv6 is spelled out here from its 16 bytes: eight groups of four hex digits.
    """
    if not value:
        return None
    address = ipaddress.ip_address(str(value))
    if address.version == 4:
        return str(address)
    packed = address.packed
    return ":".join(packed[index : index + 2].hex() for index in range(0, 16, 2))


def to_json_safe(value: Any) -> JSONValue:
    """Natural Python values as JSON that reads back identically from SQLite and PostgreSQL.

    Decimals become strings (``Decimal("3.0100")`` keeps its digits), datetimes UTC ISO strings,
    dates ISO strings, UUIDs their text, enums their value, tuples lists, and sets sorted lists (a
    set has no order, and the hash needs one). Floats are refused: money and share counts are
    never floats here, and PostgreSQL's ``jsonb`` may write a float back differently (``1e+20``
    returns as ``100000000000000000000``), which would break the hash.
    """
    if isinstance(value, enum.Enum):  # first: a str- or int-based enum must give its value
        return to_json_safe(value.value)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        raise TypeError(f"Float {value!r} cannot be recorded exactly; pass a Decimal or an int.")
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return utc_iso(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Mapping):
        return {_json_key(key): to_json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_json_safe(item) for item in value]
    if isinstance(value, set | frozenset):
        items = [to_json_safe(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    raise TypeError(f"{type(value).__name__} {value!r} is not JSON-safe; record its plain values instead.")


def _json_key(key: Any) -> str:
    """Object keys are text in JSON; ints and other scalars are written as text up front, so the
    stored event and the hashed one agree."""
    if isinstance(key, bool) or key is None:
        raise TypeError(f"{key!r} cannot be a key of audit data; use a string.")
    safe = to_json_safe(key)
    if isinstance(safe, list | dict):
        raise TypeError(f"{key!r} cannot be a key of audit data; use a string.")
    return str(safe)


def canonical_content(event: AuditEvent) -> bytes:
    """The bytes that are hashed: every field of the event except ``hash`` (and ``id``)."""
    content: dict[str, JSONValue] = {
        "sequence": event.sequence,
        "event_type": str(event.event_type),
        "at": utc_iso(event.at),
        "recorded_at": utc_iso(event.recorded_at),
        "actor_id": event.actor_id,
        "actor_email": event.actor_email,
        "employee_id": event.employee_id,
        "employee_number": event.employee_number,
        "offer_id": event.offer_id,
        "on_behalf": event.on_behalf,
        "channel": str(event.channel),
        "ip_address": canonical_ip(event.ip_address),
        "user_agent": event.user_agent,
        "request_id": event.request_id,
        "subject_type": event.subject_type,
        "subject_id": event.subject_id,
        "data": event.data,
        "previous_hash": event.previous_hash,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


def event_hash(event: AuditEvent) -> str:
    """SHA-256 of the canonical content, as 64 lowercase hex digits."""
    return hashlib.sha256(canonical_content(event)).hexdigest()
