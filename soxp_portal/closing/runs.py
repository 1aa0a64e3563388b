"""Background runs (``models.BackgroundRun``): how a task takes one up, reports progress, and ends it.

A run's life: the request that asks for it creates it ``queued`` and enqueues its task once its
transaction commits. The worker ``claim``s it (``running``, one more attempt) in a short transaction of
its own, does the work, and ends it ``done`` or ``failed`` (``fail``, with the error to show).

While the work goes on, ``Progress`` publishes how far it is and that the worker is alive
(``heartbeat_at``). On PostgreSQL it does so from a thread of its own, on its own connection, every
``HEARTBEAT_SECONDS``: a step of the close writes everything in one transaction, which no other
connection sees until it commits, and its longest statements take many seconds, so neither its own
connection nor its own pace can show progress. Elsewhere (SQLite, which allows one writer at a time,
or work already inside a transaction) the work's own connection publishes, at most every
``HEARTBEAT_SECONDS``.

A run whose heartbeat is older than ``STALE_AFTER`` has lost its worker (killed, or the machine went
down); it can be restarted. A worker writes to its run only while the attempt it claimed is the
latest, so a worker that was only slow and comes back finds it has been replaced and stops.

The audit events of the work are written with the request that asked for it (``origin_of`` keeps its
client address, user agent and request id; ``replayed_request`` gives them back), so they read as
they did when the work ran inside that request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.db import DatabaseError, connection, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.audit.middleware import REQUEST_ID_HEADER, clean_request_id
from soxp_portal.client import client_address
from soxp_portal.closing.models import BackgroundRun

logger = logging.getLogger(__name__)

#: How often a running task says it is alive and how far it is.
HEARTBEAT_SECONDS = 5.0
#: A running task silent for this long has lost its worker.
STALE_AFTER = timedelta(seconds=60)
MAX_USER_AGENT = 1000


def is_stale(run: BackgroundRun, now: datetime) -> bool:
    """The run is marked running but its worker has not been heard from for ``STALE_AFTER``."""
    if run.state != BackgroundRun.State.RUNNING:
        return False
    last = run.heartbeat_at or run.started_at or run.requested_at
    return now - last > STALE_AFTER


def is_waiting_long(run: BackgroundRun, now: datetime) -> bool:
    """The run has been queued for ``STALE_AFTER`` without a worker taking it up: no worker runs, or its
    task was lost (the enqueue failed after the run was recorded). Queuing it again is harmless: a
    second task for a run finds it taken and does nothing (``claim``)."""
    if run.state != BackgroundRun.State.QUEUED:
        return False
    return now - (run.restarted_at or run.requested_at) > STALE_AFTER


def origin_of(request: HttpRequest | None) -> dict[str, str | None]:
    """What the audit trail records of the request that asked for a run."""
    if request is None:
        return {}
    request_id = clean_request_id(getattr(request, "request_id", None)) or clean_request_id(
        request.headers.get(REQUEST_ID_HEADER)
    )
    return {
        "ip_address": client_address(request),
        "user_agent": str(request.META.get("HTTP_USER_AGENT", "")).replace("\x00", "")[:MAX_USER_AGENT],
        "request_id": request_id or "",
        "path": request.path,
    }


def replayed_request(run: BackgroundRun, user: User) -> HttpRequest | None:
    """A stand-in for the request that asked for the run, carrying what the audit trail reads from it
    (the client address, user agent and request id, the user); None if the run was not asked for over
    the web."""
    origin = run.origin
    if not origin:
        return None
    request = HttpRequest()
    request.method = "POST"
    request.path = origin.get("path") or ""
    request.META = {
        "REMOTE_ADDR": origin.get("ip_address") or "",
        "HTTP_USER_AGENT": origin.get("user_agent", ""),
    }
    request.request_id = origin.get("request_id") or ""  # type: ignore[attr-defined]
    request.user = user
    return request


def claim[R: BackgroundRun](model: type[R], pk: int) -> R | None:
    """Takes up a queued run: running, one more attempt, started now. None if it is not queued (a
    second task for the same run, or a run already restarted and taken by another worker)."""
    with transaction.atomic():
        run = model.objects.select_for_update().filter(pk=pk).first()
        if run is None or run.state != BackgroundRun.State.QUEUED:
            return None
        now = timezone.now()
        run.state, run.attempts = BackgroundRun.State.RUNNING, run.attempts + 1
        run.started_at = run.heartbeat_at = now
        run.finished_at, run.error, run.stage, run.done, run.total = None, "", "", 0, None
        run.save(
            update_fields=[
                "state",
                "attempts",
                "started_at",
                "heartbeat_at",
                "finished_at",
                "error",
                "stage",
                "done",
                "total",
            ]
        )
    return run


def _mine(run: BackgroundRun) -> QuerySet[BackgroundRun]:
    """The run, as long as the attempt this worker claimed is still the one running."""
    return type(run).objects.filter(pk=run.pk, attempts=run.attempts, state=BackgroundRun.State.RUNNING)


def is_current(run: BackgroundRun) -> bool:
    """Whether the attempt this worker claimed is still the one running (not restarted, not ended)."""
    return _mine(run).exists()


def finish(run: BackgroundRun, progress: Progress, **fields: object) -> bool:
    """Ends the run's attempt as done, with its last progress and `fields`; False if it was replaced."""
    return bool(
        _mine(run).update(
            state=BackgroundRun.State.DONE,
            finished_at=timezone.now(),
            heartbeat_at=timezone.now(),
            stage="",
            done=progress.done,
            total=progress.total,
            **fields,
        )
    )


def fail(run: BackgroundRun, error: str) -> bool:
    """Ends the run's attempt as failed with `error`, in a transaction of its own (the work's own has
    rolled back); False if the attempt had been replaced meanwhile."""
    with transaction.atomic():
        return bool(
            _mine(run).update(state=BackgroundRun.State.FAILED, finished_at=timezone.now(), error=error)
        )


def unexpected(error: BaseException) -> str:
    """An error no rule foresaw, as the page states it."""
    detail = str(error).strip().splitlines()[0][:300] if str(error).strip() else ""
    return (
        f"It stopped on an unexpected error ({type(error).__name__}{': ' + detail if detail else ''}). "
        "Nothing it would have written was kept. Start it again; if it fails the same way, the server's log "
        "has the details."
    )


class Progress:
    """How far a run is: ``stage`` (what it is doing, in words), ``done`` of ``total``.

    The work calls ``start_stage`` and ``advance``; publishing is the heartbeat's business (see the
    module's docstring). Thread-safe: the heartbeat thread reads what the work's thread writes. Without
    a run (an action called outside the console, a benchmark) nothing is published.
    """

    def __init__(self, run: BackgroundRun | None, *, threaded: bool = False) -> None:
        self.run = run
        self.stage = ""
        self.done = 0
        self.total: int | None = None
        self._lock = threading.Lock()
        self._published_at = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if threaded and run is not None:
            self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{run.pk}", daemon=True)
            self._thread.start()

    def start_stage(self, stage: str, *, total: int | None = None) -> None:
        with self._lock:
            self.stage, self.done, self.total = stage, 0, total
        self._inline()

    def now_doing(self, stage: str) -> None:
        """A new stage of the same count (the rows are written; the file is being packed)."""
        with self._lock:
            self.stage = stage
        self._inline()

    def advance(self, count: int = 1) -> None:
        with self._lock:
            self.done += count
        self._inline()

    def _inline(self) -> None:
        if self._thread is None and time.monotonic() - self._published_at >= HEARTBEAT_SECONDS:
            self.publish()

    def publish(self) -> None:
        """Writes the progress and a heartbeat to the run (if this attempt is still the current one)."""
        if self.run is None:
            return
        with self._lock:
            values = {"stage": self.stage[:200], "done": self.done, "total": self.total}
        self._published_at = time.monotonic()
        _mine(self.run).update(heartbeat_at=timezone.now(), **values)

    def _beat(self) -> None:
        """The heartbeat thread: publishes until stopped, on a connection of its own."""
        try:
            while not self._stop.wait(HEARTBEAT_SECONDS):
                try:
                    self.publish()
                except DatabaseError:
                    logger.warning("Could not publish the progress of run %s", self.run.pk, exc_info=True)
        finally:
            connection.close()

    def stop(self) -> None:
        """Stops the heartbeat thread and waits for it. The work calls this before it writes the run's
        end in its own transaction: the thread must never wait on a row lock that transaction holds."""
        if self._thread is not None:
            self._stop.set()
            self._thread.join()
            self._thread = None


@contextmanager
def reporting(run: BackgroundRun) -> Iterator[Progress]:
    """Progress for the work of `run`, published while the block runs (see the module's docstring):
    from a heartbeat thread on PostgreSQL when the block is entered outside any transaction."""
    progress = Progress(run, threaded=connection.vendor == "postgresql" and not connection.in_atomic_block)
    try:
        yield progress
    finally:
        progress.stop()


def carry_out[R: BackgroundRun](
    model: type[R],
    pk: int,
    work: Callable[[R, Progress], str],
    *,
    describe: Callable[[R], str],
    refusals: tuple[type[Exception], ...] = (),
    refuse: Callable[[R, str], object] = fail,
) -> str:
    """The body of a background run's task: takes the run up (``claim``), does `work` with its progress
    published (``reporting``) and returns what became of it. A refusal the work foresaw (`refusals`) ends
    the run through `refuse` with its message; anything else is logged (with `describe` of the run), ends
    the run with ``unexpected``'s message and is raised again, for the task backend to record."""
    run = claim(model, pk)
    if run is None:
        return "not queued"
    try:
        with reporting(run) as progress:
            return work(run, progress)
    except refusals as error:
        refuse(run, str(error))
        return "refused"
    except Exception as error:
        logger.exception("%s failed", describe(run))
        fail(run, unexpected(error))
        raise
