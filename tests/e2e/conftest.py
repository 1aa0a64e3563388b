"""Browser tests: Debian's Chromium driven by Playwright against Django's live server."""

import os

import pytest

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
