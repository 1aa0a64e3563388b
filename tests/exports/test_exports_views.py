"""The exports page and the downloads: who may use them, what is not available yet, one audit event each.

A spreadsheet file (XLSX) is made by a background task first, then downloaded from the page
(tests/exports/test_export_files.py follows a file through its states); ``fetch`` does both, letting the task
run as it does once the request's transaction commits.
"""

import csv
import io
import json

import openpyxl
import pytest
import time_machine
from django.test import Client, TestCase
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.exports.catalogue import EXPORTS
from soxp_portal.closing.models import ExportFile
from tests.exports.conftest import DURING_OFFER, MALICIOUS

DOWNLOADS = [(export.key, fmt) for export in EXPORTS for fmt in export.formats]


def page_url(offer) -> str:
    return reverse("console:exports", args=[offer.slug])


def download_url(offer, key: str, fmt: str) -> str:
    return reverse("console:export-download", args=[offer.slug, key, fmt])


def exports_downloaded():
    return AuditEvent.objects.filter(event_type=AuditEventType.EXPORT_DOWNLOADED)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def fetch(client: Client, offer, key: str, fmt: str):
    """The file as the page gives it: a CSV or JSON at once; an XLSX asked for, made by its task, then
    downloaded from the page."""
    if fmt != "xlsx":
        return client.post(download_url(offer, key, fmt))
    with TestCase.captureOnCommitCallbacks(execute=True):
        asked = client.post(download_url(offer, key, fmt))
    assert asked.status_code == 302
    assert asked["Location"] == f"{page_url(offer)}#export-{key}"
    made = ExportFile.objects.get(offer=offer, export=key, fmt=fmt)
    assert made.state == ExportFile.State.DONE, made.error
    return client.post(reverse("console:export-file-download", args=[offer.slug, made.pk]))


def test_the_url_is_under_the_offer():
    assert download_url(type("O", (), {"slug": "soxp-2003"}), "new-grants", "xlsx") == (
        "/console/offers/soxp-2003/exports/new-grants.xlsx"
    )


def test_the_page_lists_every_export_with_its_links_after_the_close(admin_client, closed):
    response = admin_client.get(page_url(closed.offer))
    assert response.status_code == 200
    html = response.content.decode()
    for key, fmt in DOWNLOADS:
        assert download_url(closed.offer, key, fmt) in html
    assert "Not available yet" not in html
    assert "Holds the cancellations and the new grants." in html
    assert "the summary gives the eligible figures as they stood at expiration" in html


def test_the_page_says_what_is_not_available_yet_and_why(admin_client, scenario):
    html = admin_client.get(page_url(scenario.offer)).content.decode()
    assert download_url(scenario.offer, "eligibility", "csv") in html
    assert download_url(scenario.offer, "elections", "xlsx") in html
    assert download_url(scenario.offer, "cancellations", "csv") not in html
    assert download_url(scenario.offer, "summary", "csv") not in html
    assert "once the tenders are accepted" in html
    assert "Nothing is cancelled yet" in html
    assert "The new options are granted on July 21, 2003" in html


def test_final_elections_are_not_available_before_the_deadline(admin_client, scenario):
    with time_machine.travel(DURING_OFFER, tick=False):
        html = admin_client.get(page_url(scenario.offer)).content.decode()
        response = admin_client.post(download_url(scenario.offer, "elections", "csv"), follow=True)
    assert download_url(scenario.offer, "elections", "csv") not in html
    assert "Elections are final only after the deadline, January 20, 2003 at 9:00 PM PST" in html
    assert response.redirect_chain == [(page_url(scenario.offer), 302)]
    assert "Final elections cannot be downloaded yet." in response.content.decode()


@pytest.mark.parametrize(
    ("key", "fmt"), [("cancellations", "csv"), ("new-grants", "xlsx"), ("ocf-transactions", "json")]
)
def test_a_download_before_its_step_is_refused_with_a_message_and_no_audit_event(
    admin_client, scenario, key, fmt
):
    response = admin_client.post(download_url(scenario.offer, key, fmt), follow=True)
    assert response.redirect_chain == [(page_url(scenario.offer), 302)]
    assert "cannot be downloaded yet" in response.content.decode()
    assert not exports_downloaded().exists()


@pytest.mark.parametrize(("key", "fmt"), DOWNLOADS)
def test_each_download_writes_exactly_one_audit_event_before_the_file(admin_client, admin, closed, key, fmt):
    response = fetch(admin_client, closed.offer, key, fmt)
    assert response.status_code == 200
    assert exports_downloaded().count() == 1  # written before a byte of the file was read
    content = body(response)
    assert content
    event = exports_downloaded().get()
    assert event.actor == admin
    assert event.offer == closed.offer
    assert event.data["export"] == key
    assert event.data["format"] == fmt
    assert event.data["offer"] == "soxp-2003"
    assert exports_downloaded().count() == 1
    assert f'filename="soxp-2003-{key}-' in response["Content-Disposition"]


def test_row_counts_in_the_audit_event(admin_client, closed):
    for key, fmt in [
        ("eligibility", "csv"),
        ("elections", "csv"),
        ("cancellations", "xlsx"),
        ("new-grants", "csv"),
        ("ocf-transactions", "json"),
    ]:
        body(fetch(admin_client, closed.offer, key, fmt))
    counts = {event.data["export"]: event.data["rows"] for event in exports_downloaded()}
    assert counts == {
        "eligibility": 11,
        "elections": 5,
        "cancellations": 5,
        "new-grants": 4,
        "ocf-transactions": 9,
    }


def test_csv_download_neutralises_a_formula_in_a_name(admin_client, closed):
    response = admin_client.post(download_url(closed.offer, "elections", "csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(body(response).decode())))
    mallory = next(row for row in rows if row["employee_id"] == "E-MAL")
    assert mallory["first_name"] == "'" + MALICIOUS


def test_xlsx_download_opens_with_the_cancellations(admin_client, closed):
    response = fetch(admin_client, closed.offer, "cancellations", "xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)))["Cancellations"]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0][:3] == ["employee_id", "grant_id", "plan"]
    first = dict(zip(values[0], values[1], strict=True))
    assert first["employee_id"] == "E-BOB"
    assert first["shares_cancelled"] == 1000
    assert first["exercise_price"] == 6
    assert first["cancellation_date"].date().isoformat() == "2003-01-20"
    assert len(values) == 6


def test_xlsx_download_keeps_the_name_as_text(admin_client, closed):
    response = fetch(admin_client, closed.offer, "elections", "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(body(response)))["Final elections"]
    mallory = next(row for row in sheet.iter_rows() if row[0].value == "E-MAL")
    assert mallory[1].value == MALICIOUS
    assert mallory[1].data_type == "s"


def test_ocf_downloads_are_json_documents(admin_client, closed):
    transactions = json.loads(body(admin_client.post(download_url(closed.offer, "ocf-transactions", "json"))))
    terms = json.loads(body(admin_client.post(download_url(closed.offer, "ocf-vesting-terms", "json"))))
    assert transactions["file_type"] == "OCF_TRANSACTIONS_FILE"
    assert len(transactions["items"]) == 9
    assert terms["file_type"] == "OCF_VESTING_TERMS_FILE"
    assert terms["items"][0]["id"] == "soxp-2003-new-option-vesting"


def test_unknown_exports_and_formats_are_not_found(admin_client, closed):
    assert admin_client.post(download_url(closed.offer, "payroll", "csv")).status_code == 404
    assert admin_client.post(download_url(closed.offer, "eligibility", "json")).status_code == 404
    assert admin_client.post(download_url(closed.offer, "ocf-transactions", "csv")).status_code == 404
    assert admin_client.get(reverse("console:exports", args=["no-such-offer"])).status_code == 404
    assert not exports_downloaded().exists()


def open_page(client, offer):
    return client.get(page_url(offer))


def download(client, offer, fmt: str = "csv"):
    return client.post(download_url(offer, "eligibility", fmt))


@pytest.mark.parametrize("visit", [open_page, download])
def test_anonymous_visitors_are_sent_to_sign_in(client, soxp_2003, visit):
    response = visit(client, soxp_2003)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("visit", [open_page, lambda client, offer: download(client, offer, "xlsx")])
def test_auditors_and_employees_are_refused(client, auditor, scenario, visit):
    for user in (auditor, scenario.sam.user):
        client.force_login(user)
        assert visit(client, scenario.offer).status_code == 403
    assert not exports_downloaded().exists()


def test_a_post_of_the_page_and_a_get_of_a_download_are_not_allowed(admin_client, closed):
    """A download writes to the audit trail, so a link or an image elsewhere must not be able to start one."""
    assert admin_client.get(download_url(closed.offer, "eligibility", "csv")).status_code == 405
    assert admin_client.post(page_url(closed.offer)).status_code == 405
    assert not exports_downloaded().exists()


def test_a_download_without_the_csrf_token_is_refused(admin, closed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert download(client, closed.offer).status_code == 403
    assert not exports_downloaded().exists()


def test_the_page_downloads_with_buttons_that_post_a_csrf_token(admin_client, closed):
    html = admin_client.get(page_url(closed.offer)).content.decode()
    for key, fmt in DOWNLOADS:
        if fmt == "xlsx":  # asks for the file to be made
            assert (
                f'<form method="post" action="{download_url(closed.offer, key, fmt)}" class="d-inline">'
                in html
            )
        else:
            assert f'formaction="{download_url(closed.offer, key, fmt)}"' in html
    assert html.count('<form method="post" class="d-inline" data-download>') == len(EXPORTS)
    assert html.count('name="csrfmiddlewaretoken"') >= len(DOWNLOADS)
    assert f'href="{download_url(closed.offer, "eligibility", "csv")}"' not in html
