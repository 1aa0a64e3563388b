"""The three file formats of the exports, each written row by row so memory does not grow with the file.

- CSV: :func:`csv_chunks` yields the text in pieces of about 64 KB for a ``StreamingHttpResponse``.
  Every cell goes through ``offers.reports.neutralise``, so a name such as ``=HYPERLINK(...)`` is
  written as text with a leading apostrophe, never run as a formula.
- XLSX: :func:`write_xlsx` writes through XlsxWriter in ``constant_memory`` mode (each row is flushed
  to a temporary file as soon as the next one starts) into a file object the caller then streams.
  Strings are written with ``write_string`` and the workbook never turns strings into formulas, URLs
  or numbers, so the same name stays a plain text cell. A sheet holds at most 1,048,575 data rows;
  beyond that the table continues on a second sheet with the same header ("Vesting (2)").
- JSON: :func:`json_array_chunks` writes ``{"file_type": ..., "items": [`` then one object at a time.

Cell values are ``str``, ``int``, ``Decimal``, ``date`` or ``None`` (empty). Decimals reach the files
as written (CSV) or as their exact decimal text (XLSX numbers): never through a float.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Any

import xlsxwriter

from soxp_portal.offers.reports import neutralise

#: Excel's last row is 1,048,576; the first holds the header.
XLSX_MAX_DATA_ROWS = 1_048_575
_CHUNK_CHARS = 64 * 1024
_XLSX_OPTIONS = {
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}
_MONEY_FORMAT = "#,##0.00##"
_DATE_FORMAT = "yyyy-mm-dd"

Cell = str | int | Decimal | date | None


@dataclass(frozen=True)
class Table:
    """One export as rows: the header, the rows (a generator, read once), and what the sheet is called.

    `count` is the number of rows when one cheap query knows it (for the audit event), else None.
    """

    sheet: str
    columns: Sequence[str]
    rows: Iterable[Sequence[Cell]]
    count: int | None = None


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class _Echo:
    """A file-like object whose ``write`` hands the line back, so csv.writer can feed a generator."""

    def write(self, text: str) -> str:
        return text


def csv_chunks(table: Table) -> Iterator[str]:
    """The table as CSV text (header first, "\\n" line ends), in pieces of about 64 KB."""
    writer = csv.writer(_Echo(), lineterminator="\n")
    pending = [writer.writerow([neutralise(column) for column in table.columns])]
    size = len(pending[0])
    for row in table.rows:
        line = writer.writerow([neutralise(_text(value)) for value in row])
        pending.append(line)
        size += len(line)
        if size >= _CHUNK_CHARS:
            yield "".join(pending)
            pending, size = [], 0
    if pending:
        yield "".join(pending)


class _Sheets:
    """Adds sheets as the rows fill them, each with the header; writes each cell by its type."""

    def __init__(self, workbook: Any, table: Table) -> None:
        self.workbook = workbook
        self.table = table
        self.header = workbook.add_format({"bold": True})
        self.money = workbook.add_format({"num_format": _MONEY_FORMAT})
        self.day = workbook.add_format({"num_format": _DATE_FORMAT})
        self.number = 0
        self.sheet: Any = None

    def next_sheet(self) -> Any:
        self.number += 1
        title = self.table.sheet if self.number == 1 else f"{self.table.sheet} ({self.number})"
        self.sheet = self.workbook.add_worksheet(title[:31])
        self.sheet.freeze_panes(1, 0)
        for col, column in enumerate(self.table.columns):
            self.sheet.set_column(col, col, max(10, min(len(column) + 2, 40)))
            self.sheet.write_string(0, col, column, self.header)
        return self.sheet

    def write_cell(self, row: int, col: int, value: Cell) -> None:
        if value is None or value == "":
            return
        if isinstance(value, str):
            self.sheet.write_string(row, col, value)
        elif isinstance(value, Decimal):
            self.sheet.write_number(row, col, value, self.money)
        elif isinstance(value, int):
            self.sheet.write_number(row, col, value)
        elif isinstance(value, datetime):
            self.sheet.write_string(row, col, value.isoformat())
        else:
            self.sheet.write_datetime(row, col, datetime(value.year, value.month, value.day), self.day)  # noqa: DTZ001


def write_xlsx(out: IO[bytes], table: Table, *, max_rows_per_sheet: int = XLSX_MAX_DATA_ROWS) -> int:
    """Writes the table as an .xlsx workbook into `out`; returns the number of data rows."""
    workbook = xlsxwriter.Workbook(out, _XLSX_OPTIONS)
    sheets = _Sheets(workbook, table)
    sheets.next_sheet()
    row_in_sheet = count = 0
    for row in table.rows:
        if row_in_sheet == max_rows_per_sheet:
            sheets.next_sheet()
            row_in_sheet = 0
        row_in_sheet += 1
        count += 1
        for col, value in enumerate(row):
            sheets.write_cell(row_in_sheet, col, value)
    workbook.close()
    return count


def json_array_chunks(head: dict[str, Any], key: str, items: Iterable[dict[str, Any]]) -> Iterator[str]:
    """``head`` as a JSON object whose `key` is the array of `items`, written one item at a time."""
    opening = json.dumps(head, ensure_ascii=False)[:-1]
    pending = [f'{opening}{", " if head else ""}"{key}": [\n']
    size, first = len(pending[0]), True
    for item in items:
        text = ("" if first else ",\n") + json.dumps(item, ensure_ascii=False)
        first = False
        pending.append(text)
        size += len(text)
        if size >= _CHUNK_CHARS:
            yield "".join(pending)
            pending, size = [], 0
    pending.append("\n]}\n")
    yield "".join(pending)
