"""What the browser tests share: signing in as one of the test's people, the election form's choices."""

import base64
import time

from django_otp.oath import totp
from playwright.sync_api import Locator, Page

#: The password every factory-made user has (tests/factories.py).
PASSWORD = "correct-horse-battery"
#: Each staff login's authenticator key, read from the enrolment page, and the last time step used
#: (a code works once: the next sign-in uses the next step, which the portal accepts too).
_SECRETS: dict[str, str] = {}
_LAST_STEP: dict[str, int] = {}


def _code(email: str) -> str:
    step = max(int(time.time() // 30), _LAST_STEP.get(email, 0) + 1)
    _LAST_STEP[email] = step
    key = base64.b32decode(_SECRETS[email])
    return f"{totp(key, t0=0, step=30, digits=6, drift=step - int(time.time() // 30)):06d}"


def sign_in(page: Page, base: str, email: str) -> None:
    """By password; a stock administrator or auditor then sets up an app (first sign-in of the test's
    database) or types its code, as a person would (accounts/two_factor.py)."""
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/two-factor/enrol/" in page.url:
        _SECRETS[email] = "".join(page.locator("#totp-secret").inner_text().split())
        _LAST_STEP.pop(email, None)
        page.get_by_role("textbox", name="Code").fill(_code(email))
        page.get_by_role("button", name="Confirm and sign in").click()
        page.wait_for_url(lambda url: "/accounts/two-factor/recovery-codes/" in url)
        page.get_by_role("link", name="I have kept them: continue").click()
    elif "/accounts/two-factor/" in page.url:
        page.get_by_role("textbox", name="Code").fill(_code(email))
        page.get_by_role("button", name="Continue").click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def grant(page: Page, grant_id: str) -> Locator:
    return page.get_by_role("radiogroup", name=f"Grant {grant_id}")


def keep(page: Page, grant_id: str) -> Locator:
    return grant(page, grant_id).get_by_label("Keep")


def exchange(page: Page, grant_id: str) -> Locator:
    return grant(page, grant_id).get_by_label("Exchange all")
