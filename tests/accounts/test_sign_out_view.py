"""accounts:logout: POST only, back to sign-in with a message."""

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Employee
from tests.accounts.helpers import signed_in_pk

pytestmark = pytest.mark.django_db

LOGOUT = "/accounts/logout/"


def test_logout_url_name() -> None:
    assert reverse("accounts:logout") == LOGOUT


def test_sign_out_redirects_to_sign_in_with_a_message(client: Client, alice: Employee) -> None:
    client.force_login(alice.user)
    response = client.post(LOGOUT, follow=True)
    assert response.redirect_chain == [("/accounts/login/", 302)]
    assert "You have signed out" in response.content.decode()
    assert signed_in_pk(client) is None


def test_get_is_not_allowed(client: Client, alice: Employee) -> None:
    client.force_login(alice.user)
    response = client.get(LOGOUT)
    assert response.status_code == 405
    assert signed_in_pk(client) == alice.user.pk


def test_sign_out_needs_a_csrf_token(alice: Employee) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice.user)
    assert client.post(LOGOUT).status_code == 403
    assert signed_in_pk(client) == alice.user.pk
