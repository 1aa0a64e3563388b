"""The pre-close reconciliation worked out by a background task, so the close page never waits for it.

What accepting the tenders would do (``planning.close_plan``: every final election, the totals, the
elections whose basis changed) takes a pass over every participant: about 19 s at 100,000 employees on
PostgreSQL. The close page used to work it out in the request on every visit; now a task does it once
(``run_close_preview``) and stores the result (``ClosePreviewRun``, ``ClosePreviewRow``), which the page
reads and paginates.

- ``start_preview`` records a run (queued) and enqueues its task once the request's transaction commits;
  with the immediate task backend the result is there when it returns. At most one run of an offer is
  queued or running: a second request (two administrators at once) gets the run already under way, and
  the database refuses a second one too (``close_preview_one_active_per_offer``). A run whose worker has
  stopped (``runs.is_stale``) or that no worker took up (``runs.is_waiting_long``) is marked failed and
  replaced: the run writes nothing but its own rows, and a stopped worker that comes back finds its
  attempt ended and keeps nothing.
- The run takes the digests of what the plan follows from *before* it reads anything: the census
  (counts and latest changes of employees and grants, ``verdicts.census_digest``), the offer's terms
  (``verdicts.terms_digest``) and the offer's elections (their count and latest row: elections are
  append-only, so any new election, withdrawal or paper form changes it). A change committed while it
  reads leaves the digests behind, so the plan is shown as out of date, never as current.
- ``preview_state`` says which of them changed since, which the page states, offering to work the plan
  out again.

The accept itself (``actions.accept_tenders``) plans again inside its own transaction from the census
as it is then: the preview is what the page shows, the step is what is done.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.http import HttpRequest
from django.tasks import task
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.models import ACTIVE_STATES, BackgroundRun, ClosePreviewRow, ClosePreviewRun
from soxp_portal.closing.planning import PlannedTender, close_plan, final_participations
from soxp_portal.closing.runs import (
    Progress,
    carry_out,
    finish,
    is_stale,
    is_waiting_long,
    origin_of,
)
from soxp_portal.offers.models import Election, Offer
from soxp_portal.offers.verdicts import census_digest, terms_digest
from soxp_portal.rules.wording import format_instant

#: Changed elections written per INSERT, as the run goes (they are shown once it is done).
ROW_BATCH = 2000
STOPPED = (
    "Its worker stopped before it was done (the worker process ended, or its machine went down). "
    "Nothing of it was kept."
)


@dataclass(frozen=True)
class Basis:
    """What a plan follows from, as digests."""

    census: str
    terms: str
    elections: str


def elections_digest(offer: Offer) -> str:
    """The offer's elections: their count and latest row. Elections are never changed or deleted (a new
    version, a withdrawal or a paper form is a new row), so any of them changes this digest."""
    basis = Election.objects.filter(offer=offer).aggregate(count=Count("pk"), last=Max("pk"))
    return hashlib.sha256(repr((basis["count"], basis["last"])).encode()).hexdigest()


def basis_of(offer: Offer) -> Basis:
    """The digests of what the plan follows from now: two queries."""
    return Basis(census=census_digest(), terms=terms_digest(offer), elections=elections_digest(offer))


@dataclass(frozen=True)
class PreviewState:
    """The close page's view of the preview: the latest run (any state), the latest done run (the plan
    shown), and what changed since the plan shown was worked out (empty: it is current)."""

    latest: ClosePreviewRun | None
    shown: ClosePreviewRun | None
    changes: tuple[str, ...] = ()

    @property
    def is_current(self) -> bool:
        return self.shown is not None and not self.changes

    @property
    def is_under_way(self) -> bool:
        return self.latest is not None and self.latest.is_active


def _census_change(offer: Offer, since: datetime) -> str:
    imported = (
        AuditEvent.objects.filter(event_type=AuditEventType.CENSUS_IMPORTED, at__gte=since)
        .order_by("-sequence")
        .values_list("at", flat=True)
        .first()
    )
    if imported is not None:
        return f"A census was imported on {format_instant(imported, offer.zone)}."
    return "The census changed (an employee's record or a grant)."


def changes_since(offer: Offer, run: ClosePreviewRun) -> tuple[str, ...]:
    """What changed since `run` read the census and the elections, in words (empty: nothing)."""
    now = basis_of(offer)
    since = run.as_of or run.requested_at
    changes = []
    if now.census != run.census_digest:
        changes.append(_census_change(offer, since))
    if now.elections != run.elections_digest:
        changes.append("Elections were received or keyed in (a paper form, a withdrawal or a new version).")
    if now.terms != run.terms_digest:
        changes.append("The offer's terms changed.")
    return tuple(changes)


def preview_state(offer: Offer) -> PreviewState:
    """The latest run and the plan shown, with what changed since it was worked out."""
    runs = ClosePreviewRun.objects.filter(offer=offer).select_related("requested_by", "restarted_by", "offer")
    latest = runs.first()
    if latest is None:
        return PreviewState(None, None)
    shown = latest if latest.state == BackgroundRun.State.DONE else runs.filter(state="done").first()
    if shown is None:
        return PreviewState(latest, None)
    return PreviewState(latest, shown, changes_since(offer, shown))


def active_preview(offer: Offer) -> ClosePreviewRun | None:
    return ClosePreviewRun.objects.filter(offer=offer, state__in=ACTIVE_STATES).first()


def _replace_if_stopped(run: ClosePreviewRun, now: datetime) -> bool:
    """Ends a run whose worker stopped or that no worker took up; True if it was ended."""
    if not (is_stale(run, now) or is_waiting_long(run, now)):
        return False
    return bool(
        ClosePreviewRun.objects.filter(pk=run.pk, state=run.state, attempts=run.attempts).update(
            state=BackgroundRun.State.FAILED, finished_at=now, error=STOPPED
        )
    )


def start_preview(
    offer: Offer, *, actor: User, now: datetime, request: HttpRequest | None = None
) -> ClosePreviewRun:
    """Asks for the plan to be worked out; returns the run (already done with the immediate task backend).
    While one is queued or running it is that run that is returned: two administrators asking at once
    start one run."""
    running = active_preview(offer)
    if running is not None and not _replace_if_stopped(running, now):
        return running
    try:
        with transaction.atomic():
            run = ClosePreviewRun.objects.create(
                offer=offer, requested_by=actor, requested_at=now, origin=origin_of(request)
            )
            transaction.on_commit(lambda: run_close_preview.enqueue(run.pk))
    except IntegrityError:  # the database's own guard: another request recorded one meanwhile
        # That run, whether still under way or already ended (the immediate task backend runs it at once).
        return ClosePreviewRun.objects.filter(offer=offer).select_related("requested_by").first()
    run.refresh_from_db()
    return run


@task
def run_close_preview(run_id: int) -> str:
    """Works out the plan of a queued run (see the module's docstring); returns what became of it."""
    return carry_out(
        ClosePreviewRun, run_id, _work_out, describe=lambda run: f"The close preview run {run.pk}"
    )


def _row(run: ClosePreviewRun, position: int, planned: PlannedTender) -> ClosePreviewRow:
    person = planned.employee
    return ClosePreviewRow(
        run=run,
        position=position,
        employee_id=person.employee_id,
        first_name=person.first_name,
        last_name=person.last_name,
        election_version=planned.election.version,
        notes=list(planned.notes),
        accepted=planned.accepted,
        outcome=planned.outcome_in_words,
        shares=planned.shares if planned.accepted else 0,
        new_shares=planned.new_shares if planned.accepted else 0,
    )


def _work_out(run: ClosePreviewRun, progress: Progress) -> str:
    offer = Offer.objects.select_related("new_option_plan").get(pk=run.offer_id)
    as_of = timezone.now()
    basis = basis_of(offer)  # before anything is read: a change made meanwhile shows as a change since
    progress.start_stage("Working out the plan", total=final_participations(offer).count())
    totals = {"accepted": 0, "not_accepted": 0, "shares": 0, "new_shares": 0}
    rows: list[ClosePreviewRow] = []
    changed = 0
    for planned in close_plan(offer):
        if planned.accepted:
            totals["accepted"] += 1
            totals["shares"] += planned.shares
            totals["new_shares"] += planned.new_shares
        else:
            totals["not_accepted"] += 1
        if planned.basis_changed:
            rows.append(_row(run, changed, planned))
            changed += 1
        if len(rows) >= ROW_BATCH:  # written as it goes; shown only once the run is done
            ClosePreviewRow.objects.bulk_create(rows)
            rows = []
        progress.advance()
    progress.stop()
    with transaction.atomic():
        ClosePreviewRow.objects.bulk_create(rows)
        done = finish(
            run,
            progress,
            census_digest=basis.census,
            terms_digest=basis.terms,
            elections_digest=basis.elections,
            as_of=as_of,
            changed=changed,
            **totals,
        )
        if done:  # only the latest plan is shown: the rows of the offer's earlier runs are of no more use
            ClosePreviewRow.objects.filter(run__offer=offer).exclude(run=run).delete()
    if not done:  # replaced meanwhile (its worker was thought stopped): its rows are not kept
        ClosePreviewRow.objects.filter(run=run).delete()
        return "replaced"
    return "done"
