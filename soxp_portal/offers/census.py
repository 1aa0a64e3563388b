"""Census import: employees.csv and grants.csv (OFFER.md, "Data the portal exchanges").

An import is all or nothing. Both files are read and every row checked before anything is
written; any error rejects the whole import, and each error names the file, the row (the line
of the file, the header being row 1), the column and what is wrong. A re-import of the same
census updates rows in place and never duplicates them; nothing is ever deleted by an import.

The files are streamed, never held whole: each is read a megabyte at a time, checked row by row, and
its good rows are appended to a temporary table of this connection (``COPY`` on PostgreSQL). Comparing
with the portal and writing are then set-based SQL (``staged_census.py``), inside one transaction that
also judges every offer's eligibility verdicts again (``verdicts.py``) and writes the audit event. A dry
run (the console's, before confirming) stops after the comparison. One import runs at a time: on
PostgreSQL a second one is refused at once with a clear message, on SQLite writers queue and one that
waits too long is refused the same way.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, BinaryIO

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.http import HttpRequest
from django.utils import timezone
from iso3166 import countries_by_alpha2

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.middleware import channel_of
from soxp_portal.audit.models import AuditEventType
from soxp_portal.offers import staged_census
from soxp_portal.offers.identifiers import identifier_problem
from soxp_portal.offers.limits import EARLIEST_CENSUS_DATE, LATEST_DATE, MAX_PRICE
from soxp_portal.offers.models import Employee, Grant, Offer
from soxp_portal.offers.reports import Writable, write_csv
from soxp_portal.offers.verdicts import judge_offers, judge_stale_offers
from soxp_portal.rules.wording import format_money

# The files' columns: each census id, then the fields an import compares and writes (staged_census).
EMPLOYEE_COLUMNS = ("employee_id", *staged_census.EMPLOYEE_FIELDS)
GRANT_COLUMNS = ("grant_id", "employee_id", "plan", *staged_census.GRANT_FIELDS)
MAX_SHARES = 2_147_483_647  # the largest value a PositiveIntegerField holds on every database
_DATE_RANGE = f"{EARLIEST_CENSUS_DATE} to {LATEST_DATE}"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_INTEGER = re.compile(r"\d+")
_PRICE = re.compile(r"\d{1,8}(\.\d{1,4})?")
_STATUSES = tuple(Employee.Status.values)
_OPTION_TYPES = tuple(Grant.OptionType.values)


@dataclass(frozen=True, slots=True)
class CensusError:
    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file] if self.file else []
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}" if where else self.message


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
        return tuple(getattr(self, name) for name in staged_census.EMPLOYEE_FIELDS)


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


@dataclass(frozen=True)
class CensusPlan:
    """What an import did (or, in a dry run, would do): the dry run the console shows before confirming."""

    employees_new: int
    employees_changed: int
    employees_unchanged: int
    grants_new: int
    grants_changed: int
    grants_unchanged: int
    new_plans: tuple[str, ...]
    #: Census ids of the employees file, in its order (the command's ``--invite`` invites them).
    employee_ids: tuple[str, ...]

    @property
    def changes_census(self) -> bool:
        """Whether the import adds or changes any employee or grant."""
        return any((self.employees_new, self.employees_changed, self.grants_new, self.grants_changed))

    def summary(self) -> dict[str, int]:
        return {
            "employees_new": self.employees_new,
            "employees_changed": self.employees_changed,
            "employees_unchanged": self.employees_unchanged,
            "grants_new": self.grants_new,
            "grants_changed": self.grants_changed,
            "grants_unchanged": self.grants_unchanged,
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
        if "\x00" in value:
            self.fail(column, "contains a NUL character (byte 0x00), which the portal cannot store.")
        elif required and not value:
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


#: Bytes read from a file at a time.
READ_BYTES = 1 << 20
#: What a second import at the same time is told.
BUSY_MESSAGE = (
    "Another census import is running; nothing was imported. Try again when it has finished "
    "(the dry run too: it compares with the census as it will be)."
)


def _rewindable(file: BinaryIO) -> BinaryIO:
    """The file itself if it can seek back (uploads, files, BytesIO), else a spooled copy of it: a file
    is read twice, once to check that it is UTF-8 text and once to read its rows."""
    if file.seekable():
        return file
    copy = tempfile.SpooledTemporaryFile(max_size=16 * READ_BYTES)  # noqa: SIM115  # the caller closes it
    shutil.copyfileobj(file, copy, READ_BYTES)
    copy.seek(0)
    return copy  # type: ignore[return-value]


def _check_text(name: str, file: BinaryIO, errors: list[CensusError]) -> bool:
    """Whether the file holds UTF-8 text that is not blank; if not, the error (the row of the first byte
    that is not UTF-8). Reads the file a megabyte at a time and rewinds it."""
    start = file.tell()
    newlines, pending, blank = 0, b"", True
    while True:
        chunk = file.read(READ_BYTES)
        data = pending + chunk
        blank = blank and not data.strip()
        try:
            _, consumed = codecs.utf_8_decode(data, "strict", not chunk)
        except UnicodeDecodeError as error:
            row = newlines + data[: error.start].count(b"\n") + 1
            message = f"The file is not UTF-8 text (byte {data[error.start]:#04x}); save it as UTF-8."
            errors.append(CensusError(name, row, None, message))
            return False
        newlines += data.count(b"\n", 0, consumed)
        pending = data[consumed:]
        if not chunk:
            break
    file.seek(start)
    if blank:
        errors.append(
            CensusError(name, None, None, "The file is empty; a header row and data rows are expected.")
        )
        return False
    return True


def _lines(file: BinaryIO) -> Iterator[str]:
    """The file's text (checked UTF-8; a byte order mark dropped), line by line with each line's ending,
    split exactly as ``io.StringIO(text, newline="")`` splits the whole text, read a megabyte at a time."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    rest = ""
    while chunk := file.read(READ_BYTES):
        text = rest + decoder.decode(chunk)
        # Up to the last line ending, unless that is a "\r" that the next chunk may pair with a "\n".
        cut = len(text) - 1 if text.endswith("\r") else len(text)
        end = max(text.rfind("\n", 0, cut), text.rfind("\r", 0, cut)) + 1
        rest = text[end:]
        yield from io.StringIO(text[:end], newline="")
    yield from io.StringIO(rest + decoder.decode(b"", final=True), newline="")


def _rows(
    name: str, lines: Iterable[str], columns: tuple[str, ...], errors: list[CensusError]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yields (row number, values by column) after checking the header; row 1 is the header."""
    reader = csv.reader(lines)
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


def _read_employees(
    name: str, lines: Iterable[str], errors: list[CensusError], first_row_of_id: dict[str, int]
) -> Iterator[EmployeeRow]:
    """Yields each good row; records every error. `first_row_of_id` collects the census ids."""
    first_row_of_email: dict[str, int] = {}
    for row_number, values in _rows(name, lines, EMPLOYEE_COLUMNS, errors):
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
            status=row.choice("status", _STATUSES),
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
            yield employee


def _read_grants(name: str, lines: Iterable[str], errors: list[CensusError]) -> Iterator[GrantRow]:
    """Yields each good row; records every error."""
    first_row_of_id: dict[str, int] = {}
    for row_number, values in _rows(name, lines, GRANT_COLUMNS, errors):
        row = _RowReader(name, row_number, values, errors)
        grant = GrantRow(
            row=row_number,
            grant_id=row.identifier("grant_id"),
            employee_id=row.identifier("employee_id"),
            plan=row.text("plan", max_length=200),
            option_type=row.choice("option_type", _OPTION_TYPES, case="upper"),
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
            yield grant


def _unusable_password() -> str:
    """What ``set_unusable_password`` stores ("!" and random text), from one urandom call instead of
    forty ``secrets.choice`` calls: a census creates 100,000 accounts at once."""
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


def _while_clean(rows: Iterable[Any], errors: list[CensusError]) -> Iterator[Any]:
    """The rows, until the first error of either file: after it nothing will be written, so the
    rest is only checked, not staged."""
    for row in rows:
        if errors:
            return
        yield row


def _stage(
    employees_file: BinaryIO, grants_file: BinaryIO, *, employees_name: str, grants_name: str
) -> tuple[str, ...]:
    """Reads and checks both files, staging their rows; raises :class:`CensusImportError` with every
    error found in the files themselves. Returns the census ids of the employees file, in its order."""
    errors: list[CensusError] = []
    employees_ok = _check_text(employees_name, employees_file, errors)
    grants_ok = _check_text(grants_name, grants_file, errors)
    employee_ids: dict[str, int] = {}
    if employees_ok:
        rows = _read_employees(employees_name, _lines(employees_file), errors, employee_ids)
        staged_census.append_employees(
            (e.row, e.employee_id, *e.values(), _unusable_password()) for e in _while_clean(rows, errors)
        )
        for _ in rows:  # the rest of the file, checked after an error
            pass
    if grants_ok:
        rows = _read_grants(grants_name, _lines(grants_file), errors)
        staged_census.append_grants(
            (
                g.row,
                g.grant_id,
                g.employee_id,
                g.plan,
                *(getattr(g, name) for name in staged_census.GRANT_FIELDS),
            )
            for g in _while_clean(rows, errors)
        )
        for _ in rows:
            pass
    if errors:
        raise CensusImportError(errors)
    staged_census.index()
    return tuple(employee_ids)


def _compare(*, employees_name: str, grants_name: str, employee_ids: tuple[str, ...]) -> CensusPlan:
    """Compares the staged census with the portal: what is new, changed and unchanged.

    Checks what needs the database too: a grant's employee must be in the file or already known,
    a grant cannot move to another employee, an email cannot belong to another employee, and a grant
    cannot show fewer shares cancelled than an exchange offer cancelled.
    """
    errors = [
        CensusError(
            employees_name, row, "email", f"{email!r} already belongs to employee {owner} in the portal."
        )
        for row, email, owner in staged_census.email_conflicts()
    ]
    grant_errors: dict[int, CensusError] = {}  # one error a grant, the first that applies
    for row, grant_id, in_file, cancelled in staged_census.cancellations_undone():
        grant_errors[row] = CensusError(
            grants_name,
            row,
            "shares_cancelled",
            f"grant {grant_id} had {cancelled:,} shares cancelled when an exchange offer "
            f"closed, but this census shows {in_file:,} cancelled: load the offer's "
            "cancellations into the stock plan system first, then export the census again.",
        )
    for row, employee_id in staged_census.unknown_employees():
        grant_errors.setdefault(
            row,
            CensusError(
                grants_name,
                row,
                "employee_id",
                f"{employee_id!r} is not in {employees_name} nor in the portal.",
            ),
        )
    for row, grant_id, owner in staged_census.moved_grants():
        grant_errors.setdefault(
            row,
            CensusError(
                grants_name,
                row,
                "employee_id",
                f"grant {grant_id} belongs to employee {owner} in the portal; "
                "a grant cannot move to another employee.",
            ),
        )
    errors += [grant_errors[row] for row in sorted(grant_errors)]
    if errors:
        raise CensusImportError(errors)
    return CensusPlan(
        **staged_census.counts(), new_plans=tuple(staged_census.new_plans()), employee_ids=employee_ids
    )


def _claim_the_import() -> None:
    """One import at a time: on PostgreSQL a transaction-scoped advisory lock, refused at once if another
    import holds it; SQLite's BEGIN IMMEDIATE (see settings) already serialises writers."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext('soxp_portal.census_import'))")
            if not cursor.fetchone()[0]:
                raise CensusImportError([CensusError("", None, None, BUSY_MESSAGE)])


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
    import judges every offer's eligibility verdicts again and is audited as ``census.imported`` with
    its counts, in its transaction; ``actor`` and ``request`` are None from the command line.
    """
    now = now or timezone.now()
    employees_file, grants_file = _rewindable(employees_file), _rewindable(grants_file)
    try:
        with staged_census.staging():
            employee_ids = _stage(
                employees_file, grants_file, employees_name=employees_name, grants_name=grants_name
            )
            with transaction.atomic():
                _claim_the_import()
                # The offers' rows first (the order every writer of the census and the terms keeps),
                # so that the terms cannot change while their verdicts are judged.
                offers = [] if dry_run else list(Offer.objects.select_for_update(no_key=True).order_by("pk"))
                plan = _compare(
                    employees_name=employees_name, grants_name=grants_name, employee_ids=employee_ids
                )
                if not dry_run:
                    staged_census.write(now=now)
                    if plan.changes_census:
                        judge_offers(offers, now=now)
                    else:  # judged already, unless the terms or the census changed another way since
                        judge_stale_offers(offers, now=now)
                    record(
                        AuditEventType.CENSUS_IMPORTED,
                        actor=actor,
                        at=now,
                        channel=channel_of(request),
                        data={**plan.summary(), "employees_file": employees_name, "grants_file": grants_name},
                        request=request,
                    )
    except (IntegrityError, DataError) as error:
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
    except OperationalError as error:
        if connection.vendor == "sqlite" and "locked" in str(error):
            raise CensusImportError([CensusError("", None, None, BUSY_MESSAGE)]) from error
        raise
    return plan
