"""The watch pages are tested on soxp-2003 with the clock frozen inside its window (2003-01-10)."""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.offers.actions import submit_election, withdraw_election
from soxp_portal.offers.models import Election, Employee, Offer
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

#: 2003-01-10 10:00 Pacific: the 2003 offer is open.
DURING_OFFER = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}


def member_of(role: Role, **fields: object) -> User:
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def during_offer() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(DURING_OFFER, tick=False) as traveller:
        yield traveller


@pytest.fixture
def offer(soxp_2003: Offer, during_offer: time_machine.Traveller) -> Offer:
    return soxp_2003


@pytest.fixture
def admin(db: None) -> User:
    return member_of(Role.STOCK_ADMINISTRATOR, email="ada.admin@example.com")


@pytest.fixture
def auditor(db: None) -> User:
    return member_of(Role.AUDITOR, email="aldo.auditor@example.com")


@pytest.fixture
def admin_client(client: Client, admin: User) -> Client:
    client.force_login(admin)
    return client


def url(name: str, offer: Offer, *args: str) -> str:
    return reverse(f"console:{name}", args=[offer.slug, *args])


def submit(
    offer: Offer, employee: Employee, tendered: dict[str, int], *, version: int = 0, **kwargs
) -> Election:
    return submit_election(
        offer,
        employee,
        tendered,
        actor=kwargs.pop("actor", employee.user),
        signature=kwargs.pop("signature", employee.full_name),
        expected_version=version,
        submission_token=uuid.uuid4(),
        **kwargs,
    )


def withdraw(offer: Offer, employee: Employee, *, version: int, **kwargs) -> Election:
    return withdraw_election(
        offer,
        employee,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        **kwargs,
    )


def employee_with_grant(
    employee_id: str, first: str, last: str, *, shares: int = 1000, price: str = "6.00", **fields
):
    employee = EmployeeFactory(employee_id=employee_id, first_name=first, last_name=last, **fields)
    GrantFactory(
        grant_id=f"G-{employee_id}", employee=employee, shares_granted=shares, exercise_price=Decimal(price)
    )
    return employee


@dataclass
class Census:
    """Seven employees, five eligible; two participate, one withdrew, two have not decided."""

    sam: Employee  # slide 9: 2,300 eligible shares; elects them all (-> 1,725 new)
    alice: Employee  # 1,000 eligible; elects, then withdraws
    bob: Employee  # 1,000 eligible; elects, then elects again (version 2)
    dave: Employee  # 400 eligible; not decided
    erin: Employee  # 1,000 eligible; not decided
    carol: Employee  # one grant at $2.00, outside the lookback: not eligible
    oscar: Employee  # executive officer: not eligible
    terry: Employee  # left before the offer: not eligible


@pytest.fixture
def census(offer: Offer, slide_9_employee: Employee) -> Census:
    people = Census(
        sam=slide_9_employee,
        alice=employee_with_grant("E-ALICE", "Alice", "Able"),
        bob=employee_with_grant("E-BOB", "Bob", "Baker", email="bob.baker@example.com"),
        dave=employee_with_grant("E-DAVE", "Dave", "Dunn", shares=400, price="5.00"),
        erin=employee_with_grant("E-ERIN", "Erin", "Ellis"),
        carol=employee_with_grant("E-CAROL", "Carol", "Cheap", price="2.00"),
        oscar=employee_with_grant("E-OSCAR", "Oscar", "Officer", is_executive_officer=True),
        terry=employee_with_grant(
            "E-TERRY", "Terry", "Gone", status=Employee.Status.TERMINATED, termination_date=date(2002, 12, 1)
        ),
    )
    # Pacific days: Sam on Jan 6; Alice on Jan 8 and withdraws late on Jan 9 (Jan 10 in UTC); Bob twice on Jan 9.
    submit(offer, people.sam, SLIDE_9, now=datetime(2003, 1, 6, 17, 0, tzinfo=UTC))
    submit(offer, people.alice, {"G-E-ALICE": 1000}, now=datetime(2003, 1, 8, 17, 0, tzinfo=UTC))
    withdraw(offer, people.alice, version=1, now=datetime(2003, 1, 10, 7, 30, tzinfo=UTC))
    submit(offer, people.bob, {"G-E-BOB": 1000}, now=datetime(2003, 1, 9, 17, 0, tzinfo=UTC))
    submit(offer, people.bob, {"G-E-BOB": 1000}, version=1, now=datetime(2003, 1, 9, 18, 0, tzinfo=UTC))
    return people
