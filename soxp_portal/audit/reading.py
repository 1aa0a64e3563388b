"""Reading rows that someone may have garbled with raw SQL, without crashing on them.

The checks of the trail must report tampering, not die of it. A column set by hand to something its
field cannot hold fails in one of two ways when Django reads it:

- the read raises: PostgreSQL hands back a time Python cannot hold (``infinity``, a year after
  9999) and psycopg refuses it (``DataError``); SQLite hands back text where a number or a decimal
  belongs and the converter refuses it (``TypeError``, ``ValueError``, ``InvalidOperation``);
- the read succeeds with a value the field never holds: SQLite returns a time it cannot parse as
  ``None``, and a number column holding text as that text.

``read_safely`` and ``chunks_safely`` catch the first kind: a set of rows that cannot be read
together is read again row by row, and each row that still fails comes back as ``Unreadable``,
with the fields that fail alone. ``unreadable_fields`` finds the second kind on a row that was read.
"""

from __future__ import annotations

import decimal
import functools
import ipaddress
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import DataError, models
from django.db.models import QuerySet

#: What reading a garbled column raises (see the module's docstring); nothing else is caught, so a
#: lost connection or a programming error still surfaces.
UNREADABLE_ERRORS: tuple[type[Exception], ...] = (
    ValueError,
    TypeError,
    AttributeError,
    ArithmeticError,
    DataError,
)

_INTEGER_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "SmallAutoField",
        "IntegerField",
        "BigIntegerField",
        "SmallIntegerField",
        "PositiveIntegerField",
        "PositiveBigIntegerField",
        "PositiveSmallIntegerField",
    }
)
_TEXT_TYPES = frozenset({"CharField", "TextField", "SlugField", "EmailField"})


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A row that cannot be read: its primary key and the fields that cannot be read on their own
    (empty when each field reads alone, for instance when a related row is what fails)."""

    model: type[models.Model]
    pk: Any
    fields: tuple[str, ...]


def read_safely[M: models.Model](queryset: QuerySet[M]) -> list[M | Unreadable]:
    """Every row of an unsliced `queryset`, with its select_related and prefetch_related.

    One query set's worth of queries when all can be read; otherwise one row at a time, so that only
    the rows that really cannot be read are left out (as ``Unreadable``).
    """
    try:
        return list(queryset)
    except UNREADABLE_ERRORS:
        keys = list(queryset.prefetch_related(None).values_list("pk", flat=True))
        return [_read_one(queryset, key) for key in keys]


def chunks_safely[M: models.Model](
    queryset: QuerySet[M], *, chunk_size: int
) -> Iterator[Sequence[M | Unreadable]]:
    """The rows of `queryset` in primary key order, `chunk_size` at a time (one query per chunk, plus
    its prefetches), each chunk read as ``read_safely`` reads.

    The primary key is an integer the database assigns and checks, so it can always be read: the
    chunks follow each other by it (``pk > last``), without OFFSET, and memory stays at one chunk.
    """
    after = None
    while True:
        page = (queryset if after is None else queryset.filter(pk__gt=after)).order_by("pk")
        rows: list[M | Unreadable]
        try:
            rows = list(page[:chunk_size])
        except UNREADABLE_ERRORS:
            keys = list(page.prefetch_related(None).values_list("pk", flat=True)[:chunk_size])
            rows = [_read_one(queryset, key) for key in keys]
        if not rows:
            return
        yield rows
        if len(rows) < chunk_size:
            return
        after = rows[-1].pk


def _read_one[M: models.Model](queryset: QuerySet[M], key: Any) -> M | Unreadable:
    try:
        return queryset.get(pk=key)
    except UNREADABLE_ERRORS:
        return Unreadable(queryset.model, key, fields_that_fail(queryset.model, key))


def fields_that_fail(model: type[models.Model], key: Any) -> tuple[str, ...]:
    """The fields of one row that cannot be read, each read on its own (a query per field: only for
    a row that has already failed)."""
    failing = []
    rows = model._base_manager.filter(pk=key)
    for field in model._meta.concrete_fields:
        try:
            value = rows.values_list(field.attname, flat=True).first()
        except UNREADABLE_ERRORS:
            failing.append(field.name)
            continue
        if not is_readable(field, value):
            failing.append(field.name)
    return tuple(failing)


def unreadable_fields(instance: models.Model) -> tuple[str, ...]:
    """The fields of a row that was read but holds what its field never holds (see the module's
    docstring): a time SQLite could not parse, text in a number column, an address that is none.

    The chain walk asks this of every event, so each model's checks are worked out once.
    """
    return tuple(
        name
        for name, attname, accepts in _field_checks(type(instance))
        if not accepts(getattr(instance, attname))
    )


def is_readable(field: models.Field[Any, Any], value: Any) -> bool:
    """Whether `value` is something `field` can hold, as Django reads it back."""
    return _accepts(field)(value)


@functools.cache
def _field_checks(model: type[models.Model]) -> tuple[tuple[str, str, Callable[[Any], bool]], ...]:
    return tuple((field.name, field.attname, _accepts(field)) for field in model._meta.concrete_fields)


def _accepts(field: models.Field[Any, Any]) -> Callable[[Any], bool]:
    """A test of the values `field` can hold: None only if it is nullable, else a value of its type."""
    of_type = _type_check(field.target_field if isinstance(field, models.ForeignKey) else field)
    nullable = field.null
    return lambda value: nullable if value is None else of_type(value)


def _type_check(field: models.Field[Any, Any]) -> Callable[[Any], bool]:
    kind = field.get_internal_type()
    if kind in _INTEGER_TYPES:
        return lambda value: isinstance(value, int) and not isinstance(value, bool)
    if kind in _TEXT_TYPES:
        return lambda value: isinstance(value, str)
    if kind == "BooleanField":
        return lambda value: isinstance(value, bool)
    if kind == "DateTimeField":
        return lambda value: isinstance(value, datetime) and value.utcoffset() is not None
    if kind == "DateField":
        return lambda value: isinstance(value, date) and not isinstance(value, datetime)
    if kind == "DecimalField":
        return lambda value: isinstance(value, decimal.Decimal) and value.is_finite()
    if kind == "UUIDField":
        return lambda value: isinstance(value, uuid.UUID)
    if kind == "GenericIPAddressField":
        return lambda value: isinstance(value, str) and _is_address(value)
    return lambda value: True


def _is_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True
