"""The sign-in pages of issue 14 in a browser, with the Content Security Policy on: single sign-on
through a real provider on 127.0.0.1 (tests/accounts/oidc_provider.py), the refusal and sign-out
pages, the second factor's enrolment, recovery codes and code pages, and the console's resets. Each
is free of serious and critical WCAG 2.1 A/AA violations (axe-core)."""

from collections.abc import Iterator

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect
from pytest_django import Settings

from soxp_portal.accounts.roles import Role
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.e2e.axe import Audit
from tests.e2e.browser import PASSWORD, sign_in
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def provider(settings: Settings) -> Iterator[Provider]:
    running = Provider().start()
    settings.OIDC_ISSUER = running.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Example Corp"
    yield running
    running.stop()


def test_single_sign_on_pages(page: Page, live_server, provider: Provider) -> None:
    base = live_server.url
    employee = EmployeeFactory(email="sso.person@example.com")
    audit = Audit(page)
    page.goto(f"{base}/accounts/login/")
    audit.check("sign-in page with single sign-on")

    provider.claims = {"sub": "stranger", "email": "stranger@example.com"}
    page.get_by_role("link", name="Sign in with Example Corp").click()
    expect(page.get_by_role("heading", name="You are not signed in")).to_be_visible()
    expect(page.locator("#refusal")).to_contain_text("The portal does not know you")
    audit.check("single sign-on refused")

    provider.claims = {"sub": "known", "email": employee.email, "email_verified": True}
    page.goto(f"{base}/accounts/login/")
    page.get_by_role("link", name="Sign in with Example Corp").click()
    page.wait_for_url(f"{base}/")
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="You have signed out of the portal")).to_be_visible()
    audit.check("signed out: the provider's end-session offered")
    page.get_by_role("link", name="Sign out of Example Corp too").click()
    expect(page.locator("body")).to_contain_text("signed_out")
    audit.assert_clean(pages=3)


def test_second_factor_pages(page: Page, live_server) -> None:
    base = live_server.url
    administrator = UserFactory(email="ada@example.com")
    administrator.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    auditor = UserFactory(email="aldo@example.com")
    auditor.groups.add(Group.objects.get_or_create(name=Role.AUDITOR.value)[0])
    audit = Audit(page)

    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(administrator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.get_by_role("img", name="QR code to scan with your authenticator app")).to_be_visible()
    audit.check("second factor: enrolment")
    sign_in(page, base, auditor.email)  # enrols the auditor as a person would

    sign_in(page, base, administrator.email)
    page.goto(f"{base}/console/setup/second-factors/")
    expect(page.get_by_role("row", name="aldo@example.com")).to_contain_text("Set up")
    audit.check("console: second factors")
    page.get_by_role("row", name="aldo@example.com").get_by_role("button", name="Reset second factor").click()
    expect(page.get_by_role("alert").or_(page.get_by_role("status")).first).to_contain_text("is reset")
    expect(page.get_by_role("row", name="aldo@example.com")).to_contain_text("Not set up yet")

    page.context.clear_cookies()
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(administrator.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    page.get_by_role("textbox", name="Code").fill("000000")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("That code is not right")
    audit.check("second factor: a wrong code")
    audit.assert_clean(pages=3)
