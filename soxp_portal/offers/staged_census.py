"""The census staged in temporary tables, compared with the portal's and written to it in SQL.

``census.py`` reads and checks the two files row by row and appends each good row to a temporary table
of this connection (``COPY`` on PostgreSQL, ``executemany`` in chunks on SQLite). Comparing with the
portal (what is new, changed and unchanged, and the checks that need the portal's data) and writing are
then a few set-based statements that the database runs with its indexes: an import holds neither census
in memory, whatever its size (docs/performance.md).

The staged columns have the database types of the model fields they hold, and their values are prepared
as the ORM prepares them, so a staged value compares and copies exactly as the ORM would store it.
Nothing here decides what is right or wrong: the functions return the facts, and ``census.py`` words the
messages.
"""

# ruff: noqa: S608  # the SQL is built from constant names and model metadata; values are parameters

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import DatabaseError, connection, models
from django.db.models import F

from soxp_portal.accounts.models import User
from soxp_portal.offers.bulk import (
    append_rows,
    create_temporary_table,
    drop_temporary_table,
    insert_select,
    prepare,
)
from soxp_portal.offers.models import Employee, Grant, Plan

EMPLOYEES = "census_staged_employee"
GRANTS = "census_staged_grant"
#: The census fields an import compares and writes (the grant's employee and plan are compared by census
#: id and name, apart).
EMPLOYEE_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "hire_date",
    "work_country",
    "status",
    "termination_date",
    "is_executive_officer",
    "is_director",
)
GRANT_FIELDS = (
    "option_type",
    "grant_date",
    "shares_granted",
    "shares_exercised",
    "shares_cancelled",
    "exercise_price",
    "expiration_date",
    "performance_condition",
)
_FILE_ROW = ("file_row", models.IntegerField())


def employee_columns() -> list[tuple[str, models.Field[Any, Any]]]:
    field = Employee._meta.get_field
    return [
        _FILE_ROW,
        ("employee_id", field("employee_id")),
        *((name, field(name)) for name in EMPLOYEE_FIELDS),
        ("password", User._meta.get_field("password")),
    ]


def grant_columns() -> list[tuple[str, models.Field[Any, Any]]]:
    field = Grant._meta.get_field
    return [
        _FILE_ROW,
        ("grant_id", field("grant_id")),
        ("employee", Employee._meta.get_field("employee_id")),  # the census id
        ("plan", Plan._meta.get_field("name")),
        *((name, field(name)) for name in GRANT_FIELDS),
    ]


EMPLOYEE_COLUMNS = tuple(name for name, _ in employee_columns())
GRANT_COLUMNS = tuple(name for name, _ in grant_columns())


@contextmanager
def staging() -> Iterator[None]:
    """Both staging tables, empty, for the block; dropped after it.

    If the block fails, a failed drop does not hide why (the tables are this connection's alone, and an
    enclosing transaction's rollback removes them with it)."""
    create_temporary_table(EMPLOYEES, employee_columns())
    create_temporary_table(GRANTS, grant_columns())
    failed = True
    try:
        yield
        failed = False
    finally:
        try:
            drop_temporary_table(GRANTS)
            drop_temporary_table(EMPLOYEES)
        except DatabaseError:
            if not failed:
                raise


def append_employees(rows: Iterable[Sequence[Any]]) -> None:
    """Appends rows of ``EMPLOYEE_COLUMNS`` values: text, dates and booleans, which go to the driver as
    they are (that is what the ORM sends for them, and Django's SQLite adapters write dates as ISO text)."""
    append_rows(EMPLOYEES, EMPLOYEE_COLUMNS, rows)


def append_grants(rows: Iterable[Sequence[Any]]) -> None:
    """Appends rows of ``GRANT_COLUMNS`` values: text, dates, integers and decimals, as they are."""
    append_rows(GRANTS, GRANT_COLUMNS, rows)


def index() -> None:
    """Prepares the staged rows for the comparison, once they are all in. SQLite joins by nested loops,
    so they are indexed by the keys the comparison joins on; PostgreSQL hashes them instead (building
    the indexes cost it more than they saved) and needs only their statistics, which it never gathers
    for temporary tables itself."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {EMPLOYEES}")
            cursor.execute(f"ANALYZE {GRANTS}")
            return
        cursor.execute(f"CREATE INDEX {EMPLOYEES}_id ON {EMPLOYEES} (employee_id)")
        cursor.execute(f"CREATE INDEX {EMPLOYEES}_email ON {EMPLOYEES} (email)")
        cursor.execute(f"CREATE INDEX {GRANTS}_id ON {GRANTS} (grant_id)")


def _differs(left: str, right: str) -> str:
    """SQL for "not the same value", a NULL being a value (termination dates may be empty)."""
    if connection.vendor == "postgresql":
        return f"{left} IS DISTINCT FROM {right}"
    return f"{left} IS NOT {right}"


def _table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _employee_changed(target: str) -> str:
    return " OR ".join(_differs(f"{target}.{name}", f"s.{name}") for name in EMPLOYEE_FIELDS)


def _grant_changed(target: str) -> str:
    return " OR ".join(
        [
            _differs(f"{target}.plan_id", "p.id"),
            *(_differs(f"{target}.{name}", f"s.{name}") for name in GRANT_FIELDS),
        ]
    )


def _rows(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def email_conflicts() -> list[tuple[int, str, str]]:
    """(row, email, census id of its owner) for each staged employee whose email belongs to another
    employee in the portal."""
    return _rows(  # type: ignore[return-value]
        f"SELECT s.file_row, s.email, e.employee_id FROM {EMPLOYEES} s "
        f"JOIN {_table(Employee)} e ON e.email = s.email "
        "WHERE e.employee_id <> s.employee_id ORDER BY s.file_row"
    )


def cancellations_undone() -> list[tuple[int, str, int, int]]:
    """(row, grant id, shares cancelled in the file, shares an offer cancelled) for each staged grant
    that shows fewer shares cancelled than an exchange offer's close cancelled."""
    cancelled = (
        Grant.objects.filter(accepted_in__tender__offer__closing__cancelled_at__isnull=False)
        .order_by()
        .values("grant_id", cancelled=F("accepted_in__shares"))
    )
    sql, params = cancelled.query.sql_with_params()
    return _rows(  # type: ignore[return-value]
        f"SELECT s.file_row, s.grant_id, s.shares_cancelled, c.cancelled FROM {GRANTS} s "
        f"JOIN ({sql}) c ON c.grant_id = s.grant_id "
        "WHERE s.shares_cancelled < c.cancelled ORDER BY s.file_row",
        params,
    )


def unknown_employees() -> list[tuple[int, str]]:
    """(row, census id) for each staged grant whose employee is neither staged nor in the portal."""
    return _rows(  # type: ignore[return-value]
        f"SELECT s.file_row, s.employee FROM {GRANTS} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {EMPLOYEES} t WHERE t.employee_id = s.employee) "
        f"AND NOT EXISTS (SELECT 1 FROM {_table(Employee)} e WHERE e.employee_id = s.employee) "
        "ORDER BY s.file_row"
    )


def moved_grants() -> list[tuple[int, str, str]]:
    """(row, grant id, census id of its holder in the portal) for each staged grant the portal holds
    for another employee."""
    return _rows(  # type: ignore[return-value]
        f"SELECT s.file_row, s.grant_id, e.employee_id FROM {GRANTS} s "
        f"JOIN {_table(Grant)} g ON g.grant_id = s.grant_id "
        f"JOIN {_table(Employee)} e ON e.id = g.employee_id "
        "WHERE e.employee_id <> s.employee ORDER BY s.file_row"
    )


def new_plans() -> list[str]:
    """The names of the staged grants' plans the portal does not know yet, sorted."""
    rows = _rows(
        f"SELECT DISTINCT s.plan FROM {GRANTS} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM {_table(Plan)} p WHERE p.name = s.plan)"
    )
    return sorted(name for (name,) in rows)


def counts() -> dict[str, int]:
    """How many staged employees and grants are new, changed and unchanged against the portal."""
    ((employees, employees_new, employees_changed),) = _rows(
        "SELECT COUNT(*), "
        "COALESCE(SUM(CASE WHEN e.id IS NULL THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN e.id IS NOT NULL AND ({_employee_changed('e')}) THEN 1 ELSE 0 END), 0) "
        f"FROM {EMPLOYEES} s LEFT JOIN {_table(Employee)} e ON e.employee_id = s.employee_id"
    )
    ((grants, grants_new, grants_changed),) = _rows(
        "SELECT COUNT(*), "
        "COALESCE(SUM(CASE WHEN g.id IS NULL THEN 1 ELSE 0 END), 0), "
        f"COALESCE(SUM(CASE WHEN g.id IS NOT NULL AND ({_grant_changed('g')}) THEN 1 ELSE 0 END), 0) "
        f"FROM {GRANTS} s LEFT JOIN {_table(Grant)} g ON g.grant_id = s.grant_id "
        f"LEFT JOIN {_table(Plan)} p ON p.name = s.plan"
    )
    return {
        "employees_new": employees_new,
        "employees_changed": employees_changed,
        "employees_unchanged": employees - employees_new - employees_changed,
        "grants_new": grants_new,
        "grants_changed": grants_changed,
        "grants_unchanged": grants - grants_new - grants_changed,
    }


def write(*, now: datetime) -> None:
    """Writes the staged census: new plans; new employees, each with a login account (or linked to the
    account that has their email); changed employees and their accounts' names and email; new and
    changed grants. Changed rows get ``updated_at = now``; unchanged rows are not touched."""
    employee, grant, user, plan = _table(Employee), _table(Grant), _table(User), _table(Plan)
    new_employee = f"NOT EXISTS (SELECT 1 FROM {employee} e WHERE e.employee_id = s.employee_id)"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {plan} (name) SELECT DISTINCT s.plan FROM {GRANTS} s "
            f"WHERE NOT EXISTS (SELECT 1 FROM {plan} p WHERE p.name = s.plan)"
        )
    insert_select(
        User,
        {
            "email": "s.email",
            "first_name": "s.first_name",
            "last_name": "s.last_name",
            "password": "s.password",
        },
        f"FROM {EMPLOYEES} s WHERE {new_employee} "
        f"AND NOT EXISTS (SELECT 1 FROM {user} u WHERE u.email = s.email) ORDER BY s.file_row",
        values={"date_joined": now},
        now=now,
    )
    insert_select(
        Employee,
        {
            "user_id": f"(SELECT u.id FROM {user} u WHERE u.email = s.email)",
            "employee_id": "s.employee_id",
            **{name: f"s.{name}" for name in EMPLOYEE_FIELDS},
        },
        f"FROM {EMPLOYEES} s WHERE {new_employee} ORDER BY s.file_row",
        now=now,
    )
    updated_at = prepare(Grant._meta.get_field("updated_at"), now)
    with connection.cursor() as cursor:
        # The accounts first, while the changed employees can still be told from the unchanged.
        cursor.execute(
            f"UPDATE {user} AS u SET email = s.email, first_name = s.first_name, last_name = s.last_name "
            f"FROM {employee} e JOIN {EMPLOYEES} s ON s.employee_id = e.employee_id "
            f"WHERE u.id = e.user_id AND ({_employee_changed('e')})"
        )
        assignments = ", ".join(f"{name} = s.{name}" for name in EMPLOYEE_FIELDS)
        cursor.execute(
            f"UPDATE {employee} AS e SET {assignments}, updated_at = %s FROM {EMPLOYEES} s "
            f"WHERE e.employee_id = s.employee_id AND ({_employee_changed('e')})",
            [updated_at],
        )
    insert_select(
        Grant,
        {
            "grant_id": "s.grant_id",
            "employee_id": "e.id",
            "plan_id": "p.id",
            **{name: f"s.{name}" for name in GRANT_FIELDS},
        },
        f"FROM {GRANTS} s JOIN {employee} e ON e.employee_id = s.employee "
        f"JOIN {plan} p ON p.name = s.plan "
        f"WHERE NOT EXISTS (SELECT 1 FROM {grant} g WHERE g.grant_id = s.grant_id) ORDER BY s.file_row",
        now=now,
    )
    with connection.cursor() as cursor:
        assignments = ", ".join(f"{name} = s.{name}" for name in GRANT_FIELDS)
        cursor.execute(
            f"UPDATE {grant} AS g SET plan_id = p.id, {assignments}, updated_at = %s "
            f"FROM {GRANTS} s JOIN {plan} p ON p.name = s.plan "
            f"WHERE g.grant_id = s.grant_id AND ({_grant_changed('g')})",
            [updated_at],
        )
