"""The set-up pages are tested as a stock administrator, on soxp-2003, with the clock frozen."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from tests.factories import UserFactory

#: 2002-12-01: before soxp-2003 opens (2002-12-19), so its terms can still be edited.
BEFORE_OPENING = datetime(2002, 12, 1, 18, 0, tzinfo=UTC)
#: 2003-01-20 12:00 Pacific: the day the real offer was extended, before its deadline that evening.
EXTENSION_DAY = datetime(2003, 1, 20, 20, 0, tzinfo=UTC)


def member_of(role: Role, **fields: object) -> User:
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def admin(db: None) -> User:
    return member_of(Role.STOCK_ADMINISTRATOR, email="admin@example.com", first_name="Ada")


@pytest.fixture
def auditor(db: None) -> User:
    return member_of(Role.AUDITOR, email="auditor@example.com")


@pytest.fixture
def staff_client(client: Client, admin: User) -> Client:
    client.force_login(admin)
    return client


@pytest.fixture
def before_opening() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(BEFORE_OPENING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def extension_day() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(EXTENSION_DAY, tick=False) as traveller:
        yield traveller
