"""Bulk writes for the census: prepared statements over every row, ``COPY``, and ``INSERT ... SELECT``.

Django's ``bulk_create`` compiles every value of every row into SQL text and ``bulk_update`` builds
one ``CASE WHEN`` per field over the whole batch; for a census of 400,000 grants both cost most of
the import's time (see docs/performance.md). ``insert_rows`` runs one parameterised statement over
every row (``executemany``, in C on SQLite and as a pipeline on psycopg 3), its values through each
field's ``get_db_prep_save``, so they are stored exactly as the ORM would store them. The census
import itself appends rows to temporary tables (``append_rows``: ``COPY`` on PostgreSQL) and writes
from them in SQL (``insert_select``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from itertools import batched
from typing import Any

from django.db import connection, models

Row = Mapping[str, Any]


def _prepared(field: models.Field[Any, Any], value: Any) -> Any:
    return field.get_db_prep_save(value, connection)


def insert_rows(model: type[models.Model], rows: Iterable[Row], *, now: datetime) -> None:
    """Inserts rows given by field name (attnames such as ``employee_id`` for foreign keys).

    Fields a row leaves out take their default; ``auto_now``/``auto_now_add`` fields take `now`.
    """
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({placeholders})"  # noqa: S608

    def defaults(field: models.Field[Any, Any]) -> Any:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return now
        return field.get_default()

    fixed = {field.attname: defaults(field) for field in fields}
    params = [
        [_prepared(field, row.get(field.attname, fixed[field.attname])) for field in fields] for row in rows
    ]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)


#: Rows sent to SQLite per ``executemany``: enough to amortise the call, small enough to stream.
CHUNK_ROWS = 5000


def prepare(field: models.Field[Any, Any], value: Any) -> Any:
    """`value` as the ORM would send it to the database for `field`."""
    return _prepared(field, value)


def append_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Appends rows of prepared values to `table`: one ``COPY ... FROM STDIN`` on PostgreSQL (psycopg 3's
    ``cursor.copy``, rows streamed as they come), ``executemany`` in chunks of ``CHUNK_ROWS`` elsewhere."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        placeholders = ", ".join(["%s"] * len(columns))
        sql = f"INSERT INTO {quote(table)} ({names}) VALUES ({placeholders})"  # noqa: S608
        for chunk in batched(rows, CHUNK_ROWS):
            cursor.executemany(sql, chunk)


def create_temporary_table(table: str, columns: Sequence[tuple[str, models.Field[Any, Any]]]) -> None:
    """A temporary table (this connection's own, gone with it) whose columns have the database types of
    the given fields, so values compare and copy exactly as in the model's own table. Any table of
    that name left over on this connection is dropped first."""
    quote = connection.ops.quote_name
    definitions = ", ".join(f"{quote(name)} {field.db_type(connection)}" for name, field in columns)
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {quote(table)}")
        cursor.execute(f"CREATE TEMPORARY TABLE {quote(table)} ({definitions})")


def drop_temporary_table(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)}")


def insert_select(
    model: type[models.Model],
    expressions: Mapping[str, str],
    source: str,
    source_params: Sequence[Any] = (),
    *,
    values: Mapping[str, Any] | None = None,
    now: datetime,
) -> int:
    """``INSERT INTO`` the model's table ``SELECT`` ... `source` (the SQL from ``FROM`` on, with its
    `source_params`); returns the number of rows inserted.

    Each field takes its SQL expression from `expressions` (by attname), else its value from `values`,
    else ``now`` for ``auto_now``/``auto_now_add`` fields, else its default; values are prepared as
    the ORM prepares them."""
    values = values or {}
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    selected, params = [], []
    for field in fields:
        if field.attname in expressions:
            selected.append(expressions[field.attname])
            continue
        if field.attname in values:
            value = values[field.attname]
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            value = now
        else:
            value = field.get_default()
        selected.append("%s")
        params.append(_prepared(field, value))
    columns = ", ".join(quote(field.column) for field in fields)
    sql = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) SELECT {', '.join(selected)} {source}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *source_params])
        return cursor.rowcount
