"""accounts:password-reset and its done / confirm / complete pages."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Employee
from tests.accounts.helpers import NEW_PASSWORD, PASSWORD, link_in, path_of, signed_in_pk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"


def ask_for_reset(client: Client, email: str):
    return client.post(RESET, {"email": email})


def set_password(client: Client, link: str, password: str = NEW_PASSWORD):
    response = client.get(path_of(link))
    assert response.status_code == 302, "a valid link moves the token into the session"
    form_url = response.url
    assert form_url.endswith("/set-password/")
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def test_url_names() -> None:
    assert reverse("accounts:password-reset") == RESET
    assert reverse("accounts:password-reset-done") == "/accounts/password-reset/sent/"
    assert reverse("accounts:password-reset-complete") == "/accounts/password-reset/complete/"
    assert reverse("accounts:password-reset-confirm", args=["MQ", "abc-123"]) == (
        "/accounts/password-reset/MQ/abc-123/"
    )


def test_page_has_a_labelled_email_field(client: Client) -> None:
    html = client.get(RESET).content.decode()
    assert 'for="id_email"' in html
    assert "Email address" in html


@pytest.mark.usefixtures("production_hasher")
def test_reset_email_link_changes_the_password(client: Client, alice: Employee) -> None:
    response = ask_for_reset(client, alice.user.email.upper())
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-done")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.user.email]
    assert message.subject == "Reset your SOXP Portal password"
    assert "Alice" in message.body
    assert "for 3 days" in message.body

    response = set_password(client, link_in(message))
    assert response.status_code == 302
    assert response.url == reverse("accounts:password-reset-complete")
    assert "Your password is changed" in client.get(response.url).content.decode()

    alice.user.refresh_from_db()
    assert alice.user.check_password(NEW_PASSWORD)
    assert alice.user.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert not alice.user.check_password(PASSWORD)
    assert signed_in_pk(client) is None, "a reset does not sign in; the person signs in next"
    response = client.post("/accounts/login/", {"username": alice.user.email, "password": NEW_PASSWORD})
    assert response.url == "/"


def test_the_link_works_once(client: Client, alice: Employee) -> None:
    ask_for_reset(client, alice.user.email)
    link = link_in(mail.outbox[0])
    set_password(client, link)
    response = client.get(path_of(link))
    assert response.status_code == 200
    assert "This link does not work" in response.content.decode()
    assert reverse("accounts:password-reset") in response.content.decode()


def test_weak_password_is_refused_by_the_validators(client: Client, alice: Employee) -> None:
    ask_for_reset(client, alice.user.email)
    response = set_password(client, link_in(mail.outbox[0]), password="12345678")
    assert response.status_code == 200
    assert "too short" in response.content.decode()
    alice.user.refresh_from_db()
    assert alice.user.check_password(PASSWORD)


def test_unknown_email_gets_the_same_page_and_no_email(client: Client) -> None:
    response = ask_for_reset(client, "nobody@example.com")
    assert response.url == reverse("accounts:password-reset-done")
    assert mail.outbox == []


def test_inactive_login_gets_no_email(client: Client) -> None:
    user = UserFactory(is_active=False)
    ask_for_reset(client, user.email)
    assert mail.outbox == []


def test_employee_whose_invitation_was_not_used_gets_a_link(client: Client, awaiting: Employee) -> None:
    ask_for_reset(client, awaiting.user.email)
    assert len(mail.outbox) == 1
    set_password(client, link_in(mail.outbox[0]))
    awaiting.user.refresh_from_db()
    assert awaiting.user.check_password(NEW_PASSWORD)
