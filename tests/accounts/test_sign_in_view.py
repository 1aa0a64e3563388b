"""accounts:login: email and password, case-insensitive email, a safe ?next=, one vague error message."""

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Employee
from tests.accounts.helpers import PASSWORD, signed_in_pk
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
WRONG = "Your email or password is not right"


def sign_in(client: Client, email: str, password: str, url: str = LOGIN):
    return client.post(url, {"username": email, "password": password})


def test_login_url_name() -> None:
    assert reverse("accounts:login") == LOGIN


def test_page_has_a_labelled_email_field_and_a_reset_link(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'for="id_username"' in html
    assert "Email address" in html
    assert 'type="email"' in html
    assert reverse("accounts:password-reset") in html


def test_sign_in_redirects_home(client: Client, alice: Employee) -> None:
    response = sign_in(client, alice.user.email, PASSWORD)
    assert response.status_code == 302
    assert response.url == "/"
    assert signed_in_pk(client) == alice.user.pk


def test_email_is_case_insensitive(client: Client, alice: Employee) -> None:
    response = sign_in(client, "  " + alice.user.email.upper(), PASSWORD)
    assert response.status_code == 302
    assert signed_in_pk(client) == alice.user.pk


def test_wrong_password_is_refused_with_a_plain_message(client: Client, alice: Employee) -> None:
    response = sign_in(client, alice.user.email, "not-the-password")
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert signed_in_pk(client) is None


@pytest.mark.parametrize(
    "case",
    ["unknown email", "inactive login", "no usable password"],
)
def test_other_refusals_give_the_same_message(client: Client, case: str) -> None:
    if case == "inactive login":
        email = UserFactory(is_active=False).email
    elif case == "no usable password":
        user = UserFactory()
        user.set_unusable_password()
        user.save()
        email = user.email
    else:
        email = "nobody@example.com"
    response = sign_in(client, email, PASSWORD)
    assert response.status_code == 200
    assert WRONG in response.content.decode()
    assert signed_in_pk(client) is None


def test_next_is_honoured(client: Client, alice: Employee) -> None:
    response = sign_in(client, alice.user.email, PASSWORD, url=f"{LOGIN}?next=/test/employee/")
    assert response.url == "/test/employee/"


def test_next_in_the_form_is_honoured(client: Client, alice: Employee) -> None:
    response = client.post(
        LOGIN, {"username": alice.user.email, "password": PASSWORD, "next": "/test/employee/"}
    )
    assert response.url == "/test/employee/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"]
)
def test_external_next_is_ignored(client: Client, alice: Employee, next_url: str) -> None:
    response = client.post(f"{LOGIN}?next={next_url}", {"username": alice.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"


def test_page_keeps_next_in_a_hidden_field(client: Client) -> None:
    response = client.get(f"{LOGIN}?next=/test/employee/")
    assert 'name="next" value="/test/employee/"' in response.content.decode()


def test_signed_in_user_visiting_the_page_is_sent_home(client: Client, alice: Employee) -> None:
    client.force_login(alice.user)
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response.url == "/"
