"""Form fields shared by the console's forms: dates, times and prices kept within ``offers.limits``.

The range is checked on the value as typed, before any form reads it in a time zone: a wall-clock time
in the year 9999 (or 1) cannot even be turned into UTC, so it must be refused before it is tried.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import connection

from soxp_portal.offers.limits import EARLIEST_DATE, LATEST_DATE, date_problem, price_problem


class DateRangeMixin:
    """Refuses a date (or the date of a time) outside ``EARLIEST_DATE``..``LATEST_DATE``, naming the field."""

    label: Any

    def validate(self, value: Any) -> None:
        super().validate(value)  # type: ignore[misc]
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            problem = date_problem(value, str(self.label or "The date"))
            if problem:
                raise ValidationError(problem, code="out_of_range")


class BoundedDateField(DateRangeMixin, forms.DateField):
    """A date from ``EARLIEST_DATE`` to ``LATEST_DATE``, picked with the browser's date input."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            forms.DateInput(
                attrs={"type": "date", "min": EARLIEST_DATE.isoformat(), "max": LATEST_DATE.isoformat()}
            ),
        )
        super().__init__(*args, **kwargs)


class BoundedDateTimeField(DateRangeMixin, forms.DateTimeField):
    """A date and time whose date is from ``EARLIEST_DATE`` to ``LATEST_DATE``."""


def price_validator(what: str, *, zero_allowed: bool = False) -> Callable[[Decimal], None]:
    """A form validator refusing a price ``offers.limits.price_problem`` refuses, with its words."""

    def validate(price: Decimal) -> None:
        problem = price_problem(price, what, zero_allowed=zero_allowed)
        if problem:
            raise ValidationError(problem, code="price_out_of_range")

    return validate


class RowsChoiceField(forms.ModelMultipleChoiceField):
    """Rows ticked by id. An id beyond what the id column holds is refused as no such choice before the
    query: SQLite cannot even compare a number that large, and no row has it."""

    def _check_values(self, value: Any) -> Any:
        low, high = connection.ops.integer_field_range(self.queryset.model._meta.pk.get_internal_type())
        for choice in value if isinstance(value, list | tuple) else ():
            text = str(choice).strip()
            if text.lstrip("-").isdigit() and not low <= int(text) <= high:
                raise ValidationError(
                    self.error_messages["invalid_choice"], code="invalid_choice", params={"value": text[:20]}
                )
        return super()._check_values(value)
