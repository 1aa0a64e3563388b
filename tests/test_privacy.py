"""No page or download of the portal is kept in a browser's or a proxy's cache (Cache-Control: no-store)."""

from datetime import timedelta

import pytest
import time_machine
from django.http import HttpResponse, StreamingHttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse

from soxp_portal.accounts.roles import Role
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.privacy import NoStoreMiddleware
from tests.console.audit.conftest import SLIDE_9, elect, member_of

pytestmark = pytest.mark.django_db


def assert_not_stored(response: HttpResponse) -> None:
    assert response.status_code == 200
    directives = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "private"} <= directives, response["Cache-Control"]


def test_the_sign_in_page_is_not_stored(client: Client) -> None:
    assert_not_stored(client.get(reverse("accounts:login")))


def test_an_employees_pages_and_election_pdf_are_not_stored(
    client: Client, soxp_2003: Offer, slide_9_employee: Employee
) -> None:
    during = soxp_2003.opens_at + timedelta(days=2)
    election = elect(soxp_2003, slide_9_employee, SLIDE_9, at=during)
    client.force_login(slide_9_employee.user)
    with time_machine.travel(during + timedelta(hours=1), tick=False):
        for name, args in [
            ("portal:offer", []),
            ("portal:grants", []),
            ("portal:history", []),
        ]:
            assert_not_stored(client.get(reverse(name, args=[soxp_2003.slug, *args])))
        pdf = reverse("portal:election-pdf", args=[soxp_2003.slug, election.confirmation_number])
        assert_not_stored(client.post(pdf))


def test_the_audit_csv_is_not_stored(client: Client) -> None:
    client.force_login(member_of(Role.AUDITOR, "auditor@example.com"))
    assert_not_stored(client.post(reverse("console:audit-events-csv")))


def test_a_streamed_response_is_marked_too(rf: RequestFactory) -> None:
    middleware = NoStoreMiddleware(lambda request: StreamingHttpResponse(iter([b"a,b\n"])))
    assert "no-store" in middleware(rf.get("/"))["Cache-Control"]


def test_a_response_that_sets_its_own_cache_control_keeps_it(rf: RequestFactory) -> None:
    def view(request):
        response = HttpResponse("public")
        response["Cache-Control"] = "max-age=60"
        return response

    assert NoStoreMiddleware(view)(rf.get("/"))["Cache-Control"] == "max-age=60"
