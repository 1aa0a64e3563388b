"""extend_offer (decision 4): the deadline moves later, the dates follow, employees are told, and the
extension is audited with the figures so far. The real offer: 2003-01-20 to 2003-01-24 21:00 Pacific."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.core import mail

from soxp_portal.accounts.models import User
from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.actions import (
    ElectionClosed,
    OfferError,
    extend_offer,
    extension_effect,
    notice_due_at,
    submit_election,
)
from soxp_portal.offers.models import Announcement, Employee, Offer
from soxp_portal.offers.participation import tender_figures
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

pytestmark = pytest.mark.django_db

#: 2003-01-20 12:00 Pacific, the day of the real extension (Martin Luther King Jr. Day).
EXTENSION_DAY = datetime(2003, 1, 20, 20, 0, tzinfo=UTC)
#: 2003-01-24 21:00 Pacific.
NEW_DEADLINE = datetime(2003, 1, 25, 5, 0, tzinfo=UTC)
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(email="admin@example.com")


@pytest.fixture
def census(soxp_2003: Offer, slide_9_employee: Employee) -> dict[str, Employee]:
    """Sam of slide 9 (2,300 eligible shares) has tendered them all; Bob (1,000) has not; an executive
    officer and a terminated employee hold grants that cannot be tendered."""
    bob = EmployeeFactory(first_name="Bob", last_name="Baker", employee_id="E-BOB")
    GrantFactory(employee=bob, shares_granted=1000)
    officer = EmployeeFactory(employee_id="E-OFFICER", is_executive_officer=True)
    GrantFactory(employee=officer, shares_granted=5000)
    gone = EmployeeFactory(employee_id="E-GONE", status="terminated", termination_date=date(2002, 12, 31))
    GrantFactory(employee=gone, shares_granted=700)
    submit_election(
        soxp_2003,
        slide_9_employee,
        SLIDE_9,
        actor=slide_9_employee.user,
        signature=slide_9_employee.full_name,
        expected_version=0,
        submission_token=uuid.uuid4(),
        now=datetime(2003, 1, 10, 18, 0, tzinfo=UTC),
    )
    return {"sam": slide_9_employee, "bob": bob, "officer": officer, "gone": gone}


def extend(offer: Offer, admin: User, new_expires_at: datetime = NEW_DEADLINE, **kwargs):
    kwargs.setdefault("now", EXTENSION_DAY)
    return extend_offer(
        offer,
        new_expires_at,
        reason=kwargs.pop("reason", "More time for employees to decide."),
        announcement=kwargs.pop("announcement", "The offer is extended to January 24."),
        actor=admin,
        **kwargs,
    )


def test_extension_moves_the_deadline_and_the_dates_that_follow(soxp_2003, admin) -> None:
    announcement = extend(soxp_2003, admin)
    offer = Offer.objects.get(pk=soxp_2003.pk)
    assert offer.expires_at == NEW_DEADLINE
    assert offer.original_expires_at == datetime(2003, 1, 21, 5, 0, tzinfo=UTC)
    assert offer.was_extended
    assert offer.cancellation_date() == date(2003, 1, 24)
    assert offer.new_grant_date() == date(2003, 7, 25)
    assert offer.pricing_date() == date(2003, 7, 24)
    assert announcement.offer.expires_at == NEW_DEADLINE


def test_extension_preview_gives_the_same_dates_and_the_notice_deadline(soxp_2003) -> None:
    effect = extension_effect(soxp_2003, NEW_DEADLINE)
    assert (effect.cancellation_date, effect.new_grant_date, effect.pricing_date) == (
        date(2003, 1, 24),
        date(2003, 7, 25),
        date(2003, 7, 24),
    )
    assert effect.business_days_open == 24
    # 2003-01-20 was a federal holiday; the notice was due by 9:00 a.m. Eastern the day after.
    assert effect.notice_due_at == datetime(2003, 1, 21, 14, 0, tzinfo=UTC)
    assert notice_due_at(soxp_2003.terms).tzname() == "EST"


def test_extension_is_announced_to_employees_on_their_home_page(client, soxp_2003, census, admin) -> None:
    extend(soxp_2003, admin)
    announcement = Announcement.objects.get()
    assert announcement.title == "The offer is extended: the new deadline is January 24, 2003 at 9:00 PM PST"
    assert announcement.published_at == EXTENSION_DAY
    assert announcement.created_by == admin
    client.force_login(census["sam"].user)
    with time_machine.travel(EXTENSION_DAY + timedelta(hours=1), tick=False):
        html = client.get(f"/offers/{soxp_2003.slug}/").content.decode()
    assert "the new deadline is January 24, 2003 at 9:00 PM PST" in html
    assert "The offer is extended to January 24." in html


def test_extension_is_audited_with_old_and_new_dates_and_the_figures_so_far(soxp_2003, census, admin) -> None:
    extend(soxp_2003, admin, reason="Holiday on the deadline day")
    event = AuditEvent.objects.get(event_type="offer.extended")
    assert event.actor == admin
    assert event.offer == soxp_2003
    assert event.at == EXTENSION_DAY
    data = event.data
    assert data["expires_at"] == {
        "before": "2003-01-21T05:00:00.000000Z",
        "after": "2003-01-25T05:00:00.000000Z",
    }
    assert data["cancellation_date"] == {"before": "2003-01-20", "after": "2003-01-24"}
    assert data["new_grant_date"] == {"before": "2003-07-21", "after": "2003-07-25"}
    assert data["pricing_date"] == {"before": "2003-07-18", "after": "2003-07-24"}
    assert data["reason"] == "Holiday on the deadline day"
    assert data["tendered_so_far"] == {
        "tendered_shares": 2300,
        "participants": 1,
        "eligible_shares": 3300,
        "eligible_employees": 2,
        "percent_of_eligible": "70",
    }


def test_every_eligible_employee_is_emailed_once_the_extension_commits(
    soxp_2003, census, admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        extend(soxp_2003, admin)
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        [census["sam"].email, census["bob"].email]
    )
    message = mail.outbox[0]
    assert "January 24, 2003 at 9:00 PM PST" in message.subject
    assert "The offer is extended to January 24." in message.body
    assert "Deadline:               January 24, 2003 at 9:00 PM PST\n" in message.body
    assert "UTC" not in message.body
    assert "July 25, 2003" in message.body
    assert f"/offers/{soxp_2003.slug}/" in message.body


def test_nothing_is_emailed_before_the_commit(
    soxp_2003, census, admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        extend(soxp_2003, admin)
    assert len(callbacks) == 1
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("new_expires_at", "now", "reason"),
    [
        (datetime(2003, 1, 18, 5, 0, tzinfo=UTC), EXTENSION_DAY, "can only be extended"),
        (datetime(2003, 1, 20, 19, 0, tzinfo=UTC), EXTENSION_DAY, "is in the past"),
        (datetime(2003, 1, 21, 5, 0, tzinfo=UTC), EXTENSION_DAY, "The deadline is already"),
        (NEW_DEADLINE, datetime(2003, 1, 21, 5, 0, tzinfo=UTC), "can no longer be moved"),
        (
            datetime(2101, 1, 2, tzinfo=UTC),
            EXTENSION_DAY,
            "must be from January 1, 1990 to December 31, 2100",
        ),
        (datetime(2003, 12, 20, 8, 1, tzinfo=UTC), EXTENSION_DAY, "at most 366 days after the opening"),
    ],
)
def test_a_refused_extension_changes_nothing(soxp_2003, census, admin, new_expires_at, now, reason) -> None:
    with pytest.raises(OfferError, match=reason):
        extend(soxp_2003, admin, new_expires_at, now=now)
    offer = Offer.objects.get(pk=soxp_2003.pk)
    assert offer.expires_at == offer.original_expires_at == datetime(2003, 1, 21, 5, 0, tzinfo=UTC)
    assert not Announcement.objects.exists()
    assert not AuditEvent.objects.filter(event_type="offer.extended").exists()


def test_a_closed_offer_cannot_be_extended(soxp_2003, admin) -> None:
    Offer.objects.filter(pk=soxp_2003.pk).update(closed_at=EXTENSION_DAY)
    with pytest.raises(OfferError, match="closed"):
        extend(soxp_2003, admin)
    assert not Announcement.objects.exists()


def test_an_extension_needs_an_announcement(soxp_2003, admin) -> None:
    with pytest.raises(OfferError, match="announcement"):
        extend(soxp_2003, admin, announcement="  ")
    assert Offer.objects.get(pk=soxp_2003.pk).expires_at == datetime(2003, 1, 21, 5, 0, tzinfo=UTC)


def test_after_the_extension_an_employee_can_elect_after_the_original_deadline(
    soxp_2003, census, admin
) -> None:
    bob = census["bob"]
    grant_id = bob.grants.get().grant_id
    after_original_deadline = datetime(2003, 1, 22, 18, 0, tzinfo=UTC)

    def submit(offer: Offer):
        return submit_election(
            offer,
            bob,
            {grant_id: 1000},
            actor=bob.user,
            signature=bob.full_name,
            expected_version=0,
            submission_token=uuid.uuid4(),
            now=after_original_deadline,
        )

    with pytest.raises(ElectionClosed):  # the control: without the extension, it is too late
        submit(soxp_2003)
    extend(soxp_2003, admin)
    election = submit(Offer.objects.get(pk=soxp_2003.pk))
    assert election.received_at == after_original_deadline


def test_figures_count_only_the_election_in_force_of_each_employee(soxp_2003, census) -> None:
    sam = census["sam"]
    submit_election(  # Sam changes his mind: only G-1002 and the lookback grant G-1004
        soxp_2003,
        sam,
        {"G-1002": 1000, "G-1004": 500},
        actor=sam.user,
        signature=sam.full_name,
        expected_version=1,
        submission_token=uuid.uuid4(),
        now=datetime(2003, 1, 11, 18, 0, tzinfo=UTC),
    )
    figures = tender_figures(soxp_2003, now=EXTENSION_DAY)
    assert (figures.tendered_shares, figures.eligible_shares) == (1500, 3300)
    assert figures.percent_of_eligible == 45
    assert (figures.participants, figures.eligible_employees) == (1, 2)


def test_figures_with_nothing_eligible_have_no_percentage(soxp_2003) -> None:
    figures = tender_figures(soxp_2003, now=EXTENSION_DAY)
    assert (figures.tendered_shares, figures.eligible_shares, figures.percent_of_eligible) == (0, 0, None)
