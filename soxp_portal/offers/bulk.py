"""Bulk writes for the census, as one prepared statement run over every row (``executemany``).

Django's ``bulk_create`` compiles every value of every row into SQL text and ``bulk_update`` builds
one ``CASE WHEN`` per field over the whole batch; for a census of 400,000 grants both cost most of
the import's time (see docs/performance.md). ``executemany`` of one parameterised statement runs in
C on SQLite and as a pipeline on psycopg 3. Values still go through each field's
``get_db_prep_save``, so they are stored exactly as the ORM would store them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
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


def update_rows(model: type[models.Model], rows: Iterable[Row], field_names: list[str]) -> None:
    """Updates the named fields of each row, found by its ``pk`` key."""
    fields = [model._meta.get_field(name) for name in field_names]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)  # type: ignore[union-attr]
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    params = [[_prepared(field, row[field.attname]) for field in fields] + [row["pk"]] for row in rows]  # type: ignore[union-attr, arg-type]
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
