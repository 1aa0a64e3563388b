"""The census from the browser: a dry run that writes nothing, then the confirm of the same bytes."""

import csv
import io
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.census import BUSY_MESSAGE, CensusError, CensusImportError
from soxp_portal.offers.models import Employee, Grant
from tests.factories import EmployeeFactory
from tests.offers.census_data import EMPLOYEES, employees_csv, grants_csv

pytestmark = pytest.mark.django_db
CENSUS = reverse("console:census")
CONFIRM = reverse("console:census-confirm")


def upload(client: Client, employees: bytes | None = None, grants: bytes | None = None):
    return client.post(
        CENSUS,
        {
            "employees": SimpleUploadedFile("employees.csv", employees or employees_csv(), "text/csv"),
            "grants": SimpleUploadedFile("grants.csv", grants or grants_csv(), "text/csv"),
        },
    )


def every_error(client: Client, response) -> list[dict[str, str]]:
    """The rejected census's full list of errors, downloaded as the page links it."""
    download = client.get(reverse("console:census-errors", args=[response.context["errors_key"]]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="census-errors.csv"'
    return list(csv.DictReader(io.StringIO(b"".join(download.streaming_content).decode())))


def kept_uploads() -> list[Path]:
    root = Path(settings.MEDIA_ROOT) / "census"
    return list(root.iterdir()) if root.is_dir() else []


def test_the_dry_run_shows_the_counts_and_writes_nothing(staff_client) -> None:
    response = upload(staff_client)
    assert response.status_code == 200
    assert response.context["summary"]["employees_new"] == 3
    assert response.context["summary"]["grants_new"] == 3
    assert "Import the census" in response.content.decode()
    assert not Employee.objects.exists()
    assert not AuditEvent.objects.filter(event_type="census.imported").exists()
    assert len(kept_uploads()) == 1


def test_the_dry_run_lists_every_error_by_file_row_and_column(staff_client) -> None:
    bad_employees = employees_csv(
        [EMPLOYEES[0], "E2,Lena,Lookback,not-an-email,2001-02-30,USA,active,,false,false"]
    )
    response = upload(staff_client, employees=bad_employees)
    errors = [(row["file"], row["row"], row["column"]) for row in every_error(staff_client, response)]
    assert ("employees.csv", "3", "email") in errors
    assert ("employees.csv", "3", "hire_date") in errors
    assert ("employees.csv", "3", "work_country") in errors
    html = response.content.decode()
    assert "The census was rejected" in html
    assert "&#x27;not-an-email&#x27; is not a valid email address." in html
    assert not Employee.objects.exists()
    assert not any((folder / "employees.csv").exists() for folder in kept_uploads()), "no upload is kept"


def test_a_mistake_on_every_row_is_summarised_and_every_error_downloads(staff_client, admin) -> None:
    """US-style dates on every row: a page of one line per kind, not a row per error (a page of the old
    kind took about 600 bytes an error, 12 MB for 20,000; 2,000 rows show it as well)."""
    rows = [f"E{n},Pat,Person{n},pat{n}@example.com,01/31/2001,US,active,,false,false" for n in range(2_000)]
    response = upload(staff_client, employees=employees_csv(rows), grants=grants_csv([]))
    html = response.content.decode()
    assert len(html) < 30_000, len(html)
    assert "with 2,000 errors" in html
    (group,) = response.context["groups"]
    assert (group.file, group.column, group.count) == ("employees.csv", "hire_date", 2_000)
    assert [error.row for error in group.first] == [2, 3, 4, 5, 6]
    assert "&#x27;01/31/2001&#x27; is not a date in the form YYYY-MM-DD." in html
    errors = every_error(staff_client, response)
    assert len(errors) == 2_000
    assert errors[-1] == {
        "file": "employees.csv",
        "row": "2001",
        "column": "hire_date",
        "message": "'01/31/2001' is not a date in the form YYYY-MM-DD.",
    }
    other = Client()
    other.force_login(admin)
    errors_url = reverse("console:census-errors", args=[response.context["errors_key"]])
    assert other.get(errors_url).status_code == 404, "only the session that uploaded the files"


def test_kinds_of_errors_are_told_apart_by_file_and_column(staff_client) -> None:
    employees = employees_csv(
        [
            EMPLOYEES[0].replace("1999-08-02", "08/02/1999"),
            EMPLOYEES[1].replace("2001-02-12", "02/12/2001").replace(",US,", ",USA,"),
            EMPLOYEES[2],
        ]
    )
    groups = upload(staff_client, employees=employees).context["groups"]
    assert [(group.column, group.count, [e.row for e in group.first]) for group in groups] == [
        ("hire_date", 2, [2, 3]),
        ("work_country", 1, [3]),
    ]


def test_confirming_imports_the_files_of_the_dry_run_and_audits(staff_client, admin) -> None:
    key = upload(staff_client).context["confirm"].initial["upload"]
    response = staff_client.post(CONFIRM, {"upload": key}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("console:invitations")
    assert Employee.objects.count() == 3
    assert Grant.objects.count() == 3
    event = AuditEvent.objects.get(event_type="census.imported")
    assert event.actor == admin
    assert event.data["employees_new"] == 3
    assert event.data["grants_file"] == "grants.csv"
    assert kept_uploads() == []
    assert staff_client.post(CONFIRM, {"upload": key}).status_code == 302  # used once only
    assert AuditEvent.objects.filter(event_type="census.imported").count() == 1


def test_a_file_that_no_longer_fits_on_confirm_changes_nothing(staff_client) -> None:
    key = upload(staff_client).context["confirm"].initial["upload"]
    EmployeeFactory(employee_id="E-OTHER", email="sam@example.com")  # the email is taken meanwhile
    response = staff_client.post(CONFIRM, {"upload": key})
    assert response.status_code == 200
    assert response.context["on_confirm"]
    assert {"file": "employees.csv", "row": "2", "column": "email"}.items() <= every_error(
        staff_client, response
    )[0].items()
    assert list(Employee.objects.values_list("employee_id", flat=True)) == ["E-OTHER"]
    assert not Grant.objects.exists()
    assert not AuditEvent.objects.filter(event_type="census.imported").exists()


def test_another_session_cannot_confirm_an_upload(staff_client, admin, client) -> None:
    key = upload(staff_client).context["confirm"].initial["upload"]
    other = Client()
    other.force_login(admin)
    response = other.post(CONFIRM, {"upload": key}, follow=True)
    assert "upload the files again" in response.content.decode()
    assert not Employee.objects.exists()


def test_a_changed_file_on_the_server_is_not_imported(staff_client) -> None:
    key = upload(staff_client).context["confirm"].initial["upload"]
    (Path(settings.MEDIA_ROOT) / "census" / str(key) / "grants.csv").write_bytes(grants_csv([]))
    staff_client.post(CONFIRM, {"upload": key})
    assert not Employee.objects.exists()


def test_a_made_up_upload_is_refused(staff_client) -> None:
    response = staff_client.post(CONFIRM, {"upload": "../../etc"}, follow=True)
    assert "upload the files again" in response.content.decode()


def test_an_import_refused_because_another_is_running_says_so(staff_client) -> None:
    """The refusal of a second import at once (tests/offers/test_census_concurrency.py) is shown like any
    rejection, the message standing alone: it is about no file."""
    busy = CensusImportError([CensusError("", None, None, BUSY_MESSAGE)])
    with mock.patch("soxp_portal.console.setup.import_census", side_effect=busy):
        response = upload(staff_client)
    html = response.content.decode()
    assert response.context["error_count"] == 1
    assert BUSY_MESSAGE in html
    assert '<td data-label="File">\u2013</td>' in html  # an en dash, as for a missing column
    assert not Employee.objects.exists()
