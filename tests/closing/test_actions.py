"""The close steps: what each does, in which order, and every refusal leaving the database unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.actions import (
    ClosingError,
    accept_tenders,
    cancel_tendered_grants,
    create_new_grants,
    issue_letters,
    parse_closing_price,
    record_termination,
)
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant, PromiseLetter, Tender
from soxp_portal.closing.planning import reconciliation
from soxp_portal.offers.actions import submit_election, withdraw_election
from soxp_portal.offers.models import Employee, Grant, Offer
from tests.factories import GrantFactory, UserFactory

SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}
# soxp-2003: deadline 2003-01-20 21:00 Pacific; cancellation 2003-01-20; new grant date 2003-07-21.
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
ON_GRANT_DATE = datetime(2003, 7, 21, 17, 0, tzinfo=UTC)


@pytest.fixture
def admin(db: None):
    return UserFactory(email="admin@example.com", is_staff=True)


def elect(offer: Offer, employee: Employee, tendered: dict[str, int], *, version: int = 0, days: int = 5):
    # The census rows were written by the test just now (real clock); date them before the election,
    # as a census imported before the offer opened would be.
    Employee.objects.update(updated_at=offer.opens_at)
    Grant.objects.update(updated_at=offer.opens_at)
    return submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        now=offer.opens_at + timedelta(days=days),
    )


def with_grant(employee: Employee, grant_id: str, shares: int = 1000, **fields) -> Grant:
    return GrantFactory(grant_id=grant_id, employee=employee, shares_granted=shares, **fields)


def snapshot() -> tuple:
    closing = Closing.objects.first()
    return (
        Tender.objects.count(),
        AcceptedGrant.objects.count(),
        NewGrant.objects.count(),
        PromiseLetter.objects.count(),
        sorted(Grant.objects.values_list("grant_id", "shares_cancelled")),
        sorted(Employee.objects.values_list("employee_id", "status", "termination_date")),
        Offer.objects.values_list("closed_at", "new_exercise_price").first(),
        closing and (closing.accepted_at, closing.cancelled_at, closing.letters_requested_at),
        closing and closing.new_grants_created_at,
        AuditEvent.objects.count(),
    )


def refused(action, *args, match: str, **kwargs) -> None:
    before = snapshot()
    with pytest.raises(ClosingError, match=match):
        action(*args, **kwargs)
    assert snapshot() == before


@pytest.fixture
def elected(soxp_2003: Offer, slide_9_employee: Employee) -> Offer:
    elect(soxp_2003, slide_9_employee, SLIDE_9)
    return soxp_2003


def test_accept_takes_the_final_election_and_closes_the_offer(elected, slide_9_employee, admin) -> None:
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)

    tender = Tender.objects.get(employee=slide_9_employee)
    assert tender.is_accepted
    lines = {line.grant.grant_id: (line.shares, line.new_shares) for line in tender.accepted_grants.all()}
    assert lines == {"G-1001": (800, 600), "G-1002": (1000, 750), "G-1004": (500, 375)}
    elected.refresh_from_db()
    assert elected.closed_at == AFTER_DEADLINE
    assert elected.phase().value == "closed"


def test_accept_is_refused_before_the_deadline(elected, admin) -> None:
    refused(
        accept_tenders,
        elected,
        actor=admin,
        now=elected.expires_at - timedelta(microseconds=1),
        match="open until",
    )


def test_accept_is_refused_twice(elected, admin) -> None:
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    refused(
        accept_tenders,
        elected,
        actor=admin,
        now=AFTER_DEADLINE + timedelta(hours=1),
        match="already accepted",
    )


def test_no_election_is_taken_after_acceptance(elected, slide_9_employee, admin) -> None:
    from soxp_portal.offers.actions import ElectionClosed

    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    with pytest.raises(ElectionClosed):
        withdraw_election(
            elected,
            slide_9_employee,
            actor=admin,
            signature=slide_9_employee.full_name,
            expected_version=1,
            submission_token=uuid.uuid4(),
            channel="fax",
            received_at=elected.opens_at + timedelta(days=6),
            now=AFTER_DEADLINE + timedelta(hours=1),
        )


def test_a_withdrawn_employee_is_not_a_participant(elected, slide_9_employee, admin) -> None:
    withdraw_election(
        elected,
        slide_9_employee,
        actor=slide_9_employee.user,
        signature=slide_9_employee.full_name,
        expected_version=1,
        submission_token=uuid.uuid4(),
        now=elected.opens_at + timedelta(days=6),
    )
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    assert not Tender.objects.exists()


def test_decision_7_an_employee_who_left_before_expiration_is_not_accepted(
    elected, slide_9_employee, admin
) -> None:
    Employee.objects.filter(pk=slide_9_employee.pk).update(
        status="terminated", termination_date=date(2003, 1, 15)
    )

    [planned] = reconciliation(elected)
    assert not planned.accepted
    assert "Not employed" in planned.outcome_in_words
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)

    tender = Tender.objects.get(employee=slide_9_employee)
    assert tender.outcome == Tender.Outcome.REJECTED
    assert "Not employed on" in tender.reason
    assert not tender.accepted_grants.exists()
    cancel_tendered_grants(elected, actor=admin, now=AFTER_DEADLINE)
    assert set(Grant.objects.values_list("shares_cancelled", flat=True)) == {0}


def test_an_employee_who_moved_abroad_is_not_accepted(elected, slide_9_employee, admin) -> None:
    Employee.objects.filter(pk=slide_9_employee.pk).update(work_country="GB")
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    assert "Works in GB" in Tender.objects.get().reason


def test_a_grant_partly_exercised_after_the_election_is_taken_as_it_stands(elected, admin) -> None:
    Grant.objects.filter(grant_id="G-1002").update(shares_exercised=333)  # 667 left of the 1,000 tendered

    [planned] = reconciliation(elected)
    assert planned.accepted
    assert "667 outstanding shares, not the 1,000 tendered" in planned.outcome_in_words
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)

    line = AcceptedGrant.objects.get(grant__grant_id="G-1002")
    assert (line.shares, line.new_shares) == (667, 501)  # 0.75 x 667 = 500.25, rounded up


def test_a_grant_fully_exercised_after_the_election_is_left_out(elected, admin) -> None:
    Grant.objects.filter(grant_id="G-1004").update(shares_exercised=500)
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    assert set(AcceptedGrant.objects.values_list("grant__grant_id", flat=True)) == {"G-1001", "G-1002"}


def test_an_election_left_with_nothing_to_take_is_not_accepted(soxp_2003, alice, admin) -> None:
    with_grant(alice, "G-A1", expiration_date=date(2003, 6, 1))
    elect(soxp_2003, alice, {"G-A1": 1000})
    Grant.objects.filter(grant_id="G-A1").update(expiration_date=date(2003, 1, 20))  # decision 9
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)
    tender = Tender.objects.get()
    assert not tender.is_accepted
    assert "None of the tendered grants" in tender.reason


def test_reconciliation_lists_only_elections_whose_basis_changed(elected, alice, admin) -> None:
    with_grant(alice, "G-A1")
    elect(elected, alice, {"G-A1": 1000})
    assert reconciliation(elected) == []
    Employee.objects.filter(pk=alice.pk).update(updated_at=AFTER_DEADLINE)  # a census touched her record
    [planned] = reconciliation(elected)
    assert planned.employee == alice
    assert planned.accepted
    assert planned.notes == ["The census changed this employee's record after the election."]


def test_cancel_marks_the_accepted_shares_cancelled_as_of_the_cancellation_date(elected, admin) -> None:
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    closing = cancel_tendered_grants(elected, actor=admin, now=AFTER_DEADLINE + timedelta(hours=1))

    assert closing.cancellation_date == date(2003, 1, 20)
    cancelled = dict(Grant.objects.values_list("grant_id", "shares_cancelled"))
    assert cancelled == {"G-1001": 800, "G-1002": 1000, "G-1003": 0, "G-1004": 500}
    assert {grant.outstanding_shares for grant in Grant.objects.exclude(grant_id="G-1003")} == {0}


def test_cancel_is_refused_before_acceptance_and_twice(elected, admin) -> None:
    refused(
        cancel_tendered_grants, elected, actor=admin, now=AFTER_DEADLINE, match="Accept the tenders first"
    )
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    cancel_tendered_grants(elected, actor=admin, now=AFTER_DEADLINE)
    refused(cancel_tendered_grants, elected, actor=admin, now=AFTER_DEADLINE, match="already cancelled")


def test_letters_are_refused_before_acceptance_and_twice(elected, admin) -> None:
    refused(issue_letters, elected, actor=admin, now=AFTER_DEADLINE, match="Accept the tenders first")
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    issue_letters(elected, actor=admin, now=AFTER_DEADLINE)
    refused(issue_letters, elected, actor=admin, now=AFTER_DEADLINE, match="already issued")


def closed(offer: Offer, admin) -> Offer:
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    cancel_tendered_grants(offer, actor=admin, now=AFTER_DEADLINE)
    return offer


def test_termination_forfeits_the_promise_and_tells_the_employee(
    elected, slide_9_employee, admin, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    closed(elected, admin)
    with django_capture_on_commit_callbacks(execute=True):
        tender = record_termination(
            elected,
            slide_9_employee,
            termination_date=date(2003, 3, 31),
            actor=admin,
            now=AFTER_DEADLINE + timedelta(days=70),
        )
    assert tender.forfeited_on == date(2003, 3, 31)
    slide_9_employee.refresh_from_db()
    assert (slide_9_employee.status, slide_9_employee.termination_date) == ("terminated", date(2003, 3, 31))
    [message] = [m for m in mailoutbox if "will not be granted" in m.subject]
    assert message.to == [slide_9_employee.email]
    assert "the promised grant is not made" in message.body


@pytest.mark.parametrize(
    ("day", "match"),
    [
        (date(2003, 7, 22), "after the new grant date"),
        (date(2003, 1, 20), "would have stopped the tender"),
    ],
)
def test_termination_outside_the_window_is_refused(elected, slide_9_employee, admin, day, match) -> None:
    closed(elected, admin)
    refused(
        record_termination,
        elected,
        slide_9_employee,
        termination_date=day,
        actor=admin,
        now=AFTER_DEADLINE,
        match=match,
    )


def test_termination_of_a_non_participant_is_refused(elected, alice, admin) -> None:
    closed(elected, admin)
    refused(
        record_termination,
        elected,
        alice,
        termination_date=date(2003, 3, 1),
        actor=admin,
        now=AFTER_DEADLINE,
        match="no accepted tender",
    )


def test_new_grants_are_made_at_the_closing_price_for_those_still_employed(
    elected, slide_9_employee, alice, admin
) -> None:
    with_grant(alice, "G-A1", performance_condition="Vests only if 2003 revenue exceeds $60 million.")
    elect(elected, alice, {"G-A1": 1000})
    closed(elected, admin)

    create_new_grants(elected, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)

    grants = {grant.grant_id: grant for grant in NewGrant.objects.all()}
    assert set(grants) == {"SOXP-2003-G-1001", "SOXP-2003-G-1002", "SOXP-2003-G-1004", "SOXP-2003-G-A1"}
    new = grants["SOXP-2003-G-A1"]
    assert (new.shares, new.exercise_price, new.option_type) == (750, Decimal("1.23"), "NSO")
    assert (new.grant_date, new.expiration_date) == (date(2003, 7, 21), date(2013, 7, 21))
    assert new.performance_condition == "Vests only if 2003 revenue exceeds $60 million."
    assert new.plan == elected.new_option_plan
    assert sum(g.shares for g in grants.values() if g.employee == slide_9_employee) == 600 + 750 + 375
    elected.refresh_from_db()
    assert elected.new_exercise_price == Decimal("1.23")


def test_no_new_grant_for_someone_who_left_or_was_terminated(elected, slide_9_employee, alice, admin) -> None:
    with_grant(alice, "G-A1")
    elect(elected, alice, {"G-A1": 1000})
    closed(elected, admin)
    record_termination(elected, alice, termination_date=date(2003, 5, 1), actor=admin, now=AFTER_DEADLINE)
    # The census later shows Sam moved abroad before the new grant date.
    Employee.objects.filter(pk=slide_9_employee.pk).update(work_country="CA")

    create_new_grants(elected, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)

    assert not NewGrant.objects.exists()
    assert set(
        Tender.objects.values_list("employee__employee_id", flat=True).filter(forfeited_on__isnull=False)
    ) == {
        "E1001",
        alice.employee_id,
    }


def test_new_grants_are_refused_before_the_new_grant_date_and_twice(elected, admin) -> None:
    closed(elected, admin)
    day_before = ON_GRANT_DATE - timedelta(days=1)
    refused(
        create_new_grants,
        elected,
        closing_price=Decimal("1.23"),
        actor=admin,
        now=day_before,
        match="made on July 21, 2003",
    )
    create_new_grants(elected, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)
    refused(
        create_new_grants,
        elected,
        closing_price=Decimal("1.5"),
        actor=admin,
        now=ON_GRANT_DATE,
        match="already made",
    )


def test_new_grants_are_refused_before_cancellation(elected, admin) -> None:
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    refused(
        create_new_grants,
        elected,
        closing_price=Decimal("1"),
        actor=admin,
        now=ON_GRANT_DATE,
        match="Cancel the",
    )


@pytest.mark.parametrize(
    ("text", "price"), [("1.23", Decimal("1.23")), ("$1,234.5", Decimal("1234.5")), (" 2 ", 2)]
)
def test_closing_price_is_read_as_a_decimal(text, price) -> None:
    assert parse_closing_price(text) == price


@pytest.mark.parametrize(
    "text", ["abc", "-1", "0", "1.23456", "NaN", "Infinity", "", "99999999999", "1e9", "1000000.0001"]
)
def test_bad_closing_prices_are_refused(text) -> None:
    with pytest.raises(ClosingError):
        parse_closing_price(text)


@pytest.mark.parametrize("price", [Decimal("99999999999"), Decimal("1E+9"), Decimal("-1"), Decimal("NaN")])
def test_new_grants_refuse_a_price_out_of_range_from_any_caller(elected, admin, price) -> None:
    """The closing price column holds 12 digits; the action refuses what the form would, before writing."""
    closed(elected, admin)
    refused(
        create_new_grants,
        elected,
        closing_price=price,
        actor=admin,
        now=ON_GRANT_DATE,
        match="The closing price must be",
    )


def test_each_step_audits_each_employee_and_the_offer(elected, alice, admin) -> None:
    with_grant(alice, "G-A1")
    elect(elected, alice, {"G-A1": 1000})
    start = AuditEvent.objects.count()
    closed(elected, admin)
    create_new_grants(elected, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)

    events = list(
        AuditEvent.objects.order_by("sequence")[start:].values_list("event_type", "employee__employee_id")
    )
    assert events == [
        (AuditEventType.TENDERS_ACCEPTED, alice.employee_id),
        (AuditEventType.TENDERS_ACCEPTED, "E1001"),
        (AuditEventType.OFFER_CLOSED, None),
        (AuditEventType.GRANTS_CANCELLED, alice.employee_id),
        (AuditEventType.GRANTS_CANCELLED, "E1001"),
        (AuditEventType.GRANTS_CANCELLED, None),
        (AuditEventType.NEW_GRANTS_CREATED, alice.employee_id),
        (AuditEventType.NEW_GRANTS_CREATED, "E1001"),
        (AuditEventType.NEW_GRANTS_CREATED, None),
    ]


def test_a_failure_in_a_step_leaves_nothing_behind(elected, admin, monkeypatch) -> None:
    from soxp_portal.closing import actions

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(actions, "_offer_event", fail)
    before = snapshot()
    with pytest.raises(RuntimeError):
        accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    assert snapshot()[:-3] == before[:-3]  # the Closing row itself may exist, with no step taken
    assert Closing.objects.filter(accepted_at__isnull=False).count() == 0
    assert AuditEvent.objects.count() == before[-1]


def test_cancel_is_refused_when_the_census_lowered_an_accepted_grant(elected, admin) -> None:
    accept_tenders(elected, actor=admin, now=AFTER_DEADLINE)
    Grant.objects.filter(grant_id="G-1002").update(shares_exercised=100)
    refused(
        cancel_tendered_grants,
        elected,
        actor=admin,
        now=AFTER_DEADLINE,
        match=r"G-1002 \(900 outstanding, 1,000 accepted\)",
    )


def test_termination_before_acceptance_says_to_accept_first(elected, slide_9_employee, admin) -> None:
    refused(
        record_termination,
        elected,
        slide_9_employee,
        termination_date=date(2003, 3, 1),
        actor=admin,
        now=AFTER_DEADLINE,
        match="Accept the tenders first",
    )


def test_no_letter_for_a_promise_already_forfeited(
    elected, slide_9_employee, alice, admin, django_capture_on_commit_callbacks
) -> None:
    with_grant(alice, "G-A1")
    elect(elected, alice, {"G-A1": 1000})
    closed(elected, admin)
    record_termination(elected, alice, termination_date=date(2003, 3, 1), actor=admin, now=AFTER_DEADLINE)
    with django_capture_on_commit_callbacks(execute=True):
        issue_letters(elected, actor=admin, now=AFTER_DEADLINE)
    assert list(PromiseLetter.objects.values_list("tender__employee__employee_id", flat=True)) == ["E1001"]


def test_the_events_hold_every_stored_term_of_the_accepted_and_new_grants(
    elected, slide_9_employee, alice, admin
) -> None:
    """What ``verify_audit`` checks the stored rows against (tests/audit/test_verify_records.py)."""
    with_grant(alice, "G-A1", performance_condition="Vests only if 2003 revenue exceeds $60 million.")
    elect(elected, alice, {"G-A1": 1000})
    closed(elected, admin)
    record_termination(
        elected, slide_9_employee, termination_date=date(2003, 3, 31), actor=admin, now=AFTER_DEADLINE
    )
    create_new_grants(elected, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)

    def data(event_type: AuditEventType, employee: Employee) -> dict:
        return AuditEvent.objects.get(event_type=event_type, employee=employee).data

    assert data(AuditEventType.TENDERS_ACCEPTED, alice)["grants"] == [
        {
            "grant_id": "G-A1",
            "shares": 1000,
            "new_shares": 750,
            "performance_condition": "Vests only if 2003 revenue exceeds $60 million.",
        }
    ]
    assert data(AuditEventType.NEW_GRANTS_CREATED, alice)["granted"] == [
        {
            "grant_id": "SOXP-2003-G-A1",
            "shares": 750,
            "replaces": "G-A1",
            "plan": elected.new_option_plan.name,
            "option_type": "NSO",
            "grant_date": "2003-07-21",
            "expiration_date": "2013-07-21",
            "performance_condition": "Vests only if 2003 revenue exceeds $60 million.",
        }
    ]
    termination = data(AuditEventType.TERMINATION_RECORDED, slide_9_employee)
    assert termination["forfeit_reason"] == Tender.objects.get(employee=slide_9_employee).forfeit_reason


def test_the_event_of_a_promise_forfeited_on_the_grant_date_holds_the_day_it_ended(
    elected, slide_9_employee, admin
) -> None:
    closed(elected, admin)
    Employee.objects.filter(pk=slide_9_employee.pk).update(work_country="CA")

    create_new_grants(elected, closing_price=Decimal("1.23"), actor=admin, now=ON_GRANT_DATE)

    event = AuditEvent.objects.get(event_type=AuditEventType.NEW_GRANTS_CREATED, employee=slide_9_employee)
    tender = Tender.objects.get(employee=slide_9_employee)
    assert (event.data["forfeited_on"], event.data["forfeited"]) == ("2003-07-21", tender.forfeit_reason)
