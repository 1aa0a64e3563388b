"""The long steps of the close carried out by a background task, with their progress on the close page.

At 100,000 employees accepting the tenders, cancelling the tendered grants and making the new grants
each take about a minute, and correcting the exercise price most of one: longer than a web request
should. The console asks for them here:

- ``start_step`` checks, in the request, on the close's locked row, what the step itself checks first
  (the order of the steps, the deadline, the dates, the price): a step that would be refused is refused
  at once, as before. It then records a ``StepRun`` (queued) and enqueues ``run_close_step`` once the
  request's transaction commits.
- ``run_close_step`` claims the run, then carries the step out (``actions``) in one transaction that
  holds the close's lock from start to end: all or nothing, as before. Its progress is published as it
  goes (``runs.Progress``). The run is marked done in that same transaction, so a run is done exactly
  when the step is. A refusal (``ClosingError``: the census changed since the request, say) or an
  error rolls everything back and marks the run failed with the reason, which the page shows.
- At most one run of an offer is queued or running at a time: ``start_step`` refuses a second with a
  message, and the database refuses it too (``step_run_one_active_per_offer``), so two administrators
  pressing the same button start one run.
- ``restart_step`` takes up again a run whose worker died (its heartbeat is older than
  ``runs.STALE_AFTER``), or queues again one that no worker has taken up for as long. Nothing doubles:
  the dead worker's transaction was rolled back with its connection; a worker still alive holds the
  close's lock, so the restart, which asks for that lock without waiting, is refused; a second task for
  a run finds it taken and does nothing; and a worker that comes back after a restart finds its attempt
  replaced and writes nothing.

The audit events are those of the steps, written by the task with the administrator who asked and
the request they asked in (``runs.replayed_request``); a refusal met by the task is recorded as a
``console.refused`` event, as one met in the request is.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.db import DatabaseError, IntegrityError, transaction
from django.http import HttpRequest
from django.tasks import task
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditChannel, AuditEventType
from soxp_portal.closing.actions import (
    ClosingError,
    accept_tenders,
    cancel_tendered_grants,
    check_can_accept,
    check_can_cancel,
    check_can_correct_price,
    check_can_make_new_grants,
    correct_closing_price,
    create_new_grants,
    locked_closing,
)
from soxp_portal.closing.models import ACTIVE_STATES, Closing, StepRun
from soxp_portal.closing.runs import (
    Progress,
    carry_out,
    fail,
    finish,
    is_current,
    is_stale,
    is_waiting_long,
    origin_of,
    replayed_request,
)
from soxp_portal.offers.models import Offer
from soxp_portal.rules.wording import format_instant

Step = StepRun.Step


def active_run(offer: Offer) -> StepRun | None:
    """The offer's run that is queued or running, if any (there is at most one)."""
    return StepRun.objects.filter(offer=offer, state__in=ACTIVE_STATES).select_related("requested_by").first()


def busy_message(run: StepRun) -> str:
    """Why another step cannot start while `run` is queued or running."""
    where = "waiting for a task worker" if run.state == StepRun.State.QUEUED else "running"
    return (
        f"{run.get_step_display()} is already under way ({where}): started by {run.requested_by.email} "
        f"on {format_instant(run.requested_at, run.offer.zone)}. Its progress is shown below; the next step "
        "can be taken once it is done."
    )


def _check_start(
    step: str, offer: Offer, closing: Closing, *, now: datetime, closing_price: Decimal | None, reason: str
) -> None:
    """What the step checks first when it runs, asked in the request so a refusal comes at once."""
    if step == Step.ACCEPT:
        check_can_accept(offer, closing, now)
    elif step == Step.CANCEL:
        check_can_cancel(offer, closing)
    elif step == Step.NEW_GRANTS:
        check_can_make_new_grants(offer, closing, now, closing_price)  # type: ignore[arg-type]
    else:
        check_can_correct_price(offer, closing, closing_price, reason)  # type: ignore[arg-type]


def start_step(
    offer: Offer,
    step: str,
    *,
    actor: User,
    now: datetime,
    request: HttpRequest | None = None,
    closing_price: Decimal | None = None,
    reason: str = "",
) -> StepRun:
    """Asks for `step` to be taken by a background task; returns its run (queued, or already carried out
    when the task backend runs tasks at once). Refused (``ClosingError``) as the step itself would be, or
    while another step of the offer is queued or running."""
    # Before the lock: a running step holds the close's lock for its whole length.
    running = active_run(offer)
    if running is not None:
        raise ClosingError(busy_message(running))
    with transaction.atomic():
        closing = locked_closing(offer)
        running = active_run(offer)
        if running is not None:
            raise ClosingError(busy_message(running))
        _check_start(step, offer, closing, now=now, closing_price=closing_price, reason=reason)
        try:
            with transaction.atomic():
                run = StepRun.objects.create(
                    offer=offer,
                    step=step,
                    requested_by=actor,
                    requested_at=now,
                    origin=origin_of(request),
                    closing_price="" if closing_price is None else str(closing_price),
                    reason=reason.strip(),
                )
        except IntegrityError:  # the database's own guard: another run was recorded meanwhile
            running = StepRun.objects.filter(offer=offer, state__in=ACTIVE_STATES).select_related(
                "requested_by", "offer"
            )
            raise ClosingError(busy_message(running.get())) from None
        transaction.on_commit(lambda: run_close_step.enqueue(run.pk))
    run.refresh_from_db()
    return run


def restart_step(offer: Offer, run_id: int, *, actor: User, now: datetime) -> StepRun:
    """Takes up again a run whose worker has stopped (``runs.is_stale``); refused for any other run."""
    try:
        with transaction.atomic():
            # Without waiting: a worker still carrying the step out holds this lock.
            Closing.objects.select_for_update(nowait=True, no_key=True).filter(offer=offer).first()
            run = (
                StepRun.objects.select_for_update()
                .select_related("offer")
                .filter(offer=offer, pk=run_id)
                .first()
            )
            if run is None:
                raise ClosingError("There is no such step of this offer's close to restart.")
            _check_restart(run, now)
            run.state, run.restarted_by, run.restarted_at = StepRun.State.QUEUED, actor, now
            run.save(update_fields=["state", "restarted_by", "restarted_at"])
            transaction.on_commit(lambda: run_close_step.enqueue(run.pk))
    except DatabaseError:
        raise ClosingError(
            "The step is still being written by its worker (the close is locked by it), so it has not "
            "stopped; its progress will show again shortly."
        ) from None
    run.refresh_from_db()
    return run


def _check_restart(run: StepRun, now: datetime) -> None:
    title = run.get_step_display()
    if run.state == StepRun.State.DONE:
        raise ClosingError(f"{title} is done: there is nothing to restart.")
    if run.state == StepRun.State.FAILED:
        raise ClosingError(f"{title} failed and changed nothing: start the step again from its form.")
    if run.state == StepRun.State.QUEUED:
        if is_waiting_long(run, now):
            return  # queued again: its task may have been lost
        raise ClosingError(f"{title} is waiting for a task worker to take it up; it has not stopped.")
    if not is_stale(run, now):
        heard = format_instant(run.heartbeat_at or run.started_at or now, run.offer.zone)
        raise ClosingError(
            f"{title} is running: its worker was last heard from on {heard}. Only a step whose worker has "
            "been silent for a minute can be restarted."
        )


def _accept(offer: Offer, run: StepRun, **step: object) -> None:
    accept_tenders(offer, **step)  # type: ignore[arg-type]


def _cancel(offer: Offer, run: StepRun, **step: object) -> None:
    cancel_tendered_grants(offer, **step)  # type: ignore[arg-type]


def _new_grants(offer: Offer, run: StepRun, **step: object) -> None:
    create_new_grants(offer, closing_price=run.price, **step)  # type: ignore[arg-type]


def _correct_price(offer: Offer, run: StepRun, **step: object) -> None:
    correct_closing_price(offer, closing_price=run.price, reason=run.reason, **step)  # type: ignore[arg-type]


STEP_ACTIONS: dict[str, Callable[..., None]] = {
    Step.ACCEPT: _accept,
    Step.CANCEL: _cancel,
    Step.NEW_GRANTS: _new_grants,
    Step.PRICE_CORRECTION: _correct_price,
}


@task
def run_close_step(run_id: int) -> str:
    """Carries out the step of a queued run (see the module's docstring); returns what became of it."""
    return carry_out(
        StepRun,
        run_id,
        _carry_out,
        describe=lambda run: f"The close step {run.step} of run {run.pk}",
        refusals=(ClosingError,),
        refuse=_refused,
    )


def _carry_out(run: StepRun, progress: Progress) -> str:
    offer = Offer.objects.select_related("new_option_plan").get(pk=run.offer_id)
    actor = User.objects.get(pk=run.requested_by_id)
    with transaction.atomic():
        locked_closing(offer)
        if not is_current(run):  # restarted while this worker was away: the new attempt does it
            return "replaced"
        STEP_ACTIONS[run.step](
            offer,
            run,
            actor=actor,
            now=timezone.now(),
            request=replayed_request(run, actor),
            progress=progress,
        )
        progress.stop()
        if not finish(run, progress):
            # Only a restart replaces an attempt, and it needs the lock this transaction holds.
            raise RuntimeError(f"Run {run.pk} was replaced while it held the close's lock.")
    return "done"


def _refused(run: StepRun, reason: str) -> None:
    """The step refused when it ran (the census or the close changed since it was asked for): the run
    fails with the reason, recorded as a ``console.refused`` event as a refusal in the request is."""
    actor = User.objects.get(pk=run.requested_by_id)
    request = replayed_request(run, actor)
    with transaction.atomic():
        if not fail(run, reason):
            return
        record(
            AuditEventType.CONSOLE_REFUSED,
            actor=actor,
            at=timezone.now(),
            offer=run.offer,
            channel=AuditChannel.WEB if request is not None else AuditChannel.SYSTEM,
            data={
                "path": request.path if request is not None else "",
                "method": "POST",
                "action": f"close.{run.step.replace('-', '_')}",
                "reason": reason,
                "background": True,
            },
            request=request,
        )
