"""Every auditor page: auditors and superusers get it; anonymous visitors sign in; other roles get 403.

The pages are read with a GET; the two CSV downloads, which write ``export.downloaded``, with a POST.
"""

import pytest
from django.http.response import HttpResponseBase
from django.test import Client
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Employee, Offer
from tests.console.audit.conftest import SLIDE_9, elect
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def urls(offer: Offer, slide_9_employee: Employee) -> dict[str, str]:
    election = elect(
        offer, slide_9_employee, SLIDE_9, at=offer.opens_at + (offer.expires_at - offer.opens_at) / 2
    )
    assert election.version == 1
    return {
        "events": reverse("console:audit-events"),
        "events-csv": reverse("console:audit-events-csv"),
        "event": reverse("console:audit-event", args=[1]),
        "employee": reverse("console:audit-employee", args=[slide_9_employee.employee_id]),
        "deadline": reverse("console:audit-deadline", args=[offer.slug]),
        "deadline-csv": reverse("console:audit-deadline-csv", args=[offer.slug]),
        "chain": reverse("console:audit-chain"),
    }


PAGES = ["events", "events-csv", "event", "employee", "deadline", "deadline-csv", "chain"]
DOWNLOADS = {"events-csv", "deadline-csv"}


def open_page(client: Client, urls: dict[str, str], page: str) -> HttpResponseBase:
    """A GET of a page, a POST of a download."""
    return (client.post if page in DOWNLOADS else client.get)(urls[page])


@pytest.mark.parametrize("page", PAGES)
def test_an_auditor_gets_the_page(page: str, urls: dict[str, str], auditor_client: Client) -> None:
    assert open_page(auditor_client, urls, page).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_a_superuser_gets_the_page(page: str, urls: dict[str, str], client: Client) -> None:
    client.force_login(UserFactory(email="root@example.com", is_superuser=True, is_staff=True))
    assert open_page(client, urls, page).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(page: str, urls: dict[str, str], client: Client) -> None:
    response = open_page(client, urls, page)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("page", PAGES)
def test_an_employee_is_refused(
    page: str, urls: dict[str, str], client: Client, slide_9_employee: Employee
) -> None:
    client.force_login(slide_9_employee.user)
    assert open_page(client, urls, page).status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_a_stock_administrator_who_is_not_an_auditor_is_refused(
    page: str, urls: dict[str, str], client: Client, stock_admin: User
) -> None:
    client.force_login(stock_admin)
    assert open_page(client, urls, page).status_code == 403


def test_unknown_event_employee_and_offer_are_404(auditor_client: Client, offer: Offer) -> None:
    assert auditor_client.get(reverse("console:audit-event", args=[999])).status_code == 404
    assert auditor_client.get(reverse("console:audit-employee", args=["NOBODY"])).status_code == 404
    assert auditor_client.get(reverse("console:audit-deadline", args=["no-such-offer"])).status_code == 404


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_are_read_only_and_the_downloads_post_only(
    page: str, urls: dict[str, str], auditor_client: Client
) -> None:
    """A POST of a page and a GET of a download are refused (405): nothing, not even an export, is done."""
    before = AuditEvent.objects.count()
    wrong_method = auditor_client.get if page in DOWNLOADS else auditor_client.post
    assert wrong_method(urls[page]).status_code == 405
    assert AuditEvent.objects.count() == before
