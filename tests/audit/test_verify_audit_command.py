"""manage.py verify_audit: one line, and exit status 1 when the chain is broken."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from soxp_portal.audit.chain import GENESIS_HASH
from soxp_portal.audit.management.commands.verify_audit import Command
from soxp_portal.audit.models import AuditEvent
from tests.audit.conftest import RawSQL, unreadable_time

pytestmark = pytest.mark.django_db


def run_from_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `manage.py verify_audit` runs it, minus closing the test's database connection."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    Command().run_from_argv(["manage.py", "verify_audit"])


def test_intact_chain_prints_count_and_last_hash(chain: list[AuditEvent]) -> None:
    out = StringIO()

    call_command("verify_audit", stdout=out)

    assert out.getvalue() == f"Audit chain intact: 5 events, last hash {chain[-1].hash}.\n"


def test_empty_trail_is_intact(db: None) -> None:
    out = StringIO()

    call_command("verify_audit", "--chunk-size", "1", stdout=out)

    assert out.getvalue() == f"Audit chain intact: 0 events, last hash {GENESIS_HASH}.\n"


def test_intact_chain_exits_with_status_0(
    chain: list[AuditEvent], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_from_command_line(monkeypatch)  # returns normally: status 0

    assert capsys.readouterr().out.startswith("Audit chain intact: 5 events, last hash ")


def test_broken_chain_names_the_event_and_why(chain: list[AuditEvent], tamper: RawSQL) -> None:
    tamper("DELETE FROM {table} WHERE sequence = 4")

    with pytest.raises(CommandError) as error:
        call_command("verify_audit")

    assert str(error.value) == (
        "Audit chain BROKEN at event #4: event #4 is missing: event #5 comes after event #3"
    )


def test_broken_chain_exits_with_status_1(
    chain: list[AuditEvent],
    tamper: RawSQL,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tamper("UPDATE {table} SET user_agent = 'forged' WHERE sequence = 2")

    with pytest.raises(SystemExit) as exit_:
        run_from_command_line(monkeypatch)

    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: Audit chain BROKEN at event #2: its content does not match its hash "
        "(the event was changed after it was written)\n"
    )


def test_chunk_size_below_one_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="at least 1"):
        call_command("verify_audit", "--chunk-size", "0")


def test_an_event_that_cannot_be_read_is_a_break_without_a_traceback(
    chain: list[AuditEvent],
    tamper: RawSQL,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tamper("UPDATE {table} SET at = %s WHERE sequence = 3", [unreadable_time()])

    with pytest.raises(SystemExit) as exit_:
        run_from_command_line(monkeypatch)

    assert exit_.value.code == 1
    assert capsys.readouterr().err == (
        "CommandError: Audit chain BROKEN at event #3: the event's time cannot be read\n"
    )
