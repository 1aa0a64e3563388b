"""The close steps in the background on PostgreSQL, where they run in production: two administrators
starting a step at once start one run; a worker killed in the middle of a step leaves nothing, and the step
restarted does it once; progress is published while the step's transaction is open, and nothing of the
step is seen before it commits; a restart is refused at once while a live worker holds the close.

``transaction=True``: the rows are committed, so the other threads and the killed worker (a process of its
own) see them. Each thread closes its connection when done.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from soxp_portal.accounts.roles import Role
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing import actions, background, runs
from soxp_portal.closing.actions import ClosingError
from soxp_portal.closing.background import restart_step, start_step
from soxp_portal.closing.models import Closing, StepRun, Tender
from soxp_portal.offers.models import Employee, Offer
from tests.closing.test_actions import SLIDE_9, elect, with_grant
from tests.console.closing.conftest import member_of
from tests.factories import EmployeeFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks, NOWAIT and a second connection during a step's transaction "
        "(run under scripts/with-postgres)",
    ),
    pytest.mark.django_db(transaction=True),
]
PARTICIPANTS = 12


@pytest.fixture
def admin(db: None):
    return member_of(Role.STOCK_ADMINISTRATOR, email="admin@example.com")


@pytest.fixture
def elected(soxp_2003: Offer, slide_9_employee: Employee) -> Offer:
    """Twelve participants; the real clock (2026) is long past the deadline."""
    elect(soxp_2003, slide_9_employee, SLIDE_9)
    for number in range(PARTICIPANTS - 1):
        employee = EmployeeFactory(employee_id=f"E-P{number:02d}", last_name=f"Person{number:02d}")
        with_grant(employee, f"G-P{number:02d}", exercise_price=Decimal("6.00"))
        elect(soxp_2003, employee, {f"G-P{number:02d}": 1000})
    return soxp_2003


@pytest.fixture
def enqueued(monkeypatch) -> list[int]:
    """The runs whose task was enqueued, kept back (no worker)."""
    runs_enqueued: list[int] = []

    class Held:
        @staticmethod
        def enqueue(run_id: int) -> None:
            runs_enqueued.append(run_id)

    monkeypatch.setattr(background, "run_close_step", Held)
    return runs_enqueued


def in_threads(*targets) -> list[BaseException | None]:
    """Runs each target in a thread of its own, released together; returns each one's error or None."""
    start = threading.Barrier(len(targets), timeout=30)
    outcomes: list[BaseException | None] = [None] * len(targets)

    def run(index: int) -> None:
        try:
            start.wait()
            targets[index]()
        except BaseException as error:  # collected here, asserted by the test
            outcomes[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(targets))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return outcomes


def test_two_administrators_starting_at_once_start_one_run(
    elected: Offer, admin, enqueued, monkeypatch
) -> None:
    other = UserFactory(email="other@example.com", is_staff=True)
    real_check = background._check_start

    def slow_check(*args, **kwargs) -> None:
        real_check(*args, **kwargs)
        time.sleep(0.3)  # holding the close's lock, as the other request arrives

    monkeypatch.setattr(background, "_check_start", slow_check)
    outcomes = in_threads(
        lambda: start_step(elected, StepRun.Step.ACCEPT, actor=admin, now=timezone.now()),
        lambda: start_step(elected, StepRun.Step.ACCEPT, actor=other, now=timezone.now()),
    )
    refusals = [outcome for outcome in outcomes if outcome is not None]
    assert len(refusals) == 1
    assert isinstance(refusals[0], ClosingError)
    assert str(refusals[0]).startswith(
        "Accepting the tenders is already under way (waiting for a task worker)"
    )
    run = StepRun.objects.get()
    assert enqueued == [run.pk]


def test_control_without_the_lock_both_pass_the_check_and_the_database_refuses_one(
    elected: Offer, admin, enqueued, monkeypatch
) -> None:
    """The control: with the close's lock taken out, both requests find no run under way (both reach the
    barrier after their checks), so the race is real; the partial unique index alone lets one run in."""
    checked = threading.Barrier(2, timeout=30)
    real_check = background._check_start

    def unlocked(offer: Offer) -> Closing:
        return Closing.objects.get_or_create(offer=offer)[0]

    def racing_check(*args, **kwargs) -> None:
        real_check(*args, **kwargs)
        checked.wait()

    monkeypatch.setattr(background, "locked_closing", unlocked)
    monkeypatch.setattr(background, "_check_start", racing_check)
    Closing.objects.create(offer=elected)
    outcomes = in_threads(
        lambda: start_step(elected, StepRun.Step.ACCEPT, actor=admin, now=timezone.now()),
        lambda: start_step(elected, StepRun.Step.ACCEPT, actor=admin, now=timezone.now()),
    )
    refusals = [outcome for outcome in outcomes if outcome is not None]
    assert len(refusals) == 1
    assert str(refusals[0]).startswith("Accepting the tenders is already under way")
    assert StepRun.objects.count() == 1
    assert len(enqueued) == 1


def test_a_restart_is_refused_at_once_while_a_live_worker_holds_the_close(
    elected: Offer, admin, enqueued
) -> None:
    run = start_step(elected, StepRun.Step.ACCEPT, actor=admin, now=timezone.now())
    runs.claim(StepRun, run.pk)
    later = timezone.now() + timedelta(minutes=5)  # its heartbeat thread silent, say
    holding, release = threading.Event(), threading.Event()

    def worker() -> None:  # a worker in the middle of the step: the close's row locked
        with transaction.atomic():
            Closing.objects.select_for_update().get(offer=elected)
            holding.set()
            release.wait(30)

    thread = threading.Thread(target=lambda: (worker(), connection.close()))
    thread.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with pytest.raises(ClosingError, match="still being written by its worker"):
            restart_step(elected, run.pk, actor=admin, now=later)
        assert time.monotonic() - started < 2  # refused at once, not after the worker's transaction
    finally:
        release.set()
        thread.join(30)
    run.refresh_from_db()
    assert (run.state, run.attempts) == ("running", 1)

    restarted = restart_step(elected, run.pk, actor=admin, now=later)  # the worker gone: it may be
    assert restarted.state == "queued"
    assert enqueued == [run.pk, run.pk]


WORKER = textwrap.dedent(
    """
    import os, sys, time
    import django
    os.environ["DJANGO_SETTINGS_MODULE"] = "soxp_portal.settings"
    django.setup()
    from soxp_portal.closing import actions, background, runs
    runs.HEARTBEAT_SECONDS = 0.1
    actions.CHUNK_SIZE = 1
    real_save = actions._save_tenders
    def slow_save(offer, plans, now):
        saved = real_save(offer, plans, now)
        time.sleep(0.25)
        return saved
    actions._save_tenders = slow_save
    print(background.run_close_step.call(int(sys.argv[1])), flush=True)
    """
)


def test_a_worker_killed_mid_step_leaves_nothing_and_the_restart_does_the_step_once(
    elected: Offer, admin, tmp_path: Path, monkeypatch
) -> None:
    task = background.run_close_step
    held = type("Held", (), {"enqueue": staticmethod(lambda pk: None)})
    monkeypatch.setattr(background, "run_close_step", held)
    run = start_step(elected, StepRun.Step.ACCEPT, actor=admin, now=timezone.now())
    assert run.state == "queued"  # for the worker below
    monkeypatch.setattr(background, "run_close_step", task)  # the restart's task runs here, at once

    database = settings.DATABASES["default"]
    url = (
        f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/"
        f"{database['NAME']}"
    )
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "TASKS_BACKEND": "immediate",
        "PYTHONPATH": str(settings.BASE_DIR),
    }
    worker = subprocess.Popen(  # noqa: S603  # our own interpreter and script
        [sys.executable, str(script), str(run.pk)], cwd=settings.BASE_DIR, env=env, stdout=subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            seen = StepRun.objects.values_list("state", "done", "total", "stage").get(pk=run.pk)
            if seen[1] >= 3:
                break
            assert worker.poll() is None, "the worker ended before it was killed"
            time.sleep(0.05)
        else:
            pytest.fail("no progress was published while the step ran")
        # Published from the worker's heartbeat thread while its step's transaction is open; the step's
        # own rows are not seen before it commits.
        assert seen[0] == "running"
        assert seen[2:] == (PARTICIPANTS, "Deciding each final election")
        assert not Tender.objects.exists()
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait(30)

    # The killed worker's transaction is rolled back with its connection: nothing of the step is kept.
    elected.refresh_from_db()
    assert elected.closed_at is None
    assert Closing.objects.get(offer=elected).accepted_at is None
    assert not Tender.objects.exists()
    assert not AuditEvent.objects.filter(event_type=AuditEventType.TENDERS_ACCEPTED).exists()
    run.refresh_from_db()
    assert run.state == "running"

    later = timezone.now() + timedelta(seconds=61)
    refusals = []
    for _ in range(100):  # until PostgreSQL has noticed the worker's connection is gone
        try:
            restart_step(elected, run.pk, actor=admin, now=later)  # the task runs as the restart commits
            break
        except ClosingError as error:
            refusals.append(str(error))
            time.sleep(0.1)
    assert all("still being written" in refusal for refusal in refusals)
    run.refresh_from_db()
    assert (run.state, run.attempts, run.done, run.total) == ("done", 2, PARTICIPANTS, PARTICIPANTS)
    assert Tender.objects.count() == PARTICIPANTS
    assert AuditEvent.objects.filter(event_type=AuditEventType.TENDERS_ACCEPTED).count() == PARTICIPANTS
    assert AuditEvent.objects.filter(event_type=AuditEventType.OFFER_CLOSED).count() == 1


def test_the_close_page_shows_the_progress_a_worker_publishes(elected: Offer, admin, monkeypatch) -> None:
    """The step runs in a thread (a worker), its heartbeat thread publishing while the step's transaction
    is open; the run's fragment shows how far it is, and the step's rows stay unseen until it commits.
    Meanwhile the audit chain is free: an administrator signs in (an audited action) without waiting."""
    task = background.run_close_step
    monkeypatch.setattr(
        background, "run_close_step", type("Held", (), {"enqueue": staticmethod(lambda pk: None)})
    )
    monkeypatch.setattr(runs, "HEARTBEAT_SECONDS", 0.05)
    monkeypatch.setattr(actions, "CHUNK_SIZE", 1)
    halfway, carry_on = threading.Event(), threading.Event()
    real_advance = runs.Progress.advance

    def pausing_advance(progress, count=1):
        real_advance(progress, count)
        if progress.done == PARTICIPANTS // 2:
            halfway.set()
            carry_on.wait(30)

    monkeypatch.setattr(runs.Progress, "advance", pausing_advance)
    run = start_step(elected, StepRun.Step.ACCEPT, actor=admin, now=timezone.now())
    worker = threading.Thread(target=lambda: (task.call(run.pk), connection.close()))
    worker.start()
    try:
        assert halfway.wait(30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '5s'")  # a sign-in that waited for the step would fail here
        client = Client()
        client.force_login(admin)
        assert AuditEvent.objects.filter(event_type=AuditEventType.AUTH_SIGNED_IN, actor=admin).exists()
        wanted = f"{PARTICIPANTS // 2} of {PARTICIPANTS} participants"
        deadline, html = time.monotonic() + 10, ""
        while time.monotonic() < deadline and wanted not in html:
            html = client.get(f"/console/offers/{elected.slug}/close/runs/{run.pk}/").content.decode()
            time.sleep(0.05)
        assert wanted in html, html[:300]
        assert '<span class="badge text-bg-primary">Running</span>' in html
        assert not Tender.objects.exists()
        assert Closing.objects.get(offer=elected).accepted_at is None
    finally:
        carry_on.set()
        worker.join(60)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    run.refresh_from_db()
    assert (run.state, run.done) == ("done", PARTICIPANTS)
    assert Tender.objects.count() == PARTICIPANTS
    assert AuditEvent.objects.filter(event_type=AuditEventType.TENDERS_ACCEPTED).count() == PARTICIPANTS
