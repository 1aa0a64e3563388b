"""The chain's encoding: JSON-safe data, the canonical content and its hash."""

import enum
import hashlib
import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from soxp_portal.audit.chain import canonical_content, canonical_ip, event_hash, to_json_safe, utc_iso
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from tests.audit.conftest import NOW

GOLDEN_CONTENT = (
    '{"actor_email":"stock.admin@example.com","actor_id":3,"at":"2003-01-20T23:59:59.000005Z",'
    '"channel":"fax","data":{"name":"Zoë","price":"3.01","shares":750},"employee_id":11,'
    '"employee_number":"E-1001","event_type":"election.submitted",'
    '"ip_address":"0000:0000:0000:0000:0000:ffff:c000:0201","offer_id":1,"on_behalf":true,'
    '"previous_hash":"' + "a" * 64 + '","recorded_at":"2003-01-21T00:00:00.000000Z",'
    '"request_id":"req-1","sequence":7,"subject_id":"42","subject_type":"offers.Election",'
    '"user_agent":"Mozilla/5.0"}'
)
GOLDEN_HASH = "a0d0e00449ea4308562c223ba5761c06fd2c4b7a1741eded07778ebeb8df944f"


class Colour(enum.StrEnum):
    RED = "red"


class Plain(str, enum.Enum):  # noqa: UP042  (on purpose: its str() is "Plain.BLUE", not its value)
    BLUE = "blue"


def golden_event() -> AuditEvent:
    return AuditEvent(
        sequence=7,
        event_type=AuditEventType.ELECTION_SUBMITTED,
        at=datetime(2003, 1, 20, 15, 59, 59, 5, tzinfo=timezone(timedelta(hours=-8))),
        recorded_at=datetime(2003, 1, 21, tzinfo=UTC),
        actor_id=3,
        actor_email="stock.admin@example.com",
        employee_id=11,
        employee_number="E-1001",
        offer_id=1,
        on_behalf=True,
        channel="fax",
        ip_address="::ffff:192.0.2.1",
        user_agent="Mozilla/5.0",
        request_id="req-1",
        subject_type="offers.Election",
        subject_id="42",
        data={"shares": 750, "price": "3.01", "name": "Zoë"},
        previous_hash="a" * 64,
    )


def test_canonical_content_is_pinned_because_stored_hashes_depend_on_it() -> None:
    event = golden_event()

    assert canonical_content(event).decode("utf-8") == GOLDEN_CONTENT
    assert event_hash(event) == hashlib.sha256(GOLDEN_CONTENT.encode("utf-8")).hexdigest() == GOLDEN_HASH


def test_every_field_but_the_hash_is_hashed() -> None:
    base = event_hash(golden_event())
    changes: dict[str, Any] = {
        "sequence": 8,
        "event_type": "election.modified",
        "at": NOW,
        "recorded_at": NOW,
        "actor_id": 4,
        "actor_email": "other@example.com",
        "employee_id": 12,
        "employee_number": "E-1002",
        "offer_id": 2,
        "on_behalf": False,
        "channel": "hand",
        "ip_address": "192.0.2.1",
        "user_agent": "curl/8",
        "request_id": "req-2",
        "subject_type": "offers.Offer",
        "subject_id": "43",
        "data": {"shares": 751, "price": "3.01", "name": "Zoë"},
        "previous_hash": "b" * 64,
    }
    hashed = {field.attname for field in AuditEvent._meta.concrete_fields} - {"id", "hash"}
    assert set(changes) == hashed

    for attname, value in changes.items():
        event = golden_event()
        setattr(event, attname, value)
        assert event_hash(event) != base, attname
    event = golden_event()
    event.hash = "c" * 64
    assert event_hash(event) == base


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("3.0100"), "3.0100"),
        (Decimal("-0.75"), "-0.75"),
        (datetime(2003, 1, 20, 21, 0, tzinfo=timezone(timedelta(hours=-8))), "2003-01-21T05:00:00.000000Z"),
        (date(2003, 7, 21), "2003-07-21"),
        (uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
        (AuditEventType.OFFER_CLOSED, "offer.closed"),
        (Colour.RED, "red"),
        (Plain.BLUE, "blue"),
        ((1, Decimal("2.5")), [1, "2.5"]),
        ({3, 1, 2}, [1, 2, 3]),
        (frozenset({"b", "a"}), ["a", "b"]),
        ({"grants": {1: Decimal("1.5")}}, {"grants": {"1": "1.5"}}),
        ({"nested": [{"on": date(2003, 1, 20)}]}, {"nested": [{"on": "2003-01-20"}]}),
        (None, None),
        (True, True),
        (12, 12),
        ("text", "text"),
    ],
)
def test_to_json_safe_converts_natural_values(value: object, expected: object) -> None:
    assert to_json_safe(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0.75, "Float"),
        (datetime(2003, 1, 20, 21, 0), "naive"),
        (object(), "not JSON-safe"),
        ({True: 1}, "cannot be a key"),
        ({(1, 2): 1}, "cannot be a key"),
    ],
)
def test_to_json_safe_refuses_what_would_not_read_back_the_same(value: object, message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        to_json_safe(value)


def test_utc_iso_always_writes_microseconds() -> None:
    assert utc_iso(datetime(2003, 1, 20, tzinfo=UTC)) == "2003-01-20T00:00:00.000000Z"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001"),
        ("::ffff:192.0.2.1", "0000:0000:0000:0000:0000:ffff:c000:0201"),
        ("::ffff:c000:201", "0000:0000:0000:0000:0000:ffff:c000:0201"),
        ("", None),
        (None, None),
    ],
)
def test_canonical_ip_has_one_spelling_per_address(value: str | None, expected: str | None) -> None:
    assert canonical_ip(value) == expected


text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=20)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | text
    | st.decimals(allow_nan=False, allow_infinity=False, places=4)
    | st.dates()
    | st.datetimes(timezones=st.just(UTC))
)
keys = text.filter(lambda key: not any(word in key.lower() for word in ("password", "secret", "token")))
payloads = st.dictionaries(
    keys,
    st.recursive(
        scalars,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
        max_leaves=10,
    ),
    max_size=5,
)


@pytest.mark.django_db
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=payloads)
def test_the_stored_event_hashes_like_the_written_one(data: dict[str, Any]) -> None:
    """Whatever natural data an action records, the row read back from the database hashes to the
    stored hash: no value changes on its way through SQLite's JSON text or PostgreSQL's jsonb."""
    event = record(AuditEventType.OFFER_EDITED, actor=None, at=NOW, data=data)

    stored = AuditEvent.objects.get(pk=event.pk)

    assert stored.data == event.data
    assert event_hash(stored) == stored.hash == event.hash
