"""The elections of the document tests: slide 9's employee on soxp-2003, then a change and a withdrawal."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from soxp_portal.offers.models import Election, Employee, Offer
from tests.factories import ElectionFactory, EmployeeFactory, GrantFactory, PlanFactory, TenderedGrantFactory

#: Slide 9: grant id, grant date, shares granted, exercised, exercise price. G-1003 ($2.18) is ineligible.
SLIDE_9_GRANTS = [
    ("G-1001", date(2000, 5, 20), 1000, 200, "6.00"),
    ("G-1002", date(2001, 3, 5), 1000, 0, "4.50"),
    ("G-1003", date(2002, 2, 28), 500, 0, "2.18"),
    ("G-1004", date(2002, 7, 1), 500, 0, "0.40"),
]
SLIDE_9_TENDERED = ["G-1001", "G-1002", "G-1004"]

#: 10:00 AM Pacific on January 10, 2003, with microseconds, as the server would stamp it.
RECEIVED_AT = datetime(2003, 1, 10, 18, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def slide_9_employee(soxp_2003: Offer) -> Employee:
    employee = EmployeeFactory(
        employee_id="E1001", first_name="Dana", last_name="Whitfield", email="dana.whitfield@example.com"
    )
    plan = PlanFactory(name="2000 Stock Option Plan")
    for grant_id, granted, shares, exercised, price in SLIDE_9_GRANTS:
        GrantFactory(
            grant_id=grant_id,
            employee=employee,
            plan=plan,
            grant_date=granted,
            shares_granted=shares,
            shares_exercised=exercised,
            exercise_price=Decimal(price),
        )
    return employee


def make_election(
    offer: Offer,
    employee: Employee,
    *,
    version: int = 1,
    confirmation_number: str,
    tendered: list[str] | None = None,
    kind: str = Election.Kind.ELECTION,
    received_at: datetime = RECEIVED_AT,
    **fields: object,
) -> Election:
    """An election version with its tendered grants (their whole outstanding shares, as the offer requires)."""
    election = ElectionFactory(
        offer=offer,
        employee=employee,
        version=version,
        kind=kind,
        confirmation_number=confirmation_number,
        received_at=received_at,
        **fields,
    )
    for grant in employee.grants.filter(grant_id__in=tendered or []):
        TenderedGrantFactory(election=election, grant=grant)
    return election


@pytest.fixture
def slide_9_election(soxp_2003: Offer, slide_9_employee: Employee) -> Election:
    return make_election(
        soxp_2003, slide_9_employee, confirmation_number="7QJ3M-XR2PD", tendered=SLIDE_9_TENDERED
    )


@pytest.fixture
def slide_9_withdrawal(soxp_2003: Offer, slide_9_employee: Employee, slide_9_election: Election) -> Election:
    return make_election(
        soxp_2003,
        slide_9_employee,
        version=2,
        kind=Election.Kind.WITHDRAWAL,
        confirmation_number="WD4KP-9ZNTE",
        received_at=datetime(2003, 1, 15, 23, 30, tzinfo=UTC),
    )
