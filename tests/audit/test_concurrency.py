"""Concurrent writers on PostgreSQL append to one chain: no fork, no gap, no lost event.

Each writer thread has its own database connection and closes it when done. ``transaction=True``
makes the test's rows committed, so the threads can see them. The control runs the same append
with the chain lock taken out and shows the race it prevents: every writer reads the same last
event, and all but one are refused.
"""

import threading
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection

from soxp_portal.accounts.models import User
from soxp_portal.audit import log
from soxp_portal.audit.chain import GENESIS_HASH
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.audit.verify import verify_chain
from tests.audit.conftest import NOW

THREADS = 8
EVENTS_PER_THREAD = 25

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite has one writer at a time, so there is no race to test "
        "(run under scripts/with-postgres)",
    ),
    pytest.mark.django_db(transaction=True),
]


def run_writers(write: Callable[[int], None]) -> list[BaseException]:
    """Runs ``write(thread_number)`` in THREADS threads released together; returns their errors."""
    start = threading.Barrier(THREADS, timeout=30)
    errors: list[BaseException] = []

    def target(number: int) -> None:
        try:
            start.wait()
            write(number)
        except BaseException as error:  # collected here, asserted by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(number,)) for number in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a writer thread hung"
    return errors


def test_concurrent_writers_build_one_unbroken_chain(stock_admin: User) -> None:
    def write(number: int) -> None:
        for index in range(EVENTS_PER_THREAD):
            log.record(
                AuditEventType.AUTH_SIGNED_IN,
                actor=stock_admin,
                at=NOW + timedelta(seconds=index),
                data={"thread": number, "index": index},
            )

    errors = run_writers(write)

    assert errors == []
    total = THREADS * EVENTS_PER_THREAD
    assert AuditEvent.objects.count() == total == 200
    assert list(AuditEvent.objects.values_list("sequence", flat=True)) == list(range(1, total + 1))
    assert AuditEvent.objects.values("previous_hash").distinct().count() == total
    written = set(AuditEvent.objects.values_list("data__thread", "data__index"))
    assert written == {(number, index) for number in range(THREADS) for index in range(EVENTS_PER_THREAD)}
    report = verify_chain()
    assert (report.intact, report.count) == (True, total)


def test_control_without_the_chain_lock_writers_race_for_the_same_link(
    stock_admin: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the advisory lock, all writers read the same last event before any of them inserts
    (a barrier holds them between the read and the insert), so all of them try to append to the
    same link. The unique sequence then refuses every writer but one: the race the lock prevents."""
    links: list[tuple[int, str]] = []
    after_read = threading.Barrier(THREADS, timeout=30)
    read_last_link = log.last_link

    def last_link_then_wait() -> tuple[int, str]:
        link = read_last_link()
        links.append(link)
        after_read.wait()
        return link

    monkeypatch.setattr(log, "_lock_chain", lambda: None)
    monkeypatch.setattr(log, "last_link", last_link_then_wait)

    def write(number: int) -> None:
        log.record(AuditEventType.AUTH_SIGNED_IN, actor=stock_admin, at=NOW, data={"thread": number})

    errors = run_writers(write)

    assert links == [(0, GENESIS_HASH)] * THREADS
    assert len(errors) == THREADS - 1
    assert all(isinstance(error, IntegrityError) for error in errors), errors
    assert AuditEvent.objects.count() == 1
