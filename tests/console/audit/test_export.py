"""?format=csv: the filtered view as CSV, neutralised, ending with the chain's last link; one audit event."""

import csv
import io
from datetime import timedelta

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import last_link, record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.audit.queries import EXPORT_COLUMNS
from soxp_portal.offers.models import Employee, Offer
from tests.console.audit.conftest import SLIDE_9, elect

pytestmark = pytest.mark.django_db

EVENTS = reverse("console:audit-events")


def download(client: Client, url: str, params: dict[str, str]) -> list[list[str]]:
    response = client.get(url, {**params, "format": "csv"})
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    text = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def elections(offer: Offer, slide_9_employee: Employee, bob_with_grant: Employee) -> None:
    elect(offer, slide_9_employee, SLIDE_9, at=offer.opens_at + timedelta(days=2))
    elect(offer, bob_with_grant, {"G-BOB-1": 1000}, at=offer.opens_at + timedelta(days=3))


def test_the_csv_holds_the_filtered_rows_and_ends_with_the_chains_last_link(
    auditor_client: Client, elections: None
) -> None:
    rows = download(auditor_client, EVENTS, {"employee": "E1001"})

    header, *data, last_sequence, last_hash = rows
    assert tuple(header) == EXPORT_COLUMNS
    assert [(row[0], row[3], row[5]) for row in data] == [
        (str(event.sequence), "election.submitted", "E1001")
        for event in AuditEvent.objects.filter(employee_number="E1001")
    ]
    assert data[0][1].endswith("Z")
    assert data[0][6] == "soxp-2003"
    exported = AuditEvent.objects.get(event_type=AuditEventType.EXPORT_DOWNLOADED)
    assert last_sequence == ["# chain_last_sequence", str(exported.sequence)]
    assert last_hash == ["# chain_last_hash", exported.hash]
    assert last_link() == (exported.sequence, exported.hash)


def test_the_export_writes_one_event_with_its_filters_before_the_file(
    auditor_client: Client, auditor: User, elections: None
) -> None:
    rows = download(auditor_client, EVENTS, {"employee": "E1001", "since": "2002-12-01T00:00:00"})

    exported = AuditEvent.objects.get(event_type=AuditEventType.EXPORT_DOWNLOADED)
    assert exported.actor == auditor
    assert exported.data == {
        "report": "events",
        "format": "csv",
        # Read in the zone the page shows (midnight Pacific), recorded in UTC.
        "filters": {"employee_id": "E1001", "since": "2002-12-01T08:00:00.000000Z"},
    }
    assert ["# chain_last_hash", exported.hash] in rows


def test_an_unfiltered_export_lists_its_own_event_last(auditor_client: Client, elections: None) -> None:
    *data, _, last_hash = download(auditor_client, EVENTS, {})
    assert data[-1][3] == "export.downloaded"
    assert data[-1][-1] == last_hash[1]
    assert [int(row[0]) for row in data[1:]] == list(range(1, len(data)))


def test_a_cell_starting_with_a_formula_is_neutralised(auditor_client: Client, offer: Offer) -> None:
    request = RequestFactory().get("/", HTTP_USER_AGENT='=HYPERLINK("http://evil")')
    record(AuditEventType.CENSUS_IMPORTED, actor=None, at=offer.opens_at, offer=offer, request=request)

    rows = download(auditor_client, EVENTS, {"event_type": "census.imported"})

    assert rows[1][EXPORT_COLUMNS.index("user_agent")] == '\'=HYPERLINK("http://evil")'


def test_the_deadline_report_exports_its_window(
    auditor_client: Client, offer: Offer, slide_9_employee
) -> None:
    elect(offer, slide_9_employee, SLIDE_9, at=offer.expires_at - timedelta(minutes=30))
    elect(offer, slide_9_employee, SLIDE_9, at=offer.expires_at - timedelta(minutes=10))

    rows = download(auditor_client, reverse("console:audit-deadline", args=[offer.slug]), {"window": "20"})

    assert [row[3] for row in rows[1:-2]] == ["election.modified"]
    exported = AuditEvent.objects.get(event_type=AuditEventType.EXPORT_DOWNLOADED)
    assert exported.data["filters"] == {"offer": "soxp-2003", "window_minutes": 20}
    assert exported.offer is None  # the export is not an event of the offer's deadline
