"""Export files made by a background task and offered for download once ready (issue 12).

An XLSX workbook is a zip archive: it is whole only once its last row is written, so nothing can be sent
before then, and at 100,000 employees that takes from seconds to six minutes (the vesting file). Such a
file is made here, by a task, into MEDIA storage; the exports page shows its progress and then offers it.
CSV and JSON stream as they are written and are not made here.

- ``request_export_file`` records an ``ExportFile`` (queued) and enqueues ``build_export_file`` once
  the request's transaction commits. It is refused while the export is not available (the page's own
  sentence) or while the same file is being made (the database refuses a second, so two administrators
  asking at once start one build).
- ``build_export_file`` writes the rows with progress (``runs.Progress``), then stores the file with
  its size and SHA-256, the time its rows were read (``as_of``) and the new options' exercise price it
  states. The older files of the same export and format are deleted: the page offers the latest.
- ``file_problem`` says why a stored file must not be handed out any more: it states an exercise price
  corrected since, or was made before the new grants that it should hold. The download view asks it
  under the close's lock, as it writes the ``export.downloaded`` event that makes the price final
  (``closing.queries.PRICE_CORRECTION_RULE``).
- ``restart_export_file`` takes up again a file whose worker stopped (``runs.is_stale``); a worker that
  comes back finds its attempt replaced and throws its file away.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import IO

from django.core.files import File
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.tasks import task
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.closing.exports.catalogue import EXPORTS_BY_KEY, Export, Situation
from soxp_portal.closing.exports.writers import Cell, Table, write_xlsx
from soxp_portal.closing.models import ACTIVE_STATES, Closing, ExportFile
from soxp_portal.closing.runs import (
    Progress,
    carry_out,
    finish,
    is_stale,
    is_waiting_long,
    origin_of,
)
from soxp_portal.offers.models import Offer
from soxp_portal.rules.wording import format_instant, format_money

#: The formats made into a file by a task; the others stream.
FILE_FORMATS = frozenset({"xlsx"})
#: Rows written between two counts of the progress.
PROGRESS_EVERY = 1000
_COPY_CHUNK = 1024 * 1024


class ExportError(Exception):
    """A file that cannot be made or handed out now; the message says why, fit to show."""


def is_made_by_task(fmt: str) -> bool:
    return fmt in FILE_FORMATS


def busy_message(file: ExportFile, title: str) -> str:
    where = "waiting for a task worker" if file.state == ExportFile.State.QUEUED else "being made"
    return (
        f"The {file.fmt.upper()} file of {title} is already {where}: asked for by {file.requested_by.email} "
        f"on {format_instant(file.requested_at, file.offer.zone)}. It is offered here once it is ready."
    )


def active_file(offer: Offer, export: Export, fmt: str) -> ExportFile | None:
    return (
        ExportFile.objects.filter(offer=offer, export=export.key, fmt=fmt, state__in=ACTIVE_STATES)
        .select_related("requested_by", "offer")
        .first()
    )


def request_export_file(
    situation: Situation, export: Export, fmt: str, *, actor: User, request: HttpRequest | None = None
) -> ExportFile:
    """Asks for the file to be made by a task; returns it (queued, or already made when the task backend
    runs tasks at once). The caller has checked that the export is available."""
    running = active_file(situation.offer, export, fmt)
    if running is not None:
        raise ExportError(busy_message(running, export.title))
    try:
        with transaction.atomic():
            made = ExportFile.objects.create(
                offer=situation.offer,
                export=export.key,
                fmt=fmt,
                requested_by=actor,
                requested_at=situation.now,
                origin=origin_of(request),
            )
            transaction.on_commit(lambda: build_export_file.enqueue(made.pk))
    except IntegrityError:  # another administrator asked a moment before
        running = active_file(situation.offer, export, fmt)
        raise ExportError(busy_message(running, export.title) if running else "Try again.") from None
    made.refresh_from_db()
    return made


def restart_export_file(offer: Offer, file_id: int, *, actor: User, now: datetime) -> ExportFile:
    """Takes up again a file whose worker stopped; refused for any other."""
    with transaction.atomic():
        made = (
            ExportFile.objects.select_for_update()
            .select_related("offer")
            .filter(offer=offer, pk=file_id)
            .first()
        )
        if made is None:
            raise ExportError("There is no such export file of this offer.")
        if made.state == ExportFile.State.QUEUED and not is_waiting_long(made, now):
            raise ExportError("The file is waiting for a task worker to take it up; it has not stopped.")
        if made.state not in (ExportFile.State.RUNNING, ExportFile.State.QUEUED):
            raise ExportError("Only a file whose worker has stopped can be made again from where it stands.")
        if made.state == ExportFile.State.RUNNING and not is_stale(made, now):
            heard = format_instant(made.heartbeat_at or now, offer.zone)
            raise ExportError(
                f"The file is being made: its worker was last heard from on {heard}. Only a file whose "
                "worker has been silent for a minute can be restarted."
            )
        made.state, made.restarted_by, made.restarted_at = ExportFile.State.QUEUED, actor, now
        made.save(update_fields=["state", "restarted_by", "restarted_at"])
        transaction.on_commit(lambda: build_export_file.enqueue(made.pk))
    made.refresh_from_db()
    return made


def stated_price(export: Export, situation: Situation) -> object:
    """The new options' exercise price the export states now (None if it states none)."""
    if export.carries_exercise_price and situation.has_new_grants:
        return situation.offer.new_exercise_price
    return None


def file_problem(made: ExportFile, situation: Situation) -> str | None:
    """Why the stored file must not be handed out now, or None (see the module's docstring)."""
    export = EXPORTS_BY_KEY[made.export]
    current = stated_price(export, situation)
    if current == made.exercise_price:
        return None
    if made.exercise_price is None:
        return (
            "This file was made before the new grants were made, so it does not hold them or their exercise "
            "price. Make it again."
        )
    return (
        f"This file states the exercise price of {format_money(made.exercise_price)}, corrected since to "
        f"{format_money(current)}. Make it again."  # type: ignore[arg-type]
    )


def _counted(rows: Iterable[Sequence[Cell]], progress: Progress) -> Iterator[Sequence[Cell]]:
    pending = 0
    for row in rows:
        yield row
        pending += 1
        if pending == PROGRESS_EVERY:
            progress.advance(pending)
            pending = 0
    progress.advance(pending)
    progress.now_doing("Packing the workbook")


def _digest(out: IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    out.seek(0)
    while chunk := out.read(_COPY_CHUNK):
        digest.update(chunk)
        size += len(chunk)
    out.seek(0)
    return digest.hexdigest(), size


@task
def build_export_file(file_id: int) -> str:
    """Makes the file of a queued ``ExportFile`` (see the module's docstring); returns what became of it."""
    return carry_out(
        ExportFile,
        file_id,
        _build,
        describe=lambda made: f"The export file {made.pk} ({made.export}.{made.fmt})",
        refusals=(ExportError,),
    )


def _build(made: ExportFile, progress: Progress) -> str:
    offer = Offer.objects.get(pk=made.offer_id)
    situation = Situation(
        offer=offer, closing=Closing.objects.filter(offer=offer).first(), now=timezone.now()
    )
    export = EXPORTS_BY_KEY[made.export]
    reason = export.unavailable(situation)
    if reason or export.table is None:
        raise ExportError(reason or f"{export.title} is not a table: it has no {made.fmt.upper()} file.")
    price = stated_price(export, situation)
    table = export.table(situation)
    progress.start_stage("Writing the rows", total=table.count)
    with tempfile.TemporaryFile() as out:
        write_xlsx(out, Table(table.sheet, table.columns, _counted(table.rows, progress), table.count))
        offer.refresh_from_db(fields=["new_exercise_price"])
        if stated_price(export, situation) != price:
            raise ExportError("The exercise price was corrected while the file was made. Make it again.")
        sha256, size = _digest(out)
        name = f"{offer.slug}-{export.key}-{situation.now:%Y%m%dT%H%M%SZ}.{made.fmt}"
        made.file.save(name, File(out, name=name), save=False)
    progress.stop()
    if not finish(
        made,
        progress,
        as_of=situation.now,
        file=made.file.name,
        size=size,
        sha256=sha256,
        exercise_price=price,
    ):
        made.file.delete(save=False)  # restarted meanwhile: the new attempt's file is the one
        return "replaced"
    _delete_older(made)
    return "done"


def _delete_older(made: ExportFile) -> None:
    """The page offers the latest file of an export and format: the older ones, and their files, go."""
    older = ExportFile.objects.filter(offer_id=made.offer_id, export=made.export, fmt=made.fmt).exclude(
        state__in=ACTIVE_STATES
    )
    for old in older.exclude(pk=made.pk):
        if old.file:
            old.file.delete(save=False)
        old.delete()
