"""The stock administrator's read-only preview of the employee pages, chiefly of an offer not yet open."""

import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Employee, Offer, OfferDocument
from tests.console.watch.conftest import SLIDE_9, submit, url
from tests.factories import EmployeeFactory, GrantFactory

pytestmark = pytest.mark.django_db

#: 2002-12-10 10:00 Pacific: soxp-2003 is set up but opens only on December 19.
BEFORE_OPENING = datetime(2002, 12, 10, 18, 0, tzinfo=UTC)
PREVIEW_PAGES = ("preview-overview", "preview-grants", "preview-compare")


@pytest.fixture
def upcoming(soxp_2003: Offer) -> Iterator[Offer]:
    with time_machine.travel(BEFORE_OPENING, tick=False):
        yield soxp_2003


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def get(client: Client, name: str, offer: Offer, employee_id: str = "E1001", **query: str):
    return client.get(url(name, offer, employee_id), query)


def test_the_dashboard_and_the_employee_page_lead_to_the_preview(
    admin_client: Client, upcoming: Offer, slide_9_employee: Employee
) -> None:
    dashboard = admin_client.get(url("dashboard", upcoming)).content.decode()
    assert f'action="{url("preview", upcoming)}"' in dashboard
    assert "Preview the employee pages" in dashboard
    employee = admin_client.get(url("employee", upcoming, "E1001")).content.decode()
    assert f'href="{url("preview-overview", upcoming, "E1001")}"' in employee


def test_choosing_an_employee_of_the_census_opens_their_preview(
    admin_client: Client, upcoming: Offer, slide_9_employee: Employee
) -> None:
    response = admin_client.get(url("preview", upcoming), {"employee": " E1001 "})
    assert response.status_code == 302
    assert response["Location"] == url("preview-overview", upcoming, "E1001")


def test_an_employee_id_not_in_the_census_is_named_in_the_error(
    admin_client: Client, upcoming: Offer
) -> None:
    response = admin_client.get(url("preview", upcoming), {"employee": "E-NOBODY"})
    assert response.status_code == 400
    assert "No employee E-NOBODY in the census." in response.content.decode()
    assert get(admin_client, "preview-overview", upcoming, "E-NOBODY").status_code == 404


def test_the_preview_shows_an_offer_not_yet_open_as_the_employee_will_see_it(
    admin_client: Client, upcoming: Offer, slide_9_employee: Employee
) -> None:
    overview = get(admin_client, "preview-overview", upcoming)
    assert overview.status_code == 200
    page = words(overview.content.decode())
    assert "Preview: 2003 Stock Option Exchange Program (SOXP)" in page  # the browser's title
    assert (
        "Preview What Sam Slide (E1001) sees on these pages. Read-only: no election can be made here." in page
    )
    assert "Employees cannot see this offer until it opens, December 19, 2002 at 12:00 AM PST." in page
    assert "Not open yet" in page
    assert "Not participating" in page

    grants = words(get(admin_client, "preview-grants", upcoming).content.decode())
    assert "Exercise price $2.18 is below the $3.01 threshold." in grants
    assert "in the lookback window (June 19, 2002 to December 19, 2002)" in grants

    compare = get(admin_client, "preview-compare", upcoming, price="2.00")
    assert compare.status_code == 200
    assert "The price you typed." in words(compare.content.decode())


def test_the_preview_of_an_ineligible_employee_reads_as_they_will(
    admin_client: Client, upcoming: Offer
) -> None:
    officer = EmployeeFactory(employee_id="E1003", is_executive_officer=True)
    GrantFactory(employee=officer)
    page = words(get(admin_client, "preview-overview", upcoming, "E1003").content.decode())
    assert "You are not eligible for this offer because you are an executive officer of the company" in page


def test_the_preview_links_stay_in_the_preview(
    admin_client: Client, upcoming: Offer, slide_9_employee: Employee
) -> None:
    for name in PREVIEW_PAGES:
        page = get(admin_client, name, upcoming).content.decode()
        for other in PREVIEW_PAGES:
            assert f'href="{url(other, upcoming, "E1001")}"' in page, (name, other)
        assert f'href="/offers/{upcoming.slug}/' not in page, name
        assert f'action="/offers/{upcoming.slug}/' not in page, name
    compare = get(admin_client, "preview-compare", upcoming).content.decode()
    assert f'action="{url("preview-compare", upcoming, "E1001")}"' in compare
    assert f'href="{url("preview-compare", upcoming, "E1001")}?growth=' in compare


def test_the_preview_is_read_only(admin_client: Client, soxp_2003: Offer, slide_9_employee: Employee) -> None:
    # While the offer is open, with an election on record: the preview shows it and no way to change it.
    with time_machine.travel(datetime(2003, 1, 10, 18, 0, tzinfo=UTC), tick=False):
        election = submit(soxp_2003, slide_9_employee, SLIDE_9)
        for name in PREVIEW_PAGES:
            response = get(admin_client, name, soxp_2003)
            page = response.content.decode()
            assert response.status_code == 200
            # Signing out, and on the overview the generic explanation (an audited download, so a POST).
            downloads = page.count("data-download")
            assert page.count('method="post"') - downloads == 1, name
            how_it_works = reverse("console:offer-how-it-works-pdf", args=[soxp_2003.slug])
            assert page.count(f'action="{how_it_works}" class="d-inline" data-download') == downloads, name
            assert f'action="{reverse("accounts:logout")}"' in page
            assert "Make an election" not in page, name
            assert "Make or change my election" not in page, name
            assert admin_client.post(url(name, soxp_2003, "E1001")).status_code == 405
        overview = get(admin_client, "preview-overview", soxp_2003).content.decode()
    assert "Participating" in overview
    assert election.confirmation_number in overview
    assert "Change my election" not in overview
    assert ">Withdraw<" not in overview
    assert ">Election</a>" not in overview
    assert ">History</a>" not in overview


def test_a_document_in_the_preview_opens_from_the_console(
    admin_client: Client, upcoming: Offer, slide_9_employee: Employee
) -> None:
    document = OfferDocument(offer=upcoming, title="Offer to Exchange")
    document.file.save("offer-to-exchange.pdf", ContentFile(b"%PDF-1.4 offer"), save=True)
    link = reverse("console:offer-document", args=[upcoming.slug, document.pk])
    assert f'href="{link}"' in get(admin_client, "preview-overview", upcoming).content.decode()
    response = admin_client.get(link)
    assert b"".join(response.streaming_content) == b"%PDF-1.4 offer"


def test_an_employee_cannot_reach_the_preview_not_even_their_own(
    client: Client, upcoming: Offer, slide_9_employee: Employee
) -> None:
    client.force_login(slide_9_employee.user)
    for name in PREVIEW_PAGES:
        response = get(client, name, upcoming)
        assert response.status_code == 403, name
        assert upcoming.name not in response.content.decode()
    assert client.get(url("preview", upcoming), {"employee": "E1001"}).status_code == 403
