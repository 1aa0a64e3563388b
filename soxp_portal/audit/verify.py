"""Walks the audit chain and says whether it is intact, and if not, where and why it first breaks.

Each event must have the next sequence number, link to the hash of the event before it, and hash
to its own stored hash. That catches an event changed, removed, inserted, reordered or duplicated
anywhere in the chain. What a chain cannot show by itself is its own *end*: an attacker with write
access who removes the newest events, or rewrites and rehashes the last one, leaves a shorter chain
that is still consistent. Keep the count and last hash this reports somewhere else (the auditors'
working papers, a daily email) and compare them on the next run; the chain then protects
everything up to that point.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from soxp_portal.audit.chain import GENESIS_HASH, event_hash
from soxp_portal.audit.models import AuditEvent

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


def verify_chain(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> ChainReport:
    """Verifies the whole stored chain in sequence order, in constant memory.

    The events are streamed (a server-side cursor on PostgreSQL, ``fetchmany`` on SQLite) and only
    the previous event's sequence and hash are kept, so a million events cost no more memory than
    a hundred.
    """
    events = AuditEvent.objects.order_by("sequence").iterator(chunk_size=chunk_size)
    return verify_events(events)


def verify_events(events: Iterable[AuditEvent]) -> ChainReport:
    """Verifies events given in the order they claim to be in (ascending sequence)."""
    count = 0
    previous_hash = GENESIS_HASH
    for event in events:
        expected = count + 1
        problem = _sequence_problem(event.sequence, expected)
        if problem:
            bad = expected if event.sequence > expected else event.sequence
            return ChainReport(False, count, previous_hash, bad, problem)
        if event.previous_hash != previous_hash:
            return ChainReport(False, count, previous_hash, event.sequence, _link_problem(expected))
        if event_hash(event) != event.hash:
            problem = "its content does not match its hash (the event was changed after it was written)"
            return ChainReport(False, count, previous_hash, event.sequence, problem)
        count = expected
        previous_hash = event.hash
    return ChainReport(True, count, previous_hash)


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
