"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

import os
from collections.abc import Iterator

import pytest
from django.db import connection

from scripts.chromium import ARGS, CHROMIUM

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
