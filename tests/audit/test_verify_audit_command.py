"""manage.py verify_audit: the chain's count and last hash, the records check, and exit status 1 when
the chain is broken or any record differs from its audit event."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections

from soxp_portal.audit.chain import GENESIS_HASH
from soxp_portal.audit.log import last_link
from soxp_portal.audit.management.commands.verify_audit import Command
from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Election, TenderedGrant
from tests.audit.conftest import Close, RawSQL, change_row, unreadable_time

pytestmark = pytest.mark.django_db


def run_from_command_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """As `manage.py verify_audit` runs it, minus closing the test's database connection."""
    monkeypatch.setattr(connections, "close_all", lambda: None)
    Command().run_from_argv(["manage.py", "verify_audit"])


def test_intact_chain_prints_count_and_last_hash(chain: list[AuditEvent]) -> None:
    out = StringIO()

    call_command("verify_audit", stdout=out)

    assert out.getvalue() == (
        f"Audit chain intact: 5 events, last hash {chain[-1].hash}.\n"
        "Records match their audit events: 0 elections, 0 tendered grants, 0 tenders, 0 accepted grants, "
        "0 promise-to-grant letters and 0 new grants checked.\n"
    )


def test_empty_trail_is_intact(db: None) -> None:
    out = StringIO()

    call_command("verify_audit", "--chunk-size", "1", stdout=out)

    assert out.getvalue().startswith(
        f"Audit chain intact: 0 events, last hash {GENESIS_HASH}.\nRecords match"
    )


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


def test_an_untouched_close_is_reported_intact(closed: Close) -> None:
    out = StringIO()

    call_command("verify_audit", stdout=out)

    count, last_hash = last_link()
    assert out.getvalue() == (
        f"Audit chain intact: {count} events, last hash {last_hash}.\n"
        "Records match their audit events: 5 elections, 6 tendered grants, 3 tenders, 5 accepted grants, "
        "3 promise-to-grant letters and 4 new grants checked.\n"
    )


def test_every_record_that_differs_is_listed_and_the_status_is_1(
    closed: Close, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    election = Election.objects.get(employee=closed.sam)
    line = TenderedGrant.objects.get(grant__grant_id="G-1002")
    change_row(Election, election.pk, signature="Mallory Forger")
    change_row(TenderedGrant, line.pk, new_shares=1000)
    sequence = AuditEvent.objects.get(subject_type="offers.Election", subject_id=str(election.pk)).sequence

    with pytest.raises(SystemExit) as exit_:
        run_from_command_line(monkeypatch)

    assert exit_.value.code == 1
    out, err = capsys.readouterr()
    assert out.splitlines()[1:] == [
        "Records DIFFER from their audit events: 2 differences in 26 rows checked (5 elections, 6 tendered "
        "grants, 3 tenders, 5 accepted grants, 3 promise-to-grant letters and 4 new grants):",
        f"  offers_election id {election.pk} ({election.confirmation_number}): signature is "
        f'"Mallory Forger", but event #{sequence} recorded "Sam Slide"',
        f"  offers_tenderedgrant id {line.pk} (election {election.confirmation_number}, grant G-1002): "
        f"new_shares is 1000, but event #{sequence} recorded 750",
    ]
    assert err == "CommandError: Audit records DIFFER: 2 differences, listed above.\n"


def test_a_broken_chain_and_differing_records_are_both_reported(
    closed: Close, tamper: RawSQL, capsys: pytest.CaptureFixture[str]
) -> None:
    election = Election.objects.get(employee=closed.alice)
    change_row(Election, election.pk, signature="Mallory Forger")
    tamper("UPDATE {table} SET user_agent = 'forged' WHERE sequence = 2")

    with pytest.raises(CommandError) as error:
        call_command("verify_audit")

    assert str(error.value) == (
        "Audit chain BROKEN at event #2: its content does not match its hash (the event was changed after "
        "it was written)\nAudit records DIFFER: 1 difference, listed above."
    )
    assert "Mallory Forger" in capsys.readouterr().out
