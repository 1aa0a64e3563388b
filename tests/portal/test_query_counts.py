"""Each employee page runs a fixed number of queries, the same for an employee with 1 grant as with 40.

The counts are the whole request's, through the middleware: the session read and its save (every request
renews the idle time-out: a savepoint, the update, its release), the login with its employee record (one
query: accounts.backends), then the page's own queries. A page that starts to query per grant (a lazy relation in a template, a property that
reads the database) fails here at 40 grants, and a page that gains a query fails at 1. Times are measured
by bench/pages.py (docs/performance.md), never here.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Election, Employee, Offer
from tests.factories import EmployeeFactory, GrantFactory, PlanFactory, banded_offer
from tests.portal.conftest import ACKS

pytestmark = pytest.mark.django_db


@pytest.fixture(params=["soxp-2003", "banded-rsu"])
def offer(request: pytest.FixtureRequest, soxp_2003: Offer, during_offer: object) -> Offer:
    """soxp-2003, and an offer with price bands for options and RSUs granted at the close with
    preliminary ratios (issue 15): its bands are read with the terms, in the same query as the plans,
    so every page keeps its count. Its employees here work in GB and receive RSUs."""
    if request.param == "soxp-2003":
        return soxp_2003
    return banded_offer(ratio_stage="preliminary", reference_price=Decimal("1.50"), volatility=Decimal("0.6"))


#: The session read and save (3: savepoint, update, release), the login with its employee record.
SIGNED_IN = 5
#: The offer, the plans it covers (its terms) and the employee's grants: every page's menu asks
#: whether the employee has a grant to tender.
OFFER_AND_GRANTS = 3

#: Queries of each page beyond SIGNED_IN and OFFER_AND_GRANTS.
OWN_QUERIES = {
    "overview": 3,  # the election in force (with its number of grants), announcements, documents
    "options": 0,
    "compare": 0,
    "elect": 2,  # the election in force, its tendered grants (the choices on record)
    "review": 1,  # the documents listed beside the acknowledgement
    # The action: the row lock, the employee's versions read once (a repeated token, the version in
    # force, the last number), the employee's grants judged again (offer plans and grants), the new
    # version, its tendered grants, the confirmation email it owes, the audit event (the last event and
    # the insert) and the savepoints around them; on PostgreSQL the audit chain's advisory lock too, and
    # the band ratios' shared lock with the check that they did not change meanwhile (actions._hold_ratios).
    "confirm": 12 + 3 * (connection.vendor == "postgresql"),
    "confirmation": 3,  # the election with who entered it, its tendered grants, whether it is in force
    "history": 1,  # every version with its number of grants
}


@dataclass
class Holder:
    employee: Employee
    client: Client
    election: Election
    choices: dict[str, str]


def holder_of(offer: Offer, client: Client, grants: int) -> Holder:
    """A signed-in employee with `grants` eligible grants, and an election in force tendering every one."""
    employee = EmployeeFactory(
        employee_id=f"E-Q{grants}",
        first_name="Quinn",
        last_name="Query",
        work_country="GB" if offer.award_by_country else "US",
    )
    plan = PlanFactory(name="2000 Stock Option Plan")
    for n in range(grants):
        GrantFactory(
            grant_id=f"G-Q{grants}-{n:03d}",
            employee=employee,
            plan=plan,
            grant_date=date(2000, 5, 20) + timedelta(days=n),
            shares_granted=1000 + n,
            exercise_price=Decimal("6.00"),
        )
    tendered = {grant.grant_id: grant.outstanding_shares for grant in employee.grants.all()}
    election = submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=0,
        submission_token=uuid.uuid4(),
    )
    client.force_login(employee.user)
    choices = {f"tender-{grant_id}": str(shares) for grant_id, shares in tendered.items()}
    return Holder(employee, client, election, choices)


def page_request(name: str, offer: Offer, holder: Holder) -> Callable[[], object]:
    def url(view: str, *args: str) -> str:
        return reverse(f"portal:{view}", args=[offer.slug, *args])

    client, choices = holder.client, holder.choices
    signed = {**choices, **ACKS, "expected_version": "1", "signature": holder.employee.full_name}
    return {
        "overview": lambda: client.get(url("offer")),
        "options": lambda: client.get(url("grants")),
        "compare": lambda: client.get(url("compare")),
        "elect": lambda: client.get(url("elect")),
        "review": lambda: client.post(url("elect"), {**choices, "expected_version": "1"}),
        "confirm": lambda: client.post(url("confirm"), {**signed, "submission_token": str(uuid.uuid4())}),
        "confirmation": lambda: client.get(url("election", holder.election.confirmation_number)),
        "history": lambda: client.get(url("history")),
    }[name]


@pytest.mark.parametrize("grants", [1, 40])
@pytest.mark.parametrize("name", list(OWN_QUERIES))
def test_each_page_runs_a_fixed_number_of_queries(
    offer: Offer, client: Client, django_assert_num_queries, name: str, grants: int
) -> None:
    holder = holder_of(offer, client, grants)
    request = page_request(name, offer, holder)
    expected = SIGNED_IN + OFFER_AND_GRANTS + OWN_QUERIES[name]
    with django_assert_num_queries(expected):
        response = request()
    assert response.status_code == (302 if name == "confirm" else 200)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", list(OWN_QUERIES))
def test_the_count_does_not_grow_with_the_grants(offer: Offer, name: str) -> None:
    """The same page for 1 grant and for 40, each counted: equal (the test above pins the number)."""
    counts = []
    for grants in (1, 40):
        holder = holder_of(offer, Client(), grants)
        with CaptureQueriesContext(connection) as captured:
            page_request(name, offer, holder)()
        counts.append(len(captured))
    assert counts[0] == counts[1], counts
