"""Static files: every stylesheet, script and image a page links to is served with the settings
`make run` uses (DEBUG off, no collectstatic), and a production deploy serves what collectstatic
collected.

The test client goes through the middleware (WhiteNoise) but, unlike pytest-django's live server,
has no static-files handler of its own: a 404 here is a 404 under `make run`.
"""

import os
import secrets
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Employee, Offer
from tests.factories import UserFactory
from tests.linked_assets import BASE_ASSETS, PORTAL_ASSETS, linked_assets

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_KEY = secrets.token_urlsafe(50)  # one that PRODUCTION=true accepts


def assets_of(client: Client, path: str) -> list[str]:
    response = client.get(path)
    assert response.status_code == 200, path
    return linked_assets(response.content.decode())


def assert_served(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, f"{url}: {response.status_code}"
    assert b"".join(response.streaming_content), f"{url} is empty"


@pytest.fixture
def employee_client(client: Client, soxp_2003: Offer, slide_9_employee: Employee) -> Client:
    client.force_login(slide_9_employee.user)
    return client


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/accounts/login/", BASE_ASSETS),
        ("/admin/", frozenset({"/static/admin/css/base.css"})),
    ],
)
def test_every_asset_a_page_links_to_is_served(client: Client, path: str, expected: frozenset[str]) -> None:
    """Django's admin site signs in through the portal's page (accounts.admin_site): its own pages are
    seen signed in."""
    if path == "/admin/":
        client.force_login(UserFactory(email="root@example.com", is_superuser=True, is_staff=True))
    urls = assets_of(client, path)
    assert expected <= set(urls)
    for url in urls:
        assert_served(client, url)


def test_every_asset_an_employee_page_links_to_is_served(employee_client: Client) -> None:
    urls = assets_of(employee_client, reverse("portal:offer", args=["soxp-2003"]))
    assert set(urls) >= PORTAL_ASSETS
    for url in urls:
        assert_served(employee_client, url)


def test_a_stylesheet_is_served_as_css_and_a_script_as_javascript(client: Client) -> None:
    for path, content_type in [
        ("/static/css/portal.css", "text/css"),
        ("/static/js/portal.js", "text/javascript"),
    ]:
        response = client.get(path)
        assert response["Content-Type"].startswith(content_type)
        response.close()


def test_no_warning_of_a_missing_staticfiles_directory(settings, tmp_path: Path) -> None:
    """WhiteNoise used to warn "No directory at: …/staticfiles/" when `make run` loaded the
    middleware, since only collectstatic creates STATIC_ROOT; it now finds the files where they are."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WSGIHandler()  # loads the middleware, as runserver and gunicorn do
    # Only WhiteNoise's own warnings count: a ResourceWarning from another test's unread file
    # response can be collected at any moment.
    assert [str(warning.message) for warning in caught if issubclass(warning.category, UserWarning)] == []


def static_file_settings(**environment: str) -> list[str]:
    """WhiteNoise's two settings, as settings.py works them out in a fresh process from this environment."""
    env = {key: value for key, value in os.environ.items() if key not in {"PRODUCTION", "DEBUG"}}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from soxp_portal import settings as s; print(s.WHITENOISE_USE_FINDERS, s.WHITENOISE_AUTOREFRESH)",
        ],
        cwd=ROOT,
        env={**env, **environment},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_outside_production_the_files_are_found_where_they_live() -> None:
    assert static_file_settings() == ["True", "True"]
    assert static_file_settings(DEBUG="true") == ["True", "True"]


def test_production_serves_only_what_collectstatic_collected() -> None:
    assert static_file_settings(PRODUCTION="true", SECRET_KEY=PRODUCTION_KEY) == ["False", "False"]


def test_production_serves_the_collected_files(settings, client: Client, tmp_path: Path) -> None:
    """The deploy in the README: collectstatic, then WhiteNoise serves STATIC_ROOT and nothing else."""
    settings.STATIC_ROOT = tmp_path / "staticfiles"
    settings.WHITENOISE_USE_FINDERS = settings.WHITENOISE_AUTOREFRESH = False
    with pytest.warns(UserWarning, match="No directory at"):
        assert client.get("/static/css/portal.css").status_code == 404  # not collected yet
    call_command(
        "collectstatic", interactive=False, verbosity=0, ignore_patterns=["admin"]
    )  # ours only: faster
    client = Client()  # a new handler loads the middleware, which reads STATIC_ROOT once
    for url in assets_of(client, "/accounts/login/"):
        assert_served(client, url)
    assert (
        client.get("/static/css/portal.css", headers={"accept-encoding": "gzip"})["Content-Encoding"]
        == "gzip"
    )
