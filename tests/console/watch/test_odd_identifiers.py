"""Employee ids stored before the census rule (or by hand) still have working pages: no 500, no dead link."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Offer
from tests.console.watch.conftest import employee_with_grant, submit, url

pytestmark = pytest.mark.django_db
ODD = ["E/3001", "E?3002", "E#3003", "E 3004", ".."]


@pytest.fixture
def odd_employees(offer: Offer) -> list[str]:
    for n, employee_id in enumerate(ODD):
        employee = employee_with_grant(employee_id, "Odd", f"Identifier{n}")
        submit(offer, employee, {f"G-{employee_id}": 1000})
    return ODD


def test_the_list_links_every_employee_to_a_page_that_opens(
    admin_client: Client, offer: Offer, odd_employees: list[str]
) -> None:
    html = admin_client.get(url("employees", offer), {"q": "Odd"}).content.decode()
    links = re.findall(r'href="(/console/offers/soxp-2003/employees/[^"]+/)"', html)
    assert len(links) == len(ODD)
    for link in links:
        page = admin_client.get(link)
        assert page.status_code == 200, link
        assert "Identifier" in page.content.decode()


@pytest.mark.parametrize("employee_id", ODD)
def test_each_page_with_the_id_in_its_address_answers(
    admin_client: Client, offer: Offer, odd_employees: list[str], employee_id: str
) -> None:
    for name in ("employee", "paper-election", "paper-withdrawal"):
        assert admin_client.get(url(name, offer, employee_id)).status_code == 200, name
    assert admin_client.get(url("dashboard", offer)).status_code == 200


def test_the_auditors_pages_link_and_filter_by_an_odd_id(
    client: Client, auditor, offer: Offer, odd_employees: list[str]
) -> None:
    client.force_login(auditor)
    events = client.get(reverse("console:audit-events"), {"employee": "E/3001"})
    assert events.status_code == 200
    timeline = client.get(reverse("console:audit-employee", args=["E/3001"]))
    assert timeline.status_code == 200
    assert "Identifier0" in timeline.content.decode()
