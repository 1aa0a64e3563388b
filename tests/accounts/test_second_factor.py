"""The second factor of staff logins signing in by password: enrolment, codes, recovery codes, lock-out."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.test import Client, override_settings
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.accounts.two_factor import SIGN_IN_METHOD
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Employee
from tests.accounts.helpers import PASSWORD, signed_in_pk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
SECOND_FACTOR = "/accounts/two-factor/"
ENROL = "/accounts/two-factor/enrol/"
RECOVERY_CODES = "/accounts/two-factor/recovery-codes/"


@pytest.fixture
def clock() -> Iterator[time_machine.Traveller]:
    with time_machine.travel(datetime(2003, 1, 6, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


@pytest.fixture
def administrator(db: None) -> User:
    user = UserFactory(email="admin@example.com")
    user.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    return user


def code_of(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def password_step(client: Client, email: str, next_url: str = "") -> str:
    response = client.post(
        LOGIN + (f"?next={next_url}" if next_url else ""), {"username": email, "password": PASSWORD}
    )
    assert response.status_code == 302, response.content
    return response["Location"]


def enrol(client: Client, user: User) -> list[str]:
    """The whole first sign-in: password, QR code, a code from the app; returns the recovery codes."""
    assert password_step(client, user.email) == SECOND_FACTOR
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post(ENROL, {"code": code_of(device)})["Location"] == RECOVERY_CODES
    return re.findall(r'<li class="col">([a-z0-9]+)</li>', client.get(RECOVERY_CODES).content.decode())


def events(event_type: AuditEventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=event_type).order_by("sequence"))


def test_the_first_sign_in_of_an_administrator_enrols_an_app(
    client: Client, administrator: User, clock: time_machine.Traveller
) -> None:
    assert password_step(client, administrator.email, "/test/administrator/") == SECOND_FACTOR
    assert signed_in_pk(client) is None  # not yet: the password alone signs no administrator in
    assert client.get(SECOND_FACTOR)["Location"] == ENROL

    page = client.get(ENROL).content.decode()
    device = TOTPDevice.objects.get(user=administrator, confirmed=False)
    assert "<svg" in page
    assert re.sub(r"\s", "", re.search(r'id="totp-secret">([^<]+)<', page)[1]).isalnum()
    assert client.get(ENROL).status_code == 200
    assert TOTPDevice.objects.filter(user=administrator).count() == 1  # the same device across reloads

    wrong = client.post(ENROL, {"code": "000000" if code_of(device) != "000000" else "111111"})
    assert wrong.status_code == 200
    assert "That code is not right" in wrong.content.decode()
    assert signed_in_pk(client) is None
    assert events(AuditEventType.AUTH_SIGN_IN_FAILED)[-1].data == {
        "email": administrator.email,
        "step": "second factor",
    }

    clock.shift(2)  # django-otp slows the device for a second after a wrong code
    response = client.post(ENROL, {"code": code_of(device)})
    assert response["Location"] == RECOVERY_CODES
    assert signed_in_pk(client) == administrator.pk
    assert client.session[SIGN_IN_METHOD] == "second_factor"
    assert events(AuditEventType.SECOND_FACTOR_ENROLLED)[-1].subject_id == str(administrator.pk)
    assert events(AuditEventType.AUTH_SIGNED_IN)[-1].data == {"method": "second_factor"}

    page = client.get(RECOVERY_CODES).content.decode()
    codes = re.findall(r'<li class="col">([a-z0-9]+)</li>', page)
    assert sorted(codes) == sorted(
        StaticToken.objects.filter(device__user=administrator).values_list("token", flat=True)
    )
    assert len(codes) == 10
    assert 'href="/test/administrator/"' in page
    again = client.get(RECOVERY_CODES).content.decode()
    assert "are not shown again" in again
    assert not any(code in again for code in codes)
    assert client.get("/test/administrator/").content == b"administrator page"


def test_the_next_sign_in_asks_for_a_code_from_the_app(
    client: Client, administrator: User, clock: time_machine.Traveller
) -> None:
    enrol(client, administrator)
    client.post("/accounts/logout/")
    clock.shift(60)
    device = TOTPDevice.objects.get(user=administrator, confirmed=True)

    assert password_step(client, administrator.email, "/test/console/") == SECOND_FACTOR
    page = client.get(SECOND_FACTOR).content.decode()
    assert "Enter your code" in page
    assert "admin@example.com" in page
    response = client.post(SECOND_FACTOR, {"code": code_of(device)})
    assert response["Location"] == "/test/console/"
    assert signed_in_pk(client) == administrator.pk

    # The same code cannot sign in twice (django-otp remembers the last time step used).
    other = Client()
    password_step(other, administrator.email)
    assert other.post(SECOND_FACTOR, {"code": code_of(device)}).status_code == 200
    assert signed_in_pk(other) is None


def test_a_recovery_code_signs_in_once(
    client: Client, administrator: User, clock: time_machine.Traveller
) -> None:
    codes = enrol(client, administrator)
    client.post("/accounts/logout/")

    password_step(client, administrator.email)
    response = client.post(SECOND_FACTOR, {"code": codes[0].upper()})
    assert response.status_code == 302
    assert signed_in_pk(client) == administrator.pk
    event = events(AuditEventType.SECOND_FACTOR_RECOVERY_CODE_USED)[-1]
    assert event.data == {"email": administrator.email, "recovery_codes_left": 9}
    client.post("/accounts/logout/")

    clock.shift(5)
    password_step(client, administrator.email)
    response = client.post(SECOND_FACTOR, {"code": codes[0]})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert signed_in_pk(client) is None


@override_settings(AXES_FAILURE_LIMIT=3)
def test_wrong_codes_count_towards_the_lock_out(
    client: Client, administrator: User, clock: time_machine.Traveller
) -> None:
    enrol(client, administrator)
    client.post("/accounts/logout/")
    clock.shift(60)
    device = TOTPDevice.objects.get(user=administrator, confirmed=True)
    wrong = "123456" if code_of(device) != "123456" else "654321"

    password_step(client, administrator.email)
    assert client.post(SECOND_FACTOR, {"code": wrong}).status_code == 200
    clock.shift(5)
    assert client.post(SECOND_FACTOR, {"code": wrong}).status_code == 200
    clock.shift(5)
    response = client.post(SECOND_FACTOR, {"code": wrong})
    assert response.status_code == 429
    assert "Sign-in is paused" in response.content.decode()
    clock.shift(60)
    assert client.post(SECOND_FACTOR, {"code": code_of(device)}).status_code == 429
    assert signed_in_pk(client) is None
    assert len(events(AuditEventType.AUTH_SIGN_IN_FAILED)) >= 3
    assert events(AuditEventType.AUTH_LOCKED_OUT)[-1].data["email"] == administrator.email
    # The password form is locked too: the same count.
    assert client.post(LOGIN, {"username": administrator.email, "password": PASSWORD}).status_code == 429


def test_the_second_step_waits_five_minutes_at_most(
    client: Client, administrator: User, clock: time_machine.Traveller
) -> None:
    enrol(client, administrator)
    client.post("/accounts/logout/")
    password_step(client, administrator.email)
    clock.shift(301)
    response = client.post(SECOND_FACTOR, {"code": "123456"})
    assert response["Location"] == LOGIN
    assert signed_in_pk(client) is None


def test_the_second_step_needs_the_password_first(client: Client) -> None:
    assert client.get(SECOND_FACTOR)["Location"] == LOGIN
    assert client.get(ENROL)["Location"] == LOGIN


def test_employees_sign_in_with_the_password_alone(client: Client, alice: Employee) -> None:
    assert password_step(client, alice.user.email) == "/"
    assert signed_in_pk(client) == alice.user.pk
    assert client.session[SIGN_IN_METHOD] == "password"
    assert not TOTPDevice.objects.exists()


@pytest.mark.parametrize("flags", [{"is_superuser": True, "is_staff": True}, {"is_staff": True}])
def test_superusers_and_staff_need_the_second_factor_too(client: Client, flags: dict[str, bool]) -> None:
    user = UserFactory(email="root@example.com", **flags)
    assert password_step(client, user.email) == SECOND_FACTOR
    assert signed_in_pk(client) is None


def test_a_session_signed_in_by_password_meets_the_second_factor_at_a_staff_page(
    client: Client, alice: Employee, clock: time_machine.Traveller
) -> None:
    """Promoted while signed in (or signed in by an invitation link): the staff page asks first."""
    password_step(client, alice.user.email)
    alice.user.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    response = client.get("/test/administrator/")
    assert response["Location"] == "/accounts/two-factor/?next=/test/administrator/"
    enrol_page = client.get(response["Location"])["Location"]
    assert enrol_page == ENROL + "?next=/test/administrator/"
    client.get(enrol_page)
    device = TOTPDevice.objects.get(user=alice.user)
    assert client.post(enrol_page, {"code": code_of(device)})["Location"] == RECOVERY_CODES
    assert signed_in_pk(client) == alice.user.pk
    assert 'href="/test/administrator/"' in client.get(RECOVERY_CODES).content.decode()
    assert client.get("/test/administrator/").content == b"administrator page"
