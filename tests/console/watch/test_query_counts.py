"""The dashboard and the employee list run the same number of queries for 3 employees as for 30, and
so does judging a changed census again (``offers/verdicts.py``)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soxp_portal.offers.models import Offer
from soxp_portal.offers.verdicts import ensure_current
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
    client.get(url(PAGES[0][0], offer))  # the session's renewal (at most once a minute) is not a page's
    counts = []
    for name, params in PAGES:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url(name, offer), params).status_code == 200
        counts.append(len(captured))
    return counts


def test_queries_do_not_grow_with_the_census(admin_client: Client, offer: Offer) -> None:
    census_of(offer, 3)
    ensure_current(offer)  # the verdicts stored, as the import or a change of terms stores them
    small = queries(admin_client, offer)
    census_of(offer, 27, start=3)
    ensure_current(offer)
    assert queries(admin_client, offer) == small
    # Reading the stored verdicts: 2 queries to check they are current (the judged digests with the
    # census's counts and latest changes, the covered plans) and 1 for the figures.
    assert max(small) <= 15, small


def test_judging_a_changed_census_again_does_not_grow_with_it(admin_client: Client, offer: Offer) -> None:
    """Verdicts made stale by writes that did not judge them (here the factories) are judged again by
    the next view, in a fixed number of queries: two streaming reads, a delete and one bulk insert."""

    def first_view() -> int:
        assert admin_client.get(reverse("console:home")).status_code == 200  # the session's own queries
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(url("dashboard", offer)).status_code == 200
        return len(captured)

    census_of(offer, 3)
    small = first_view()
    census_of(offer, 27, start=3)
    assert first_view() == small
