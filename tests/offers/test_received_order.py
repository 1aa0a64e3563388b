"""The election in force is the last one received before the deadline (OFFER.md decisions 3 and 8),
not the last one entered: a paper form keyed in after a version that was received later than it is
kept as evidence only, and only when the administrator says so."""

import uuid
from datetime import UTC, datetime

import pytest

from soxp_portal.audit.models import AuditEvent
from soxp_portal.documents.elections import election_document, previous_version
from soxp_portal.offers.actions import ReceivedBeforeRecord, StaleElection, submit_election, withdraw_election
from soxp_portal.offers.models import Election, Employee, Offer
from soxp_portal.offers.participation import current_elections, participation_summary
from soxp_portal.offers.queries import current_election
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}

#: January 9, 2003, Pacific (UTC-8): 2:00 PM, 2:10 PM, 2:30 PM, 3:00 PM, 3:10 PM; keyed in on the 10th.
AT_1400 = datetime(2003, 1, 9, 22, 0, tzinfo=UTC)
AT_1410 = datetime(2003, 1, 9, 22, 10, tzinfo=UTC)
AT_1430 = datetime(2003, 1, 9, 22, 30, tzinfo=UTC)
AT_1500 = datetime(2003, 1, 9, 23, 0, tzinfo=UTC)
AT_1510 = datetime(2003, 1, 9, 23, 10, tzinfo=UTC)
KEYED_IN = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)


@pytest.fixture
def administrator(db: None):
    return UserFactory(email="ada.admin@example.com")


@pytest.fixture
def withdrawal(soxp_2003: Offer, slide_9_employee: Employee) -> Election:
    """Sam elects online at 2:00 PM and withdraws online at 3:10 PM: the withdrawal is in force."""
    online(soxp_2003, slide_9_employee, AT_1400, version=0)
    return withdraw_online(soxp_2003, slide_9_employee, AT_1510, version=1)


def online(offer: Offer, employee: Employee, at: datetime, *, version: int, tendered=SLIDE_9) -> Election:
    return submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        now=at,
    )


def withdraw_online(offer: Offer, employee: Employee, at: datetime, *, version: int) -> Election:
    return withdraw_election(
        offer,
        employee,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        now=at,
    )


def by_fax(offer, employee, administrator, received_at, *, version, withdraw=False, **kwargs) -> Election:
    action = withdraw_election if withdraw else submit_election
    args = () if withdraw else (kwargs.pop("tendered", SLIDE_9),)
    return action(
        offer,
        employee,
        *args,
        actor=administrator,
        signature=employee.full_name,
        expected_version=version,
        submission_token=kwargs.pop("submission_token", None) or uuid.uuid4(),
        channel=Election.Channel.FAX,
        received_at=received_at,
        now=kwargs.pop("now", KEYED_IN),
        **kwargs,
    )


def test_a_fax_received_before_an_online_withdrawal_is_refused_and_nothing_is_written(
    soxp_2003: Offer, slide_9_employee: Employee, administrator, withdrawal: Election
) -> None:
    """The review's case: Lee withdraws online at 3:10 PM; a fax received at 2:10 PM is keyed in later."""

    with pytest.raises(ReceivedBeforeRecord) as refused:
        by_fax(soxp_2003, slide_9_employee, administrator, AT_1410, version=2)

    assert str(refused.value) == (
        "This form was received January 9, 2003 at 2:10:00 PM PST, before the withdrawal already on record "
        f"(version 2, confirmation {withdrawal.confirmation_number}, received January 9, 2003 at 3:10:00 PM "
        "PST). The last election received before the deadline is the one in force, so this form cannot "
        "take effect. It can be recorded as evidence only: kept in the employee's history and the audit "
        "trail, marked as not in force."
    )
    assert Election.objects.count() == 2
    assert current_election(soxp_2003, slide_9_employee) == withdrawal
    refusal = AuditEvent.objects.get(event_type="election.refused")
    assert refusal.data["reason"] == "received_before_record"


def test_kept_as_evidence_it_never_takes_effect_anywhere(
    soxp_2003: Offer, slide_9_employee: Employee, administrator, withdrawal: Election
) -> None:

    evidence = by_fax(soxp_2003, slide_9_employee, administrator, AT_1410, version=2, evidence_only=True)

    assert (evidence.version, evidence.takes_effect) == (3, False)
    assert current_election(soxp_2003, slide_9_employee) == withdrawal
    assert list(current_elections(soxp_2003)) == [withdrawal]
    summary = participation_summary(soxp_2003, now=KEYED_IN)
    assert (summary.participants, summary.withdrawn) == (0, 1)
    event = AuditEvent.objects.get(subject_id=str(evidence.pk))
    assert event.data["election"]["takes_effect"] is False
    assert event.data["not_in_force_because"] == withdrawal.confirmation_number
    # Judged against what was in force when it was received: version 1, an election, so a modification.
    assert event.event_type == "election.modified"
    assert event.data["replaces"] == Election.objects.get(version=1).confirmation_number

    document = election_document(evidence)
    assert document.evidence_note == (
        f"Not in force: it was received before confirmation {withdrawal.confirmation_number} (version 2, "
        "received January 9, 2003 at 3:10:00 PM PST), which was already on record. The last election "
        "received before the deadline is the one in force, so this form is kept as evidence only."
    )
    assert document.evidence_note in document.version_statement


def test_a_form_received_between_two_versions_would_have_replaced_the_earlier(
    soxp_2003: Offer, slide_9_employee: Employee, administrator
) -> None:
    first = online(soxp_2003, slide_9_employee, AT_1400, version=0)
    second = online(soxp_2003, slide_9_employee, AT_1500, version=1, tendered={"G-1001": 800, "G-1004": 500})
    evidence = by_fax(soxp_2003, slide_9_employee, administrator, AT_1430, version=2, evidence_only=True)

    assert previous_version(evidence) == first
    assert current_election(soxp_2003, slide_9_employee) == second


def test_a_paper_form_received_after_the_version_in_force_takes_effect_though_keyed_in_late(
    soxp_2003: Offer, slide_9_employee: Employee, administrator
) -> None:
    online(soxp_2003, slide_9_employee, AT_1400, version=0)
    fax = by_fax(
        soxp_2003,
        slide_9_employee,
        administrator,
        AT_1430,
        version=1,
        tendered={"G-1002": 1000, "G-1004": 500},
    )
    assert fax.takes_effect
    assert current_election(soxp_2003, slide_9_employee) == fax
    assert election_document(fax).evidence_note is None


def test_received_at_the_same_second_as_the_version_in_force_takes_effect(
    soxp_2003: Offer, slide_9_employee: Employee, administrator
) -> None:
    online(soxp_2003, slide_9_employee, AT_1400, version=0)
    fax = by_fax(
        soxp_2003,
        slide_9_employee,
        administrator,
        AT_1400,
        version=1,
        tendered={"G-1002": 1000, "G-1004": 500},
    )
    assert current_election(soxp_2003, slide_9_employee) == fax


def test_after_evidence_the_next_election_replaces_the_version_in_force(
    soxp_2003: Offer, slide_9_employee: Employee, administrator, withdrawal: Election
) -> None:
    by_fax(soxp_2003, slide_9_employee, administrator, AT_1410, version=2, evidence_only=True)

    # A form loaded before the evidence was entered is not stale: what is in force did not change...
    later = online(soxp_2003, slide_9_employee, KEYED_IN, version=2)
    assert (later.version, later.takes_effect) == (4, True)
    assert previous_version(later) == withdrawal  # ...and it replaces the withdrawal, not the evidence.
    assert current_election(soxp_2003, slide_9_employee) == later


def test_a_form_loaded_before_a_late_paper_form_took_effect_is_stale(
    soxp_2003: Offer, slide_9_employee: Employee, administrator
) -> None:
    online(soxp_2003, slide_9_employee, AT_1400, version=0)
    by_fax(
        soxp_2003,
        slide_9_employee,
        administrator,
        AT_1430,
        version=1,
        tendered={"G-1002": 1000, "G-1004": 500},
    )
    with pytest.raises(StaleElection):
        online(soxp_2003, slide_9_employee, KEYED_IN, version=1)


def test_a_withdrawal_received_before_another_withdrawal_is_evidence_of_a_valid_withdrawal(
    soxp_2003: Offer, slide_9_employee: Employee, administrator, withdrawal: Election
) -> None:
    fax = by_fax(
        soxp_2003, slide_9_employee, administrator, AT_1430, version=2, withdraw=True, evidence_only=True
    )
    assert (fax.kind, fax.takes_effect) == ("withdrawal", False)
    assert current_election(soxp_2003, slide_9_employee) == withdrawal


def test_a_withdrawal_received_when_nothing_was_in_force_is_refused(
    soxp_2003: Offer, slide_9_employee: Employee, administrator
) -> None:
    online(soxp_2003, slide_9_employee, AT_1430, version=0)
    with pytest.raises(ReceivedBeforeRecord):
        by_fax(soxp_2003, slide_9_employee, administrator, AT_1400, version=1, withdraw=True)
    with pytest.raises(Exception, match="You have no election to withdraw"):
        by_fax(
            soxp_2003, slide_9_employee, administrator, AT_1400, version=1, withdraw=True, evidence_only=True
        )
    assert Election.objects.count() == 1


@pytest.mark.usefixtures("withdrawal")
def test_the_same_evidence_posted_twice_is_one_version(
    soxp_2003: Offer, slide_9_employee: Employee, administrator
) -> None:
    token = uuid.uuid4()
    first = by_fax(
        soxp_2003,
        slide_9_employee,
        administrator,
        AT_1410,
        version=2,
        evidence_only=True,
        submission_token=token,
    )
    again = by_fax(
        soxp_2003,
        slide_9_employee,
        administrator,
        AT_1410,
        version=2,
        evidence_only=True,
        submission_token=token,
    )
    assert again == first
    assert Election.objects.count() == 3
