"""submit_election and withdraw_election: versions, the window, stale forms, double posts, audit."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.actions import (
    ElectionClosed,
    ElectionError,
    InvalidElection,
    StaleElection,
    submit_election,
    withdraw_election,
)
from soxp_portal.offers.models import Election, Employee, Offer
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

pytestmark = pytest.mark.django_db
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}


def submit(offer: Offer, employee: Employee, tendered=None, *, version: int = 0, **kwargs):
    kwargs.setdefault("now", offer.opens_at + timedelta(days=5))
    kwargs.setdefault("submission_token", uuid.uuid4())
    return submit_election(
        offer,
        employee,
        SLIDE_9 if tendered is None else tendered,
        actor=kwargs.pop("actor", employee.user),
        signature=kwargs.pop("signature", employee.full_name),
        expected_version=version,
        **kwargs,
    )


def withdraw(offer: Offer, employee: Employee, *, version: int, **kwargs):
    kwargs.setdefault("now", offer.opens_at + timedelta(days=6))
    return withdraw_election(
        offer,
        employee,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        **kwargs,
    )


def history(employee: Employee) -> list[tuple[int, str, list[tuple[str, int, int]]]]:
    return [
        (
            e.version,
            e.kind,
            [(t.grant.grant_id, t.shares_tendered, t.new_shares) for t in e.tendered_grants.all()],
        )
        for e in Election.objects.filter(employee=employee).order_by("version")
    ]


def test_slide_9_election_yields_600_750_and_375_new_shares(soxp_2003, slide_9_employee) -> None:
    election = submit(soxp_2003, slide_9_employee)
    assert history(slide_9_employee) == [
        (1, "election", [("G-1001", 800, 600), ("G-1002", 1000, 750), ("G-1004", 500, 375)])
    ]
    assert election.received_at == election.recorded_at == soxp_2003.opens_at + timedelta(days=5)
    assert election.channel == "web"
    assert election.entered_by == slide_9_employee.user
    assert len(election.confirmation_number) == 11


def test_submission_writes_one_audit_event_with_the_election(soxp_2003, slide_9_employee) -> None:
    election = submit(soxp_2003, slide_9_employee)
    event = AuditEvent.objects.get()
    assert event.event_type == "election.submitted"
    assert event.at == election.received_at
    assert event.employee == slide_9_employee
    assert event.data["election"]["confirmation_number"] == election.confirmation_number
    assert event.data["election"]["total_new_shares"] == 1725


@pytest.mark.parametrize(
    ("tendered", "words"),
    [
        ({"G-1001": 800, "G-1002": 1000}, "G-1004 was granted in the lookback window"),  # lookback left out
        ({**SLIDE_9, "G-1001": 400}, "must be tendered whole"),  # split
        ({**SLIDE_9, "G-1003": 500}, "G-1003 cannot be exchanged"),  # ineligible
        ({}, "Choose at least one grant"),
    ],
)
def test_invalid_elections_are_refused_and_change_nothing(
    soxp_2003, slide_9_employee, tendered, words
) -> None:
    with pytest.raises(InvalidElection) as caught:
        submit(soxp_2003, slide_9_employee, tendered)
    assert words in str(caught.value)
    assert not Election.objects.exists()
    assert list(AuditEvent.objects.values_list("event_type", flat=True)) == ["election.refused"]


def test_someone_elses_grant_is_refused(soxp_2003, slide_9_employee) -> None:
    GrantFactory(grant_id="G-BOB", employee=EmployeeFactory())
    with pytest.raises(InvalidElection, match="Grant G-BOB is not one of your grants"):
        submit(soxp_2003, slide_9_employee, {**SLIDE_9, "G-BOB": 1000})
    assert not Election.objects.exists()


def test_ineligible_employee_cannot_elect(soxp_2003) -> None:
    officer = EmployeeFactory(is_executive_officer=True)
    GrantFactory(grant_id="G-OFF", employee=officer)
    with pytest.raises(InvalidElection, match="not eligible"):
        submit(soxp_2003, officer, {"G-OFF": 1000})


def test_one_microsecond_before_the_deadline_counts_and_the_deadline_does_not(
    soxp_2003, slide_9_employee
) -> None:
    submit(soxp_2003, slide_9_employee, now=soxp_2003.expires_at - timedelta(microseconds=1))
    with pytest.raises(ElectionClosed, match="closed at January 20, 2003 at 9:00 PM PST"):
        submit(soxp_2003, slide_9_employee, version=1, now=soxp_2003.expires_at)
    assert Election.objects.count() == 1


def test_nothing_before_the_offer_opens(soxp_2003, slide_9_employee) -> None:
    with pytest.raises(ElectionClosed, match="not open yet"):
        submit(soxp_2003, slide_9_employee, now=soxp_2003.opens_at - timedelta(microseconds=1))


def test_an_extension_reopens_submission(soxp_2003, slide_9_employee) -> None:
    after_first_deadline = soxp_2003.expires_at + timedelta(hours=1)
    with pytest.raises(ElectionClosed):
        submit(soxp_2003, slide_9_employee, now=after_first_deadline)
    soxp_2003.expires_at += timedelta(days=4)  # the real extension, to 2003-01-24 21:00 Pacific
    soxp_2003.save()
    offer = Offer.objects.get(pk=soxp_2003.pk)
    assert submit(offer, slide_9_employee, now=after_first_deadline).version == 1


def test_modify_and_withdraw_make_new_versions_and_keep_the_old(soxp_2003) -> None:
    lena = EmployeeFactory()
    GrantFactory(grant_id="L-1", employee=lena)
    GrantFactory(grant_id="L-2", employee=lena, grant_date=lena.hire_date.replace(year=2001))
    first = submit(soxp_2003, lena, {"L-1": 1000, "L-2": 1000})
    second = submit(soxp_2003, lena, {"L-1": 1000}, version=1)
    third = withdraw(soxp_2003, lena, version=2)
    fourth = submit(soxp_2003, lena, {"L-2": 1000}, version=3, now=soxp_2003.opens_at + timedelta(days=7))
    assert history(lena) == [
        (1, "election", [("L-1", 1000, 750), ("L-2", 1000, 750)]),
        (2, "election", [("L-1", 1000, 750)]),
        (3, "withdrawal", []),
        (4, "election", [("L-2", 1000, 750)]),
    ]
    assert (
        len(
            {
                first.confirmation_number,
                second.confirmation_number,
                third.confirmation_number,
                fourth.confirmation_number,
            }
        )
        == 4
    )
    assert list(AuditEvent.objects.order_by("sequence").values_list("event_type", flat=True)) == [
        "election.submitted",
        "election.modified",
        "election.withdrawn",
        "election.submitted",
    ]


def test_a_stale_form_is_refused_with_the_current_election(soxp_2003, slide_9_employee) -> None:
    current = submit(soxp_2003, slide_9_employee)
    with pytest.raises(StaleElection) as caught:
        submit(soxp_2003, slide_9_employee, {"G-1002": 1000, "G-1004": 500}, version=0)
    assert caught.value.current == current
    assert Election.objects.count() == 1


def test_the_same_form_posted_twice_makes_one_version(soxp_2003, slide_9_employee) -> None:
    token = uuid.uuid4()
    first = submit(soxp_2003, slide_9_employee, submission_token=token)
    again = submit(soxp_2003, slide_9_employee, submission_token=token)
    assert again == first
    assert Election.objects.count() == 1


def test_signature_must_match_the_name_on_record(soxp_2003, slide_9_employee) -> None:
    with pytest.raises(ElectionError, match="full name as the company records it: Sam Slide"):
        submit(soxp_2003, slide_9_employee, signature="Samuel S.")
    assert submit(soxp_2003, slide_9_employee, signature="  sam   SLIDE ").signature == "sam SLIDE"


def test_withdrawal_needs_an_election_in_force(soxp_2003, slide_9_employee) -> None:
    with pytest.raises(ElectionError, match="no election to withdraw"):
        withdraw(soxp_2003, slide_9_employee, version=0)


def test_confirmation_email_is_sent_after_commit(
    soxp_2003, slide_9_employee, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        election = submit(soxp_2003, slide_9_employee)
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [slide_9_employee.email]
    assert election.confirmation_number in mail.outbox[0].subject


def test_paper_election_counts_by_the_time_received(soxp_2003, slide_9_employee) -> None:
    admin = UserFactory(is_staff=True)
    received = soxp_2003.expires_at - timedelta(minutes=5)
    election = submit(
        soxp_2003,
        slide_9_employee,
        actor=admin,
        channel="fax",
        received_at=received,
        now=soxp_2003.expires_at + timedelta(minutes=30),
    )
    assert (election.received_at, election.channel, election.entered_by, election.is_on_behalf) == (
        received,
        "fax",
        admin,
        True,
    )
    with pytest.raises(ElectionClosed):
        submit(
            soxp_2003,
            slide_9_employee,
            version=1,
            actor=admin,
            channel="fax",
            received_at=soxp_2003.expires_at,
            now=soxp_2003.expires_at + timedelta(minutes=30),
        )
