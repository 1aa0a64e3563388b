"""Fixtures of the audit tests: an acting administrator, a fixed `now`, a short chain, and raw SQL
that gets past the append-only guards the way an attacker with database access would."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Employee
from tests.factories import UserFactory

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
