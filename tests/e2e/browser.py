"""What the browser tests share: signing in as one of the test's people."""

from playwright.sync_api import Page

#: The password every factory-made user has (tests/factories.py).
PASSWORD = "correct-horse-battery"


def sign_in(page: Page, base: str, email: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
