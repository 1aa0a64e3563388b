"""The elections of the document tests: slide 9's employee on soxp-2003, then a change and a withdrawal."""

from datetime import UTC, datetime

import pytest

from soxp_portal.offers.models import Election, Employee, Offer
from tests.factories import ElectionFactory, TenderedGrantFactory

SLIDE_9_TENDERED = ["G-1001", "G-1002", "G-1004"]

#: 10:00 AM Pacific on January 10, 2003, with microseconds, as the server would stamp it.
RECEIVED_AT = datetime(2003, 1, 10, 18, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def slide_9_employee(slide_9_employee: Employee, soxp_2003: Offer) -> Employee:
    """The shared slide 9 employee (tests/conftest.py), under a name the document tests look for."""
    slide_9_employee.first_name, slide_9_employee.last_name = "Dana", "Whitfield"
    slide_9_employee.email = "dana.whitfield@example.com"
    slide_9_employee.save()
    return slide_9_employee


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
