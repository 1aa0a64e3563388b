"""eligibility_report: one row per grant, OFFER.md's columns, plain-words reasons, safe CSV cells."""

import csv
import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command

from soxp_portal.offers.models import Offer
from soxp_portal.offers.reports import ELIGIBILITY_COLUMNS, neutralise, write_csv, write_eligibility_report
from tests.factories import EmployeeFactory, GrantFactory

pytestmark = pytest.mark.django_db


def report(offer: Offer, on: date = date(2003, 1, 20)) -> list[dict[str, str]]:
    out = io.StringIO()
    write_eligibility_report(offer, out, on=on)
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def test_slide_9_employee(soxp_2003: Offer, slide_9_employee) -> None:
    rows = report(soxp_2003)
    assert [
        (r["grant_id"], r["eligible"], r["required"], r["outstanding_shares"], r["new_shares_if_exchanged"])
        for r in rows
    ] == [
        ("G-1001", "true", "false", "800", "600"),
        ("G-1002", "true", "false", "1000", "750"),
        ("G-1003", "false", "false", "500", ""),
        ("G-1004", "true", "true", "500", "375"),
    ]
    assert rows[2]["reason"] == "Exercise price $2.18 is below the $3.01 threshold."
    assert "lookback window" in rows[3]["reason"]


def test_header_is_the_offer_md_columns(soxp_2003: Offer, slide_9_employee) -> None:
    out = io.StringIO()
    write_eligibility_report(soxp_2003, out, on=date(2003, 1, 20))
    assert (
        out.getvalue().splitlines()[0]
        == ",".join(ELIGIBILITY_COLUMNS)
        == ("employee_id,grant_id,eligible,required,outstanding_shares,new_shares_if_exchanged,reason")
    )


def test_ineligible_employee_has_every_grant_ineligible_with_the_reason(soxp_2003: Offer) -> None:
    officer = EmployeeFactory(employee_id="E1003", is_executive_officer=True)
    GrantFactory(employee=officer, grant_id="G-3001")
    GrantFactory(employee=officer, grant_id="G-3002", grant_date=date(2002, 8, 1))
    rows = report(soxp_2003)
    assert [(r["eligible"], r["required"], r["new_shares_if_exchanged"]) for r in rows] == [
        ("false", "false", "")
    ] * 2
    assert all("executive officer" in r["reason"].lower() for r in rows)


def test_the_report_speaks_of_the_employee_in_the_third_person(soxp_2003: Offer) -> None:
    leaver = EmployeeFactory(employee_id="E1007", status="terminated", termination_date=date(2003, 1, 10))
    GrantFactory(employee=leaver, grant_id="G-7001")
    (row,) = report(soxp_2003)
    assert row["reason"] == "The employee is not eligible for this offer: not employed on January 20, 2003."


def test_employment_is_judged_on_the_given_day(soxp_2003: Offer) -> None:
    leaver = EmployeeFactory(termination_date=date(2003, 1, 10))
    GrantFactory(employee=leaver)
    assert report(soxp_2003, on=date(2003, 1, 5))[0]["eligible"] == "true"
    assert report(soxp_2003, on=date(2003, 1, 20))[0]["eligible"] == "false"


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_neutralised(value: str) -> None:
    assert neutralise(value) == "'" + value


def test_ordinary_cells_are_left_as_they_are() -> None:
    assert [neutralise(v) for v in ["G-1001", "6.00", 600, None, "a=b"]] == [
        "G-1001",
        "6.00",
        "600",
        "",
        "a=b",
    ]


def test_report_neutralises_ids_from_the_census(soxp_2003: Offer) -> None:
    GrantFactory(grant_id="=cmd|' /C calc'!A0", employee=EmployeeFactory(employee_id="@evil"))
    row = report(soxp_2003)[0]
    assert (row["employee_id"], row["grant_id"]) == ("'@evil", "'=cmd|' /C calc'!A0")


def test_write_csv_counts_rows() -> None:
    out = io.StringIO()
    assert write_csv(out, ["a", "b"], iter([(1, 2), (3, 4)])) == 2
    assert out.getvalue() == "a,b\n1,2\n3,4\n"


def test_command_writes_to_standard_output(soxp_2003: Offer, slide_9_employee, capsys) -> None:
    call_command("eligibility_report", "soxp-2003")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("employee_id,grant_id,eligible")
    assert len(lines) == 5


def test_command_writes_to_a_file(soxp_2003: Offer, slide_9_employee, tmp_path, capsys) -> None:
    call_command("eligibility_report", "soxp-2003", "--output", str(tmp_path / "report.csv"))
    assert "Wrote 4 grant(s)" in capsys.readouterr().err
    assert len((tmp_path / "report.csv").read_text().splitlines()) == 5


def test_command_names_the_known_offers_when_the_slug_is_wrong(soxp_2003: Offer) -> None:
    with pytest.raises(CommandError, match=r"There is no offer 'nope' \(known offers: soxp-2003\)"):
        call_command("eligibility_report", "nope")
