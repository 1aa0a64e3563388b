"""Census import: employees.csv and grants.csv (OFFER.md, "Data the portal exchanges").

An import is all or nothing. Both files are read and every row checked before anything is
written; any error rejects the whole import, and each error names the file, the row (the line
of the file, the header being row 1), the column and what is wrong. A re-import of the same
census updates rows in place and never duplicates them; nothing is ever deleted by an import.

The work is split so that the console can show a dry run: :func:`read_census` parses and
validates, :func:`plan_census` compares with the database, :func:`apply_census` writes.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from iso3166 import countries_by_alpha2

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.middleware import channel_of
from soxp_portal.audit.models import AuditEventType
from soxp_portal.offers.bulk import insert_rows, update_rows
from soxp_portal.offers.identifiers import identifier_problem
from soxp_portal.offers.limits import EARLIEST_CENSUS_DATE, LATEST_DATE, MAX_PRICE
from soxp_portal.offers.models import Employee, Grant, Plan
from soxp_portal.offers.reports import Writable, write_csv
from soxp_portal.rules.wording import format_money

EMPLOYEE_COLUMNS = (
    "employee_id",
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
GRANT_COLUMNS = (
    "grant_id",
    "employee_id",
    "plan",
    "option_type",
    "grant_date",
    "shares_granted",
    "shares_exercised",
    "shares_cancelled",
    "exercise_price",
    "expiration_date",
    "performance_condition",
)
# The fields an import compares and writes, in the order of the tuples below.
EMPLOYEE_FIELDS = EMPLOYEE_COLUMNS[1:]
GRANT_FIELDS = (
    "employee_id",
    "plan_id",
    "option_type",
    "grant_date",
    "shares_granted",
    "shares_exercised",
    "shares_cancelled",
    "exercise_price",
    "expiration_date",
    "performance_condition",
)
MAX_SHARES = 2_147_483_647  # the largest value a PositiveIntegerField holds on every database
_DATE_RANGE = f"{EARLIEST_CENSUS_DATE} to {LATEST_DATE}"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"\d+")
_PRICE = re.compile(r"\d{1,8}(\.\d{1,4})?")


@dataclass(frozen=True, slots=True)
class CensusError:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


#: A value quoted in a message ('01/31/2001') or standing bare in it (a count, a date, a price).
_VALUE_IN_MESSAGE = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\b\d(?:[\d,.:-]*\d)?")


def error_kind(message: str) -> str:
    """The message with the row's own values taken out ("… is not a date in the form YYYY-MM-DD."),
    so that one mistake made on 20,000 rows counts as one kind of error. A key for grouping: pages
    show the first error of a kind as it was, which reads better."""
    return _VALUE_IN_MESSAGE.sub("…", message)


@dataclass(frozen=True)
class ErrorGroup:
    """Errors of one kind in one column of one file: how many, and the first few as they were."""

    file: str
    column: str | None
    kind: str
    count: int
    first: list[CensusError]


def summarise_errors(errors: list[CensusError], *, first: int = 5) -> list[ErrorGroup]:
    """Groups ``errors`` by file, column and kind, in the order each group first occurs, keeping the
    first ``first`` errors of each: a page the size of the mistakes' kinds, not of the file."""
    groups: dict[tuple[str, str | None, str], list[CensusError]] = {}
    counts: dict[tuple[str, str | None, str], int] = {}
    for error in errors:
        key = (error.file, error.column, error_kind(error.message))
        counts[key] = counts.get(key, 0) + 1
        kept = groups.setdefault(key, [])
        if len(kept) < first:
            kept.append(error)
    return [
        ErrorGroup(file=file, column=column, kind=kind, count=counts[file, column, kind], first=kept)
        for (file, column, kind), kept in groups.items()
    ]


def write_errors_csv(errors: list[CensusError], out: Writable) -> None:
    """Every error, one a row (file, row, column, message): the full list behind a summary."""
    write_csv(
        out,
        ("file", "row", "column", "message"),
        ((error.file, error.row, error.column, error.message) for error in errors),
    )


class CensusImportError(Exception):
    """The census was rejected; nothing was written. ``errors`` lists every problem found."""

    def __init__(self, errors: list[CensusError]) -> None:
        self.errors = errors
        super().__init__(f"The census was rejected with {len(errors)} error(s); nothing was imported.")


@dataclass(frozen=True, slots=True)
class EmployeeRow:
    row: int
    employee_id: str
    first_name: str
    last_name: str
    email: str
    hire_date: date
    work_country: str
    status: str
    termination_date: date | None
    is_executive_officer: bool
    is_director: bool

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in EMPLOYEE_FIELDS)


@dataclass(frozen=True, slots=True)
class GrantRow:
    row: int
    grant_id: str
    employee_id: str
    plan: str
    option_type: str
    grant_date: date
    shares_granted: int
    shares_exercised: int
    shares_cancelled: int
    exercise_price: Decimal
    expiration_date: date
    performance_condition: str


@dataclass
class ParsedCensus:
    employees: list[EmployeeRow]
    grants: list[GrantRow]


@dataclass
class CensusPlan:
    """What an import will do, row by row: the dry run the console shows before confirming."""

    census: ParsedCensus
    new_employees: list[EmployeeRow] = field(default_factory=list)
    changed_employees: list[tuple[int, EmployeeRow]] = field(default_factory=list)
    unchanged_employees: int = 0
    new_grants: list[GrantRow] = field(default_factory=list)
    changed_grants: list[tuple[int, GrantRow]] = field(default_factory=list)
    unchanged_grants: int = 0
    new_plans: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "employees_new": len(self.new_employees),
            "employees_changed": len(self.changed_employees),
            "employees_unchanged": self.unchanged_employees,
            "grants_new": len(self.new_grants),
            "grants_changed": len(self.changed_grants),
            "grants_unchanged": self.unchanged_grants,
            "plans_new": len(self.new_plans),
        }


class _RowReader:
    """Checks the fields of one row, collecting an error per bad field instead of stopping at the first."""

    def __init__(self, file: str, row: int, values: dict[str, str], errors: list[CensusError]) -> None:
        self.file, self.row, self.values, self.errors = file, row, values, errors
        self.ok = True

    def fail(self, column: str | None, message: str) -> None:
        self.ok = False
        self.errors.append(CensusError(self.file, self.row, column, message))

    def text(self, column: str, *, required: bool = True, max_length: int = 150) -> str:
        value = self.values[column].strip()
        if required and not value:
            self.fail(column, "is empty; a value is required.")
        elif len(value) > max_length:
            self.fail(column, f"is {len(value)} characters long; at most {max_length} are allowed.")
        return value

    def identifier(self, column: str) -> str:
        value = self.values[column].strip()
        problem = identifier_problem(value) if value else "is empty; a value is required."
        if problem:
            self.fail(column, problem)
        return value

    def date(self, column: str, *, required: bool = True) -> date | None:
        value = self.values[column].strip()
        if not value:
            if required:
                self.fail(column, "is empty; a date in the form YYYY-MM-DD is required.")
            return None
        if _DATE.fullmatch(value):
            try:
                day = date.fromisoformat(value)
            except ValueError:
                pass
            else:
                if EARLIEST_CENSUS_DATE <= day <= LATEST_DATE:
                    return day
                self.fail(column, f"{value} is outside the dates the portal takes: {_DATE_RANGE}.")
                return None
        self.fail(column, f"{value!r} is not a date in the form YYYY-MM-DD.")
        return None

    def choice(self, column: str, choices: tuple[str, ...], *, case: str = "lower") -> str:
        raw = self.values[column].strip()
        value = raw.lower() if case == "lower" else raw.upper()
        if value not in choices:
            self.fail(column, f"{raw!r} is not one of {', '.join(choices)}.")
        return value

    def boolean(self, column: str) -> bool:
        return self.choice(column, ("true", "false")) == "true"

    def shares(self, column: str) -> int:
        value = self.values[column].strip()
        if value.startswith("-") and _INTEGER.fullmatch(value[1:]):
            self.fail(column, f"{value} is negative; share counts are zero or more.")
            return 0
        if not _INTEGER.fullmatch(value):
            self.fail(column, f"{value!r} is not a whole number of shares.")
            return 0
        if int(value) > MAX_SHARES:
            self.fail(
                column, f"{value} is larger than the largest share count the portal holds ({MAX_SHARES})."
            )
            return 0
        return int(value)

    def price(self, column: str) -> Decimal:
        value = self.values[column].strip()
        if value.startswith("-"):
            self.fail(column, f"{value} is negative; an exercise price is zero or more.")
        elif not _PRICE.fullmatch(value):
            self.fail(column, f"{value!r} is not a price in dollars such as 6.00 (at most 4 decimal places).")
        else:
            try:
                price = Decimal(value)
            except InvalidOperation:
                self.fail(column, f"{value!r} is not a price in dollars such as 6.00.")
            else:
                if price <= MAX_PRICE:
                    return price
                self.fail(column, f"{value} is above {format_money(MAX_PRICE)}, the most the portal takes.")
        return Decimal(0)


def _decode(name: str, data: bytes, errors: list[CensusError]) -> str | None:
    if not data.strip():
        errors.append(
            CensusError(name, None, None, "The file is empty; a header row and data rows are expected.")
        )
        return None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        row = data[: error.start].count(b"\n") + 1
        errors.append(
            CensusError(
                name,
                row,
                None,
                f"The file is not UTF-8 text (byte {data[error.start]:#04x}); save it as UTF-8.",
            )
        )
        return None


def _rows(
    name: str, text: str, columns: tuple[str, ...], errors: list[CensusError]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yields (row number, values by column) after checking the header; row 1 is the header."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
    except (StopIteration, csv.Error) as error:
        errors.append(CensusError(name, 1, None, f"The header row cannot be read ({error or 'no header'})."))
        return
    problems = []
    missing = [column for column in columns if column not in header]
    extra = [column for column in header if column not in columns]
    repeated = sorted({column for column in header if header.count(column) > 1})
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if extra:
        problems.append(f"unexpected column(s): {', '.join(repr(column) for column in extra)}")
    if repeated:
        problems.append(f"repeated column(s): {', '.join(repeated)}")
    if problems:
        errors.append(
            CensusError(name, 1, None, f"Bad header ({'; '.join(problems)}). Expected: {', '.join(columns)}.")
        )
        return
    row_number = 1
    try:
        for values in reader:
            row_number = reader.line_num
            if not any(value.strip() for value in values):
                continue  # a blank line, e.g. at the end of the file
            if len(values) != len(header):
                errors.append(
                    CensusError(
                        name, row_number, None, f"has {len(values)} fields; the header has {len(header)}."
                    )
                )
                continue
            yield row_number, dict(zip(header, values, strict=True))
    except csv.Error as error:
        errors.append(CensusError(name, row_number + 1, None, f"is not valid CSV ({error})."))


def _read_employees(name: str, text: str, errors: list[CensusError]) -> list[EmployeeRow]:
    employees: list[EmployeeRow] = []
    first_row_of_id: dict[str, int] = {}
    first_row_of_email: dict[str, int] = {}
    for row_number, values in _rows(name, text, EMPLOYEE_COLUMNS, errors):
        row = _RowReader(name, row_number, values, errors)
        employee_id = row.identifier("employee_id")
        email = row.text("email", max_length=254).lower()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                row.fail("email", f"{email!r} is not a valid email address.")
        country = row.values["work_country"].strip().upper()
        if country not in countries_by_alpha2:
            row.fail(
                "work_country",
                f"{row.values['work_country'].strip()!r} is not an ISO 3166-1 alpha-2 country code.",
            )
        employee = EmployeeRow(
            row=row_number,
            employee_id=employee_id,
            first_name=row.text("first_name"),
            last_name=row.text("last_name"),
            email=email,
            hire_date=row.date("hire_date"),  # type: ignore[arg-type]  # None only when row.ok is False
            work_country=country,
            status=row.choice("status", tuple(Employee.Status.values)),
            termination_date=row.date("termination_date", required=False),
            is_executive_officer=row.boolean("is_executive_officer"),
            is_director=row.boolean("is_director"),
        )
        if employee.status == Employee.Status.TERMINATED and employee.termination_date is None and row.ok:
            row.fail("termination_date", "is empty, but the status is terminated; give the termination date.")
        if (
            employee.termination_date
            and employee.hire_date
            and employee.termination_date < employee.hire_date
        ):
            row.fail(
                "termination_date",
                f"{employee.termination_date} is before the hire date {employee.hire_date}.",
            )
        for key, seen, column in (
            (employee_id, first_row_of_id, "employee_id"),
            (email, first_row_of_email, "email"),
        ):
            if key and key in seen:
                row.fail(column, f"{key!r} is already used on row {seen[key]}; each must be unique.")
            elif key:
                seen[key] = row_number
        if row.ok:
            employees.append(employee)
    return employees


def _read_grants(name: str, text: str, errors: list[CensusError]) -> list[GrantRow]:
    grants: list[GrantRow] = []
    first_row_of_id: dict[str, int] = {}
    for row_number, values in _rows(name, text, GRANT_COLUMNS, errors):
        row = _RowReader(name, row_number, values, errors)
        grant = GrantRow(
            row=row_number,
            grant_id=row.identifier("grant_id"),
            employee_id=row.identifier("employee_id"),
            plan=row.text("plan", max_length=200),
            option_type=row.choice("option_type", tuple(Grant.OptionType.values), case="upper"),
            grant_date=row.date("grant_date"),  # type: ignore[arg-type]
            shares_granted=row.shares("shares_granted"),
            shares_exercised=row.shares("shares_exercised"),
            shares_cancelled=row.shares("shares_cancelled"),
            exercise_price=row.price("exercise_price"),
            expiration_date=row.date("expiration_date"),  # type: ignore[arg-type]
            performance_condition=row.text("performance_condition", required=False, max_length=2000),
        )
        if row.ok and grant.shares_granted == 0:
            row.fail("shares_granted", "is 0; a grant has at least one share.")
        if row.ok and grant.shares_exercised + grant.shares_cancelled > grant.shares_granted:
            row.fail(
                "shares_exercised",
                f"exercised ({grant.shares_exercised}) plus cancelled ({grant.shares_cancelled}) "
                f"is more than granted ({grant.shares_granted}).",
            )
        if row.ok and grant.expiration_date <= grant.grant_date:
            row.fail(
                "expiration_date", f"{grant.expiration_date} is not after the grant date {grant.grant_date}."
            )
        if grant.grant_id and grant.grant_id in first_row_of_id:
            row.fail(
                "grant_id", f"{grant.grant_id!r} is already used on row {first_row_of_id[grant.grant_id]}."
            )
        elif grant.grant_id:
            first_row_of_id[grant.grant_id] = row_number
        if row.ok:
            grants.append(grant)
    return grants


def read_census(
    employees_file: BinaryIO, grants_file: BinaryIO, *, employees_name: str, grants_name: str
) -> ParsedCensus:
    """Parses and checks both files on their own; raises :class:`CensusImportError` with every error."""
    errors: list[CensusError] = []
    employees_text = _decode(employees_name, employees_file.read(), errors)
    grants_text = _decode(grants_name, grants_file.read(), errors)
    employees = _read_employees(employees_name, employees_text, errors) if employees_text is not None else []
    grants = _read_grants(grants_name, grants_text, errors) if grants_text is not None else []
    if errors:
        raise CensusImportError(errors)
    return ParsedCensus(employees=employees, grants=grants)


def plan_census(census: ParsedCensus, *, grants_name: str, employees_name: str) -> CensusPlan:
    """Compares the parsed census with the database: what is new, changed and unchanged.

    Checks what needs the database too: a grant's employee must be in the file or already known,
    a grant cannot move to another employee, an email cannot belong to another employee.
    """
    plan = CensusPlan(census=census)
    errors: list[CensusError] = []
    existing_employees = {
        row[0]: (row[1], row[2:])
        for row in Employee.objects.values_list("employee_id", "pk", *EMPLOYEE_FIELDS)
    }
    owner_of_email = dict(Employee.objects.values_list("email", "employee_id"))
    for employee in census.employees:
        owner = owner_of_email.get(employee.email)
        if owner is not None and owner != employee.employee_id:
            errors.append(
                CensusError(
                    employees_name,
                    employee.row,
                    "email",
                    f"{employee.email!r} already belongs to employee {owner} in the portal.",
                )
            )
        known = existing_employees.get(employee.employee_id)
        if known is None:
            plan.new_employees.append(employee)
        elif known[1] != employee.values():
            plan.changed_employees.append((known[0], employee))
        else:
            plan.unchanged_employees += 1

    plans = dict(Plan.objects.values_list("name", "pk"))
    plan.new_plans = sorted({grant.plan for grant in census.grants} - plans.keys())
    in_file = {employee.employee_id for employee in census.employees}
    existing_grants = {
        row[0]: (row[1], row[2:])
        for row in Grant.objects.values_list(
            "grant_id", "pk", "employee__employee_id", "plan__name", *GRANT_FIELDS[2:]
        )
    }
    cancelled_in_offers = _cancelled_in_offers()
    for grant in census.grants:
        cancelled = cancelled_in_offers.get(grant.grant_id, 0)
        if grant.shares_cancelled < cancelled:
            errors.append(
                CensusError(
                    grants_name,
                    grant.row,
                    "shares_cancelled",
                    f"grant {grant.grant_id} had {cancelled:,} shares cancelled when an exchange offer "
                    f"closed, but this census shows {grant.shares_cancelled:,} cancelled: load the offer's "
                    "cancellations into the stock plan system first, then export the census again.",
                )
            )
            continue
        if grant.employee_id not in in_file and grant.employee_id not in existing_employees:
            errors.append(
                CensusError(
                    grants_name,
                    grant.row,
                    "employee_id",
                    f"{grant.employee_id!r} is not in {employees_name} nor in the portal.",
                )
            )
            continue
        known = existing_grants.get(grant.grant_id)
        values = (grant.employee_id, grant.plan, *(getattr(grant, name) for name in GRANT_FIELDS[2:]))
        if known is None:
            plan.new_grants.append(grant)
        elif known[1][0] != grant.employee_id:
            errors.append(
                CensusError(
                    grants_name,
                    grant.row,
                    "employee_id",
                    f"grant {grant.grant_id} belongs to employee {known[1][0]} in the portal; "
                    "a grant cannot move to another employee.",
                )
            )
        elif known[1] != values:
            plan.changed_grants.append((known[0], grant))
        else:
            plan.unchanged_grants += 1
    if errors:
        raise CensusImportError(errors)
    return plan


def _cancelled_in_offers() -> dict[str, int]:
    """Grant id -> shares an exchange offer cancelled (its close's cancel step). A census must not undo
    them: the offer's record of what was cancelled is the one that holds."""
    rows = Grant.objects.filter(accepted_in__tender__offer__closing__cancelled_at__isnull=False).values_list(
        "grant_id", "accepted_in__shares"
    )
    return dict(rows)


def _serialize_imports() -> None:
    """One import at a time: on PostgreSQL a transaction-scoped advisory lock; SQLite's
    BEGIN IMMEDIATE (see settings) already serialises writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('soxp_portal.census_import'))")


def apply_census(plan: CensusPlan, *, now: datetime | None = None) -> None:
    """Writes a planned census in bulk, inside the caller's transaction."""
    now = now or timezone.now()
    Plan.objects.bulk_create([Plan(name=name) for name in plan.new_plans], ignore_conflicts=True)
    plan_pks = dict(Plan.objects.values_list("name", "pk"))
    _write_employees(plan, now)
    employee_pks = dict(Employee.objects.values_list("employee_id", "pk"))

    def values(grant: GrantRow) -> dict[str, Any]:
        return {
            "grant_id": grant.grant_id,
            "employee_id": employee_pks[grant.employee_id],
            "plan_id": plan_pks[grant.plan],
            "updated_at": now,
            **{name: getattr(grant, name) for name in GRANT_FIELDS[2:]},
        }

    insert_rows(Grant, (values(grant) for grant in plan.new_grants), now=now)
    update_rows(
        Grant,
        ({"pk": pk, **values(grant)} for pk, grant in plan.changed_grants),
        [*GRANT_FIELDS, "updated_at"],
    )


def _unusable_password() -> str:
    """What ``set_unusable_password`` stores ("!" and random text), from one urandom call instead of
    forty ``secrets.choice`` calls: a census creates 100,000 accounts at once."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _write_employees(plan: CensusPlan, now: datetime) -> None:
    """Creates the new employees, each with a login account that has no usable password until they
    set one through their invitation (an existing account with the same email, such as an
    administrator's, is linked instead); updates the changed ones and their accounts' names and email.

    Whole-table reads instead of ``IN (...)`` lists: SQLite caps the number of query parameters.
    """
    user_pks = dict(User.objects.values_list("email", "pk"))
    insert_rows(
        User,
        (
            {
                "email": employee.email,
                "first_name": employee.first_name,
                "last_name": employee.last_name,
                "password": _unusable_password(),
                "date_joined": now,
            }
            for employee in plan.new_employees
            if employee.email not in user_pks
        ),
        now=now,
    )
    user_pks = dict(User.objects.values_list("email", "pk"))
    insert_rows(
        Employee,
        (
            {"user_id": user_pks[employee.email], **_employee_values(employee)}
            for employee in plan.new_employees
        ),
        now=now,
    )
    if not plan.changed_employees:
        return
    update_rows(
        Employee,
        (
            {"pk": pk, "updated_at": now, **_employee_values(employee)}
            for pk, employee in plan.changed_employees
        ),
        [*EMPLOYEE_FIELDS, "updated_at"],
    )
    user_of = dict(Employee.objects.filter(user__isnull=False).values_list("pk", "user_id"))
    update_rows(
        User,
        (
            {"pk": user_of[pk], "email": e.email, "first_name": e.first_name, "last_name": e.last_name}
            for pk, e in plan.changed_employees
            if pk in user_of
        ),
        ["email", "first_name", "last_name"],
    )


def _employee_values(employee: EmployeeRow) -> dict[str, Any]:
    return {"employee_id": employee.employee_id, **dict(zip(EMPLOYEE_FIELDS, employee.values(), strict=True))}


def import_census(
    employees_file: BinaryIO,
    grants_file: BinaryIO,
    *,
    employees_name: str = "employees.csv",
    grants_name: str = "grants.csv",
    dry_run: bool = False,
    actor: User | None = None,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> CensusPlan:
    """Reads, checks and (unless ``dry_run``) writes a census, all or nothing.

    Raises :class:`CensusImportError` listing every problem; the database is then unchanged. A written
    import is audited as ``census.imported`` with its counts, in its transaction; ``actor`` and
    ``request`` are None from the command line.
    """
    now = now or timezone.now()
    census = read_census(employees_file, grants_file, employees_name=employees_name, grants_name=grants_name)
    try:
        with transaction.atomic():
            _serialize_imports()
            plan = plan_census(census, employees_name=employees_name, grants_name=grants_name)
            if not dry_run:
                apply_census(plan, now=now)
                record(
                    AuditEventType.CENSUS_IMPORTED,
                    actor=actor,
                    at=now,
                    channel=channel_of(request),
                    data={**plan.summary(), "employees_file": employees_name, "grants_file": grants_name},
                    request=request,
                )
    except IntegrityError as error:
        raise CensusImportError(
            [
                CensusError(
                    employees_name,
                    None,
                    None,
                    f"The database refused the import ({error}); nothing was written.",
                )
            ]
        ) from error
    return plan
