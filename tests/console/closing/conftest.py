"""The close pages are tested on soxp-2003: elections made during the offer, then the clock moved on.

soxp-2003 expires 2003-01-20 at 9:00 PM Pacific; its cancellation date is 2003-01-20, its new grant
date 2003-07-21 and its pricing date 2003-07-18 (the Friday before).
"""

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db.models import Sum
from django.http import HttpResponse
from django.test import Client, TestCase
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.actions import accept_tenders, cancel_tendered_grants
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant, PromiseLetter, Tender
from soxp_portal.offers.actions import submit_election, withdraw_election
from soxp_portal.offers.models import Election, Employee, Grant, Offer
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

PACIFIC = ZoneInfo("America/Los_Angeles")
#: Elections are made on 2003-01-06 and the census changes on 2003-01-15, both during the offer.
ELECTION_DAY = datetime(2003, 1, 6, 10, 0, tzinfo=PACIFIC)
CENSUS_CHANGE_DAY = datetime(2003, 1, 15, 10, 0, tzinfo=PACIFIC)
#: Before the deadline, the morning after it, and the new grant date.
BEFORE_DEADLINE = datetime(2003, 1, 20, 12, 0, tzinfo=PACIFIC)
AFTER_DEADLINE = datetime(2003, 1, 21, 9, 0, tzinfo=PACIFIC)
NEW_GRANT_DAY = datetime(2003, 7, 21, 9, 0, tzinfo=PACIFIC)
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}


def member_of(role: Role, **fields: object) -> User:
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(ELECTION_DAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def offer(soxp_2003: Offer, clock: time_machine.Traveller) -> Offer:
    return soxp_2003


@pytest.fixture
def admin(db: None) -> User:
    return member_of(Role.STOCK_ADMINISTRATOR, email="ada.admin@example.com")


@pytest.fixture
def auditor(db: None) -> User:
    return member_of(Role.AUDITOR, email="aldo.auditor@example.com")


@pytest.fixture
def admin_client(client: Client, admin: User) -> Client:
    client.force_login(admin)
    return client


def url(name: str, offer: Offer, *args: str) -> str:
    return reverse(f"console:{name}", args=[offer.slug, *args])


def submit(offer: Offer, employee: Employee, tendered: dict[str, int], *, version: int = 0) -> Election:
    return submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
    )


def employee_with_grant(employee_id: str, first: str, last: str, *, shares: int = 1000, **fields) -> Employee:
    employee = EmployeeFactory(employee_id=employee_id, first_name=first, last_name=last, **fields)
    GrantFactory(
        grant_id=f"G-{employee_id}", employee=employee, shares_granted=shares, exercise_price=Decimal("6.00")
    )
    return employee


@dataclass
class Participants:
    """Four elected, one withdrew again; one left and one exercised after electing."""

    sam: Employee  # slide 9: tenders 2,300 shares for 1,725; accepted as elected
    alice: Employee  # tenders 1,000; leaves on 2003-01-15: not accepted
    bob: Employee  # tenders 1,000; exercises 200 on 2003-01-15: 800 taken for 600
    carl: Employee  # tenders 400 for 300; accepted as elected
    erin: Employee  # elects, then withdraws: not a participant
    dave: Employee  # eligible, never elects


@pytest.fixture
def participants(offer: Offer, slide_9_employee: Employee, clock: time_machine.Traveller) -> Participants:
    people = Participants(
        sam=slide_9_employee,
        alice=employee_with_grant("E-ALICE", "Alice", "Able"),
        bob=employee_with_grant("E-BOB", "Bob", "Baker"),
        carl=employee_with_grant("E-CARL", "Carl", "Cole", shares=400),
        erin=employee_with_grant("E-ERIN", "Erin", "Ellis"),
        dave=employee_with_grant("E-DAVE", "Dave", "Dunn"),
    )
    submit(offer, people.sam, SLIDE_9)
    submit(offer, people.alice, {"G-E-ALICE": 1000})
    submit(offer, people.bob, {"G-E-BOB": 1000})
    submit(offer, people.carl, {"G-E-CARL": 400})
    submit(offer, people.erin, {"G-E-ERIN": 1000})
    withdraw_election(
        offer,
        people.erin,
        actor=people.erin.user,
        signature=people.erin.full_name,
        expected_version=1,
        submission_token=uuid.uuid4(),
    )
    clock.move_to(CENSUS_CHANGE_DAY)
    people.alice.status, people.alice.termination_date = Employee.Status.TERMINATED, date(2003, 1, 15)
    people.alice.save()
    Grant.objects.filter(grant_id="G-E-BOB").update(shares_exercised=200, updated_at=CENSUS_CHANGE_DAY)
    clock.move_to(AFTER_DEADLINE)
    return people


@pytest.fixture
def accepted(offer: Offer, participants: Participants, admin: User) -> Participants:
    """The tenders accepted the morning after the deadline."""
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE.astimezone(UTC))
    return participants


@pytest.fixture
def cancelled(offer: Offer, accepted: Participants, admin: User) -> Participants:
    cancel_tendered_grants(offer, actor=admin, now=AFTER_DEADLINE.astimezone(UTC))
    return accepted


def snapshot(offer: Offer) -> tuple:
    """Everything a step can change: a refused step must leave it as it was (its only trace is the
    ``console.refused`` event of a refusal by the close's rules, tests/console/test_refusals_audited.py)."""
    closing = Closing.objects.filter(offer=offer).values_list(
        "accepted_at", "cancelled_at", "letters_requested_at", "new_grants_created_at"
    )
    return (
        Tender.objects.count(),
        AcceptedGrant.objects.count(),
        NewGrant.objects.count(),
        PromiseLetter.objects.count(),
        Grant.objects.aggregate(total=Sum("shares_cancelled"))["total"],
        list(closing),
        list(Tender.objects.values_list("forfeited_on", flat=True)),
        list(Employee.objects.order_by("pk").values_list("status", "termination_date")),
        Offer.objects.values_list("closed_at", "new_exercise_price").get(pk=offer.pk),
        AuditEvent.objects.exclude(event_type=AuditEventType.CONSOLE_REFUSED).count(),
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def started(title: str) -> str:
    """The message of a step asked for from the close page (``closing_views._start``)."""
    return (
        f"{title} has started. It runs in the background, in one piece: nothing is changed until all of it is "
        "done. Its section below shows how far it is; you may leave this page meanwhile."
    )


def post_step(client: Client, path: str, data: dict[str, str] | None = None) -> HttpResponse:
    """Posts a step of the close and lets the background task it enqueues run, as it does once the request's
    transaction commits (a test's own transaction never does; the tests' task backend runs a task as it is
    enqueued). Returns the page the POST redirected to, with ``redirect_chain`` as ``follow=True`` gives."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(path, data or {})
    if response.status_code != 302:
        return response
    page = client.get(response["Location"])
    page.redirect_chain = [(response["Location"], 302)]  # type: ignore[attr-defined]
    return page


def get_page(client: Client, path: str, data: dict[str, str] | None = None) -> HttpResponse:
    """GETs a page, lets the background task it may ask for run (the close page's first visit asks for the
    plan to be worked out) and, if it did, GETs the page again. A test's transaction never commits, so the
    task runs only after the first response; in a server without a transaction around the request, the
    immediate task backend runs it before the page is rendered (``test_preview``'s transactional test)."""
    with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
        response = client.get(path, data or {})
    return client.get(path, data or {}) if callbacks else response
