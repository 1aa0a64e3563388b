"""The employee list: search by name, id or email; filter by standing; 50 a page."""

import re

import pytest
from django.test import Client

from soxp_portal.offers.models import Offer
from tests.console.watch.conftest import Census, url
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def listed(client: Client, offer: Offer, **params: str) -> list[str]:
    response = client.get(url("employees", offer), params)
    assert response.status_code == 200
    return re.findall(r'href="/console/offers/soxp-2003/employees/([^/"]+)/"', response.content.decode())


def test_everyone_is_listed_in_name_order(admin_client: Client, offer: Offer, census: Census) -> None:
    assert listed(admin_client, offer) == [
        "E-ALICE", "E-BOB", "E-CAROL", "E-DAVE", "E-ERIN", "E-TERRY", "E-OSCAR", "E1001"
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("slide", ["E1001"]),  # last name, any case
        ("Sam Slide", ["E1001"]),  # full name
        ("  sam   slide ", ["E1001"]),  # extra spaces
        ("e-bo", ["E-BOB"]),  # employee id
        ("bob.baker@", ["E-BOB"]),  # email
        ("nobody", []),
    ],
)
def test_search(admin_client: Client, offer: Offer, census: Census, query: str, expected: list[str]) -> None:
    assert listed(admin_client, offer, q=query) == expected


@pytest.mark.parametrize(
    ("standing", "expected"),
    [
        ("eligible", ["E-ALICE", "E-BOB", "E-DAVE", "E-ERIN", "E1001"]),
        ("participating", ["E-BOB", "E1001"]),
        ("withdrawn", ["E-ALICE"]),
        ("not-decided", ["E-DAVE", "E-ERIN"]),
        ("not-eligible", ["E-CAROL", "E-TERRY", "E-OSCAR"]),
    ],
)
def test_filters(
    admin_client: Client, offer: Offer, census: Census, standing: str, expected: list[str]
) -> None:
    assert listed(admin_client, offer, standing=standing) == expected


def test_search_and_filter_combine(admin_client: Client, offer: Offer, census: Census) -> None:
    assert listed(admin_client, offer, q="e-", standing="not-decided") == ["E-DAVE", "E-ERIN"]
    assert listed(admin_client, offer, q="dave", standing="participating") == []


def test_an_unknown_filter_is_shown_as_an_error_and_lists_everyone(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    response = admin_client.get(url("employees", offer), {"standing": "bogus"})
    assert "Select a valid choice" in response.content.decode()
    assert len(listed(admin_client, offer, standing="bogus")) == 8


def test_each_row_shows_the_election_in_force(admin_client: Client, offer: Offer, census: Census) -> None:
    html = admin_client.get(url("employees", offer), {"q": "bob"}).content.decode()
    assert "Participating" in html
    assert "v2 · January 9, 2003 at 10:00:00 AM PST" in html
    assert "1,000 → 750" in html
    html = admin_client.get(url("employees", offer), {"q": "alice"}).content.decode()
    assert "Withdrawn" in html
    assert "v2 · January 9, 2003 at 11:30:00 PM PST" in html


def test_pages_of_fifty_keep_the_search(admin_client: Client, offer: Offer) -> None:
    EmployeeFactory.create_batch(55, first_name="Pat")
    first = admin_client.get(url("employees", offer), {"q": "pat"}).content.decode()
    assert "55 employees, showing 1\N{EN DASH}50" in first
    assert len(listed(admin_client, offer, q="pat")) == 50
    assert 'href="?q=pat&amp;page=2"' in first
    second = admin_client.get(url("employees", offer), {"q": "pat", "page": "2"})
    assert "showing 51\N{EN DASH}55" in second.content.decode()
    assert len(listed(admin_client, offer, q="pat", page="2")) == 5
    assert admin_client.get(url("employees", offer), {"q": "pat", "page": "3"}).status_code == 404


def test_pages_of_a_census_filter(admin_client: Client, offer: Offer) -> None:
    EmployeeFactory.create_batch(52)  # eligible as employees, but no grants: not eligible
    assert len(listed(admin_client, offer, standing="not-eligible", page="2")) == 2
