"""accounts:invitation: the link sets the password, signs in, and then no longer works."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from soxp_portal.accounts.invitations import send_invitation
from soxp_portal.offers.models import Employee
from tests.accounts.helpers import NEW_PASSWORD, invitation_link, path_of, signed_in_pk

pytestmark = pytest.mark.django_db

DEAD = "This invitation link does not work"


def invite(employee: Employee) -> str:
    send_invitation(employee.user)
    return path_of(invitation_link(mail.outbox[-1]))


def accept(client: Client, path: str, password: str = NEW_PASSWORD):
    response = client.get(path)
    assert response.status_code == 302
    return client.post(response.url, {"new_password1": password, "new_password2": password})


def test_url_name() -> None:
    assert reverse("accounts:invitation", args=["MQ", "abc-123"]) == "/accounts/invitation/MQ/abc-123/"


def test_link_shows_the_password_form(client: Client, awaiting: Employee) -> None:
    response = client.get(invite(awaiting), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "Welcome to the SOXP Portal" in html
    assert awaiting.user.email in html
    assert 'for="id_new_password1"' in html
    assert 'for="id_new_password2"' in html


@pytest.mark.usefixtures("production_hasher")
def test_link_sets_the_password_and_signs_in(client: Client, awaiting: Employee) -> None:
    response = accept(client, invite(awaiting))
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_pk(client) == awaiting.user.pk
    assert client.session[BACKEND_SESSION_KEY] == "soxp_portal.accounts.backends.ModelBackend"
    awaiting.user.refresh_from_db()
    assert awaiting.user.check_password(NEW_PASSWORD)
    assert awaiting.user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert awaiting.user.last_login is not None

    page = client.get("/accounts/password-reset/")  # the stand-in home page shows no messages; this does
    assert "Welcome to the SOXP Portal, Wendy" in page.content.decode()


def test_link_is_dead_once_used(awaiting: Employee) -> None:
    path = invite(awaiting)
    accept(Client(), path)
    response = Client().get(path)
    assert response.status_code == 200
    html = response.content.decode()
    assert DEAD in html
    assert reverse("accounts:password-reset") in html


def test_weak_password_is_refused_by_the_validators(client: Client, awaiting: Employee) -> None:
    response = accept(client, invite(awaiting), password="wendy.waiting")
    assert response.status_code == 200
    assert "too similar" in response.content.decode()
    assert signed_in_pk(client) is None
    awaiting.user.refresh_from_db()
    assert not awaiting.user.has_usable_password()


def test_mismatched_passwords_are_refused(client: Client, awaiting: Employee) -> None:
    response = client.get(invite(awaiting))
    response = client.post(response.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD + "x"})
    assert response.status_code == 200
    assert signed_in_pk(client) is None


def test_reset_token_is_not_an_invitation(client: Client, awaiting: Employee) -> None:
    uid = urlsafe_base64_encode(force_bytes(awaiting.user.pk))
    token = default_token_generator.make_token(awaiting.user)
    response = client.get(reverse("accounts:invitation", args=[uid, token]))
    assert response.status_code == 200
    assert DEAD in response.content.decode()


def test_invitation_token_is_not_a_reset_token(client: Client, awaiting: Employee) -> None:
    path = invite(awaiting)
    response = client.get(path.replace("/accounts/invitation/", "/accounts/password-reset/"))
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()


def test_expired_invitation_is_refused(client: Client, awaiting: Employee) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        path = invite(awaiting)
        traveller.shift(timedelta(days=15))
        response = client.get(path)
    assert response.status_code == 200
    assert DEAD in response.content.decode()


def test_inactive_login_cannot_use_its_invitation(client: Client, awaiting: Employee) -> None:
    path = invite(awaiting)
    awaiting.user.is_active = False
    awaiting.user.save()
    response = client.get(path)
    assert DEAD in response.content.decode()


def test_unknown_user_in_the_link_is_refused(client: Client) -> None:
    response = client.get(reverse("accounts:invitation", args=["OTk5OTk", "abc-123"]))
    assert response.status_code == 200
    assert DEAD in response.content.decode()
