"""Django's admin site is behind the portal's sign-in, so it is no way around the second factor."""

import pytest
from django.test import Client
from pytest_django import Settings

from soxp_portal.accounts.two_factor import SIGN_IN_METHOD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def whole_site(settings: Settings) -> None:
    settings.ROOT_URLCONF = "soxp_portal.urls"


def test_the_admin_login_page_sends_people_to_the_portals_sign_in(client: Client) -> None:
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=/admin/"
    assert client.post("/admin/login/", {"username": "root@example.com", "password": "x"}).status_code == 302


def test_a_superuser_signed_in_by_password_alone_meets_the_second_factor(client: Client) -> None:
    root = UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
    client.force_login(root)
    session = client.session
    session[SIGN_IN_METHOD] = "password"
    session.save()
    response = client.get("/admin/", follow=True)
    assert ("/accounts/two-factor/?next=/admin/", 302) in response.redirect_chain


def test_a_session_that_recorded_no_sign_in_method_meets_the_second_factor(client: Client) -> None:
    """Made by no sign-in page (a session of an older release, or one made by hand): it fails closed."""
    root = UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
    client.force_login(root)
    session = client.session
    del session[SIGN_IN_METHOD]
    session.save()
    response = client.get("/admin/", follow=True)
    assert ("/accounts/two-factor/?next=/admin/", 302) in response.redirect_chain


def test_a_superuser_past_the_second_factor_sees_the_admin_site(client: Client) -> None:
    root = UserFactory(email="root@example.com", is_superuser=True, is_staff=True)
    client.force_login(root)
    session = client.session
    session[SIGN_IN_METHOD] = "second_factor"
    session.save()
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_login_without_staff_status_gets_403_not_a_loop(client: Client) -> None:
    client.force_login(UserFactory(email="someone@example.com"))
    assert client.get("/admin/", follow=True).status_code == 403
