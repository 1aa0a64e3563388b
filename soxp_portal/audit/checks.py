"""System check: the database must serialise audit appends, or concurrent writers get errors.

``log.record`` relies on PostgreSQL's advisory lock or on SQLite's ``BEGIN IMMEDIATE``. With
SQLite's default deferred transactions two writers can both read the last event and then fail with
"database is locked" (the unique columns still stop a fork, but the action fails), so a settings
change that drops ``transaction_mode`` should be caught at start-up rather than under load.
"""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, register
from django.core.checks import Warning as CheckWarning
from django.db import connections


@register()
def check_chain_serialisation(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    settings_dict = connections["default"].settings_dict
    engine = settings_dict["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        mode = str(settings_dict.get("OPTIONS", {}).get("transaction_mode", "DEFERRED")).upper()
        if mode != "IMMEDIATE":
            return [
                CheckWarning(
                    f"SQLite transaction_mode is {mode}: concurrent audited writes may fail with "
                    "'database is locked'.",
                    hint='Set DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE".',
                    id="audit.W001",
                )
            ]
    elif engine != "django.db.backends.postgresql":
        return [
            CheckWarning(
                f"The audit chain lock supports PostgreSQL and SQLite, not {engine}: concurrent "
                "audited writes may fail on the unique sequence.",
                id="audit.W002",
            )
        ]
    return []
