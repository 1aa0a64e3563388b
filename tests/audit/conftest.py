"""Fixtures of the audit tests: an acting administrator, a fixed `now`, a short chain, an offer closed
through the real actions, and raw SQL that gets past the append-only guards the way an attacker with
database access would."""

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.db.models import Model

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing import tasks as letter_tasks
from soxp_portal.closing.actions import (
    accept_tenders,
    cancel_tendered_grants,
    create_new_grants,
    issue_letters,
    record_termination,
)
from soxp_portal.offers.actions import submit_election, withdraw_election
from soxp_portal.offers.models import Election, Employee, Offer
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

TABLE = AuditEvent._meta.db_table
TRIGGER = "audit_event_append_only"
NOW = datetime(2003, 1, 10, 18, 0, 0, 123456, tzinfo=UTC)

RawSQL = Callable[..., None]


@pytest.fixture
def stock_admin(db: None) -> User:
    """The stock administrator who acts in these tests."""
    return UserFactory(email="stock.admin@example.com")


@pytest.fixture
def chain(stock_admin: User, alice: Employee) -> list[AuditEvent]:
    """Five events written through the one writer."""
    return [
        record(
            AuditEventType.ELECTION_SUBMITTED,
            actor=stock_admin,
            at=NOW,
            subject=alice,
            data={"n": n},
        )
        for n in range(1, 6)
    ]


@contextmanager
def trigger_disabled() -> Iterator[None]:
    """On PostgreSQL, lifts the append-only trigger for the test's own transaction.

    ALTER TABLE refuses while the table has pending (deferred) foreign-key checks, so those are run
    first. The test transaction is rolled back afterwards anyway; enabling the trigger again keeps
    the rest of the test honest.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TRIGGER}")
        try:
            yield
        finally:
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TRIGGER}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


@pytest.fixture
def tamper(db: None) -> RawSQL:
    """Runs raw SQL against the audit table as someone with write access to the database would."""

    def run(sql: str, params: list[Any] | None = None) -> None:
        with trigger_disabled(), connection.cursor() as cursor:
            cursor.execute(sql.format(table=TABLE), params)

    return run


def unreadable_time() -> str:
    """A value for a time column that cannot be read back as a time.

    PostgreSQL stores ``infinity``, which no Python datetime holds (psycopg refuses to read it);
    SQLite stores any text, and a 13th month makes Django's parser raise.
    """
    return "infinity" if connection.vendor == "postgresql" else "2003-13-45 25:61:00"


@contextmanager
def check_constraints_ignored() -> Iterator[None]:
    """On SQLite, lets raw SQL store what a column's CHECK refuses (text that is not JSON in a JSON
    column), as someone editing the database file could."""
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            yield
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")


sqlite_only = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="PostgreSQL's column types refuse this value outright"
)


def change_row(model: type[Model], pk: int, **values: Any) -> None:
    """Sets columns of one row in raw SQL, past the append-only guards of the ORM, as someone with
    write access to the database would. Values are adapted as the field would store them."""
    fields = [model._meta.get_field(name) for name in values]
    assignments = ", ".join(f"{connection.ops.quote_name(field.column)} = %s" for field in fields)
    params = [
        field.get_db_prep_value(value, connection)
        for field, value in zip(fields, values.values(), strict=True)
    ]
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {assignments} WHERE id = %s", [*params, pk])  # noqa: S608


def garble_row(model: type[Model], pk: int, column: str, text: str) -> None:
    """Stores `text` as it is in one column of one row, whatever the column's type."""
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {connection.ops.quote_name(column)} = %s WHERE id = %s",  # noqa: S608
            [text, pk],
        )


def delete_row(model: type[Model], pk: int) -> None:
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE id = %s", [pk])  # noqa: S608


# An offer closed through the real actions ----------------------------------------------------------

SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}
# soxp-2003: deadline 2003-01-21 05:00 UTC; cancellation date 2003-01-20; new grant date 2003-07-21.
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
TERMINATION_DAY = datetime(2003, 3, 4, 17, 0, tzinfo=UTC)
ON_GRANT_DATE = datetime(2003, 7, 21, 17, 0, tzinfo=UTC)
CONDITION = "Vests only if 2003 revenue exceeds $60 million."


def stored_letters(documents: list[Any]) -> list[bytes]:
    """Stands in for the PDF rendering: a few distinct bytes per letter."""
    return [f"%PDF-1.7 promise to grant for {document.employee_id}".encode() for document in documents]


@dataclass
class Close:
    """soxp-2003 closed: Sam (slide 9) and Alice granted, Bob withdrawn, Carol terminated."""

    offer: Offer
    sam: Employee
    alice: Employee
    bob: Employee
    carol: Employee
    admin: User


def elect(offer: Offer, employee: Employee, tendered: dict[str, int], *, day: int) -> Election:
    return submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=Election.objects.filter(employee=employee).count(),
        submission_token=uuid.uuid4(),
        now=offer.opens_at + timedelta(days=day),
    )


def close_offer(
    offer: Offer, participants: list[tuple[Employee, dict[str, int]]], admin: User, capture
) -> None:
    for day, (employee, tendered) in enumerate(participants, start=1):
        elect(offer, employee, tendered, day=day)
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    cancel_tendered_grants(offer, actor=admin, now=AFTER_DEADLINE)
    with capture(execute=True):
        issue_letters(offer, actor=admin, now=AFTER_DEADLINE)


def build_close(offer: Offer, sam: Employee, capture) -> Close:
    alice = EmployeeFactory(first_name="Alice", last_name="Able", employee_id="E-ALICE")
    GrantFactory(grant_id="G-A1", employee=alice, performance_condition=CONDITION)
    bob = EmployeeFactory(first_name="Bob", last_name="Baker", employee_id="E-BOB")
    GrantFactory(grant_id="G-B1", employee=bob)
    carol = EmployeeFactory(first_name="Carol", last_name="Cole", employee_id="E-CAROL")
    GrantFactory(grant_id="G-C1", employee=carol, shares_granted=333)
    admin = UserFactory(email="admin@example.com", is_staff=True)
    elect(offer, bob, {"G-B1": 1000}, day=20)
    withdraw_election(
        offer,
        bob,
        actor=bob.user,
        signature=bob.full_name,
        expected_version=1,
        submission_token=uuid.uuid4(),
        now=offer.opens_at + timedelta(days=21),
    )
    close_offer(offer, [(sam, SLIDE_9), (alice, {"G-A1": 1000}), (carol, {"G-C1": 333})], admin, capture)
    record_termination(offer, carol, termination_date=date(2003, 3, 1), actor=admin, now=TERMINATION_DAY)
    create_new_grants(offer, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)
    return Close(offer, sam, alice, bob, carol, admin)


@pytest.fixture
def closed(
    soxp_2003: Offer,
    slide_9_employee: Employee,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> Close:
    monkeypatch.setattr(letter_tasks, "render_documents", stored_letters)
    return build_close(soxp_2003, slide_9_employee, django_capture_on_commit_callbacks)
