"""Walks the audit chain and says whether it is intact, and if not, where and why it first breaks.

Each event must have the next sequence number, link to the hash of the event before it, and hash
to its own stored hash. That catches an event changed, removed, inserted, reordered or duplicated
anywhere in the chain. What a chain cannot show by itself is its own *end*: an attacker with write
access who removes the newest events, or rewrites and rehashes the last one, leaves a shorter chain
that is still consistent. Keep the count and last hash this reports somewhere else (the auditors'
working papers, a daily email) and compare them on the next run; the chain then protects
everything up to that point.

An event that cannot be read at all (a time set by raw SQL to something no time is, data that is not
JSON) is a break at that event like any other, never a crash: ``events_in_order`` hands it over as
an ``UnreadableEvent``, and ``verify_events`` names the fields that cannot be read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from soxp_portal.audit.chain import GENESIS_HASH, event_hash
from soxp_portal.audit.models import AuditEvent
from soxp_portal.audit.reading import UNREADABLE_ERRORS, fields_that_fail, unreadable_fields

DEFAULT_CHUNK_SIZE = 2000


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The outcome of a walk. ``count`` and ``last_hash`` describe the intact prefix of the chain:
    all of it when ``intact``, else the events before ``first_bad_sequence``."""

    intact: bool
    count: int
    last_hash: str
    first_bad_sequence: int | None = None
    problem: str | None = None
    #: The first bad event itself cannot be read, so no page can show it.
    is_unreadable: bool = False


@dataclass(frozen=True, slots=True)
class UnreadableEvent:
    """A stored event that cannot be read: its sequence number and the fields that fail."""

    sequence: int
    fields: tuple[str, ...]


#: How the chain's messages name an event's fields.
FIELD_WORDS = {
    "sequence": "sequence number",
    "event_type": "type",
    "at": "time",
    "recorded_at": "time of recording",
    "actor": "actor",
    "actor_email": "actor's email",
    "employee_number": "employee number",
    "on_behalf": "on-behalf flag",
    "ip_address": "IP address",
    "user_agent": "user agent",
    "request_id": "request id",
    "subject_type": "subject type",
    "subject_id": "subject id",
    "previous_hash": "previous hash",
}


def verify_chain(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> ChainReport:
    """Verifies the whole stored chain in sequence order, in constant memory.

    The events are streamed (a server-side cursor on PostgreSQL, ``fetchmany`` on SQLite) and only
    the previous event's sequence and hash are kept, so a million events cost no more memory than
    a hundred.
    """
    return verify_events(events_in_order(chunk_size=chunk_size))


def events_in_order(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> Iterator[AuditEvent | UnreadableEvent]:
    """Every stored event in sequence order, streamed; the first that cannot be read ends the stream
    as an ``UnreadableEvent`` (the walk breaks there, so nothing after it is needed).

    A read that fails ends Django's stream, and on PostgreSQL it may fail for a whole fetched chunk
    at once, before the readable events at its start were handed over. So the events after the last
    one handed over are then read one at a time, up to the one that cannot be read.
    """
    last = 0
    try:
        for event in AuditEvent.objects.order_by("sequence").iterator(chunk_size=chunk_size):
            yield event
            last = event.sequence
    except UNREADABLE_ERRORS:
        yield from _one_at_a_time_after(last)


def _one_at_a_time_after(last: int) -> Iterator[AuditEvent | UnreadableEvent]:
    keys = AuditEvent.objects.filter(sequence__gt=last).order_by("sequence").values_list("pk", "sequence")
    for key, sequence in keys.iterator():
        try:
            yield AuditEvent.objects.get(pk=key)
        except UNREADABLE_ERRORS:
            yield UnreadableEvent(sequence, fields_that_fail(AuditEvent, key))
            return


def event_unreadable_fields(event: AuditEvent) -> tuple[str, ...]:
    """The fields of an event that was read but holds what no event holds. ``record`` writes a JSON
    object as ``data``; Django hands back text it cannot decode as that text, so text is unreadable."""
    fields = unreadable_fields(event)
    return (*fields, "data") if isinstance(event.data, str) else fields


def unreadable_problem(fields: Iterable[str]) -> str:
    """ "the event's time cannot be read", naming every field that cannot be."""
    words = [FIELD_WORDS.get(name, name) for name in fields]
    if not words:
        return "the event cannot be read"
    listed = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    return f"the event's {listed} cannot be read"


def verify_events(events: Iterable[AuditEvent | UnreadableEvent]) -> ChainReport:
    """Verifies events given in the order they claim to be in (ascending sequence).

    An event that breaks the chain is then asked which of its fields cannot be read: if any, that is
    the break ("the event's time cannot be read"), since nothing else about it can be trusted. The
    question is only asked of a breaking event, so the walk of an intact chain pays nothing for it.
    """
    count = 0
    previous_hash = GENESIS_HASH
    for event in events:
        expected = count + 1
        if isinstance(event, UnreadableEvent):
            return _unreadable_break(count, previous_hash, event.sequence, event.fields)
        try:
            found = _break(event, expected, previous_hash)
        except UNREADABLE_ERRORS:
            if not event_unreadable_fields(event):
                raise
            found = (expected, "")  # the break is what cannot be read, named below
        if found is None:
            count = expected
            previous_hash = event.hash
            continue
        unreadable = event_unreadable_fields(event)
        if unreadable:
            at = expected if "sequence" in unreadable else event.sequence
            return _unreadable_break(count, previous_hash, at, unreadable)
        bad, problem = found
        return ChainReport(False, count, previous_hash, bad, problem)
    return ChainReport(True, count, previous_hash)


def _break(event: AuditEvent, expected: int, previous_hash: str) -> tuple[int, str] | None:
    """Where and why `event` breaks the chain (it should be event #`expected`), or None."""
    problem = _sequence_problem(event.sequence, expected)
    if problem:
        return (expected if event.sequence > expected else event.sequence), problem
    if event.previous_hash != previous_hash:
        return event.sequence, _link_problem(expected)
    if event_hash(event) != event.hash:
        return (
            event.sequence,
            "its content does not match its hash (the event was changed after it was written)",
        )
    return None


def _unreadable_break(count: int, previous_hash: str, sequence: int, fields: Iterable[str]) -> ChainReport:
    return ChainReport(False, count, previous_hash, sequence, unreadable_problem(fields), is_unreadable=True)


def _sequence_problem(sequence: int, expected: int) -> str | None:
    if sequence == expected:
        return None
    if sequence == expected - 1:
        return f"sequence number #{sequence} appears more than once"
    if sequence > expected:
        after = f"after event #{expected - 1}" if expected > 1 else "at the start"
        return f"event #{expected} is missing: event #{sequence} comes {after}"
    return f"events are out of order: event #{sequence} comes after event #{expected - 1}"


def _link_problem(sequence: int) -> str:
    if sequence == 1:
        return "its previous_hash is not the genesis hash (64 zeros), so it is not the first event"
    return (
        f"its previous_hash does not match the hash of event #{sequence - 1} "
        "(an event was changed and rehashed, removed, inserted or reordered)"
    )
