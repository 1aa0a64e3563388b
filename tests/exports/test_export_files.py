"""Spreadsheet files made by a background task (closing.exports.files): asked for from the exports page,
followed while they are made, offered when ready and downloaded with the right rows, audited as every
download; one made at a time; a failure shown; a stopped one restarted; a file whose exercise price was
corrected since not handed out."""

import hashlib
import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.actions import correct_closing_price
from soxp_portal.closing.exports import files
from soxp_portal.closing.exports.catalogue import EXPORTS_BY_KEY, Situation
from soxp_portal.closing.exports.files import ExportError, request_export_file
from soxp_portal.closing.models import Closing, ExportFile
from tests.exports.conftest import ON_NEW_GRANT_DATE
from tests.exports.test_exports_views import body, download_url, exports_downloaded, page_url

pytestmark = pytest.mark.django_db


def make(client: Client, offer, key: str, *, run: bool = True):
    """The page's "Make the XLSX" button; its task run at once (``run``) or kept back. Returns the page."""
    with TestCase.captureOnCommitCallbacks(execute=run) as callbacks:
        response = client.post(download_url(offer, key, "xlsx"), follow=True)
    return response, callbacks


def file_url(name: str, made: ExportFile) -> str:
    return reverse(f"console:{name}", args=[made.offer.slug, made.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_file_is_made_then_offered_and_downloads_with_its_rows(admin_client, admin, closed) -> None:
    response, callbacks = make(admin_client, closed.offer, "cancellations", run=False)
    assert response.redirect_chain == [(f"{page_url(closed.offer)}#export-cancellations", 302)]
    assert messages_of(response) == [
        "The XLSX file of Cancellations is being made in the background. It is offered below once it is "
        "ready; you may leave this page meanwhile."
    ]
    made = ExportFile.objects.get()
    assert (made.state, made.export, made.fmt, made.requested_by) == (
        "queued",
        "cancellations",
        "xlsx",
        admin,
    )
    html = response.content.decode()
    assert f'data-progress-url="{file_url("export-file", made)}"' in html
    assert "Waiting for a task worker to take it up." in html
    assert file_url("export-file-download", made) not in html
    assert not exports_downloaded().exists()

    for callback in callbacks:
        callback()
    made.refresh_from_db()
    assert (made.state, made.done, made.total, made.error) == ("done", 5, 5, "")
    assert made.file.name.startswith("exports/soxp-2003/soxp-2003-cancellations-")
    stored = default_storage.open(made.file.name).read()
    assert (len(stored), hashlib.sha256(stored).hexdigest()) == (made.size, made.sha256)
    html = admin_client.get(page_url(closed.offer)).content.decode()
    assert "XLSX file made on" in html
    assert "5 rows" in html
    assert f'<form method="post" action="{file_url("export-file-download", made)}"' in html
    assert "Make the XLSX again" in html
    assert not exports_downloaded().exists()  # made, not yet downloaded

    download = admin_client.post(file_url("export-file-download", made))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert (
        f'filename="soxp-2003-cancellations-{made.as_of:%Y%m%dT%H%M%SZ}.xlsx"'
        in download["Content-Disposition"]
    )
    content = body(download)
    assert hashlib.sha256(content).hexdigest() == made.sha256
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Cancellations"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(rows) == 6
    assert rows[1][0] == "E-BOB"
    event = exports_downloaded().get()
    assert event.actor == admin
    assert event.data == {
        "export": "cancellations",
        "format": "xlsx",
        "offer": "soxp-2003",
        "rows": 5,
        "sha256": made.sha256,
    }


def test_the_fragment_shows_the_files_progress(admin_client, closed) -> None:
    make(admin_client, closed.offer, "vesting", run=False)
    ExportFile.objects.update(
        state="running",
        attempts=1,
        started_at=timezone.now(),
        heartbeat_at=timezone.now(),
        stage="Writing the rows",
        done=40,
        total=100,
    )
    made = ExportFile.objects.get()
    response = admin_client.get(file_url("export-file", made))
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert html.startswith(f'<div class="export-file mt-2" id="file-{made.pk}" data-state="running"')
    assert "Writing the rows" in html
    assert "40 of 100 rows (40%)" in html


def test_a_second_file_of_the_same_export_is_refused_while_one_is_made(admin_client, admin, closed) -> None:
    make(admin_client, closed.offer, "new-grants", run=False)
    response, callbacks = make(admin_client, closed.offer, "new-grants", run=False)
    assert callbacks == []
    [message] = messages_of(response)
    assert message.startswith(
        "The XLSX file of New grants is already waiting for a task worker: asked for by "
    )
    assert ExportFile.objects.count() == 1
    make(admin_client, closed.offer, "vesting", run=False)  # another export is another file
    assert ExportFile.objects.count() == 2
    with pytest.raises(IntegrityError), transaction.atomic():  # and the database holds to it
        ExportFile.objects.create(
            offer=closed.offer,
            export="new-grants",
            fmt="xlsx",
            requested_by=admin,
            requested_at=timezone.now(),
        )


def test_a_file_that_fails_shows_why_and_can_be_asked_for_again(admin_client, closed, monkeypatch) -> None:
    def broken(out, table, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(files, "write_xlsx", broken)
    make(admin_client, closed.offer, "elections")
    made = ExportFile.objects.get()
    assert made.state == "failed"
    assert not made.file
    assert made.error.startswith("It stopped on an unexpected error (OSError: No space left on device).")
    html = admin_client.get(page_url(closed.offer)).content.decode()
    assert made.error.replace("'", "&#x27;") in html
    assert '<span class="badge text-bg-danger">Failed</span>' in html
    assert "Make the XLSX</button>" in html

    monkeypatch.undo()
    make(admin_client, closed.offer, "elections")
    assert list(ExportFile.objects.values_list("state", flat=True)) == ["done"]  # the failed one is gone


def test_a_new_file_replaces_the_older_one(admin_client, closed) -> None:
    make(admin_client, closed.offer, "elections")
    first = ExportFile.objects.get()
    make(admin_client, closed.offer, "elections")
    latest = ExportFile.objects.get()
    assert latest.pk != first.pk
    assert first.file.name != latest.file.name  # the storage never writes over a file
    assert not default_storage.exists(first.file.name)
    assert default_storage.exists(latest.file.name)


def test_a_file_whose_worker_stopped_is_made_again(admin_client, admin, closed) -> None:
    make(admin_client, closed.offer, "summary", run=False)
    long_ago = timezone.now() - timedelta(minutes=5)
    ExportFile.objects.update(state="running", attempts=1, started_at=long_ago, heartbeat_at=long_ago)
    made = ExportFile.objects.get()
    html = admin_client.get(file_url("export-file", made)).content.decode()
    assert "Start it again" in html
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = admin_client.post(file_url("export-file-restart", made), follow=True)
    assert messages_of(response) == ["The XLSX file of Summary for the final report is being made again."]
    made.refresh_from_db()
    assert (made.state, made.attempts, made.restarted_by) == ("done", 2, admin)


def test_a_file_no_worker_took_up_is_queued_again_after_a_minute(admin_client, closed) -> None:
    make(admin_client, closed.offer, "summary", run=False)
    made = ExportFile.objects.get()
    assert "Queue it again" not in admin_client.get(file_url("export-file", made)).content.decode()
    response = admin_client.post(file_url("export-file-restart", made), follow=True)
    assert messages_of(response) == [
        "The file is waiting for a task worker to take it up; it has not stopped."
    ]
    ExportFile.objects.update(requested_at=timezone.now() - timedelta(minutes=2))
    assert "Queue it again" in admin_client.get(file_url("export-file", made)).content.decode()
    with TestCase.captureOnCommitCallbacks(execute=True):
        admin_client.post(file_url("export-file-restart", made))
    made.refresh_from_db()
    assert (made.state, made.attempts) == ("done", 1)


def test_a_file_being_made_is_not_restarted(admin_client, closed) -> None:
    make(admin_client, closed.offer, "summary", run=False)
    ExportFile.objects.update(
        state="running", attempts=1, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    made = ExportFile.objects.get()
    response = admin_client.post(file_url("export-file-restart", made), follow=True)
    [message] = messages_of(response)
    assert message.startswith("The file is being made: its worker was last heard from on")
    made.refresh_from_db()
    assert made.state == "running"


def test_a_file_stating_a_price_corrected_since_is_not_handed_out(admin_client, admin, closed) -> None:
    make(admin_client, closed.offer, "new-grants")
    made = ExportFile.objects.get()
    assert made.exercise_price == Decimal("1.25")
    correct_closing_price(
        closed.offer, closing_price=Decimal("1.30"), reason="Typed wrong.", actor=admin, now=ON_NEW_GRANT_DATE
    )
    html = admin_client.get(page_url(closed.offer)).content.decode()
    problem = "This file states the exercise price of $1.25, corrected since to $1.30. Make it again."
    assert problem in html
    assert file_url("export-file-download", made) not in html

    response = admin_client.post(file_url("export-file-download", made), follow=True)
    assert messages_of(response) == [problem]
    assert not exports_downloaded().exists()  # the price stays correctable
    assert AuditEvent.objects.filter(event_type=AuditEventType.CONSOLE_REFUSED).count() == 1

    make(admin_client, closed.offer, "new-grants")
    fresh = ExportFile.objects.get()
    assert fresh.exercise_price == Decimal("1.30")
    content = body(admin_client.post(file_url("export-file-download", fresh)))
    sheet = openpyxl.load_workbook(io.BytesIO(content))["New grants"]
    header = [cell.value for cell in next(sheet.iter_rows())]
    prices = {str(row[header.index("exercise_price")].value) for row in sheet.iter_rows(min_row=2)}
    assert prices == {"1.3"}  # a number cell; openpyxl reads it back as a float


def test_a_summary_made_before_the_new_grants_is_not_handed_out_after_them(admin_client, scenario) -> None:
    scenario.accept()
    scenario.cancel()
    make(admin_client, scenario.offer, "summary")
    made = ExportFile.objects.get()
    assert made.exercise_price is None
    scenario.grant()
    response = admin_client.post(file_url("export-file-download", made), follow=True)
    assert messages_of(response) == [
        "This file was made before the new grants were made, so it does not hold them or their exercise "
        "price. Make it again."
    ]


def test_a_price_corrected_while_the_file_is_made_fails_it(admin, closed, monkeypatch) -> None:
    real = files.write_xlsx

    def correcting_meanwhile(out, table, **kwargs):
        written = real(out, table, **kwargs)
        correct_closing_price(
            closed.offer,
            closing_price=Decimal("1.30"),
            reason="Typed wrong.",
            actor=admin,
            now=ON_NEW_GRANT_DATE,
        )
        return written

    monkeypatch.setattr(files, "write_xlsx", correcting_meanwhile)
    situation = Situation(closed.offer, Closing.objects.get(offer=closed.offer), timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        made = request_export_file(situation, EXPORTS_BY_KEY["new-grants"], "xlsx", actor=admin)
    made.refresh_from_db()
    assert (made.state, made.error) == (
        "failed",
        "The exercise price was corrected while the file was made. Make it again.",
    )
    assert not made.file


def test_an_export_not_available_yet_is_not_made(admin_client, scenario) -> None:
    response, callbacks = make(admin_client, scenario.offer, "cancellations")
    assert callbacks == []
    assert not ExportFile.objects.exists()
    assert "Cancellations cannot be downloaded yet." in messages_of(response)[0]
    situation = Situation(scenario.offer, None, timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=False):
        request_export_file(situation, EXPORTS_BY_KEY["eligibility"], "xlsx", actor=scenario.admin)
    with pytest.raises(ExportError, match="already waiting for a task worker"):
        request_export_file(situation, EXPORTS_BY_KEY["eligibility"], "xlsx", actor=scenario.admin)


def test_the_file_pages_are_for_the_stock_administrator_only(client, admin, auditor, closed) -> None:
    client.force_login(admin)
    make(client, closed.offer, "elections")
    made = ExportFile.objects.get()
    fragment = file_url("export-file", made)
    download, restart = file_url("export-file-download", made), file_url("export-file-restart", made)
    assert client.get(download).status_code == 405
    assert client.get(restart).status_code == 405
    assert client.post(fragment).status_code == 405
    assert client.get(f"/console/offers/nope/exports/files/{made.pk}/").status_code == 404
    assert client.post(f"/console/offers/soxp-2003/exports/files/{made.pk + 1}/download/").status_code == 404
    client.logout()
    for method, address in (("get", fragment), ("post", download), ("post", restart)):
        assert getattr(client, method)(address)["Location"].startswith(f"/accounts/login/?next={address}")
    for user in (auditor, closed.sam.user):
        client.force_login(user)
        assert client.get(fragment).status_code == 403
        assert client.post(download).status_code == 403
        assert client.post(restart).status_code == 403
    assert not exports_downloaded().exists()
