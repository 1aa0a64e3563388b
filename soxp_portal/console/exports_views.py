"""The exports page of an offer and the downloads, for stock administrators only.

A download is a POST from the page's buttons (with its CSRF token): it writes to the audit trail,
which a GET must not do, or any link or image elsewhere could add events in the administrator's name.
A download is refused, with the page's own sentence (and a ``console.refused`` event), while its step
of the close has not been taken. One that states the new options' exercise price makes the price final
(``_hold_exercise_price``). Otherwise it writes one ``export.downloaded`` audit event (the export, the
format, the number of rows when one counting query knows it, and the offer) in its own transaction, and
only then streams the file: CSV and JSON as they are written, XLSX from a temporary file that is deleted
when it is closed.
"""

from __future__ import annotations

import tempfile

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
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from soxp_portal.closing.exports import ocf
from soxp_portal.closing.exports.catalogue import EXPORTS, EXPORTS_BY_KEY, Export, Situation
from soxp_portal.closing.exports.writers import Table, csv_chunks, json_array_chunks, write_xlsx
from soxp_portal.closing.models import Closing
from soxp_portal.closing.queries import price_correction
from soxp_portal.console.views import record_download, record_refusal, staff_required
from soxp_portal.offers.models import Offer

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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


@require_GET
@staff_required
def index(request: HttpRequest, slug: str) -> HttpResponse:
    situation = _situation(slug)
    rows = [
        (export, export.unavailable(situation), export.note(situation) if export.note else "")
        for export in EXPORTS
    ]
    context = {
        "offer": situation.offer,
        "rows": rows,
        "price_correction": price_correction(situation.offer, situation.closing),
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
    with transaction.atomic():
        _hold_exercise_price(export, situation)
        if export.table is None:
            return _json_response(request, export, situation)
        table = export.table(situation)
        _record_download(request, export, fmt, table.count, situation)
    filename = _filename(export, situation, fmt)
    if fmt == "csv":
        return _attachment(
            StreamingHttpResponse(csv_chunks(table), content_type="text/csv; charset=utf-8"), filename
        )
    return _xlsx_response(table, filename)


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


def _xlsx_response(table: Table, filename: str) -> FileResponse:
    """Writes the workbook to an anonymous temporary file (gone once closed), then streams it."""
    out = tempfile.TemporaryFile()  # noqa: SIM115  # FileResponse closes it after the last byte
    write_xlsx(out, table)
    out.seek(0)
    return FileResponse(out, as_attachment=True, filename=filename, content_type=XLSX_TYPE)


def _json_response(request: HttpRequest, export: Export, situation: Situation) -> HttpResponseBase:
    offer, closing = situation.offer, situation.closing
    if closing is None:  # both OCF exports wait for a step of the close: refused before this
        raise Http404("There is no close of this offer yet.")
    if export.key == "ocf-vesting-terms":
        _record_download(request, export, "json", 1, situation)
        chunks = json_array_chunks(
            {"file_type": ocf.VESTING_TERMS_FILE}, "items", [ocf.ocf_vesting_terms(offer)]
        )
    else:
        _record_download(request, export, "json", ocf.transaction_count(offer, closing), situation)
        chunks = json_array_chunks(
            {"file_type": ocf.TRANSACTIONS_FILE}, "items", ocf.ocf_transactions(offer, closing)
        )
    response = StreamingHttpResponse(chunks, content_type="application/json")
    return _attachment(response, _filename(export, situation, "json"))
