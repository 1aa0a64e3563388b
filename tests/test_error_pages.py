"""The 403, 404 and 500 pages, as a visitor gets them with DEBUG off: the portal's layout and a way back."""

import pytest
from django.template.loader import get_template
from django.test import Client

from tests.factories import EmployeeFactory

HOME_LINK = 'href="/">Go to the home page</a>'


@pytest.fixture(autouse=True)
def _debug_off(settings) -> None:
    settings.DEBUG = False
    settings.ROOT_URLCONF = "tests.error_urls"


def layout(page: str) -> None:
    """The portal's own page: its stylesheet, the brand in the bar, the footer."""
    assert "/static/vendor/bootstrap/bootstrap.min.css" in page
    assert 'class="navbar-brand fw-semibold" href="/">SOXP Portal</a>' in page
    assert "<footer" in page


@pytest.mark.django_db
def test_404_has_the_layout_and_a_way_home_and_to_sign_in(client: Client) -> None:
    response = client.get("/no/such/page/")
    page = response.content.decode()
    assert response.status_code == 404
    layout(page)
    assert "Page not found" in page
    assert HOME_LINK in page
    assert 'href="/accounts/login/">Sign in</a>' in page


@pytest.mark.django_db
def test_404_for_someone_signed_in_offers_home_and_sign_out(client: Client) -> None:
    client.force_login(EmployeeFactory().user)
    page = client.get("/offers/no-such-offer/").content.decode()
    assert "Page not found" in page
    assert HOME_LINK in page
    assert ">Sign in</a>" not in page
    assert "Sign out" in page


@pytest.mark.django_db
def test_403_says_why_and_offers_a_way_home(client: Client) -> None:
    client.force_login(EmployeeFactory().user)
    response = client.get("/console/")
    page = response.content.decode()
    assert response.status_code == 403
    layout(page)
    assert "You cannot open this page" in page
    assert "Your login does not have the role this page needs." in page
    assert HOME_LINK in page


@pytest.mark.django_db
def test_500_has_the_layout_and_a_way_home(client: Client) -> None:
    client.raise_request_exception = False
    response = client.get("/test/broken/")
    page = response.content.decode()
    assert response.status_code == 500
    layout(page)
    assert "Something went wrong" in page
    assert HOME_LINK in page
    assert "RuntimeError" not in page


@pytest.mark.django_db
def test_a_session_that_could_not_be_saved_gets_the_error_page_as_503(client: Client) -> None:
    """The database cut the connection between the view and the session's save: the view may have
    recorded an election, so the page says to check it, never a bare "Bad Request"."""
    response = client.get("/test/session-lost/")
    page = response.content.decode()
    assert response.status_code == 503
    layout(page)
    assert "may or may not have been recorded" in page


@pytest.mark.django_db
def test_other_bad_requests_stay_400(client: Client) -> None:
    assert client.get("/test/suspicious/").status_code == 400


def test_500_renders_without_a_request_or_the_database() -> None:
    # No django_db mark: any query would fail the test. Django's server_error renders it just so.
    page = get_template("500.html").render()
    layout(page)
    assert "Something went wrong" in page


def test_500_renders_even_when_the_urls_cannot_be_loaded(settings) -> None:
    # The error may be in the URLconf itself: the page resolves no URL, so it still renders.
    settings.ROOT_URLCONF = "tests.no_such_urls_module"
    page = get_template("500.html").render()
    assert HOME_LINK in page
