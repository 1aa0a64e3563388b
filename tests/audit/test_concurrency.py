"""Concurrent writers on PostgreSQL append to one chain: no fork, no gap, no lost event; and concurrent
refusals of one source are counted exactly (audit.repeats).

Each writer thread has its own database connection and closes it when done. ``transaction=True``
makes the test's rows committed, so the threads can see them. The control runs the same append
with the chain lock taken out and shows the race it prevents: every writer reads the same last
event, and all but one are refused.
"""

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import IntegrityError, connection
from django.http import HttpRequest
from django.test import RequestFactory

from soxp_portal.accounts.models import User
from soxp_portal.audit import log, repeats
from soxp_portal.audit.chain import GENESIS_HASH
from soxp_portal.audit.models import AuditEvent, AuditEventType, RepeatWindow
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


# Repeated refusals (audit.repeats): one source's count is exact under concurrent requests ----------


def refusal_request(address: str = "192.0.2.10") -> HttpRequest:
    request = RequestFactory().get("/console/", REMOTE_ADDR=address)
    request.user = AnonymousUser()
    return request


def refuse(request: HttpRequest, at: datetime = NOW) -> None:
    repeats.record_repeatable(AuditEventType.ACCESS_REFUSED, request, at=at, data={"reason": "r"})


def test_concurrent_refusals_of_one_source_record_exactly_the_limit(settings: Any) -> None:
    """Eight requests at once, 25 times each, from one address: the row lock counts them one after
    the other, so exactly the limit is recorded and the rest counted, and the first requests' race
    to create the row ends with one row, not an error."""
    settings.AUDIT_REPEAT_LIMIT = 5
    request = refusal_request()

    def write(number: int) -> None:
        for _ in range(EVENTS_PER_THREAD):
            refuse(request)

    errors = run_writers(write)

    assert errors == []
    assert AuditEvent.objects.filter(event_type=AuditEventType.ACCESS_REFUSED).count() == 5
    window = RepeatWindow.objects.get()
    assert (window.recorded, window.suppressed) == (5, THREADS * EVENTS_PER_THREAD - 5)
    assert verify_chain().intact


def test_control_without_the_row_lock_concurrent_refusals_pass_the_limit(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without ``select_for_update``, every request reads the same count before any of them writes
    (a barrier holds them between the read and the write), so each one believes it is under the limit
    and records its event: the race the row lock prevents. The chain itself stays whole."""
    settings.AUDIT_REPEAT_LIMIT = 5
    request = refusal_request()
    refuse(request)  # the row exists: the control is about the count, not the creation
    after_read = threading.Barrier(THREADS, timeout=30)

    def read_without_lock_then_wait(source: repeats.Source, at: datetime) -> RepeatWindow:
        window = RepeatWindow.objects.get(key=source.key)
        after_read.wait()
        return window

    monkeypatch.setattr(repeats, "_locked_window", read_without_lock_then_wait)

    errors = run_writers(lambda number: refuse(request))

    assert errors == []
    assert AuditEvent.objects.filter(event_type=AuditEventType.ACCESS_REFUSED).count() == 1 + THREADS
    assert verify_chain().intact


def test_concurrent_sweeps_summarise_each_ended_window_once(settings: Any) -> None:
    """Twenty sources flooded an hour ago; eight new refusals arrive at once and all sweep the ended
    windows: ``skip_locked`` hands each window to one of them, so there are twenty summaries."""
    settings.AUDIT_REPEAT_LIMIT = 1
    for number in range(20):
        old = refusal_request(f"192.0.2.{100 + number}")
        refuse(old)
        refuse(old)  # counted, not recorded

    errors = run_writers(
        lambda number: refuse(refusal_request(f"198.51.100.{number}"), NOW + timedelta(hours=1))
    )

    assert errors == []
    summaries = AuditEvent.objects.filter(event_type=AuditEventType.REPEATS_SUMMARISED)
    assert summaries.count() == 20
    assert sorted(summaries.values_list("ip_address", flat=True)) == sorted(
        f"192.0.2.{100 + n}" for n in range(20)
    )
    assert RepeatWindow.objects.count() == THREADS
    assert verify_chain().intact
