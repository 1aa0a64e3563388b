"""The dashboard and the employee list run the same number of queries for 3 employees as for 30, and
so does judging a changed census again (``offers/verdicts.py``)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from soxp_portal.offers.models import Offer
from tests.console.watch.conftest import employee_with_grant, submit, url, withdraw

pytestmark = pytest.mark.django_db
PAGES = [
    ("dashboard", {}),
    ("employees", {}),
    ("employees", {"standing": "eligible"}),
    ("employees", {"standing": "participating"}),
    ("employees", {"standing": "not-decided", "q": "E-"}),
]


def census_of(offer: Offer, size: int, start: int = 0) -> None:
    """`size` eligible employees, each with a grant: a third elect, a third elect and withdraw, a third wait."""
    for n in range(start, start + size):
        employee = employee_with_grant(f"E-{n:04d}", "Quentin", f"Query{n:04d}")
        if n % 3 != 2:
            submit(offer, employee, {f"G-E-{n:04d}": 1000})
        if n % 3 == 1:
            withdraw(offer, employee, version=1)


def queries(client: Client, offer: Offer) -> list[int]:
    """The queries of each page, the first view after a change of the census (which judges it) first."""
    counts = []
    for name, params in [("dashboard", {}), *PAGES]:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(name, offer), params).status_code == 200
        counts.append(len(captured))
    return counts


def test_queries_do_not_grow_with_the_census(admin_client: Client, offer: Offer) -> None:
    census_of(offer, 3)
    small = queries(admin_client, offer)
    census_of(offer, 27, start=3)
    assert queries(admin_client, offer) == small
    # Reading the stored verdicts: 2 queries to check they are current (the judged digests with the
    # census's aggregates, the covered plans) and 1 for the figures.
    assert max(small[1:]) <= 15, small
    assert small[0] <= small[1] + 20, small  # judging again: reads, a delete, inserts and their digests
