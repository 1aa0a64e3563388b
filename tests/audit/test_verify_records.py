"""verify_records(): every election, tendered grant, tender, accepted grant, letter and new grant
against the audit event that recorded it.

The offer is closed through the real actions (only the letters' PDF rendering is replaced by a few
bytes per letter, to keep the tests fast: the check hashes whatever file was stored). The rows are
then changed in raw SQL, as someone with write access to the database would.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.audit.records import Difference, Problem, verify_records
from soxp_portal.closing import actions as closing_actions
from soxp_portal.closing import tasks as letter_tasks
from soxp_portal.closing.actions import create_new_grants
from soxp_portal.closing.models import AcceptedGrant, NewGrant, PromiseLetter, Tender
from soxp_portal.offers.models import ConfirmationEmail, Election, Employee, Offer, TenderedGrant
from tests.audit.conftest import (
    CONDITION,
    ON_GRANT_DATE,
    Close,
    RawSQL,
    build_close,
    change_row,
    close_offer,
    delete_row,
    garble_row,
    stored_letters,
    unreadable_time,
)
from tests.factories import ElectionFactory, GrantFactory, TenderedGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


def event_about(subject: Any, event_type: AuditEventType) -> AuditEvent:
    return AuditEvent.objects.get(
        subject_type=subject._meta.label, subject_id=str(subject.pk), event_type=event_type
    )


def election_of(employee: Employee, version: int = 1) -> Election:
    return Election.objects.get(employee=employee, version=version)


def tender_of(employee: Employee) -> Tender:
    return Tender.objects.get(employee=employee)


def reported() -> list[str]:
    return [str(difference) for difference in verify_records().differences]


# An untouched close ---------------------------------------------------------------------------------


def test_an_untouched_close_matches_its_events(closed: Close) -> None:
    report = verify_records()

    assert report.differences == ()
    assert report.consistent
    assert report.checked_in_words == (
        "5 elections, 6 tendered grants, 3 tenders, 5 accepted grants, 3 promise-to-grant letters "
        "and 4 new grants"
    )
    assert report.rows_checked == 26


def test_an_empty_database_matches(db: None) -> None:
    assert verify_records().consistent


def test_small_chunks_give_the_same_report(closed: Close) -> None:
    change_row(TenderedGrant, TenderedGrant.objects.get(grant__grant_id="G-1002").pk, new_shares=751)
    delete_row(NewGrant, NewGrant.objects.get(grant_id="SOXP-2003-G-A1").pk)

    assert verify_records(chunk_size=1) == verify_records(chunk_size=2000)


# Each kind of row, changed -------------------------------------------------------------------------


def test_a_changed_signature_is_found(closed: Close) -> None:
    election = election_of(closed.sam)
    change_row(Election, election.pk, signature="Mallory Forger")

    [difference] = verify_records().differences

    event = event_about(election, AuditEventType.ELECTION_SUBMITTED)
    assert difference == Difference(
        Problem.CHANGED,
        "offers_election",
        f"id {election.pk} ({election.confirmation_number})",
        field="signature",
        stored='"Mallory Forger"',
        audited='"Sam Slide"',
        sequence=event.sequence,
    )
    assert str(difference) == (
        f"offers_election id {election.pk} ({election.confirmation_number}): signature is "
        f'"Mallory Forger", but event #{event.sequence} recorded "Sam Slide"'
    )


def test_an_election_made_to_take_effect_is_found(closed: Close) -> None:
    """Marking a version as in force (or not) in place would change who participates."""
    election = election_of(closed.sam)
    change_row(Election, election.pk, takes_effect=False)

    [difference] = verify_records().differences

    assert (difference.field, difference.stored, difference.audited) == ("takes_effect", "false", "true")


def test_a_changed_time_and_who_entered_an_election_are_found(closed: Close) -> None:
    election = election_of(closed.alice)
    change_row(Election, election.pk, received_at=election.received_at - timedelta(days=30))
    change_row(Election, election.pk, entered_by=closed.admin.pk)

    assert [(d.field, d.audited) for d in verify_records().differences] == [
        ("entered_by_id", str(closed.alice.user.pk)),
        ("received_at", '"2002-12-21T08:00:00.000000Z"'),
    ]


def test_a_changed_tendered_grant_is_found(closed: Close) -> None:
    line = TenderedGrant.objects.get(grant__grant_id="G-1002")
    change_row(TenderedGrant, line.pk, new_shares=1000)

    [difference] = verify_records().differences

    election = line.election
    event = event_about(election, AuditEventType.ELECTION_SUBMITTED)
    assert str(difference) == (
        f"offers_tenderedgrant id {line.pk} (election {election.confirmation_number}, grant G-1002): "
        f"new_shares is 1000, but event #{event.sequence} recorded 750"
    )


def test_a_changed_accepted_grant_and_tender_are_found(closed: Close) -> None:
    tender = tender_of(closed.alice)
    line = AcceptedGrant.objects.get(grant__grant_id="G-A1")
    change_row(AcceptedGrant, line.pk, new_shares=7500, performance_condition="")
    change_row(Tender, tender.pk, reason="Accepted with a bonus")
    accepted = event_about(tender, AuditEventType.TENDERS_ACCEPTED).sequence

    assert reported() == [
        f'closing_tender id {tender.pk} (E-ALICE): reason is "Accepted with a bonus", but event #{accepted} '
        'recorded ""',
        f"closing_acceptedgrant id {line.pk} (grant G-A1 of E-ALICE): new_shares is 7500, but event "
        f"#{accepted} recorded 750",
        f'closing_acceptedgrant id {line.pk} (grant G-A1 of E-ALICE): performance_condition is "", but '
        f'event #{accepted} recorded "{CONDITION}"',
    ]


def test_a_forfeiture_no_event_records_is_found(closed: Close) -> None:
    tender = tender_of(closed.sam)
    change_row(Tender, tender.pk, forfeited_on=date(2003, 2, 1))

    [difference] = verify_records().differences

    assert (difference.field, difference.stored, difference.audited) == (
        "forfeited_on",
        '"2003-02-01"',
        "null",
    )
    assert difference.sequence == event_about(tender, AuditEventType.TENDERS_ACCEPTED).sequence


def test_a_changed_forfeiture_is_found(closed: Close) -> None:
    tender = tender_of(closed.carol)
    change_row(Tender, tender.pk, forfeited_on=date(2003, 7, 30))

    [difference] = verify_records().differences

    assert (difference.field, difference.stored, difference.audited) == (
        "forfeited_on",
        '"2003-07-30"',
        '"2003-03-01"',
    )
    assert difference.sequence == event_about(tender, AuditEventType.TERMINATION_RECORDED).sequence


def test_a_changed_letter_row_is_found(closed: Close) -> None:
    letter = PromiseLetter.objects.get(tender__employee=closed.sam)
    change_row(PromiseLetter, letter.pk, sha256="0" * 64, pdf="letters/soxp-2003/elsewhere.pdf")

    event = event_about(letter.tender, AuditEventType.LETTERS_ISSUED)
    assert [(d.field, d.stored, d.audited, d.sequence) for d in verify_records().differences] == [
        ("sha256", f'"{"0" * 64}"', f'"{letter.sha256}"', event.sequence),
        ("pdf", '"letters/soxp-2003/elsewhere.pdf"', f'"{letter.pdf.name}"', event.sequence),
        ("pdf (SHA-256 of the stored file)", "(no file can be read)", f'"{letter.sha256}"', event.sequence),
    ]


def test_a_letter_file_replaced_on_disk_is_found(closed: Close) -> None:
    letter = PromiseLetter.objects.get(tender__employee=closed.alice)
    with letter.pdf.open("wb") as stored:
        stored.write(b"%PDF-1.7 a promise of 10,000 new shares")

    [difference] = verify_records().differences

    assert (difference.table, difference.field, difference.audited) == (
        "closing_promiseletter",
        "pdf (SHA-256 of the stored file)",
        f'"{letter.sha256}"',
    )


def test_a_corrected_price_is_checked_against_its_correction(closed: Close) -> None:
    """The closing price corrected through the console is no difference; the old price put back in
    place is one, named with the correction's event."""
    closing_actions.correct_closing_price(
        closed.offer,
        closing_price=Decimal("1.32"),
        reason="The closing price was typed with two digits swapped.",
        actor=closed.admin,
        now=ON_GRANT_DATE + timedelta(hours=1),
    )
    assert reported() == []

    new = NewGrant.objects.get(grant_id="SOXP-2003-G-1001")
    change_row(NewGrant, new.pk, exercise_price=Decimal("1.2300"))
    correction = event_about(tender_of(closed.sam), AuditEventType.NEW_GRANTS_PRICE_CORRECTED)
    assert reported() == [
        f'closing_newgrant id {new.pk} (SOXP-2003-G-1001): exercise_price is "1.2300", but event '
        f'#{correction.sequence} recorded "1.32"'
    ]


def test_a_changed_new_grant_is_found(closed: Close) -> None:
    new = NewGrant.objects.get(grant_id="SOXP-2003-G-1001")
    change_row(NewGrant, new.pk, shares=6000, exercise_price=Decimal("0.0100"), grant_date=date(2003, 7, 1))
    event = event_about(tender_of(closed.sam), AuditEventType.NEW_GRANTS_CREATED)

    assert reported() == [
        f"closing_newgrant id {new.pk} (SOXP-2003-G-1001): shares is 6000, but event #{event.sequence} "
        "recorded 600",
        f'closing_newgrant id {new.pk} (SOXP-2003-G-1001): grant_date is "2003-07-01", but event '
        f'#{event.sequence} recorded "2003-07-21"',
        f'closing_newgrant id {new.pk} (SOXP-2003-G-1001): exercise_price is "0.0100", but event '
        f'#{event.sequence} recorded "1.23"',
    ]


# Rows gone, and rows no event records ---------------------------------------------------------------


def test_deleted_rows_are_reported_missing_with_what_their_event_recorded(closed: Close) -> None:
    withdrawal = election_of(closed.bob, version=2)
    line = TenderedGrant.objects.get(grant__grant_id="G-1004")
    new = NewGrant.objects.get(grant_id="SOXP-2003-G-A1")
    ConfirmationEmail.objects.filter(election=withdrawal).delete()  # its outbox row refers to it
    delete_row(Election, withdrawal.pk)
    delete_row(TenderedGrant, line.pk)
    delete_row(NewGrant, new.pk)
    withdrawn = event_about(withdrawal, AuditEventType.ELECTION_WITHDRAWN).sequence
    sam_elected = event_about(line.election, AuditEventType.ELECTION_SUBMITTED).sequence
    alice_granted = event_about(tender_of(closed.alice), AuditEventType.NEW_GRANTS_CREATED).sequence

    differences = verify_records().differences

    assert [(d.problem, d.table, d.row, d.sequence) for d in differences] == [
        (
            Problem.MISSING,
            "offers_tenderedgrant",
            f"(election {line.election.confirmation_number}, grant G-1004)",
            sam_elected,
        ),
        (Problem.MISSING, "closing_newgrant", "(SOXP-2003-G-A1)", alice_granted),
        (
            Problem.MISSING,
            "offers_election",
            f"id {withdrawal.pk} ({withdrawal.confirmation_number})",
            withdrawn,
        ),
    ]
    assert str(differences[0]) == (
        f"offers_tenderedgrant (election {line.election.confirmation_number}, grant G-1004): the row is "
        f'missing, but event #{sam_elected} recorded it: {{"grant_id": "G-1004", "new_shares": 375, '
        '"shares_tendered": 500}'
    )
    assert '"signature": "Bob Baker"' in differences[2].audited


def test_a_deleted_tender_is_missing_with_its_grants_and_letter(closed: Close) -> None:
    tender = tender_of(closed.carol)
    letter = tender.letter
    line = AcceptedGrant.objects.get(tender=tender)
    for model, pk in ((PromiseLetter, letter.pk), (AcceptedGrant, line.pk), (Tender, tender.pk)):
        delete_row(model, pk)

    assert [(d.problem, d.table, d.row) for d in verify_records().differences] == [
        (Problem.MISSING, "closing_tender", f"id {tender.pk} (E-CAROL)"),
        (Problem.MISSING, "closing_acceptedgrant", "(grant G-C1 of E-CAROL)"),
        (Problem.MISSING, "closing_promiseletter", "(letter of E-CAROL)"),
    ]


def test_rows_no_event_records_are_reported(closed: Close) -> None:
    forged = ElectionFactory(offer=closed.offer, employee=closed.alice, version=2)
    forged_line = TenderedGrantFactory(
        election=forged, grant=closed.alice.grants.get(), shares_tendered=1000, new_shares=750
    )
    sam_election = election_of(closed.sam)
    extra = TenderedGrantFactory(election=sam_election, grant=GrantFactory(employee=closed.sam))
    sam_elected = event_about(sam_election, AuditEventType.ELECTION_SUBMITTED).sequence

    assert reported() == [
        f"offers_tenderedgrant id {extra.pk} (election {sam_election.confirmation_number}, grant "
        f"{extra.grant.grant_id}): event #{sam_elected} does not record this row",
        f"offers_election id {forged.pk} ({forged.confirmation_number}): no audit event records this row",
        f"offers_tenderedgrant id {forged_line.pk} (election {forged.confirmation_number}, grant G-A1): "
        "no audit event records this row",
    ]


def test_every_difference_is_reported_not_only_the_first(closed: Close) -> None:
    change_row(Election, election_of(closed.sam).pk, signature="Mallory Forger")
    change_row(Election, election_of(closed.alice).pk, signature="Mallory Forger")
    change_row(TenderedGrant, TenderedGrant.objects.get(grant__grant_id="G-C1").pk, shares_tendered=3330)
    change_row(NewGrant, NewGrant.objects.get(grant_id="SOXP-2003-G-1002").pk, shares=7500)
    change_row(PromiseLetter, PromiseLetter.objects.get(tender__employee=closed.carol).pk, sha256="f" * 64)

    differences = verify_records().differences

    assert [(d.table, d.field) for d in differences] == [
        ("offers_election", "signature"),
        ("offers_election", "signature"),
        ("offers_tenderedgrant", "shares_tendered"),
        ("closing_promiseletter", "sha256"),
        ("closing_newgrant", "shares"),
    ]


# What cannot be read --------------------------------------------------------------------------------


def test_a_row_that_cannot_be_read_is_reported_and_the_others_still_checked(closed: Close) -> None:
    unreadable, changed = election_of(closed.sam), election_of(closed.alice)
    garble_row(Election, unreadable.pk, "received_at", unreadable_time())
    change_row(Election, changed.pk, signature="Mallory Forger")
    sequence = event_about(changed, AuditEventType.ELECTION_SUBMITTED).sequence

    assert reported() == [
        f"offers_election id {unreadable.pk}: the row cannot be read (received_at)",
        f"offers_election id {changed.pk} ({changed.confirmation_number}): signature is "
        f'"Mallory Forger", but event #{sequence} recorded "Alice Able"',
    ]


def test_an_event_that_cannot_be_read_is_reported_not_its_row_as_unaudited(
    closed: Close, tamper: RawSQL
) -> None:
    election = election_of(closed.sam)
    event = event_about(election, AuditEventType.ELECTION_SUBMITTED)
    tamper("UPDATE {table} SET at = %s WHERE sequence = %s", [unreadable_time(), event.sequence])

    assert reported() == [
        f"offers_election id {election.pk} ({election.confirmation_number}) is not checked against event "
        f"#{event.sequence}: the event's time cannot be read"
    ]


# Events written before the check: compared on the fields they hold ---------------------------------


def without(keys: set[str], *, entries_of: str | None = None) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Drops `keys` from an event's data, or from each entry of its list `entries_of`: what the event
    held before these fields were recorded."""

    def older(data: dict[str, Any]) -> dict[str, Any]:
        if entries_of is None:
            return {key: value for key, value in data.items() if key not in keys}
        entries = [{k: v for k, v in entry.items() if k not in keys} for entry in data[entries_of]]
        return {**data, entries_of: entries}

    return older


def test_older_events_are_checked_on_the_fields_they_hold(
    soxp_2003: Offer,
    slide_9_employee: Employee,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks,
) -> None:
    """A close recorded by the code before this check: no plan, option type, dates or condition in the
    new grants' event, and no forfeit reason in the termination's."""
    monkeypatch.setattr(letter_tasks, "render_documents", stored_letters)
    new_fields = {"plan", "option_type", "grant_date", "expiration_date", "performance_condition"}
    older_new_grants = without(new_fields, entries_of="granted")
    older_termination = without({"forfeit_reason"})

    def older_audit_event(event_type: AuditEventType, **kwargs: Any) -> AuditEvent:
        if event_type == AuditEventType.NEW_GRANTS_CREATED and "granted" in kwargs["data"]:
            kwargs["data"] = older_new_grants(kwargs["data"])
        return closing_actions_audit_event(event_type, **kwargs)

    def older_record(event_type: AuditEventType, **kwargs: Any) -> AuditEvent:
        if event_type == AuditEventType.TERMINATION_RECORDED:
            kwargs["data"] = older_termination(kwargs["data"])
        return record(event_type, **kwargs)

    closing_actions_audit_event = closing_actions.audit_event
    monkeypatch.setattr(closing_actions, "audit_event", older_audit_event)
    monkeypatch.setattr(closing_actions, "record", older_record)
    close = build_close(soxp_2003, slide_9_employee, django_capture_on_commit_callbacks)
    assert (
        "plan" not in event_about(tender_of(close.sam), AuditEventType.NEW_GRANTS_CREATED).data["granted"][0]
    )
    new = NewGrant.objects.get(grant_id="SOXP-2003-G-1001")
    change_row(NewGrant, new.pk, grant_date=date(2003, 7, 1))  # not held by the older event
    change_row(Tender, tender_of(close.carol).pk, forfeit_reason="Left for a competitor")  # nor this
    assert verify_records().consistent

    change_row(NewGrant, new.pk, shares=6000)  # held by the older event too

    assert [(d.table, d.field) for d in verify_records().differences] == [("closing_newgrant", "shares")]


# Scale ----------------------------------------------------------------------------------------------


def test_the_number_of_queries_does_not_grow_with_the_rows(
    soxp_2003: Offer, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr(letter_tasks, "render_documents", stored_letters)
    admin = UserFactory(email="admin@example.com", is_staff=True)

    def queries_to_verify(participants: int) -> int:
        soxp_2003.refresh_from_db()
        with transaction.atomic():
            people = []
            for _ in range(participants):
                grant = GrantFactory()
                people.append((grant.employee, {grant.grant_id: grant.outstanding_shares}))
            close_offer(soxp_2003, people, admin, django_capture_on_commit_callbacks)
            create_new_grants(soxp_2003, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)
            with CaptureQueriesContext(connection) as queries:
                report = verify_records()
            assert report.consistent
            assert report.rows_checked == participants * 6
            transaction.set_rollback(True)
        return len(queries)

    assert queries_to_verify(3) == queries_to_verify(30) <= 10
