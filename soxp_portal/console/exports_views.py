"""The exports page of an offer and the downloads, for stock administrators only.

A download is a POST from the page's buttons (with its CSRF token): it writes to the audit trail,
which a GET must not do, or any link or image elsewhere could add events in the administrator's name.
A download is refused, with the page's own sentence (and a ``console.refused`` event), while its step
of the close has not been taken. One that states the new options' exercise price makes the price final
(``_hold_exercise_price``). Otherwise it writes one ``export.downloaded`` audit event (the export, the
format, the number of rows when one counting query knows it, and the offer) in its own transaction, and
only then streams the file: CSV and JSON as they are written.

An XLSX workbook is whole only once its last row is written (minutes at 100,000 employees), so it is
made by a background task into a stored file (``closing.exports.files``): its button asks for the file,
the page shows its progress (``export_file``, fetched by ``static/js/console.js`` while it is made) and
then offers it (``export_file_download``: audited as any download, after ``file_problem`` has checked,
under the close's lock, that the price it states is still the offer's).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from soxp_portal.closing.exports import ocf
from soxp_portal.closing.exports.catalogue import EXPORTS, EXPORTS_BY_KEY, Export, Situation
from soxp_portal.closing.exports.files import (
    ExportError,
    file_problem,
    is_made_by_task,
    request_export_file,
    restart_export_file,
)
from soxp_portal.closing.exports.writers import csv_chunks, json_array_chunks
from soxp_portal.closing.models import Closing, ExportFile
from soxp_portal.closing.queries import RunStatus, price_correction, run_status
from soxp_portal.console.views import record_download, record_refusal, staff_required
from soxp_portal.offers.models import Offer
from soxp_portal.rules.terms import AwardType

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportRow:
    """One export on the page: why it is not available yet (or None), its note, and its file made by a
    task (the latest, with its progress, or None) and why that file may not be handed out (or None)."""

    export: Export
    description: str
    reason: str | None
    note: str
    streamed: tuple[str, ...]
    made: tuple[str, ...]
    file: RunStatus | None
    problem: str | None


def _hold_exercise_price(export: Export, situation: Situation) -> None:
    """An export that states the new options' exercise price makes it final once they are made
    (``closing.queries.PRICE_CORRECTION_RULE``). Its download takes the close's lock, as a correction
    does, and holds it until its audit event is written: a correction in progress finishes first and
    the file states the corrected price; a correction that comes after sees the download and is refused.
    """
    if export.carries_exercise_price and situation.has_new_grants:
        Closing.objects.select_for_update().filter(pk=situation.closing.pk).values_list("pk").get()  # type: ignore[union-attr]
        situation.offer.refresh_from_db(fields=["new_exercise_price"])


def _situation(slug: str) -> Situation:
    offer = get_object_or_404(Offer, slug=slug)
    return Situation(offer=offer, closing=Closing.objects.filter(offer=offer).first(), now=timezone.now())


def _rows(situation: Situation) -> list[ExportRow]:
    """Every export with its latest file made by a task: one query for the files."""
    latest: dict[tuple[str, str], ExportFile] = {}
    for made in ExportFile.objects.filter(offer=situation.offer).select_related(
        "requested_by", "restarted_by"
    ):
        latest.setdefault((made.export, made.fmt), made)
    rows = []
    for export in EXPORTS:
        made_formats = tuple(fmt for fmt in export.formats if is_made_by_task(fmt))
        made = next((latest[export.key, fmt] for fmt in made_formats if (export.key, fmt) in latest), None)
        done = made is not None and made.state == ExportFile.State.DONE
        rows.append(
            ExportRow(
                export=export,
                description=export.describe(situation),
                reason=export.unavailable(situation),
                note=export.note(situation) if export.note else "",
                streamed=tuple(fmt for fmt in export.formats if not is_made_by_task(fmt)),
                made=made_formats,
                file=run_status(made, situation.now) if made is not None else None,
                problem=file_problem(made, situation) if done else None,  # type: ignore[arg-type]
            )
        )
    return rows


@require_GET
@staff_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    situation = _situation(slug)
    context = {
        "offer": situation.offer,
        "rows": _rows(situation),
        "price_correction": price_correction(situation.offer, situation.closing),
        "rsu_grants": AwardType.RSU in situation.offer.terms.award_types,
    }
    return render(request, "console/exports/index.html", context)


@require_POST
@staff_required
def download(request: HttpRequest, slug: str, key: str, fmt: str) -> HttpResponseBase:
    situation = _situation(slug)
    export = EXPORTS_BY_KEY.get(key)
    if export is None or fmt not in export.formats:
        raise Http404("There is no such export.")
    reason = export.unavailable(situation)
    if reason:
        message = f"{export.title} cannot be downloaded yet. {reason}"
        record_refusal(request, situation.offer, action=f"export.{export.key}.{fmt}", reason=message)
        messages.error(request, message)
        return redirect("console:exports", situation.offer.slug)
    if is_made_by_task(fmt):
        return _make_file(request, export, fmt, situation)
    with transaction.atomic():
        _hold_exercise_price(export, situation)
        if export.table is None:
            return _json_response(request, export, situation)
        table = export.table(situation)
        _record_download(request, export, fmt, table.count, situation)
    return _attachment(
        StreamingHttpResponse(csv_chunks(table), content_type="text/csv; charset=utf-8"),
        _filename(export, situation, fmt),
    )


def _back(offer: Offer, export: Export) -> HttpResponse:
    return redirect(f"{reverse('console:exports', args=[offer.slug])}#export-{export.key}")


def _make_file(request: HttpRequest, export: Export, fmt: str, situation: Situation) -> HttpResponse:
    """Asks a task for the file; back to the page, which follows it and then offers it."""
    try:
        made = request_export_file(situation, export, fmt, actor=request.user, request=request)  # type: ignore[arg-type]
    except ExportError as error:
        messages.error(request, str(error))
        return _back(situation.offer, export)
    if made.state == ExportFile.State.DONE:  # a task backend that runs tasks at once
        messages.success(request, f"The {fmt.upper()} file of {export.title} is ready: download it below.")
    elif made.state == ExportFile.State.FAILED:
        messages.error(request, made.error)
    else:
        messages.info(
            request,
            f"The {fmt.upper()} file of {export.title} is being made in the background. It is offered below "
            "once it is ready; you may leave this page meanwhile.",
        )
    return _back(situation.offer, export)


def _file_of(slug: str, file_id: int) -> ExportFile:
    return get_object_or_404(
        ExportFile.objects.select_related("offer", "requested_by", "restarted_by"),
        offer__slug=slug,
        pk=file_id,
    )


@require_GET
@staff_required
def export_file(request: HttpRequest, slug: str, file_id: int) -> HttpResponse:
    """One file's state and progress, the fragment the exports page fetches while the file is made."""
    made = _file_of(slug, file_id)
    situation = _situation(slug)
    context = {
        "offer": made.offer,
        "export": EXPORTS_BY_KEY.get(made.export),
        "status": run_status(made, situation.now),
        "problem": file_problem(made, situation) if made.state == ExportFile.State.DONE else None,
    }
    response = render(request, "console/exports/_file.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_required
def export_file_download(request: HttpRequest, slug: str, file_id: int) -> HttpResponseBase:
    """The stored file, audited as every download is, while it still states what the offer does."""
    made = _file_of(slug, file_id)
    export = EXPORTS_BY_KEY.get(made.export)
    if made.state != ExportFile.State.DONE or export is None or not made.file:
        raise Http404("That file is not ready.")
    situation = _situation(slug)
    with transaction.atomic():
        _hold_exercise_price(export, situation)
        problem = file_problem(made, situation)
        if problem is None:
            record_download(
                request, situation.offer, export=export.key, fmt=made.fmt, rows=made.done, sha256=made.sha256
            )
    if problem is not None:
        record_refusal(request, situation.offer, action=f"export.{export.key}.{made.fmt}", reason=problem)
        messages.error(request, problem)
        return _back(situation.offer, export)
    try:
        handle = made.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from storage.") from None
    stamp = f"{made.as_of or made.finished_at:%Y%m%dT%H%M%SZ}"
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{situation.offer.slug}-{export.key}-{stamp}.{made.fmt}",
        content_type=XLSX_TYPE,
    )


@require_POST
@staff_required
def export_file_restart(request: HttpRequest, slug: str, file_id: int) -> HttpResponse:
    """A file whose worker stopped, taken up again by a new task."""
    made = _file_of(slug, file_id)
    export = EXPORTS_BY_KEY[made.export]
    try:
        restart_export_file(made.offer, made.pk, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
    except ExportError as error:
        messages.error(request, str(error))
    else:
        messages.info(request, f"The {made.fmt.upper()} file of {export.title} is being made again.")
    return _back(made.offer, export)


def _record_download(
    request: HttpRequest, export: Export, fmt: str, rows: int | None, situation: Situation
) -> None:
    record_download(request, situation.offer, export=export.key, fmt=fmt, rows=rows)


def _filename(export: Export, situation: Situation, fmt: str) -> str:
    stamp = f"{situation.now:%Y%m%dT%H%M%SZ}"
    extension = "ocf.json" if fmt == "json" else fmt
    return f"{situation.offer.slug}-{export.key}-{stamp}.{extension}"


def _attachment(response: HttpResponseBase, filename: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _json_response(request: HttpRequest, export: Export, situation: Situation) -> HttpResponseBase:
    offer, closing = situation.offer, situation.closing
    if closing is None:  # both OCF exports wait for a step of the close: refused before this
        raise Http404("There is no close of this offer yet.")
    if export.key == "ocf-vesting-terms":
        items = ocf.ocf_vesting_terms_items(offer)
        _record_download(request, export, "json", len(items), situation)
        chunks = json_array_chunks({"file_type": ocf.VESTING_TERMS_FILE}, "items", items)
    else:
        _record_download(request, export, "json", ocf.transaction_count(offer, closing), situation)
        chunks = json_array_chunks(
            {"file_type": ocf.TRANSACTIONS_FILE}, "items", ocf.ocf_transactions(offer, closing)
        )
    response = StreamingHttpResponse(chunks, content_type="application/json")
    return _attachment(response, _filename(export, situation, "json"))
