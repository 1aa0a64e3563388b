"""Browser tests: Debian's Chromium driven by Playwright against the portal served as `make run` serves it."""

import os
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import get_internal_wsgi_application
from django.db import connection
from django.utils import timezone
from playwright.sync_api import BrowserContext
from pytest_django.live_server_helper import LiveServer

from scripts.chromium import ARGS, CHROMIUM, AssetWatch
from soxp_portal.offers.models import Employee, Grant, Offer
from tests.e2e.scenes import Console, build_console
from tests.factories import OfferFactory

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls in the same
# test are safe here (STACK.md, pitfalls).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is not installed: `make test` installs Debian's chromium package.")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": ARGS}


@pytest.fixture
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "timezone_id": "Europe/Berlin", "locale": "en-US"}


def the_portal_as_make_run_serves_it(_live_server_handler: WSGIHandler) -> WSGIHandler:
    """The WSGI application `manage.py runserver` serves (settings.WSGI_APPLICATION), with nothing
    around it: WhiteNoise's ``runserver_nostatic`` keeps runserver's static handler out, so under
    `make run` only the settings decide whether a stylesheet is served."""
    return get_internal_wsgi_application()


@pytest.fixture(scope="session")
def live_server() -> Iterator[LiveServer]:
    """pytest-django's live server, less its own static-files handler.

    That handler serves static/ through Django's finders whatever the settings say, which once hid
    that `make run` answered 404 for every stylesheet and script. Here the live server serves the
    application `make run` serves, with the same settings (DEBUG off, as pytest-django sets it).

    One server for the session (each xdist worker), as pytest-django's own: stopping it after each
    test ended SQLite's sharing of the in-memory test database with the server's request threads
    while Chromium still held kept-alive connections to them, and closing those raised in the thread.
    """
    server = LiveServer(os.getenv("DJANGO_LIVE_TEST_SERVER_ADDRESS") or "localhost", start=False)
    server.thread.static_handler = the_portal_as_make_run_serves_it
    server.start()
    yield server
    server.stop()


@pytest.fixture
def assets(context: BrowserContext) -> AssetWatch:
    """The static assets the test's pages (the ``page`` fixture's context) loaded and failed to load."""
    return AssetWatch(context)


@pytest.fixture(autouse=True)
def _every_asset_loads(request: pytest.FixtureRequest) -> Iterator[None]:
    """A browser test that uses ``page`` fails when any stylesheet, script, image or font of its
    pages did not load, whatever else it checks."""
    if "page" not in request.fixturenames:
        yield
        return
    watch: AssetWatch = request.getfixturevalue("assets")
    yield
    assert not watch.failed, f"assets that did not load: {watch.failed}"


@pytest.fixture(autouse=True, scope="session")
def _test_database_can_be_dropped(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """On PostgreSQL, ends this process's own stray sessions on the test database before it is dropped.

    Playwright's sync API runs the browser tests in greenlets, and Django keeps a connection per
    context: a test that runs after these on the same worker (xdist) opens a connection that the
    session's teardown cannot see or close, and PostgreSQL refuses to drop a database in use.
    """
    yield
    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def open_offer(soxp_2003: Offer, slide_9_employee: Employee) -> Offer:
    """The 2003 terms, open now (the live server runs on the real clock), with the slide 9 grants
    still outstanding on its cancellation date."""
    now = timezone.now()
    Grant.objects.update(expiration_date=now.date() + timedelta(days=3650))
    return OfferFactory(
        slug="live",
        opens_at=now - timedelta(days=10),
        expires_at=now + timedelta(days=20),
        hire_cutoff_date=now.date() - timedelta(days=10),
    )


@pytest.fixture
def console(open_offer: Offer, soxp_2003: Offer, slide_9_employee: Employee) -> Console:
    """What the console shows: the open offer with an election, an offer still to open, a closed one."""
    return build_console(open_offer, soxp_2003, slide_9_employee)
