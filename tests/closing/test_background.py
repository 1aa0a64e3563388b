"""The long close steps carried out by a background task (closing.background): the run's states, one run
at a time, a refusal or an error met by the task leaving everything as it was, a restart after the worker
stopped that does the step once, and the progress published as the step goes.

The tests' task backend runs a task as it is enqueued; a step is enqueued once the request's transaction
commits, which a test's own transaction never does, so ``TestCase.captureOnCommitCallbacks`` hands the
enqueue to the test (run at once with ``execute=True``, or later by hand to see the run queued first).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.test import RequestFactory, TestCase
from django.utils import timezone

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing import actions, background, runs
from soxp_portal.closing.actions import ClosingError, accept_tenders, cancel_tendered_grants
from soxp_portal.closing.background import restart_step, start_step
from soxp_portal.closing.models import Closing, NewGrant, StepRun, Tender
from soxp_portal.closing.runs import Progress, claim
from soxp_portal.offers.models import Employee, Grant, Offer
from tests.closing.test_actions import SLIDE_9, elect, snapshot, with_grant
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db
# soxp-2003: deadline 2003-01-20 21:00 Pacific (05:00 UTC on the 21st); new grant date 2003-07-21.
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
ON_GRANT_DATE = datetime(2003, 7, 21, 17, 0, tzinfo=UTC)
Step = StepRun.Step


@pytest.fixture
def admin(db: None):
    return UserFactory(email="admin@example.com", is_staff=True)


@pytest.fixture
def clock():
    with time_machine.travel(AFTER_DEADLINE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def elected(soxp_2003: Offer, slide_9_employee: Employee, clock) -> Offer:
    """Four participants: Sam (slide 9) and three others tendering one grant each."""
    elect(soxp_2003, slide_9_employee, SLIDE_9)
    for number in range(3):
        employee = EmployeeFactory(employee_id=f"E-P{number}", last_name=f"Person{number}")
        with_grant(employee, f"G-P{number}", exercise_price=Decimal("6.00"))
        elect(soxp_2003, employee, {f"G-P{number}": 1000})
    return soxp_2003


def asked(admin, path: str = "/console/offers/soxp-2003/close/accept/"):
    """The administrator's POST, as the audit trail reads it: client address, user agent, request id."""
    request = RequestFactory().post(path, REMOTE_ADDR="203.0.113.9", HTTP_USER_AGENT="Browser/1.0")
    request.request_id = "req-1"
    request.user = admin
    return request


def queued(offer: Offer, step: str, admin, **kwargs) -> tuple[StepRun, list]:
    """Starts the step and keeps its task back: the run as the request leaves it, and the enqueue."""
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        run = start_step(offer, step, actor=admin, now=timezone.now(), request=asked(admin), **kwargs)
    return run, callbacks


def run_tasks(callbacks: list) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        for callback in callbacks:
            callback()


def test_a_step_is_queued_until_its_task_runs_then_done_with_its_progress(elected: Offer, admin) -> None:
    Closing.objects.create(offer=elected)  # the start locks the close's row, creating it if need be
    before = snapshot()
    run, callbacks = queued(elected, Step.ACCEPT, admin)

    assert (run.state, run.step, run.requested_by, run.requested_at, run.attempts) == (
        "queued",
        "accept",
        admin,
        AFTER_DEADLINE,
        0,
    )
    assert run.origin == {
        "ip_address": "203.0.113.9",
        "user_agent": "Browser/1.0",
        "request_id": "req-1",
        "path": "/console/offers/soxp-2003/close/accept/",
    }
    assert snapshot() == before  # nothing of the step yet
    assert len(callbacks) == 1

    run_tasks(callbacks)
    run.refresh_from_db()
    assert (run.state, run.attempts, run.done, run.total, run.stage, run.error) == ("done", 1, 4, 4, "", "")
    assert run.started_at == run.finished_at == AFTER_DEADLINE
    assert Tender.objects.filter(offer=elected).count() == 4
    closing = Closing.objects.get(offer=elected)
    assert (closing.accepted_at, closing.accepted_by) == (AFTER_DEADLINE, admin)


def test_the_steps_audit_events_carry_the_request_that_asked_for_it(elected: Offer, admin) -> None:
    _, callbacks = queued(elected, Step.ACCEPT, admin)
    run_tasks(callbacks)
    events = AuditEvent.objects.filter(
        event_type__in=[AuditEventType.OFFER_CLOSED, AuditEventType.TENDERS_ACCEPTED]
    )
    assert events.count() == 5  # the offer's and one per participant, as when the step ran in the request
    assert set(events.values_list("actor", "channel", "ip_address", "user_agent", "request_id", "at")) == {
        (admin.pk, "web", "203.0.113.9", "Browser/1.0", "req-1", AFTER_DEADLINE)
    }


def test_a_task_takes_a_run_up_once(elected: Offer, admin) -> None:
    run, _ = queued(elected, Step.ACCEPT, admin)
    taken = claim(StepRun, run.pk)
    assert taken is not None
    assert (taken.state, taken.attempts) == ("running", 1)
    assert claim(StepRun, run.pk) is None  # a second task for the same run does nothing
    assert background.run_close_step.call(run.pk) == "not queued"
    assert not Tender.objects.exists()


def test_a_second_start_is_refused_while_a_run_is_queued(elected: Offer, admin) -> None:
    queued(elected, Step.ACCEPT, admin)
    message = (
        "Accepting the tenders is already under way (waiting for a task worker): started by admin@example.com "
        "on January 20, 2003 at 10:00 PM PST. Its progress is shown below; the next step can be taken once it "
        "is done."
    )
    for step in (Step.ACCEPT, Step.CANCEL):
        with pytest.raises(ClosingError) as refusal:
            start_step(elected, step, actor=admin, now=timezone.now())
        assert str(refusal.value) == message
    assert StepRun.objects.count() == 1


def test_the_database_holds_one_active_run_per_offer(elected: Offer, admin) -> None:
    def run(state: str) -> StepRun:
        return StepRun.objects.create(
            offer=elected, step=Step.ACCEPT, state=state, requested_by=admin, requested_at=AFTER_DEADLINE
        )

    run("failed")
    run("done")
    run("queued")  # finished runs do not count
    for state in ("queued", "running"):
        with pytest.raises(IntegrityError), transaction.atomic():
            run(state)
    assert StepRun.objects.count() == 3


def test_a_step_refused_in_the_request_records_no_run(elected: Offer, admin) -> None:
    with pytest.raises(ClosingError, match="Accept the tenders first"):
        start_step(elected, Step.CANCEL, actor=admin, now=timezone.now())
    with pytest.raises(ClosingError, match="can be accepted only after the deadline"):
        start_step(elected, Step.ACCEPT, actor=admin, now=AFTER_DEADLINE - timedelta(days=1))
    assert not StepRun.objects.exists()


def test_a_refusal_met_by_the_task_fails_the_run_changes_nothing_and_is_audited(
    elected: Offer, admin
) -> None:
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    run, callbacks = queued(elected, Step.CANCEL, admin)
    # Between the request and the task, a census shows G-1001 exercised: 800 accepted, 0 outstanding.
    Grant.objects.filter(grant_id="G-1001").update(shares_exercised=1000)
    before = snapshot()

    run_tasks(callbacks)

    run.refresh_from_db()
    assert run.state == "failed"
    assert run.error == (
        "These grants no longer have the shares accepted for cancellation: G-1001 (0 outstanding, 800 accepted). "
        "Correct the census before cancelling."
    )
    refusal = AuditEvent.objects.get(event_type=AuditEventType.CONSOLE_REFUSED)
    assert (refusal.actor, refusal.ip_address, refusal.request_id) == (admin, "203.0.113.9", "req-1")
    assert refusal.data == {
        "path": "/console/offers/soxp-2003/close/accept/",
        "method": "POST",
        "action": "close.cancel",
        "reason": run.error,
        "background": True,
    }
    assert snapshot()[:-1] == before[:-1]  # only the refusal was added to the audit trail
    assert snapshot()[-1] == before[-1] + 1

    # The census corrected, the step is started again and done.
    Grant.objects.filter(grant_id="G-1001").update(shares_exercised=200)
    again, callbacks = queued(elected, Step.CANCEL, admin)
    run_tasks(callbacks)
    again.refresh_from_db()
    assert again.state == "done"
    assert Closing.objects.get(offer=elected).cancelled_at == AFTER_DEADLINE


def test_an_error_half_way_rolls_the_whole_step_back_and_is_shown(elected: Offer, admin, monkeypatch) -> None:
    monkeypatch.setattr(actions, "CHUNK_SIZE", 1)
    saved = []
    real_save = actions._save_tenders

    def failing_save(offer, plans, now):
        saved.append(len(plans))
        if len(saved) == 3:
            raise RuntimeError("the disk is full")
        return real_save(offer, plans, now)

    monkeypatch.setattr(actions, "_save_tenders", failing_save)
    Closing.objects.create(offer=elected)
    before = snapshot()
    run, callbacks = queued(elected, Step.ACCEPT, admin)
    run_tasks(callbacks)  # the tests' backend keeps the task's exception, as a worker records it

    run.refresh_from_db()
    assert saved == [1, 1, 1]  # two participants were written before the error
    assert run.state == "failed"
    assert run.error == (
        "It stopped on an unexpected error (RuntimeError: the disk is full). Nothing it would have written was "
        "kept. Start it again; if it fails the same way, the server's log has the details."
    )
    assert snapshot() == before
    elected.refresh_from_db()
    assert elected.closed_at is None


def test_a_run_whose_worker_stopped_is_restarted_and_done_once(elected: Offer, admin, clock) -> None:
    run, _ = queued(elected, Step.ACCEPT, admin)
    assert claim(StepRun, run.pk) is not None  # a worker took it up, then died: nothing more from it

    clock.shift(timedelta(seconds=30))
    with pytest.raises(ClosingError, match="is running: its worker was last heard from on January 20, 2003"):
        restart_step(elected, run.pk, actor=admin, now=timezone.now())

    clock.shift(timedelta(seconds=31))  # over a minute without a heartbeat
    other = UserFactory(email="other.admin@example.com")
    with TestCase.captureOnCommitCallbacks(execute=True):
        restarted = restart_step(elected, run.pk, actor=other, now=timezone.now())
    assert restarted.restarted_by == other
    run.refresh_from_db()
    assert (run.state, run.attempts, run.done) == ("done", 2, 4)
    assert Tender.objects.filter(offer=elected).count() == 4
    assert AuditEvent.objects.filter(event_type=AuditEventType.OFFER_CLOSED).count() == 1


def test_a_worker_that_comes_back_after_a_restart_writes_nothing(elected: Offer, admin, clock) -> None:
    run, _ = queued(elected, Step.ACCEPT, admin)
    away = claim(StepRun, run.pk)
    clock.shift(timedelta(minutes=2))
    with TestCase.captureOnCommitCallbacks(execute=False):
        restart_step(elected, run.pk, actor=admin, now=timezone.now())
    current = claim(StepRun, run.pk)
    assert (away.attempts, current.attempts) == (1, 2)

    assert background._carry_out(away, Progress(away)) == "replaced"
    assert not Tender.objects.exists()
    assert background._carry_out(current, Progress(current)) == "done"
    assert Tender.objects.count() == 4
    run.refresh_from_db()
    assert (run.state, run.attempts) == ("done", 2)


def test_a_run_no_worker_took_up_is_queued_again_after_a_minute(elected: Offer, admin, clock) -> None:
    """Its task may have been lost (the enqueue failed after the run was recorded): queuing it again is
    harmless, since a second task for a run finds it taken and does nothing."""
    run, _ = queued(elected, Step.ACCEPT, admin)
    with pytest.raises(ClosingError, match="is waiting for a task worker to take it up; it has not stopped"):
        restart_step(elected, run.pk, actor=admin, now=timezone.now())
    clock.shift(timedelta(seconds=61))
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        restart_step(elected, run.pk, actor=admin, now=timezone.now())
    run.refresh_from_db()
    assert (run.state, run.attempts, run.restarted_at) == ("done", 1, AFTER_DEADLINE + timedelta(seconds=61))
    assert [callback().return_value for callback in callbacks] == ["not queued"]  # a duplicate task
    assert Tender.objects.count() == 4


@pytest.mark.parametrize(
    ("state", "message"),
    [
        ("done", "is done: there is nothing to restart."),
        ("failed", "failed and changed nothing: start the step again from its form."),
    ],
)
def test_only_a_stopped_run_can_be_restarted(elected: Offer, admin, clock, state: str, message: str) -> None:
    run = StepRun.objects.create(
        offer=elected, step=Step.ACCEPT, state=state, requested_by=admin, requested_at=AFTER_DEADLINE
    )
    clock.shift(timedelta(hours=1))
    with pytest.raises(ClosingError, match=message):
        restart_step(elected, run.pk, actor=admin, now=timezone.now())
    run.refresh_from_db()
    assert run.state == state


def test_progress_is_published_as_the_step_goes(elected: Offer, admin, monkeypatch) -> None:
    monkeypatch.setattr(actions, "CHUNK_SIZE", 1)
    monkeypatch.setattr(runs, "HEARTBEAT_SECONDS", 0)
    seen = []
    real_save = actions._save_tenders

    def watching_save(offer, plans, now):
        seen.append(StepRun.objects.values_list("stage", "done", "total").get())
        return real_save(offer, plans, now)

    monkeypatch.setattr(actions, "_save_tenders", watching_save)
    run, callbacks = queued(elected, Step.ACCEPT, admin)
    run_tasks(callbacks)

    stage = "Deciding each final election"
    assert seen == [(stage, 0, 4), (stage, 1, 4), (stage, 2, 4), (stage, 3, 4)]
    run.refresh_from_db()
    assert (run.stage, run.done, run.total) == ("", 4, 4)


def test_every_long_step_runs_in_the_background(elected: Offer, admin, clock) -> None:
    """Accept, cancel, the new grants and a price correction, each through its run, in order."""
    for step, moment, kwargs in [
        (Step.ACCEPT, AFTER_DEADLINE, {}),
        (Step.CANCEL, AFTER_DEADLINE, {}),
        (Step.NEW_GRANTS, ON_GRANT_DATE, {"closing_price": Decimal("1.25")}),
        (Step.PRICE_CORRECTION, ON_GRANT_DATE, {"closing_price": Decimal("1.30"), "reason": "Typed wrong."}),
    ]:
        clock.move_to(moment)
        run, callbacks = queued(elected, step, admin, **kwargs)
        run_tasks(callbacks)
        run.refresh_from_db()
        assert (run.state, run.error) == ("done", ""), step
    assert set(NewGrant.objects.values_list("exercise_price", flat=True)) == {Decimal("1.30")}
    corrected = AuditEvent.objects.get(event_type=AuditEventType.NEW_GRANTS_PRICE_CORRECTED, employee=None)
    assert corrected.data["exercise_price"] == {"before": "1.2500", "after": "1.30"}
    made = AuditEvent.objects.get(event_type=AuditEventType.NEW_GRANTS_CREATED, employee=None)
    assert made.data["exercise_price"] == "1.25"  # as typed, as when the step ran in the request


def test_the_actions_still_run_alone(elected: Offer, admin) -> None:
    """Outside the console (a command, a benchmark) a step runs as before, publishing nothing."""
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    cancel_tendered_grants(elected, actor=admin, now=AFTER_DEADLINE)
    assert not StepRun.objects.exists()
    assert Closing.objects.get(offer=elected).cancelled_at == AFTER_DEADLINE
