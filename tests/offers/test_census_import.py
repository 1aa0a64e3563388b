"""import_census: all or nothing, every error located by file, row and column, re-import in place."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.offers import census
from soxp_portal.offers.census import CensusImportError, error_kind, import_census
from soxp_portal.offers.models import Employee, Grant, Plan
from tests.factories import EmployeeFactory, GrantFactory
from tests.offers.census_data import (
    EMPLOYEES,
    EMPLOYEES_HEADER,
    GRANTS,
    GRANTS_HEADER,
    employees_csv,
    grants_csv,
)

pytestmark = pytest.mark.django_db


def run_import(employees: bytes, grants: bytes, **kwargs: object):
    return import_census(
        io.BytesIO(employees),
        io.BytesIO(grants),
        employees_name="employees.csv",
        grants_name="grants.csv",
        **kwargs,
    )


def snapshot() -> tuple[list[tuple], list[tuple], list[str], list[str]]:
    return (
        list(Employee.objects.order_by("pk").values_list()),
        list(Grant.objects.order_by("pk").values_list()),
        list(Plan.objects.order_by("name").values_list("name", flat=True)),
        list(User.objects.order_by("email").values_list("email", flat=True)),
    )


@pytest.fixture
def existing_census() -> None:
    """A census already imported, so that a rejected import has something to leave untouched."""
    run_import(employees_csv(), grants_csv())


def rejected(employees: bytes, grants: bytes) -> list[str]:
    before = snapshot()
    with pytest.raises(CensusImportError) as caught:
        run_import(employees, grants)
    assert snapshot() == before, "a rejected import must leave the database as it was"
    return [str(error) for error in caught.value.errors]


def test_import_creates_employees_grants_plans_and_accounts() -> None:
    plan = run_import(employees_csv(), grants_csv())

    assert plan.summary() == {
        "employees_new": 3,
        "employees_changed": 0,
        "employees_unchanged": 0,
        "grants_new": 3,
        "grants_changed": 0,
        "grants_unchanged": 0,
        "plans_new": 2,
    }
    sam = Employee.objects.get(employee_id="E1")
    assert sam.user.email == "sam@example.com"
    assert not sam.user.has_usable_password(), "no usable password until the invitation sets one"
    g1 = Grant.objects.get(grant_id="G1")
    assert (g1.employee, g1.outstanding_shares, g1.exercise_price) == (sam, 800, Decimal("6.00"))
    g3 = Grant.objects.get(grant_id="G3")
    assert g3.plan.name == "Lightwave Communications, Inc. 2001 Stock Plan"
    assert g3.performance_condition == "Ships Evolution"
    terry = Employee.objects.get(employee_id="E3")
    assert (terry.status, str(terry.termination_date)) == ("terminated", "2002-11-29")


def test_reimport_of_the_same_census_changes_nothing_and_never_duplicates(existing_census: None) -> None:
    before = snapshot()
    plan = run_import(employees_csv(), grants_csv())
    assert plan.summary()["employees_unchanged"] == 3
    assert plan.summary()["grants_unchanged"] == 3
    assert snapshot() == before


def test_reimport_updates_changed_rows_in_place(existing_census: None) -> None:
    sam_pk = Employee.objects.get(employee_id="E1").pk
    g1_pk = Grant.objects.get(grant_id="G1").pk
    employees = [
        EMPLOYEES[0].replace("sam@example.com", "sam.new@example.com").replace(",active,", ",leave,"),
        *EMPLOYEES[1:],
    ]
    grants = [GRANTS[0].replace(",1000,200,0,", ",1000,300,0,"), *GRANTS[1:]]

    plan = run_import(employees_csv(employees), grants_csv(grants))

    assert plan.summary()["employees_changed"] == 1
    assert plan.summary()["grants_changed"] == 1
    sam = Employee.objects.get(employee_id="E1")
    assert (sam.pk, sam.email, sam.status, sam.user.email) == (
        sam_pk,
        "sam.new@example.com",
        "leave",
        "sam.new@example.com",
    )
    g1 = Grant.objects.get(grant_id="G1")
    assert (g1.pk, g1.shares_exercised) == (g1_pk, 300)
    assert Employee.objects.count() == 3
    assert Grant.objects.count() == 3


def test_dry_run_reports_changes_and_writes_nothing(existing_census: None) -> None:
    before = snapshot()
    plan = run_import(
        employees_csv([*EMPLOYEES, "E4,New,Person,new@example.com,2002-01-07,US,active,,false,false"]),
        grants_csv(),
        dry_run=True,
    )
    assert plan.summary()["employees_new"] == 1
    assert snapshot() == before


def test_grant_of_an_employee_already_in_the_portal_may_omit_the_employee_row(existing_census: None) -> None:
    run_import(
        employees_csv([EMPLOYEES[1]]),
        grants_csv(["G9,E1,2000 Stock Option Plan,NSO,2001-01-02,10,0,0,4.00,2011-01-02,"]),
    )
    assert Grant.objects.get(grant_id="G9").employee.employee_id == "E1"


def test_grant_dated_before_hire_is_accepted_as_an_assumed_option() -> None:
    run_import(employees_csv(), grants_csv([GRANTS[0].replace("2000-05-20,1000", "1998-05-20,1000")]))
    assert str(Grant.objects.get(grant_id="G1").grant_date) == "1998-05-20"


def test_existing_login_with_the_same_email_is_linked_not_duplicated() -> None:
    admin = User.objects.create_user("sam@example.com", "a-long-password")
    run_import(employees_csv(), grants_csv())
    assert Employee.objects.get(employee_id="E1").user == admin


def test_columns_may_come_in_any_order() -> None:
    columns = EMPLOYEES_HEADER.split(",")
    order = list(reversed(range(len(columns))))
    header = ",".join(columns[i] for i in order)
    rows = [",".join(row.split(",")[i] for i in order) for row in EMPLOYEES]
    run_import(employees_csv(rows, header=header), grants_csv())
    assert Employee.objects.get(employee_id="E2").email == "lena@example.com"


@pytest.mark.usefixtures("existing_census")
class TestBadInputIsRejectedWholeAndLeavesTheDataAsItWas:
    def test_missing_column(self) -> None:
        header = EMPLOYEES_HEADER.replace(",is_director", "")
        rows = [row.rsplit(",", 1)[0] for row in EMPLOYEES]
        errors = rejected(employees_csv(rows, header=header), grants_csv())
        assert errors == [
            "employees.csv, row 1: Bad header (missing column(s): is_director). Expected: "
            + EMPLOYEES_HEADER.replace(",", ", ")
            + "."
        ]

    def test_extra_column(self) -> None:
        errors = rejected(
            employees_csv(), grants_csv([row + ",x" for row in GRANTS], header=GRANTS_HEADER + ",notes")
        )
        assert len(errors) == 1
        assert errors[0].startswith("grants.csv, row 1: Bad header (unexpected column(s): 'notes')")

    def test_repeated_column(self) -> None:
        errors = rejected(
            employees_csv([row + ",false" for row in EMPLOYEES], header=EMPLOYEES_HEADER + ",is_director"),
            grants_csv(),
        )
        assert "repeated column(s): is_director" in errors[0]

    def test_bad_date(self) -> None:
        rows = [EMPLOYEES[0], EMPLOYEES[1].replace("2001-02-12", "2001-02-30"), EMPLOYEES[2]]
        assert rejected(employees_csv(rows), grants_csv()) == [
            "employees.csv, row 3, column hire_date: '2001-02-30' is not a date in the form YYYY-MM-DD."
        ]

    def test_date_in_another_format(self) -> None:
        errors = rejected(
            employees_csv(), grants_csv([GRANTS[0].replace("2010-05-20", "05/20/2010"), *GRANTS[1:]])
        )
        assert errors == [
            "grants.csv, row 2, column expiration_date: '05/20/2010' is not a date in the form YYYY-MM-DD."
        ]

    def test_negative_shares(self) -> None:
        errors = rejected(
            employees_csv(), grants_csv([GRANTS[0].replace(",1000,200,0,", ",1000,-5,0,"), *GRANTS[1:]])
        )
        assert errors == [
            "grants.csv, row 2, column shares_exercised: -5 is negative; share counts are zero or more."
        ]

    def test_inconsistent_shares(self) -> None:
        errors = rejected(
            employees_csv(), grants_csv([*GRANTS[:2], GRANTS[2].replace(",1600,0,0,", ",1600,1000,601,")])
        )
        assert errors == [
            "grants.csv, row 4, column shares_exercised: exercised (1000) plus cancelled (601) is more than granted (1600)."
        ]

    def test_unknown_employee(self) -> None:
        errors = rejected(
            employees_csv(),
            grants_csv([*GRANTS, "G4,E99,2000 Stock Option Plan,NSO,2001-01-02,10,0,0,4.00,2011-01-02,"]),
        )
        assert errors == [
            "grants.csv, row 5, column employee_id: 'E99' is not in employees.csv nor in the portal."
        ]

    def test_duplicate_employee_id(self) -> None:
        errors = rejected(employees_csv([*EMPLOYEES, EMPLOYEES[0].replace("sam@", "sam2@")]), grants_csv())
        assert errors == [
            "employees.csv, row 5, column employee_id: 'E1' is already used on row 2; each must be unique."
        ]

    def test_duplicate_grant_id(self) -> None:
        errors = rejected(employees_csv(), grants_csv([*GRANTS, GRANTS[1]]))
        assert errors == ["grants.csv, row 5, column grant_id: 'G2' is already used on row 3."]

    def test_duplicate_email(self) -> None:
        errors = rejected(
            employees_csv([*EMPLOYEES, "E4,Sam,Twin,SAM@example.com,2000-01-03,US,active,,false,false"]),
            grants_csv(),
        )
        assert errors == [
            "employees.csv, row 5, column email: 'sam@example.com' is already used on row 2; each must be unique."
        ]

    def test_email_of_another_employee_in_the_portal(self) -> None:
        errors = rejected(
            employees_csv(["E4,Sam,Twin,sam@example.com,2000-01-03,US,active,,false,false"]), grants_csv([])
        )
        assert errors == [
            "employees.csv, row 2, column email: 'sam@example.com' already belongs to employee E1 in the portal."
        ]

    def test_grant_moving_to_another_employee(self) -> None:
        errors = rejected(employees_csv(), grants_csv([GRANTS[0].replace("G1,E1", "G1,E2"), *GRANTS[1:]]))
        assert errors == [
            "grants.csv, row 2, column employee_id: grant G1 belongs to employee E1 in the portal; "
            "a grant cannot move to another employee."
        ]

    def test_not_utf8(self) -> None:
        data = employees_csv(
            [*EMPLOYEES[:2], "E9,Jos\xe9,Latin,jose@example.com,2000-01-03,US,active,,false,false"]
        )
        errors = rejected(data.replace("Jos\xe9".encode(), "Jos\xe9".encode("latin-1")), grants_csv())
        assert errors == ["employees.csv, row 4: The file is not UTF-8 text (byte 0xe9); save it as UTF-8."]

    def test_utf8_with_byte_order_mark_is_accepted(self) -> None:
        run_import(b"\xef\xbb\xbf" + employees_csv(), grants_csv())

    def test_empty_file(self) -> None:
        assert rejected(b"", grants_csv()) == [
            "employees.csv: The file is empty; a header row and data rows are expected."
        ]

    @pytest.mark.parametrize(
        ("column", "bad", "message"),
        [
            ("status", "retired", "'retired' is not one of active, leave, terminated."),
            ("work_country", "USA", "'USA' is not an ISO 3166-1 alpha-2 country code."),
            ("work_country", "XX", "'XX' is not an ISO 3166-1 alpha-2 country code."),
            ("is_director", "yes", "'yes' is not one of true, false."),
            ("email", "not-an-email", "'not-an-email' is not a valid email address."),
            ("first_name", "", "is empty; a value is required."),
            (
                "hire_date",
                "9999-12-31",
                "9999-12-31 is outside the dates the portal takes: 1900-01-01 to 2100-12-31.",
            ),
            (
                "hire_date",
                "0001-01-01",
                "0001-01-01 is outside the dates the portal takes: 1900-01-01 to 2100-12-31.",
            ),
        ],
    )
    def test_bad_employee_field(self, column: str, bad: str, message: str) -> None:
        values = dict(zip(EMPLOYEES_HEADER.split(","), EMPLOYEES[1].split(","), strict=True))
        values[column] = bad
        errors = rejected(
            employees_csv([EMPLOYEES[0], ",".join(values.values()), EMPLOYEES[2]]), grants_csv()
        )
        assert errors == [f"employees.csv, row 3, column {column}: {message}"]

    @pytest.mark.parametrize(
        ("column", "bad", "message"),
        [
            ("option_type", "RSU", "'RSU' is not one of ISO, NSO."),
            ("shares_granted", "12.5", "'12.5' is not a whole number of shares."),
            ("shares_granted", "0", "is 0; a grant has at least one share."),
            (
                "exercise_price",
                "$6.00",
                "'$6.00' is not a price in dollars such as 6.00 (at most 4 decimal places).",
            ),
            ("exercise_price", "-1.00", "-1.00 is negative; an exercise price is zero or more."),
            (
                "exercise_price",
                "1e3",
                "'1e3' is not a price in dollars such as 6.00 (at most 4 decimal places).",
            ),
            ("expiration_date", "2000-05-20", "2000-05-20 is not after the grant date 2000-05-20."),
            (
                "expiration_date",
                "9999-12-31",
                "9999-12-31 is outside the dates the portal takes: 1900-01-01 to 2100-12-31.",
            ),
            (
                "exercise_price",
                "99999999.9999",
                "99999999.9999 is above $1,000,000.00, the most the portal takes.",
            ),
            (
                "shares_granted",
                "99999999999999999999",
                "99999999999999999999 is larger than the largest share count the portal holds (2147483647).",
            ),
            ("plan", "", "is empty; a value is required."),
        ],
    )
    def test_bad_grant_field(self, column: str, bad: str, message: str) -> None:
        values = dict(zip(GRANTS_HEADER.split(","), GRANTS[0].split(","), strict=True))
        values[column] = bad
        errors = rejected(employees_csv(), grants_csv([",".join(values.values()), *GRANTS[1:]]))
        assert errors == [f"grants.csv, row 2, column {column}: {message}"]

    @pytest.mark.parametrize("bad", ["E/3001", "E?3002", "E#3003", "E 3004", "..", ".E5", "É6", "E" * 65])
    def test_an_identifier_a_url_cannot_carry_is_refused(self, bad: str) -> None:
        rule = "use 1 to 64 letters, digits, '-', '_' and '.', not starting with '.'."
        employees = employees_csv([EMPLOYEES[0].replace("E1,", f'"{bad}",', 1), *EMPLOYEES[1:]])
        grants = grants_csv([GRANTS[0].replace("G1,E1,", f'"{bad}",E1,', 1), *GRANTS[1:]])
        errors = rejected(employees, grants)
        assert f"employees.csv, row 2, column employee_id: {bad!r} is not an identifier: {rule}" in errors
        assert f"grants.csv, row 2, column grant_id: {bad!r} is not an identifier: {rule}" in errors

    def test_terminated_without_a_date(self) -> None:
        errors = rejected(
            employees_csv([*EMPLOYEES[:2], EMPLOYEES[2].replace("2002-11-29", "")]), grants_csv()
        )
        assert errors == [
            "employees.csv, row 4, column termination_date: is empty, but the status is terminated; give the termination date."
        ]

    def test_wrong_number_of_fields(self) -> None:
        errors = rejected(employees_csv([EMPLOYEES[0] + ",extra", *EMPLOYEES[1:]]), grants_csv())
        assert errors == ["employees.csv, row 2: has 11 fields; the header has 10."]

    def test_every_error_of_both_files_is_reported_at_once(self) -> None:
        employees = [
            EMPLOYEES[0].replace("1999-08-02", "yesterday"),
            EMPLOYEES[1].replace(",US,", ",ZZ,"),
            EMPLOYEES[2],
        ]
        grants = [GRANTS[0].replace("ISO", "XYZ"), GRANTS[1].replace(",500,0,0,", ",500,0,-1,"), GRANTS[2]]
        errors = rejected(employees_csv(employees), grants_csv(grants))
        assert [error.split(":")[0] for error in errors] == [
            "employees.csv, row 2, column hire_date",
            "employees.csv, row 3, column work_country",
            "grants.csv, row 2, column option_type",
            "grants.csv, row 3, column shares_cancelled",
        ]


def test_identifiers_of_letters_digits_dashes_underscores_and_dots_are_accepted() -> None:
    run_import(
        employees_csv([EMPLOYEES[0].replace("E1,", "e-1_2.3,", 1), *EMPLOYEES[1:]]),
        grants_csv([GRANTS[0].replace("G1,", "G.1-a_b,", 1), *GRANTS[1:]]).replace(b",E1,", b",e-1_2.3,"),
    )
    assert Grant.objects.get(grant_id="G.1-a_b").employee.employee_id == "e-1_2.3"


def test_command_imports_and_reports_counts(tmp_path, capsys) -> None:
    (tmp_path / "employees.csv").write_bytes(employees_csv())
    (tmp_path / "grants.csv").write_bytes(grants_csv())
    call_command("import_census", tmp_path / "employees.csv", tmp_path / "grants.csv")
    assert "employees 3 new, 0 changed, 0 unchanged; grants 3 new" in capsys.readouterr().out
    call_command("import_census", tmp_path / "employees.csv", tmp_path / "grants.csv")
    assert "employees 0 new, 0 changed, 3 unchanged" in capsys.readouterr().out


def test_command_names_file_row_and_column_of_each_error(tmp_path) -> None:
    (tmp_path / "employees.csv").write_bytes(employees_csv())
    (tmp_path / "grants.csv").write_bytes(grants_csv([GRANTS[0].replace("6.00", "six")]))
    with pytest.raises(CommandError) as caught:
        call_command("import_census", tmp_path / "employees.csv", tmp_path / "grants.csv")
    assert f"{tmp_path / 'grants.csv'}, row 2, column exercise_price: 'six' is not a price" in str(
        caught.value
    )
    assert Employee.objects.count() == 0


def test_command_reports_a_missing_file(tmp_path) -> None:
    with pytest.raises(CommandError, match=r"Cannot read .*nope\.csv: No such file or directory"):
        call_command("import_census", tmp_path / "nope.csv", tmp_path / "grants.csv")


def test_factories_and_import_agree_on_outstanding_shares() -> None:
    grant = GrantFactory(
        shares_granted=1000, shares_exercised=150, shares_cancelled=50, employee=EmployeeFactory()
    )
    assert grant.outstanding_shares == 800


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (
            "'01/31/2001' is not a date in the form YYYY-MM-DD.",
            "'2/3/99' is not a date in the form YYYY-MM-DD.",
        ),
        ("is 70 characters long; at most 64 are allowed.", "is 81 characters long; at most 64 are allowed."),
        (
            "-1.00 is negative; an exercise price is zero or more.",
            "-7 is negative; an exercise price is zero or more.",
        ),
    ],
)
def test_the_same_mistake_with_other_values_is_one_kind_of_error(first: str, second: str) -> None:
    assert error_kind(first) == error_kind(second)
    assert "…" in error_kind(first)


def test_different_mistakes_are_different_kinds() -> None:
    assert error_kind("'x' is not a date in the form YYYY-MM-DD.") != error_kind(
        "'x' is not one of ISO, NSO."
    )


def test_a_reimport_adds_changes_and_keeps_what_the_files_leave_out(existing_census: None) -> None:
    """Changes, additions and rows the new files leave out, at once: nothing is ever deleted."""
    terry_before = Employee.objects.values_list().get(employee_id="E3")
    g3_before = Grant.objects.values_list().get(grant_id="G3")
    employees = [
        EMPLOYEES[0].replace(",Slide,", ",Slider,"),
        "E4,Nia,New,nia@example.com,2002-01-07,GB,active,,false,false",
    ]
    grants = [
        GRANTS[0],
        GRANTS[1].replace(",500,0,0,0.40,", ",500,100,0,0.40,"),
        "G4,E4,New Plan,NSO,2002-03-01,300,0,0,3.50,2012-03-01,",
    ]

    plan = run_import(employees_csv(employees), grants_csv(grants))

    assert plan.summary() == {
        "employees_new": 1,
        "employees_changed": 1,
        "employees_unchanged": 0,
        "grants_new": 1,
        "grants_changed": 1,
        "grants_unchanged": 1,
        "plans_new": 1,
    }
    assert plan.employee_ids == ("E1", "E4")
    assert Employee.objects.get(employee_id="E1").user.last_name == "Slider"
    assert Grant.objects.get(grant_id="G2").outstanding_shares == 400
    nia = Employee.objects.get(employee_id="E4")
    assert (nia.work_country, nia.user.email) == ("GB", "nia@example.com")
    assert Grant.objects.get(grant_id="G4").plan.name == "New Plan"
    # Left out of the files: kept as they were.
    assert Employee.objects.values_list().get(employee_id="E3") == terry_before
    assert Grant.objects.values_list().get(grant_id="G3") == g3_before
    assert (Employee.objects.count(), Grant.objects.count()) == (4, 4)


def test_only_changed_rows_are_written(existing_census: None) -> None:
    stamps = dict(Grant.objects.values_list("grant_id", "updated_at"))
    later = timezone.now() + timedelta(days=1)
    run_import(
        employees_csv(), grants_csv([GRANTS[0], GRANTS[1].replace(",0.40,", ",0.45,"), GRANTS[2]]), now=later
    )
    after = dict(Grant.objects.values_list("grant_id", "updated_at"))
    assert after["G2"] == later
    assert after["G1"] == stamps["G1"]
    assert after["G3"] == stamps["G3"]


def _files_across_chunks(*, bad_rows: bool = False) -> tuple[bytes, bytes]:
    """Files with \r\n and \r line endings, a byte order mark, multi-byte characters and a quoted field
    over two lines; with `bad_rows`, a bad row at the end of each."""
    employees = [
        EMPLOYEES_HEADER,
        "E1,Séverine,Ørsted-Ünal,sam@example.com,1999-08-02,US,active,,false,false",
        *EMPLOYEES[1:],
    ]
    grants = [
        GRANTS_HEADER,
        GRANTS[0],
        GRANTS[1],
        'G3,E2,"Lightwave Communications, Inc. 2001 Stock Plan",NSO,2001-06-01,1600,0,0,5.60,2011-06-01,'
        '"Ships Evolution\r\nand ""Nova"" — both"',
    ]
    if bad_rows:
        employees.append("E4,Ève,Bad,eve@example.com,2001-02-30,US,active,,false,false")
        grants.append("G4,E1,2000 Stock Option Plan,NSO,2001-01-02,10,0,0,six,2011-01-02,")
    return b"\xef\xbb\xbf" + "\r\n".join(employees).encode() + b"\r\n", "\r".join(grants).encode()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 1 << 20])
def test_files_read_in_chunks_of_any_size_give_the_same_census(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Line endings, quoted fields over two lines and multi-byte characters may fall across the chunks
    a file is read in; the census, and the rows errors name, are the same whatever the chunk size."""
    monkeypatch.setattr(census, "READ_BYTES", chunk)
    assert rejected(*_files_across_chunks(bad_rows=True)) == [
        "employees.csv, row 5, column hire_date: '2001-02-30' is not a date in the form YYYY-MM-DD.",
        "grants.csv, row 6, column exercise_price: 'six' is not a price in dollars such as 6.00 "
        "(at most 4 decimal places).",
    ]

    run_import(*_files_across_chunks())

    sam = Employee.objects.get(employee_id="E1")
    assert (sam.first_name, sam.last_name) == ("Séverine", "Ørsted-Ünal")
    assert Employee.objects.count() == 3
    assert Grant.objects.get(grant_id="G3").performance_condition == 'Ships Evolution\r\nand "Nova" — both'
    assert Grant.objects.count() == 3


@pytest.mark.parametrize("chunk", [1, 5, 1 << 20])
def test_a_byte_that_is_not_utf8_is_found_on_its_row_whatever_the_chunks(
    chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(census, "READ_BYTES", chunk)
    data = employees_csv(
        [*EMPLOYEES[:2], "E9,Jos\xe9,Latin,jose@example.com,2000-01-03,US,active,,false,false"]
    )
    errors = rejected(data.replace("Jos\xe9".encode(), "Jos\xe9".encode("latin-1")), grants_csv())
    assert errors == ["employees.csv, row 4: The file is not UTF-8 text (byte 0xe9); save it as UTF-8."]


class _Recorded(io.BytesIO):
    """A file that records the size of every read, and can be made to refuse seeking."""

    def __init__(self, data: bytes, *, seekable: bool = True) -> None:
        super().__init__(data)
        self.reads: list[int] = []
        self._seekable = seekable

    def read(self, size: int | None = -1) -> bytes:
        self.reads.append(-1 if size is None else size)
        return super().read(size)

    def seekable(self) -> bool:
        return self._seekable


def test_a_file_is_read_a_chunk_at_a_time_never_whole() -> None:
    employees, grants = _Recorded(employees_csv()), _Recorded(grants_csv())
    import_census(employees, grants)
    for recorded in (employees, grants):
        assert recorded.reads
        assert all(0 < size <= census.READ_BYTES for size in recorded.reads)
    assert Grant.objects.count() == 3


def test_a_file_that_cannot_seek_is_read_too() -> None:
    plan = import_census(_Recorded(employees_csv(), seekable=False), _Recorded(grants_csv(), seekable=False))
    assert plan.summary()["grants_new"] == 3


def _staging_tables() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT relname FROM pg_class WHERE relpersistence = 't' AND relkind = 'r'")
        else:
            cursor.execute("SELECT name FROM sqlite_temp_master WHERE type = 'table'")
        return {name for (name,) in cursor.fetchall()} & {"census_staged_employee", "census_staged_grant"}


def test_the_staging_tables_are_gone_after_an_import_and_after_a_rejection() -> None:
    run_import(employees_csv(), grants_csv(), dry_run=True)
    assert _staging_tables() == set()
    run_import(employees_csv(), grants_csv())
    assert _staging_tables() == set()
    with pytest.raises(CensusImportError):
        run_import(employees_csv(), grants_csv([GRANTS[0].replace("G1,E1", "G1,E2")]))
    with pytest.raises(CensusImportError):
        run_import(employees_csv([EMPLOYEES[0].replace("US", "ZZ")]), grants_csv())
    assert _staging_tables() == set()


def test_a_nul_character_is_refused_with_its_column() -> None:
    errors = rejected(
        employees_csv([EMPLOYEES[0].replace(",Sam,", ",S\x00m,"), *EMPLOYEES[1:]]), grants_csv()
    )
    assert errors == [
        "employees.csv, row 2, column first_name: contains a NUL character (byte 0x00), which the portal "
        "cannot store."
    ]


def test_every_error_of_the_comparison_is_reported_at_once(existing_census: None) -> None:
    """Errors found against the portal (an email taken, an unknown employee, a grant moving) are all
    reported, the employees file's first, each grant once, in row order."""
    employees = [EMPLOYEES[0], EMPLOYEES[2], "E4,Lee,Twin,lena@example.com,2000-01-03,US,active,,false,false"]
    grants = [
        GRANTS[0].replace("G1,E1", "G1,E2"),
        "G8,E99,2000 Stock Option Plan,NSO,2001-01-02,10,0,0,4.00,2011-01-02,",
        "G9,E98,2000 Stock Option Plan,NSO,2001-01-02,10,0,0,4.00,2011-01-02,",
    ]
    assert rejected(employees_csv(employees), grants_csv(grants)) == [
        "employees.csv, row 4, column email: 'lena@example.com' already belongs to employee E2 in the portal.",
        "grants.csv, row 2, column employee_id: grant G1 belongs to employee E1 in the portal; "
        "a grant cannot move to another employee.",
        "grants.csv, row 3, column employee_id: 'E99' is not in employees.csv nor in the portal.",
        "grants.csv, row 4, column employee_id: 'E98' is not in employees.csv nor in the portal.",
    ]
