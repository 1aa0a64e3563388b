"""CSV, XLSX and JSON writers: neutralised cells, typed cells, sheets that roll over, streamed JSON."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl

from soxp_portal.closing.exports.writers import Table, csv_chunks, json_array_chunks, write_xlsx
from tests.exports.conftest import MALICIOUS

COLUMNS = ("name", "shares", "price", "day", "note")


def table(rows, **kwargs) -> Table:
    return Table(sheet="Test", columns=COLUMNS, rows=rows, **kwargs)


def test_csv_neutralises_a_formula_in_a_name():
    text = "".join(csv_chunks(table([(MALICIOUS, 750, Decimal("6.0000"), date(2003, 1, 20), None)])))
    header, row = list(csv.reader(io.StringIO(text)))
    assert header == list(COLUMNS)
    assert row == ["'" + MALICIOUS, "750", "6.0000", "2003-01-20", ""]


def test_csv_comes_in_chunks_that_add_up_to_the_whole_file():
    rows = [(f"Person {n}", n, Decimal("1.25"), date(2003, 7, 21), "x" * 50) for n in range(5000)]
    chunks = list(csv_chunks(table(rows)))
    assert len(chunks) > 1
    assert len(list(csv.reader(io.StringIO("".join(chunks))))) == 5001


def xlsx(rows, **kwargs) -> openpyxl.Workbook:
    out = io.BytesIO()
    write_xlsx(out, table(rows), **kwargs)
    out.seek(0)
    return openpyxl.load_workbook(out)


def test_xlsx_keeps_a_formula_in_a_name_as_plain_text_and_types_the_other_cells():
    sheet = xlsx([(MALICIOUS, 750, Decimal("2.1875"), date(2003, 1, 20), None)])["Test"]
    assert [cell.value for cell in sheet[1]] == list(COLUMNS)
    name, shares, price, day, note = sheet[2]
    assert name.value == MALICIOUS
    assert name.data_type == "s"
    assert shares.value == 750
    assert price.value == 2.1875
    assert price.data_type == "n"
    assert day.value.date() == date(2003, 1, 20)
    assert day.is_date
    assert note.value is None


def test_xlsx_continues_on_a_new_sheet_with_the_header_when_one_is_full():
    book = xlsx([(f"P{n}", n, None, None, None) for n in range(5)], max_rows_per_sheet=2)
    assert book.sheetnames == ["Test", "Test (2)", "Test (3)"]
    assert [[cell.value for cell in row][:2] for row in book["Test (3)"].iter_rows()] == [
        ["name", "shares"],
        ["P4", 4],
    ]


def test_json_array_is_written_item_by_item_into_one_document():
    items = ({"id": str(n), "quantity": str(n)} for n in range(3000))
    chunks = list(json_array_chunks({"file_type": "OCF_TRANSACTIONS_FILE"}, "items", items))
    assert len(chunks) > 1
    document = json.loads("".join(chunks))
    assert document["file_type"] == "OCF_TRANSACTIONS_FILE"
    assert [item["id"] for item in document["items"]] == [str(n) for n in range(3000)]
    assert json.loads("".join(json_array_chunks({}, "items", []))) == {"items": []}
