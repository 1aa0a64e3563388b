"""The system check that warns when the database would not serialise audit appends."""

import pytest
from django.db import connections

from soxp_portal.audit.checks import check_chain_serialisation


def test_the_projects_settings_pass() -> None:
    assert check_chain_serialisation() == []


def test_sqlite_without_immediate_transactions_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    settings_dict = {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {"timeout": 20}}
    monkeypatch.setattr(connections["default"], "settings_dict", settings_dict)

    assert [message.id for message in check_chain_serialisation()] == ["audit.W001"]


def test_another_database_is_warned_about(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connections["default"], "settings_dict", {"ENGINE": "django.db.backends.mysql"})

    assert [message.id for message in check_chain_serialisation()] == ["audit.W002"]
