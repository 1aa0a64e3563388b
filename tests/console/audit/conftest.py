"""The auditor's pages are tested on soxp-2003 with elections made through ``submit_election``.

Deadline of soxp-2003: 2003-01-21 05:00 UTC (January 20, 2003 at 9:00 PM PST).
"""

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.offers.actions import ElectionError, submit_election
from soxp_portal.offers.models import Election, Employee, Offer
from soxp_portal.offers.queries import current_election
from tests.audit.conftest import tamper  # noqa: F401  (raw SQL past the append-only guards)
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}


def member_of(role: Role, email: str) -> User:
    user = UserFactory(email=email)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def auditor(db: None) -> User:
    return member_of(Role.AUDITOR, "auditor@example.com")


@pytest.fixture
def stock_admin(db: None) -> User:
    return member_of(Role.STOCK_ADMINISTRATOR, "stock.admin@example.com")


@pytest.fixture
def auditor_client(client: Client, auditor: User) -> Client:
    client.force_login(auditor)
    return client


@pytest.fixture
def offer(soxp_2003: Offer) -> Offer:
    return soxp_2003


@pytest.fixture
def deadline(offer: Offer) -> datetime:
    return offer.expires_at


@pytest.fixture
def bob_with_grant(db: None) -> Employee:
    """Another employee, with one eligible 1,000-share grant."""
    employee = EmployeeFactory(first_name="Bob", last_name="Baker", employee_id="E-BOB")
    GrantFactory(grant_id="G-BOB-1", employee=employee)
    return employee


def elect(
    offer: Offer,
    employee: Employee,
    tendered: Mapping[str, int],
    *,
    at: datetime,
    channel: str = Election.Channel.WEB,
    actor: User | None = None,
) -> Election:
    """An election (or a modification) made at `at` through the real action; paper ones by `actor`."""
    latest = current_election(offer, employee)
    return submit_election(
        offer,
        employee,
        tendered,
        actor=actor or employee.user,
        signature=employee.full_name,
        expected_version=latest.version if latest else 0,
        submission_token=uuid.uuid4(),
        channel=channel,
        received_at=at,
        now=at if channel == Election.Channel.WEB else at + timedelta(minutes=1),
    )


def elect_late(offer: Offer, employee: Employee, tendered: Mapping[str, int], *, at: datetime) -> None:
    """An attempt after the deadline: refused, and the refusal is an audit event."""
    with pytest.raises(ElectionError):
        elect(offer, employee, tendered, at=at)
