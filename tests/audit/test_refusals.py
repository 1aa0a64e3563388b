"""Issue 11, item 11: what was refused, and the changes of a password, are in the audit trail.

Each case acts through the portal's own pages, as a browser would, from a client address (signed in
beforehand where it needs to be), and checks the events it wrote: exactly the one of its kind (a
reset link completed writes the request and the change; an invitation the change and the sign-in).
Then the event's who, address, path and why.

How a flood is kept out of the chain (``audit.repeats``) is tested in ``test_repeats.py``; the
employees' downloads (``document.downloaded``) in ``tests/portal``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from soxp_portal.accounts.invitations import send_invitation
from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.audit.verify import verify_chain
from soxp_portal.offers.models import Employee, Offer
from tests.accounts.helpers import NEW_PASSWORD, invitation_link, link_in, path_of
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.40"
SAMS_EMAIL = "sam.slide@example.com"
#: soxp-2003 is open: it opened 2002-12-19 and closes 2003-01-21 05:00 UTC.
DURING = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
REFUSALS = {AuditEventType.ACCESS_REFUSED, AuditEventType.CSRF_FAILED, AuditEventType.CONSOLE_REFUSED}


@dataclass
class World:
    offer: Offer
    sam: Employee
    admin: User


def member_of(role: Role, email: str) -> User:
    user = UserFactory(email=email)
    user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def client_of(user: User | None = None, *, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks, REMOTE_ADDR=ADDRESS)
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def world(soxp_2003: Offer, slide_9_employee: Employee) -> Iterator[World]:
    User.objects.filter(pk=slide_9_employee.user.pk).update(email=SAMS_EMAIL)
    slide_9_employee.refresh_from_db()
    with time_machine.travel(DURING, tick=False):
        yield World(
            offer=soxp_2003,
            sam=slide_9_employee,
            admin=member_of(Role.STOCK_ADMINISTRATOR, "ada.admin@example.com"),
        )


# What each case does, with a client already signed in as its `who` ------------------------------


def forbidden(response: Any) -> None:
    assert response.status_code == 403, response.status_code


def employee_in_the_console(w: World, client: Client) -> None:
    response = client.get("/console/")
    forbidden(response)
    assert "Your login does not have the role this page needs." in response.content.decode()


def administrator_in_the_audit_trail(w: World, client: Client) -> None:
    forbidden(client.get(reverse("console:audit-events")))


def administrator_on_an_employee_page(w: World, client: Client) -> None:
    forbidden(client.get(reverse("portal:offer", args=[w.offer.slug])))


def sign_out_without_the_token(w: World, client: Client) -> None:
    response = client.post(reverse("accounts:logout"))
    forbidden(response)
    page = response.content.decode()
    assert "This form could not be accepted" in page
    assert "Nothing was changed" in page


def sign_in_without_the_token(w: World, client: Client) -> None:
    forbidden(client.post(reverse("accounts:login"), {"username": SAMS_EMAIL, "password": "x"}))


def reset_asked(email: str) -> Callable[[World, Client], None]:
    def act(w: World, client: Client) -> None:
        assert client.post(reverse("accounts:password-reset"), {"email": email}).status_code == 302

    return act


def choose_password(client: Client, link: str) -> None:
    form = client.get(path_of(link)).url
    response = client.post(form, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert response.status_code == 302


def reset_completed(w: World, client: Client) -> None:
    client.post(reverse("accounts:password-reset"), {"email": SAMS_EMAIL})
    choose_password(client, link_in(mail.outbox[-1]))
    assert User.objects.get(pk=w.sam.user.pk).check_password(NEW_PASSWORD)


def invitation_accepted(w: World, client: Client) -> None:
    send_invitation(w.sam.user)
    choose_password(client, invitation_link(mail.outbox[-1]))


def password_set_in_the_admin_site(w: World, client: Client) -> None:
    address = reverse("admin:auth_user_password_change", args=[w.sam.user.pk])
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    assert client.post(address, data).status_code == 302


def post(name: str, *args: str, data: dict[str, str] | None = None) -> Callable[[World, Client], None]:
    def act(w: World, client: Client) -> None:
        client.post(reverse(f"console:{name}", args=[w.offer.slug, *args]), data or {})

    return act


def deadline_moved_earlier(w: World, client: Client) -> None:
    data = {"new_expires_at": "2003-01-17T21:00", "reason": "r", "confirmed": "True"}
    response = client.post(reverse("console:offer-extend", args=[w.offer.slug]), data)
    assert response.status_code == 200


# The cases -----------------------------------------------------------------------------------------


def sam(w: World) -> User:
    return w.sam.user


def sams_record(w: World) -> Employee:
    return w.sam


def administrator(w: World) -> User:
    return w.admin


def nobody(w: World) -> None:
    return None


def root(w: World) -> User:
    return User.objects.get_or_create(
        email="root@example.com", defaults={"is_staff": True, "is_superuser": True}
    )[0]


@dataclass(frozen=True)
class Case:
    #: What the client does, signed in as `who` before the events are counted.
    act: Callable[[World, Client], Any]
    #: Every event type written, in chain order; `kind` is the one checked in detail.
    events: tuple[AuditEventType, ...]
    actor: Callable[[World], User | None]
    data: dict[str, Any]
    who: Callable[[World], User | None] = nobody
    csrf_checks: bool = False
    employee: Callable[[World], Employee | None] = nobody
    offer: bool = False
    #: The request's path, for the refusals (a password change gives its `via`).
    path: Callable[[World], str] | None = None
    method: str = "POST"
    #: Words of the reason shown to the person, which the event records.
    reason_contains: str = ""
    #: The event checked in detail, when several are written.
    checked: AuditEventType | None = None

    @property
    def kind(self) -> AuditEventType:
        return self.checked or self.events[0]


def console(
    act: Callable[[World, Client], Any], path: Callable[[World], str], action: str, reason: str
) -> Case:
    return Case(
        act=act,
        events=(AuditEventType.CONSOLE_REFUSED,),
        who=administrator,
        actor=administrator,
        offer=True,
        path=path,
        data={"action": action},
        reason_contains=reason,
    )


def at(name: str, *args: str) -> Callable[[World], str]:
    return lambda w: reverse(f"console:{name}", args=[w.offer.slug, *args])


ROLE = "Your login does not have the role this page needs."

CASES: dict[str, Case] = {
    "access refused: an employee in the console": Case(
        act=employee_in_the_console,
        events=(AuditEventType.ACCESS_REFUSED,),
        who=sam,
        actor=sam,
        employee=sams_record,
        path=lambda w: "/console/",
        method="GET",
        data={"reason": ROLE},
    ),
    "access refused: an administrator in the audit trail": Case(
        act=administrator_in_the_audit_trail,
        events=(AuditEventType.ACCESS_REFUSED,),
        who=administrator,
        actor=administrator,
        path=lambda w: "/console/audit/",
        method="GET",
        data={"reason": ROLE},
    ),
    "access refused: an administrator on an employee's page": Case(
        act=administrator_on_an_employee_page,
        events=(AuditEventType.ACCESS_REFUSED,),
        who=administrator,
        actor=administrator,
        path=lambda w: f"/offers/{w.offer.slug}/",
        method="GET",
        data={"reason": "This page is for employees; your login has no employee record."},
    ),
    "csrf failed: signed in": Case(
        act=sign_out_without_the_token,
        events=(AuditEventType.CSRF_FAILED,),
        who=sam,
        csrf_checks=True,
        actor=sam,
        employee=sams_record,
        path=lambda w: "/accounts/logout/",
        data={"reason": "CSRF cookie not set."},
    ),
    "csrf failed: nobody signed in": Case(
        act=sign_in_without_the_token,
        events=(AuditEventType.CSRF_FAILED,),
        csrf_checks=True,
        actor=nobody,
        path=lambda w: "/accounts/login/",
        data={"reason": "CSRF cookie not set."},
    ),
    "password reset requested: an account": Case(
        act=reset_asked(SAMS_EMAIL.upper()),
        events=(AuditEventType.PASSWORD_RESET_REQUESTED,),
        actor=nobody,
        employee=sams_record,
        path=lambda w: "/accounts/password-reset/",
        data={"email": SAMS_EMAIL, "within_limits": True, "emailed": True},
    ),
    "password reset requested: no such account": Case(
        act=reset_asked("nobody@example.com"),
        events=(AuditEventType.PASSWORD_RESET_REQUESTED,),
        actor=nobody,
        path=lambda w: "/accounts/password-reset/",
        data={"email": "nobody@example.com", "within_limits": True, "emailed": False},
    ),
    "password changed: a reset completed": Case(
        act=reset_completed,
        events=(AuditEventType.PASSWORD_RESET_REQUESTED, AuditEventType.PASSWORD_CHANGED),
        checked=AuditEventType.PASSWORD_CHANGED,
        actor=nobody,
        employee=sams_record,
        data={"email": SAMS_EMAIL, "how": "password reset completed (the emailed link)"},
    ),
    "password changed: an invitation accepted": Case(
        act=invitation_accepted,
        events=(AuditEventType.PASSWORD_CHANGED, AuditEventType.AUTH_SIGNED_IN),
        actor=nobody,
        employee=sams_record,
        data={"email": SAMS_EMAIL, "how": "first password chosen (the invitation link)"},
    ),
    "password changed: in the admin site": Case(
        act=password_set_in_the_admin_site,
        events=(AuditEventType.PASSWORD_CHANGED,),
        who=root,
        actor=root,
        employee=sams_record,
        data={"email": SAMS_EMAIL, "how": "set in Django's admin site"},
    ),
    "console refused: the terms once open": console(
        post("offer-edit", data={"name": "x"}), at("offer-edit"), "offer.edit", "its terms are locked"
    ),
    "console refused: an extension": console(
        deadline_moved_earlier, at("offer-extend"), "offer.extend", "its deadline can only be extended"
    ),
    "console refused: accept too early": console(
        post("close-accept", data={"reviewed": "on"}),
        at("close-accept"),
        "close.accept",
        "The offer is open until January 20, 2003 at 9:00 PM PST; tenders can be accepted only after "
        "the deadline.",
    ),
    "console refused: cancel out of order": console(
        post("close-cancel"),
        at("close-cancel"),
        "close.cancel",
        "Accept the tenders first: only accepted grants are cancelled.",
    ),
    "console refused: letters out of order": console(
        post("close-letters"),
        at("close-letters"),
        "close.letters",
        "Accept the tenders first: letters go to accepted participants.",
    ),
    "console refused: new grants too early": console(
        post("close-new-grants", data={"closing_price": "1.25"}),
        at("close-new-grants"),
        "close.new_grants",
        "Cancel the tendered grants first",
    ),
    "console refused: an export before its step": console(
        post("export-download", "cancellations", "csv"),
        at("export-download", "cancellations", "csv"),
        "export.cancellations.csv",
        "Cancellations cannot be downloaded yet.",
    ),
}


@pytest.mark.parametrize("name", CASES)
def test_each_refusal_writes_exactly_its_event(name: str, world: World) -> None:
    case = CASES[name]
    client = client_of(case.who(world), csrf_checks=case.csrf_checks)
    before = AuditEvent.objects.count()

    case.act(world, client)

    written = list(AuditEvent.objects.filter(sequence__gt=before).order_by("sequence"))
    assert [event.event_type for event in written] == list(case.events)
    [event] = [event for event in written if event.event_type == case.kind]
    assert event.actor == case.actor(world)
    assert event.employee == case.employee(world)
    assert event.offer == (world.offer if case.offer else None)
    assert event.channel == "web"
    assert event.ip_address == ADDRESS
    assert event.request_id
    if case.path is not None:
        assert (event.data["path"], event.data["method"]) == (case.path(world), case.method)
    for key, value in case.data.items():
        assert event.data[key] == value, key
    if case.kind in REFUSALS:
        assert case.reason_contains in event.data["reason"]
    assert verify_chain().intact


def test_a_typing_mistake_in_a_form_is_not_a_refusal(world: World) -> None:
    """Only what the offer's rules refuse is audited; a field left empty is the form's business."""
    client = client_of(world.admin)
    client.post(
        reverse("console:offer-extend", args=[world.offer.slug]), {"new_expires_at": "", "reason": "r"}
    )
    client.post(reverse("console:close-accept", args=[world.offer.slug]), {})
    assert not AuditEvent.objects.filter(event_type=AuditEventType.CONSOLE_REFUSED).exists()


def test_a_password_never_reaches_the_trail(world: World) -> None:
    reset_completed(world, client_of())
    invitation_accepted(world, client_of())
    assert AuditEvent.objects.filter(event_type=AuditEventType.PASSWORD_CHANGED).count() == 2
    for event in AuditEvent.objects.all():
        assert NEW_PASSWORD not in str(event.data)


def test_a_new_login_and_a_rehash_at_sign_in_are_not_password_changes(world: World, settings) -> None:
    """Only a change of an existing login's password counts: not its first, not a new hash of the same."""
    employee = EmployeeFactory(email="new.hire@example.com")
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    client_of().post(
        reverse("accounts:login"), {"username": employee.email, "password": "correct-horse-battery"}
    )
    assert User.objects.get(pk=employee.user.pk).password.startswith("pbkdf2_sha256$"), "rehashed"
    assert not AuditEvent.objects.filter(event_type=AuditEventType.PASSWORD_CHANGED).exists()


def test_a_password_set_by_a_command_says_so(world: World, monkeypatch) -> None:
    monkeypatch.setenv("ADMIN_PASSWORD", "stock-option-tender-2003")
    call_command(
        "create_administrator", world.admin.email, "--password-from-env", "ADMIN_PASSWORD", stdout=StringIO()
    )
    event = AuditEvent.objects.get(event_type=AuditEventType.PASSWORD_CHANGED)
    assert (event.actor, event.ip_address, event.channel) == (None, None, "system")
    assert event.data["how"] == "set outside the portal's pages (a command or the system)"
