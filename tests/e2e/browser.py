"""What the browser tests share: signing in as one of the test's people, the election form's choices."""

from playwright.sync_api import Locator, Page

#: The password every factory-made user has (tests/factories.py).
PASSWORD = "correct-horse-battery"


def sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def grant(page: Page, grant_id: str) -> Locator:
    return page.get_by_role("radiogroup", name=f"Grant {grant_id}")


def keep(page: Page, grant_id: str) -> Locator:
    return grant(page, grant_id).get_by_label("Keep")


def exchange(page: Page, grant_id: str) -> Locator:
    return grant(page, grant_id).get_by_label("Exchange all")
