"""verify_chain(): walks the chain and finds the first event that was changed, removed or reordered.

The tampering is done in raw SQL, as someone with database access would do it (the ORM refuses,
and on PostgreSQL the append-only trigger is lifted for the test's own transaction).
"""

from datetime import timedelta

import pytest
from django.db import connection

from soxp_portal.audit.chain import GENESIS_HASH, event_hash
from soxp_portal.audit.models import AuditEvent
from soxp_portal.audit.verify import ChainReport, verify_chain, verify_events
from tests.audit.conftest import RawSQL, check_constraints_ignored, sqlite_only, unreadable_time

pytestmark = pytest.mark.django_db


def test_an_empty_trail_is_intact(db: None) -> None:
    assert verify_chain() == ChainReport(intact=True, count=0, last_hash=GENESIS_HASH)


def test_a_chain_written_by_record_is_intact(chain: list[AuditEvent]) -> None:
    assert verify_chain() == ChainReport(intact=True, count=5, last_hash=chain[-1].hash)


def test_verification_streams_in_small_chunks_with_the_same_result(chain: list[AuditEvent]) -> None:
    assert verify_chain(chunk_size=2) == verify_chain(chunk_size=1000)


def test_an_event_changed_in_the_database_is_found(chain: list[AuditEvent], tamper: RawSQL) -> None:
    tamper("UPDATE {table} SET data = %s WHERE sequence = 3", ['{"n": 300}'])

    report = verify_chain()

    assert (report.intact, report.first_bad_sequence, report.count) == (False, 3, 2)
    assert report.last_hash == chain[1].hash
    assert (
        report.problem == "its content does not match its hash (the event was changed after it was written)"
    )


def test_a_changed_time_is_found(chain: list[AuditEvent], tamper: RawSQL) -> None:
    earlier = connection.ops.adapt_datetimefield_value(chain[3].at - timedelta(microseconds=1))
    tamper("UPDATE {table} SET at = %s WHERE sequence = 4", [earlier])

    assert verify_chain().first_bad_sequence == 4


def test_an_event_changed_and_rehashed_breaks_the_link_of_the_next(
    chain: list[AuditEvent], tamper: RawSQL
) -> None:
    forged = AuditEvent.objects.get(sequence=3)
    forged.data = {"n": 300}
    tamper("UPDATE {table} SET data = %s, hash = %s WHERE sequence = 3", ['{"n": 300}', event_hash(forged)])

    report = verify_chain()

    assert (report.intact, report.first_bad_sequence) == (False, 4)
    assert report.problem is not None
    assert "does not match the hash of event #3" in report.problem


def test_a_deleted_event_is_found(chain: list[AuditEvent], tamper: RawSQL) -> None:
    tamper("DELETE FROM {table} WHERE sequence = 3")

    report = verify_chain()

    assert (report.intact, report.first_bad_sequence, report.count) == (False, 3, 2)
    assert report.problem == "event #3 is missing: event #4 comes after event #2"


def test_a_deleted_first_event_is_found(chain: list[AuditEvent], tamper: RawSQL) -> None:
    tamper("DELETE FROM {table} WHERE sequence = 1")

    report = verify_chain()

    assert (report.first_bad_sequence, report.count, report.last_hash) == (1, 0, GENESIS_HASH)
    assert report.problem == "event #1 is missing: event #2 comes at the start"


def test_reordered_events_are_found(chain: list[AuditEvent], tamper: RawSQL) -> None:
    # Swap #2 and #3 in three steps: the sequence column is unique.
    tamper("UPDATE {table} SET sequence = 1000 WHERE sequence = 2")
    tamper("UPDATE {table} SET sequence = 2 WHERE sequence = 3")
    tamper("UPDATE {table} SET sequence = 3 WHERE sequence = 1000")

    report = verify_chain()

    assert (report.intact, report.first_bad_sequence, report.count) == (False, 2, 1)
    assert report.problem is not None
    assert "does not match the hash of event #1" in report.problem


def test_a_changed_previous_hash_is_found(chain: list[AuditEvent], tamper: RawSQL) -> None:
    tamper("UPDATE {table} SET previous_hash = %s WHERE sequence = 5", ["e" * 64])

    report = verify_chain()

    assert (report.intact, report.first_bad_sequence) == (False, 5)
    assert report.problem == (
        "its previous_hash does not match the hash of event #4 "
        "(an event was changed and rehashed, removed, inserted or reordered)"
    )


def test_a_first_event_that_does_not_start_from_genesis_is_found(
    chain: list[AuditEvent], tamper: RawSQL
) -> None:
    tamper("UPDATE {table} SET previous_hash = %s WHERE sequence = 1", ["e" * 64])

    report = verify_chain()

    assert report.first_bad_sequence == 1
    assert (
        report.problem == "its previous_hash is not the genesis hash (64 zeros), so it is not the first event"
    )


def test_a_duplicated_sequence_number_is_found(chain: list[AuditEvent]) -> None:
    """The unique index stops a stored duplicate, so the events are fed to the walk directly
    (as they would arrive from a restored copy without its indexes)."""
    events = list(AuditEvent.objects.order_by("sequence"))
    duplicated = [*events[:3], events[2], *events[3:]]

    report = verify_events(duplicated)

    assert (report.intact, report.first_bad_sequence, report.count) == (False, 3, 3)
    assert report.problem == "sequence number #3 appears more than once"


def test_events_out_of_order_are_found(chain: list[AuditEvent]) -> None:
    events = list(AuditEvent.objects.order_by("sequence"))

    report = verify_events([events[0], events[1], events[2], events[0]])

    assert (report.intact, report.first_bad_sequence) == (False, 1)
    assert report.problem == "events are out of order: event #1 comes after event #3"


def test_removing_the_newest_events_is_not_visible_in_the_chain_alone(
    chain: list[AuditEvent], tamper: RawSQL
) -> None:
    """The documented limit: a cut at the end leaves a consistent chain. The count and last hash
    of an earlier run, kept elsewhere, show it."""
    earlier = verify_chain()
    tamper("DELETE FROM {table} WHERE sequence = 5")

    later = verify_chain()

    assert later.intact
    assert (later.count, later.last_hash) != (earlier.count, earlier.last_hash)


def test_an_event_whose_time_cannot_be_read_is_a_break_at_that_event(
    chain: list[AuditEvent], tamper: RawSQL
) -> None:
    tamper("UPDATE {table} SET at = %s WHERE sequence = 3", [unreadable_time()])

    report = verify_chain()

    assert (report.intact, report.first_bad_sequence, report.count) == (False, 3, 2)
    assert report.last_hash == chain[1].hash
    assert report.problem == "the event's time cannot be read"
    assert report.is_unreadable


@pytest.mark.parametrize("chunk_size", [1, 2, 1000])
def test_an_unreadable_event_is_found_whatever_the_chunk_it_is_read_in(
    chain: list[AuditEvent], tamper: RawSQL, chunk_size: int
) -> None:
    tamper("UPDATE {table} SET recorded_at = %s WHERE sequence = 4", [unreadable_time()])

    report = verify_chain(chunk_size=chunk_size)

    assert (report.first_bad_sequence, report.count) == (4, 3)
    assert report.problem == "the event's time of recording cannot be read"


@sqlite_only
@pytest.mark.parametrize(
    ("column", "value", "problem"),
    [
        ("at", "not a time", "the event's time cannot be read"),
        ("ip_address", "not an address", "the event's IP address cannot be read"),
        ("data", "{not json", "the event's data cannot be read"),
    ],
)
def test_garbled_columns_that_read_without_an_error_are_a_break_too(
    chain: list[AuditEvent], tamper: RawSQL, column: str, value: str, problem: str
) -> None:
    """SQLite hands back a time it cannot parse as None, and text that is not JSON as that text."""
    with check_constraints_ignored():
        tamper("UPDATE {table} SET " + column + " = %s WHERE sequence = 2", [value])  # noqa: S608

    report = verify_chain()

    assert (report.first_bad_sequence, report.count, report.problem) == (2, 1, problem)
