"""Issue 5: every state-changing action writes its audit event, with the right fields, in the
transaction of its change.

Each case calls the real action the way its view (or task, or command) does, with a request that
carries a client address, a user agent and a request id. ``test_each_action_writes_exactly_its_events``
checks the events written: exactly one, or for a step of the close exactly one per employee changed
plus one for the offer. ``test_a_failure_after_the_change_leaves_neither`` makes the audit write fail
(the last one, for a step of the close) and checks that neither the change nor any event is left.

Two cases are left out of the second test on purpose: a refused sign-in and a lock-out are written in
a durable transaction of their own (``audit/signals.py``): the attempt must count towards the lock-out
and stay in the trail whatever happens next, so there is no change to roll back with them.

The invitations and the reminders are sent by background tasks, which get no request: their events
carry no client address, user agent or request id (``web=False`` below).
"""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import time_machine
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core import mail
from django.http import HttpRequest
from django.test import Client, RequestFactory
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.audit import log
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing import actions as closing
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant, Tender
from soxp_portal.offers import actions
from soxp_portal.offers.census import import_census
from soxp_portal.offers.models import Announcement, Election, Employee, Grant, Offer, OfferDocument
from soxp_portal.offers.reminders import send_reminders
from soxp_portal.offers.tasks import send_pending_invitations
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.offers.census_data import employees_csv, grants_csv

pytestmark = pytest.mark.django_db

IP, AGENT, REQUEST_ID = "203.0.113.9", "EveryAction/1.0", "req-every-action"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's
LOGIN = "/accounts/login/"
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}
# soxp-2003 opens 2002-12-19 08:00 UTC and closes 2003-01-21 05:00 UTC (9:00 PM Pacific on the 20th);
# its cancellation date is 2003-01-20 and its new grant date 2003-07-21.
BEFORE_OPENING = datetime(2002, 12, 9, 18, 0, tzinfo=UTC)
DURING = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
EXTENSION_DAY = datetime(2003, 1, 20, 20, 0, tzinfo=UTC)
NEW_DEADLINE = datetime(2003, 1, 25, 5, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
AFTER_CANCELLATION = datetime(2003, 1, 21, 7, 0, tzinfo=UTC)
TERMINATION_DAY = datetime(2003, 3, 4, 17, 0, tzinfo=UTC)
ON_GRANT_DATE = datetime(2003, 7, 21, 17, 0, tzinfo=UTC)


@dataclass
class World:
    """soxp-2003 with Sam (slide 9) and Bob, both eligible and undecided, and a stock administrator."""

    offer: Offer
    sam: Employee
    bob: Employee
    admin: User
    settings: Any
    client: Client = field(
        default_factory=lambda: Client(REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT, HTTP_X_REQUEST_ID=REQUEST_ID)
    )
    kept: dict[str, Any] = field(default_factory=dict)

    def request(self, user: User, path: str = "/console/", method: str = "post") -> HttpRequest:
        make = getattr(RequestFactory(), method)
        request = make(path, REMOTE_ADDR=IP, HTTP_USER_AGENT=AGENT, HTTP_X_REQUEST_ID=REQUEST_ID)
        request.user = user
        return request


@pytest.fixture
def world(soxp_2003: Offer, slide_9_employee: Employee, settings: Any) -> World:
    bob = EmployeeFactory(first_name="Bob", last_name="Baker", employee_id="E-BOB")
    GrantFactory(grant_id="G-BOB", employee=bob, shares_granted=1000)
    admin = UserFactory(email="ada.admin@example.com", is_staff=True)
    admin.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    # A census imported before the offer opened.
    Employee.objects.update(updated_at=soxp_2003.opens_at)
    Grant.objects.update(updated_at=soxp_2003.opens_at)
    return World(offer=soxp_2003, sam=slide_9_employee, bob=bob, admin=admin, settings=settings)


# The actions, called as their views call them ----------------------------------------------------


def elect(
    w: World,
    employee: Employee,
    tendered: dict[str, int] | None = None,
    *,
    version: int = 0,
    channel: str = Election.Channel.WEB,
    now: datetime = DURING,
    audited_request: bool = True,
) -> Election:
    """An election (or, with ``tendered`` None and version > 0, a withdrawal) as the portal or the
    console's paper-election page makes it."""
    on_paper = channel != Election.Channel.WEB
    actor = w.admin if on_paper else employee.user
    fields: dict[str, Any] = {
        "actor": actor,
        "signature": employee.full_name,
        "expected_version": version,
        "submission_token": uuid.uuid4(),
        "channel": channel,
        "received_at": now - timedelta(hours=2) if on_paper else None,
        "now": now,
        "request": w.request(actor) if audited_request else None,
    }
    if tendered is None:
        return actions.withdraw_election(w.offer, employee, **fields)
    return actions.submit_election(w.offer, employee, tendered, **fields)


def accept(w: World) -> Closing:
    elect(w, w.sam, SLIDE_9, audited_request=False)
    elect(w, w.bob, {"G-BOB": 1000}, audited_request=False)
    return closing.accept_tenders(w.offer, actor=w.admin, now=AFTER_DEADLINE)


def offer_values(offer: Offer) -> dict[str, Any]:
    values = {name: getattr(offer, name) for name in actions.TERM_FIELDS}
    return {**values, "slug": "soxp-2004", "name": "Stock Option Exchange 2004"}


def add_document(w: World, *, request: HttpRequest | None) -> OfferDocument:
    return actions.add_offer_document(
        w.offer,
        title="Offer to Exchange",
        content=b"%PDF-1.4\n% the offer to exchange\n",
        filename="offer-to-exchange.pdf",
        actor=w.admin,
        now=DURING,
        request=request,
    )


def admin_user_form(user: User, **changes: Any) -> dict[str, Any]:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "is_active": "on",
        "date_joined_0": "2003-01-02",
        "date_joined_1": "09:00:00",
        **changes,
    }


def sign_in(w: World, password: str = PASSWORD) -> None:
    w.client.post(LOGIN, {"username": w.sam.user.email, "password": password})


def download_export(w: World) -> None:
    from soxp_portal.console import exports_views

    response = exports_views.download(w.request(w.admin), w.offer.slug, "eligibility", "csv")
    assert response.status_code == 200
    b"".join(response.streaming_content)  # type: ignore[attr-defined]


# The cases --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One action: how to get there, how to do it, and the events it must write.

    ``events`` are the types written, one entry per event. The last type names the event whose
    fields are checked against ``employee`` ... ``data`` (the offer's event, for a step of the close;
    the per-employee events are checked too). ``record`` is where the action looks up ``record``, and
    ``record_calls`` how many times it calls it (a step of the close appends its employees' events in
    bulk, then records the offer's event as its last write).
    """

    act: Callable[[World], Any]
    events: tuple[str, ...]
    actor: str | None
    employee: str | None
    on_behalf: bool
    channel: str
    data: Callable[[World, dict[str, Any]], None]
    record: str
    prepare: Callable[[World], Any] = lambda w: None
    raises: type[Exception] | None = None
    web: bool = True
    record_calls: int | None = None


ELECTION_KEYS = {
    "confirmation_number",
    "version",
    "kind",
    "channel",
    "received_at",
    "recorded_at",
    "signature",
    "takes_effect",
    "tendered",
    "total_tendered",
    "total_new_shares",
}


def election_data(
    kind: str, channel: str, tendered: dict[str, int]
) -> Callable[[World, dict[str, Any]], None]:
    def check(w: World, data: dict[str, Any]) -> None:
        election = data["election"]
        assert set(election) == ELECTION_KEYS
        assert election["takes_effect"] is True
        assert (election["kind"], election["channel"], election["signature"]) == (
            kind,
            channel,
            w.sam.full_name,
        )
        assert {line["grant_id"]: line["shares_tendered"] for line in election["tendered"]} == tendered
        assert election["total_tendered"] == sum(tendered.values())
        assert election["confirmation_number"] == Election.objects.latest("pk").confirmation_number

    return check


def election_cases() -> dict[str, Case]:
    cases = {}
    kept = {"G-1001": 800, "G-1004": 500}
    for channel in Election.Channel.values:
        common = {
            "actor": "employee" if channel == "web" else "admin",
            "employee": "sam",
            "on_behalf": channel != "web",
            "channel": channel,
            "record": "soxp_portal.offers.actions.record",
        }
        cases[f"election submitted ({channel})"] = Case(
            act=lambda w, c=channel: elect(w, w.sam, SLIDE_9, channel=c),
            events=(AuditEventType.ELECTION_SUBMITTED,),
            data=election_data("election", channel, SLIDE_9),
            **common,
        )
        cases[f"election modified ({channel})"] = Case(
            prepare=lambda w: elect(w, w.sam, SLIDE_9, now=DURING - timedelta(days=1), audited_request=False),
            act=lambda w, c=channel: elect(w, w.sam, kept, version=1, channel=c),
            events=(AuditEventType.ELECTION_MODIFIED,),
            data=election_data("election", channel, kept),
            **common,
        )
        cases[f"election withdrawn ({channel})"] = Case(
            prepare=lambda w: elect(w, w.sam, SLIDE_9, now=DURING - timedelta(days=1), audited_request=False),
            act=lambda w, c=channel: elect(w, w.sam, None, version=1, channel=c),
            events=(AuditEventType.ELECTION_WITHDRAWN,),
            data=election_data("withdrawal", channel, {}),
            **common,
        )
    return cases


def refusal_data(reason: str) -> Callable[[World, dict[str, Any]], None]:
    def check(w: World, data: dict[str, Any]) -> None:
        assert (data["attempted"], data["reason"]) == ("election", reason)
        assert data["message"]

    return check


REFUSED = {
    "actor": "employee",
    "employee": "sam",
    "on_behalf": False,
    "channel": "web",
    "record": "soxp_portal.offers.actions.record",
    "events": (AuditEventType.ELECTION_REFUSED,),
    "raises": actions.ElectionError,
}


def close_step(
    act: Callable[[World], Any],
    employee_event: str | None,
    offer_event: str,
    data: Callable[[World, dict[str, Any]], None],
    prepare: Callable[[World], Any],
) -> Case:
    """A step of the close: one event per employee changed (Sam and Bob), then one for the offer."""
    employees = (employee_event, employee_event) if employee_event else ()
    return Case(
        prepare=prepare,
        act=act,
        events=(*employees, offer_event),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=data,
        record="soxp_portal.closing.actions.record",
        record_calls=1,
    )


def cancelled(w: World) -> None:
    accept(w)
    closing.cancel_tendered_grants(w.offer, actor=w.admin, now=AFTER_CANCELLATION)


def granted(w: World) -> None:
    """The new grants made at a closing price typed wrong."""
    cancelled(w)
    closing.create_new_grants(w.offer, closing_price=Decimal("12.50"), actor=w.admin, now=ON_GRANT_DATE)


def expect(**expected: Any) -> Callable[[World, dict[str, Any]], None]:
    def check(w: World, data: dict[str, Any]) -> None:
        assert {key: data[key] for key in expected} == expected

    return check


def offer_terms(w: World, data: dict[str, Any]) -> None:
    assert set(data["terms"]) == set(actions.TERM_FIELDS)
    assert data["terms"]["slug"] == "soxp-2004"
    assert len(data["covered_plans"]) == 5


def new_name(w: World, data: dict[str, Any]) -> None:
    assert data == {"name": {"before": w.offer.name, "after": "Stock Option Exchange Offer"}}


def new_contacts(w: World, data: dict[str, Any]) -> None:
    assert data["contacts"]["before"] == w.offer.contacts
    assert [contact["name"] for contact in data["contacts"]["after"]] == ["Ada Admin"]


def new_decision_support(w: World, data: dict[str, Any]) -> None:
    assert data == {
        "decision_support": {
            "reference_price": {"before": "1.5000", "after": "1.7500"},
            "volatility": {"before": "0.8000", "after": "0.6000"},
            "risk_free_rate": {"before": "0.0400", "after": "0.0300"},
            "current_vesting_cliff_months": {"before": 12, "after": 6},
            "current_vesting_cliff_fraction": {"before": "0.2500", "after": "0.5000"},
            "current_vesting_installments": {"before": 36, "after": 30},
        }
    }


def document_added(w: World, data: dict[str, Any]) -> None:
    assert set(data["documents"]["added"]) == {"id", "title", "file", "size", "sha256"}


def document_removed(w: World, data: dict[str, Any]) -> None:
    assert data["documents"]["removed"]["title"] == "Offer to Exchange"


def no_data(w: World, data: dict[str, Any]) -> None:
    assert data == {}


def attempted_email(w: World, data: dict[str, Any]) -> None:
    assert data["email"] == w.sam.user.email


CASES: dict[str, Case] = {
    **election_cases(),
    "refused: after the deadline": Case(
        act=lambda w: elect(w, w.sam, SLIDE_9, now=AFTER_DEADLINE),
        data=refusal_data("outside_window"),
        **REFUSED,
    ),
    "refused: stale form": Case(
        prepare=lambda w: elect(w, w.sam, SLIDE_9, now=DURING - timedelta(days=1), audited_request=False),
        act=lambda w: elect(w, w.sam, {"G-1001": 800, "G-1004": 500}, version=0),
        data=refusal_data("stale"),
        **REFUSED,
    ),
    "refused: invalid": Case(
        act=lambda w: elect(w, w.sam, {"G-1001": 100, "G-1004": 500}), data=refusal_data("invalid"), **REFUSED
    ),
    "offer created": Case(
        act=lambda w: actions.create_offer(
            offer_values(w.offer),
            covered_plans=w.offer.covered_plans.all(),
            actor=w.admin,
            now=BEFORE_OPENING,
            request=w.request(w.admin),
        ),
        events=(AuditEventType.OFFER_CREATED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=offer_terms,
        record="soxp_portal.offers.actions.record",
    ),
    "offer edited: terms": Case(
        act=lambda w: actions.update_offer_terms(
            w.offer,
            {"name": "Stock Option Exchange Offer"},
            covered_plans=w.offer.covered_plans.all(),
            actor=w.admin,
            now=BEFORE_OPENING,
            request=w.request(w.admin),
        ),
        events=(AuditEventType.OFFER_EDITED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=new_name,
        record="soxp_portal.offers.actions.record",
    ),
    "offer edited: contacts": Case(
        act=lambda w: actions.set_offer_contacts(
            w.offer,
            [{"name": "Ada Admin", "role": "Questions", "phone": "949-450-0000", "fax": "", "email": ""}],
            actor=w.admin,
            now=DURING,
            request=w.request(w.admin),
        ),
        events=(AuditEventType.OFFER_EDITED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=new_contacts,
        record="soxp_portal.offers.actions.record",
    ),
    "offer edited: decision support": Case(
        act=lambda w: actions.set_decision_support(
            w.offer,
            reference_price=Decimal("1.75"),
            volatility=Decimal("0.6"),
            risk_free_rate=Decimal("0.03"),
            current_vesting_cliff_months=6,
            current_vesting_cliff_fraction=Decimal("0.5"),
            current_vesting_installments=30,
            actor=w.admin,
            now=DURING,
            request=w.request(w.admin),
        ),
        events=(AuditEventType.OFFER_EDITED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=new_decision_support,
        record="soxp_portal.offers.actions.record",
    ),
    "offer edited: document added": Case(
        act=lambda w: add_document(w, request=w.request(w.admin)),
        events=(AuditEventType.OFFER_EDITED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=document_added,
        record="soxp_portal.offers.actions.record",
    ),
    "offer edited: document removed": Case(
        prepare=lambda w: w.kept.update(document=add_document(w, request=None)),
        act=lambda w: actions.remove_offer_document(
            w.kept["document"], actor=w.admin, now=DURING, request=w.request(w.admin)
        ),
        events=(AuditEventType.OFFER_EDITED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=document_removed,
        record="soxp_portal.offers.actions.record",
    ),
    "offer extended": Case(
        act=lambda w: actions.extend_offer(
            w.offer,
            NEW_DEADLINE,
            reason="More time to consider the offer.",
            announcement="The offer is extended to January 24, 2003.",
            actor=w.admin,
            now=EXTENSION_DAY,
            request=w.request(w.admin),
        ),
        events=(AuditEventType.OFFER_EXTENDED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=expect(
            expires_at={"before": "2003-01-21T05:00:00.000000Z", "after": "2003-01-25T05:00:00.000000Z"}
        ),
        record="soxp_portal.offers.actions.record",
    ),
    "census imported": Case(
        act=lambda w: import_census(
            io.BytesIO(employees_csv()),
            io.BytesIO(grants_csv()),
            actor=w.admin,
            request=w.request(w.admin),
        ),
        events=(AuditEventType.CENSUS_IMPORTED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=expect(employees_new=3, grants_new=3, employees_file="employees.csv", grants_file="grants.csv"),
        record="soxp_portal.offers.census.record",
    ),
    "invitations sent": Case(
        prepare=lambda w: (w.bob.user.set_unusable_password(), w.bob.user.save(update_fields=["password"])),
        act=lambda w: send_pending_invitations.call(
            actor_id=w.admin.pk, base_url="https://soxp.example.com/"
        ),
        events=(AuditEventType.INVITATION_SENT,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="system",
        data=expect(count=1, employee_ids=["E-BOB"], base_url="https://soxp.example.com/"),
        record="soxp_portal.accounts.invitations.record",
        web=False,
    ),
    "reminders sent": Case(
        act=lambda w: send_reminders.call(
            w.offer.pk, w.admin.pk, str(uuid.uuid4()), "https://soxp.example.com"
        ),
        events=(AuditEventType.REMINDERS_SENT,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="system",
        data=expect(recipients=2, employee_ids=["E-BOB", "E1001"]),
        record="soxp_portal.offers.reminders.record",
        web=False,
    ),
    "tenders accepted (offer closed)": close_step(
        prepare=lambda w: (
            elect(w, w.sam, SLIDE_9, audited_request=False),
            elect(w, w.bob, {"G-BOB": 1000}, audited_request=False),
        ),
        act=lambda w: closing.accept_tenders(
            w.offer, actor=w.admin, now=AFTER_DEADLINE, request=w.request(w.admin)
        ),
        employee_event=AuditEventType.TENDERS_ACCEPTED,
        offer_event=AuditEventType.OFFER_CLOSED,
        data=expect(accepted=2, not_accepted=0, shares_accepted=3300),
    ),
    "grants cancelled": close_step(
        prepare=accept,
        act=lambda w: closing.cancel_tendered_grants(
            w.offer, actor=w.admin, now=AFTER_CANCELLATION, request=w.request(w.admin)
        ),
        employee_event=AuditEventType.GRANTS_CANCELLED,
        offer_event=AuditEventType.GRANTS_CANCELLED,
        data=expect(cancellation_date="2003-01-20", grants=4, shares=3300),
    ),
    "letters issued": close_step(
        prepare=accept,
        act=lambda w: closing.issue_letters(
            w.offer, actor=w.admin, now=AFTER_CANCELLATION, request=w.request(w.admin)
        ),
        employee_event=None,  # each letter is audited by the task that renders it, after the commit
        offer_event=AuditEventType.LETTERS_ISSUED,
        data=expect(participants=2),
    ),
    "new grants created": close_step(
        prepare=cancelled,
        act=lambda w: closing.create_new_grants(
            w.offer,
            closing_price=Decimal("1.25"),
            actor=w.admin,
            now=ON_GRANT_DATE,
            request=w.request(w.admin),
        ),
        employee_event=AuditEventType.NEW_GRANTS_CREATED,
        offer_event=AuditEventType.NEW_GRANTS_CREATED,
        data=expect(exercise_price="1.25", participants_granted=2, participants_forfeited=0),
    ),
    "new grants' price corrected": close_step(
        prepare=granted,
        act=lambda w: closing.correct_closing_price(
            w.offer,
            closing_price=Decimal("1.25"),
            reason="Typed 12.50 for 1.25.",
            actor=w.admin,
            now=ON_GRANT_DATE,
            request=w.request(w.admin),
        ),
        employee_event=AuditEventType.NEW_GRANTS_PRICE_CORRECTED,
        offer_event=AuditEventType.NEW_GRANTS_PRICE_CORRECTED,
        data=expect(
            exercise_price={"before": "12.5000", "after": "1.25"},
            new_grants=4,
            participants=2,
            reason="Typed 12.50 for 1.25.",
        ),
    ),
    "termination recorded": Case(
        prepare=accept,
        act=lambda w: closing.record_termination(
            w.offer,
            w.sam,
            termination_date=date(2003, 3, 3),
            actor=w.admin,
            now=TERMINATION_DAY,
            request=w.request(w.admin),
        ),
        events=(AuditEventType.TERMINATION_RECORDED,),
        actor="admin",
        employee="sam",
        on_behalf=True,
        channel="web",
        data=expect(termination_date="2003-03-03", forfeited_new_shares=1725),
        record="soxp_portal.closing.actions.record",
    ),
    "export downloaded": Case(
        act=download_export,
        events=(AuditEventType.EXPORT_DOWNLOADED,),
        actor="admin",
        employee=None,
        on_behalf=False,
        channel="web",
        data=expect(export="eligibility", format="csv", offer="soxp-2003"),
        record="soxp_portal.console.views.record",
    ),
    "signed in": Case(
        act=sign_in,
        events=(AuditEventType.AUTH_SIGNED_IN,),
        actor="employee",
        employee="sam",
        on_behalf=False,
        channel="web",
        data=no_data,
        record="soxp_portal.audit.signals.record",
    ),
    "sign-in failed": Case(
        act=lambda w: sign_in(w, password="wrong-password"),
        events=(AuditEventType.AUTH_SIGN_IN_FAILED,),
        actor=None,
        employee=None,
        on_behalf=False,
        channel="web",
        data=attempted_email,
        record="soxp_portal.audit.signals.record",
    ),
    "locked out": Case(
        prepare=lambda w: (
            setattr(w.settings, "AXES_FAILURE_LIMIT", 2),
            sign_in(w, password="wrong-password"),
        ),
        act=lambda w: sign_in(w, password="wrong-password"),
        events=(AuditEventType.AUTH_SIGN_IN_FAILED, AuditEventType.AUTH_LOCKED_OUT),
        actor=None,
        employee=None,
        on_behalf=False,
        channel="web",
        data=lambda w, data: expect(email=w.sam.user.email, failures=2)(w, data),
        record="soxp_portal.audit.signals.record",
    ),
    "role changed (admin)": Case(
        prepare=lambda w: (
            w.client.force_login(User.objects.create_superuser("root@example.com", PASSWORD)),
            w.kept.update(carol=UserFactory(email="carol@example.com")),
        ),
        act=lambda w: w.client.post(
            reverse("admin:accounts_user_change", args=[w.kept["carol"].pk]),
            admin_user_form(
                w.kept["carol"], groups=[Group.objects.get_or_create(name=Role.AUDITOR.value)[0].pk]
            ),
        ),
        events=(AuditEventType.ROLE_CHANGED,),
        actor="root",
        employee=None,
        on_behalf=False,
        channel="web",
        data=expect(groups_added=["Auditors"], groups_removed=[], email="carol@example.com"),
        record="soxp_portal.audit.signals.record",
    ),
}
DURABLE = {"sign-in failed", "locked out"}


# The tests --------------------------------------------------------------------------------------


def snapshot(w: World) -> tuple[Any, ...]:
    """Everything the actions above change."""
    offer = Offer.objects.get(pk=w.offer.pk)
    media = Path(django_settings.MEDIA_ROOT)
    return (
        list(Election.objects.values_list("employee__employee_id", "version", "kind")),
        list(
            Offer.objects.values_list(
                "slug",
                "name",
                "expires_at",
                "closed_at",
                "new_exercise_price",
                "reference_price",
                "volatility",
                "risk_free_rate",
                "current_vesting_cliff_months",
                "current_vesting_cliff_fraction",
                "current_vesting_installments",
            )
        ),
        offer.contacts,
        list(OfferDocument.objects.values_list("pk", flat=True)),
        sorted(str(path) for path in media.rglob("*") if path.is_file()) if media.exists() else [],
        Announcement.objects.count(),
        list(Employee.objects.values_list("employee_id", "status", "termination_date")),
        list(Grant.objects.values_list("grant_id", "shares_cancelled")),
        list(Tender.objects.values_list("employee__employee_id", "forfeited_on")),
        AcceptedGrant.objects.count(),
        NewGrant.objects.count(),
        list(Closing.objects.values_list("accepted_at", "cancelled_at", "letters_requested_at")),
        list(User.objects.values_list("email", "last_login", "is_staff")),
        list(User.groups.through.objects.values_list("user_id", "group_id")),
        Session.objects.count(),
        len(mail.outbox),
    )


def new_events(before: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("sequence")[before:])


def user_named(w: World, name: str | None, event: AuditEvent) -> User | None:
    if name is None:
        return None
    if name == "employee":
        return event.employee.user if event.employee else None
    return {"admin": w.admin, "root": User.objects.filter(email="root@example.com").first()}[name]


def assert_request_fields(event: AuditEvent, *, web: bool) -> None:
    expected = (IP, AGENT, REQUEST_ID) if web else (None, "", "")
    assert (event.ip_address, event.user_agent, event.request_id) == expected, event.event_type


def run(case: Case, w: World) -> None:
    if case.raises is None:
        case.act(w)
        return
    with pytest.raises(case.raises):
        case.act(w)


@pytest.mark.parametrize("name", list(CASES))
def test_each_action_writes_exactly_its_events(name: str, world: World) -> None:
    case = CASES[name]
    with time_machine.travel(DURING, tick=False):
        case.prepare(world)
        before = AuditEvent.objects.count()
        run(case, world)

    events = new_events(before)
    assert sorted(event.event_type for event in events) == sorted(case.events)
    for event in events:
        assert event.at.utcoffset() == timedelta(0)
        assert event.actor == user_named(world, case.actor, event)
        assert_request_fields(event, web=case.web)
    # The event the case describes: of the last type listed and, among several, the offer's own.
    [primary] = [e for e in events if e.event_type == case.events[-1]][-1:]
    assert primary.employee == {"sam": world.sam, None: None}[case.employee]
    if primary.employee is not None:
        assert primary.employee_number == primary.employee.employee_id
    assert (primary.on_behalf, primary.channel) == (case.on_behalf, case.channel)
    case.data(world, primary.data)
    per_employee = [event for event in events if event.pk != primary.pk]
    if case.record == "soxp_portal.closing.actions.record" and per_employee:
        assert sorted(event.employee.employee_id for event in per_employee) == ["E-BOB", "E1001"]
        assert {(e.channel, e.on_behalf, e.offer_id) for e in per_employee} == {
            ("web", False, world.offer.pk)
        }


def failing_record(fail_at: int) -> Callable[..., AuditEvent]:
    """``record`` that writes the first ``fail_at - 1`` events and fails on the next one."""
    calls = []

    def fake(*args: Any, **kwargs: Any) -> AuditEvent:
        calls.append(kwargs.get("subject"))
        if len(calls) >= fail_at:
            raise RuntimeError("the audit trail could not be written")
        return log.record(*args, **kwargs)

    return fake


@pytest.mark.parametrize("name", [name for name in CASES if name not in DURABLE])
def test_a_failure_after_the_change_leaves_neither(name: str, world: World) -> None:
    case = CASES[name]
    with time_machine.travel(DURING, tick=False):
        case.prepare(world)
        before, events_before = snapshot(world), AuditEvent.objects.count()
        with (
            mock.patch(case.record, side_effect=failing_record(case.record_calls or len(case.events))),
            pytest.raises(RuntimeError, match="could not be written"),
        ):
            case.act(world)

    assert snapshot(world) == before
    assert AuditEvent.objects.count() == events_before
