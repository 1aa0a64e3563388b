"""django-axes locks out a username from an address after AXES_FAILURE_LIMIT failures."""

import pytest
from django.test import Client, override_settings

from soxp_portal.offers.models import Employee
from tests.accounts.helpers import PASSWORD, signed_in_pk

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def fail(client: Client, email: str, times: int):
    response = None
    for _ in range(times):
        response = client.post(LOGIN, {"username": email, "password": "wrong-password"})
    return response


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failures_up_to_the_limit_lock_the_account_out(client: Client, alice: Employee) -> None:
    assert fail(client, alice.user.email, 2).status_code == 200
    response = fail(client, alice.user.email, 1)
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in is paused" in html
    assert "Wait 1 hour" in html
    assert "contact the stock administrator" in html


@override_settings(AXES_FAILURE_LIMIT=3)
def test_even_the_right_password_is_refused_while_locked_out(client: Client, alice: Employee) -> None:
    fail(client, alice.user.email, 3)
    response = client.post(LOGIN, {"username": alice.user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Sign-in is paused" in response.content.decode()
    assert signed_in_pk(client) is None


@override_settings(AXES_FAILURE_LIMIT=3)
def test_failures_count_together_whatever_the_case_of_the_email(client: Client, alice: Employee) -> None:
    fail(client, alice.user.email.upper(), 2)
    response = fail(client, alice.user.email, 1)
    assert response.status_code == 429


@override_settings(AXES_FAILURE_LIMIT=3)
def test_lockout_is_per_account(client: Client, alice: Employee, bob: Employee) -> None:
    fail(client, alice.user.email, 3)
    response = client.post(LOGIN, {"username": bob.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_pk(client) == bob.user.pk


@override_settings(AXES_FAILURE_LIMIT=3, TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_failures_from_elsewhere_do_not_lock_the_employee_out(alice: Employee) -> None:
    """Every request reaches gunicorn from the proxy (10.0.0.1); the client is in X-Forwarded-For."""
    attacker = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="198.51.100.66")
    assert fail(attacker, alice.user.email, 3).status_code == 429
    employee = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5")
    response = employee.post(LOGIN, {"username": alice.user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in_pk(employee) == alice.user.pk


@override_settings(AXES_FAILURE_LIMIT=3, TRUSTED_PROXY_COUNT=1)
def test_behind_a_proxy_a_forged_forwarded_address_does_not_escape_the_lock_out(alice: Employee) -> None:
    """The client may send its own X-Forwarded-For; the proxy appends the address it saw, which counts."""
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        attempt = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=f"{forged}, 198.51.100.66")
        fail(attempt, alice.user.email, 1)
    again = Client(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.66")
    assert again.post(LOGIN, {"username": alice.user.email, "password": PASSWORD}).status_code == 429
