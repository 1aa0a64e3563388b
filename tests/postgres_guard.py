"""What PostgreSQL would refuse, caught while the tests run on SQLite.

SQLite takes things PostgreSQL refuses with an error (so a 500 in production): a NUL character in any
text, ``\\u0000`` in a ``jsonb`` value, a string longer than its ``varchar``, a number with more whole
digits than its ``numeric(p, s)``, an integer beyond its column's range. ``PostgresGuard`` watches
every statement (``connection.execute_wrapper``) and raises ``PostgresWouldRefuse`` where PostgreSQL
would, so a test on SQLite fails where the same request would fail on PostgreSQL.

Writes are read column by column from the SQL Django generates (``INSERT INTO "t" ("a", "b") VALUES
(%s, %s), ...`` and ``UPDATE "t" SET "a" = %s, ...``); a statement shaped otherwise is checked for NUL
characters only.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from types import TracebackType
from typing import Any

from django.apps import apps
from django.db import connection, models
from django.db.backends.base.operations import BaseDatabaseOperations

_INSERT = re.compile(
    r'INSERT INTO "(?P<table>[^"]+)" \((?P<columns>[^)]*)\) VALUES (?P<rows>.*?)(?: RETURNING .*)?', re.S
)
_PLAIN_ROWS = re.compile(r"\(%s(?:, %s)*\)(?:, \(%s(?:, %s)*\))*")
_UPDATE = re.compile(r'UPDATE "(?P<table>[^"]+)" SET (?P<sets>.*?)(?: WHERE .*)?', re.S)
#: The integer columns' ranges, as PostgreSQL has them (SQLite's integers are all 64-bit).
_RANGES = BaseDatabaseOperations.integer_field_ranges


class PostgresWouldRefuse(Exception):
    """A statement PostgreSQL would refuse, although SQLite took it."""


def _split_assignments(sets: str) -> list[str]:
    """`"a" = %s, "b" = ("b" + %s)` into its assignments, commas inside brackets kept."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(sets):
        depth += char == "("
        depth -= char == ")"
        if char == "," and depth == 0:
            parts.append(sets[start:index])
            start = index + 1
    parts.append(sets[start:])
    return [part.strip() for part in parts]


def problem(field: models.Field, value: Any) -> str | None:
    """Why PostgreSQL would refuse `value` in `field`'s column, or None."""
    if isinstance(value, str) and isinstance(field, models.JSONField) and "\\u0000" in value:
        return "jsonb refuses \\u0000"
    if isinstance(value, str) and field.max_length and len(value) > field.max_length:
        return f"{len(value)} characters in a varchar({field.max_length})"
    if isinstance(field, models.DecimalField) and isinstance(value, Decimal):
        whole = max(value.adjusted() + 1, 0) if value.is_finite() and value else 0
        if not value.is_finite() or whole > field.max_digits - field.decimal_places:
            return f"{value} does not fit a numeric({field.max_digits}, {field.decimal_places})"
    limits = _RANGES.get(field.get_internal_type())
    if limits and isinstance(value, int) and not isinstance(value, bool):
        low, high = limits
        if not low <= value <= high:
            return f"{value} is outside the column's range, {low} to {high}"
    return None


class PostgresGuard:
    """A context manager: inside it, a statement PostgreSQL would refuse raises ``PostgresWouldRefuse``."""

    def __enter__(self) -> PostgresGuard:
        self.columns = {
            model._meta.db_table: {field.column: field for field in model._meta.concrete_fields}
            for model in apps.get_models()
        }
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self._wrapper.__exit__(kind, error, trace)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        for row in (params if many else [params]) or []:
            self.check(sql, list(row or ()))
        return execute(sql, params, many, context)

    def check(self, sql: str, params: Sequence[Any]) -> None:
        for value in params:
            if isinstance(value, str) and "\x00" in value:
                raise PostgresWouldRefuse(f"a NUL character in a parameter of {sql[:100]!r}")
        for field, value in self._written(sql, params):
            refused = problem(field, value)
            if refused:
                raise PostgresWouldRefuse(f"{field.model.__name__}.{field.name}: {refused}")

    def _written(self, sql: str, params: Sequence[Any]) -> Iterator[tuple[models.Field, Any]]:
        insert = _INSERT.fullmatch(sql)
        if insert and _PLAIN_ROWS.fullmatch(insert["rows"].strip()):
            fields = self.columns.get(insert["table"], {})
            columns = [column.strip().strip('"') for column in insert["columns"].split(",")]
            for index, value in enumerate(params):
                field = fields.get(columns[index % len(columns)])
                if field is not None:
                    yield field, value
            return
        update = _UPDATE.fullmatch(sql)
        if update:
            fields, index = self.columns.get(update["table"], {}), 0
            for assignment in _split_assignments(update["sets"]):
                column, _, expression = assignment.partition(" = ")
                field = fields.get(column.strip('"'))
                if expression == "%s" and field is not None and index < len(params):
                    yield field, params[index]
                index += expression.count("%s")
