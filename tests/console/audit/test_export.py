"""Download CSV: the filtered view as CSV, neutralised, ending with the chain's last link; one audit event.

The download is a POST with the page's query string (a GET would let a link elsewhere write to the trail).
"""

import csv
import io
from datetime import timedelta
from urllib.parse import urlencode

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
EVENTS_CSV = reverse("console:audit-events-csv")


def download(client: Client, url: str, params: dict[str, str]) -> list[list[str]]:
    response = client.post(f"{url}?{urlencode(params)}")
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
    rows = download(auditor_client, EVENTS_CSV, {"employee": "E1001"})

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
    rows = download(auditor_client, EVENTS_CSV, {"employee": "E1001", "since": "2002-12-01T00:00:00"})

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
    *data, _, last_hash = download(auditor_client, EVENTS_CSV, {})
    assert data[-1][3] == "export.downloaded"
    assert data[-1][-1] == last_hash[1]
    assert [int(row[0]) for row in data[1:]] == list(range(1, len(data)))


def test_a_cell_starting_with_a_formula_is_neutralised(auditor_client: Client, offer: Offer) -> None:
    request = RequestFactory().get("/", HTTP_USER_AGENT='=HYPERLINK("http://evil")')
    record(AuditEventType.CENSUS_IMPORTED, actor=None, at=offer.opens_at, offer=offer, request=request)

    rows = download(auditor_client, EVENTS_CSV, {"event_type": "census.imported"})

    assert rows[1][EXPORT_COLUMNS.index("user_agent")] == '\'=HYPERLINK("http://evil")'


def test_the_deadline_report_exports_its_window(
    auditor_client: Client, offer: Offer, slide_9_employee
) -> None:
    elect(offer, slide_9_employee, SLIDE_9, at=offer.expires_at - timedelta(minutes=30))
    elect(offer, slide_9_employee, SLIDE_9, at=offer.expires_at - timedelta(minutes=10))

    rows = download(
        auditor_client, reverse("console:audit-deadline-csv", args=[offer.slug]), {"window": "20"}
    )

    assert [row[3] for row in rows[1:-2]] == ["election.modified"]
    exported = AuditEvent.objects.get(event_type=AuditEventType.EXPORT_DOWNLOADED)
    assert exported.data["filters"] == {"offer": "soxp-2003", "window_minutes": 20}
    assert exported.offer is None  # the export is not an event of the offer's deadline


@pytest.mark.parametrize("page", ["events", "deadline"])
def test_the_page_has_a_download_button_that_posts_its_filters_with_a_csrf_token(
    page: str, client: Client, auditor: User, offer: Offer, elections: None
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    if page == "events":
        html = client.get(EVENTS, {"employee": "E1001", "page": "1"}).content.decode()
        action = f'{EVENTS_CSV}?employee=E1001"'
    else:
        html = client.get(
            reverse("console:audit-deadline", args=[offer.slug]), {"window": "20"}
        ).content.decode()
        action = f'{reverse("console:audit-deadline-csv", args=[offer.slug])}?window=20"'
    form = html[html.index('id="audit-export"') - 200 : html.index('id="audit-export"') + 300]
    assert 'method="post"' in form
    assert f'action="{action}' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert '<button type="submit" form="audit-export"' in html
    assert "format=csv" not in html


@pytest.mark.parametrize("url_name", ["audit-events-csv", "audit-deadline-csv"])
def test_a_get_of_the_download_is_refused_and_writes_nothing(
    url_name: str, auditor_client: Client, offer: Offer
) -> None:
    args = [offer.slug] if url_name == "audit-deadline-csv" else []
    before = AuditEvent.objects.count()
    assert auditor_client.get(reverse(f"console:{url_name}", args=args)).status_code == 405
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("url_name", ["audit-events", "audit-deadline"])
def test_the_old_format_csv_link_shows_the_page_and_writes_nothing(
    url_name: str, auditor_client: Client, offer: Offer
) -> None:
    args = [offer.slug] if url_name == "audit-deadline" else []
    response = auditor_client.get(reverse(f"console:{url_name}", args=args), {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORT_DOWNLOADED).exists()


@pytest.mark.parametrize("url_name", ["audit-events-csv", "audit-deadline-csv"])
def test_a_download_without_the_csrf_token_is_refused_and_exports_nothing(
    url_name: str, auditor: User, offer: Offer
) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(auditor)
    args = [offer.slug] if url_name == "audit-deadline-csv" else []
    assert client.post(reverse(f"console:{url_name}", args=args)).status_code == 403
    assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORT_DOWNLOADED).exists()


def test_invalid_filters_send_the_auditor_back_to_the_page_without_exporting(auditor_client: Client) -> None:
    response = auditor_client.post(f"{EVENTS_CSV}?since=not-a-time")
    assert response.status_code == 302
    assert response["Location"] == f"{EVENTS}?since=not-a-time"
    assert not AuditEvent.objects.filter(event_type=AuditEventType.EXPORT_DOWNLOADED).exists()
