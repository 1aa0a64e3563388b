"""An employee signs in, elects, signs and gets a confirmation, in a real browser, with every
stylesheet and script of every page loaded as `make run` serves them."""

from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from scripts.chromium import AssetWatch
from soxp_portal.accounts.invitations import invitation_url
from soxp_portal.accounts.roles import Role
from soxp_portal.offers.models import Election, Employee, Offer
from tests.e2e.browser import sign_in
from tests.factories import EmployeeFactory, UserFactory
from tests.linked_assets import PORTAL_ASSETS

# serialized_rollback: a transactional test empties every table, the role groups that a migration
# created included; this puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_employee_elects_in_the_browser(page: Page, live_server, open_offer: Offer, slide_9_employee) -> None:
    sign_in(page, live_server.url, slide_9_employee.email)
    expect(page.get_by_role("heading", name=open_offer.name)).to_be_visible()
    # The deadline in the browser's own zone (Berlin) beside the offer's, and a live countdown.
    expect(page.locator("[data-local-time]")).to_contain_text("In your time zone")
    expect(page.locator("[data-countdown]")).to_contain_text("Time left: 19 d")

    page.get_by_role("link", name="Make an election").click()
    page.get_by_label("Exchange all 800 shares").check()
    page.get_by_label("Exchange all 1,000 shares").first.check()
    page.get_by_role("button", name="Review my election").click()
    expect(page.get_by_role("heading", name="Review your election")).to_be_visible()
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    page.get_by_label("Type your full name to sign").fill("Sam Slide")
    page.get_by_role("button", name="Sign and submit my election").click()

    expect(page.get_by_role("status").first).to_contain_text("Your election is recorded")
    election = Election.objects.get()
    expect(page.locator("main")).to_contain_text(election.confirmation_number)
    # When it was received: in the offer's zone from the server, and to the second in the browser's own.
    berlin = election.received_at.astimezone(ZoneInfo("Europe/Berlin"))
    local = page.locator("dd [data-local-time]")
    expect(local).to_be_visible()
    expect(local).to_contain_text("In your time zone (Europe/Berlin): ")
    expect(local).to_contain_text(f"{berlin.hour % 12 or 12}:{berlin.minute:02d}:{berlin.second:02d}")
    assert sorted(election.tendered_grants.values_list("new_shares", flat=True)) == [375, 600, 750]


def test_pages_work_with_javascript_off(browser, live_server, open_offer: Offer, slide_9_employee) -> None:
    context = browser.new_context(java_script_enabled=False)
    assets = AssetWatch(context)
    page = context.new_page()
    sign_in(page, live_server.url, slide_9_employee.email)
    page.get_by_role("link", name="Make an election").click()
    page.get_by_label("Exchange all 800 shares").check()
    page.get_by_role("radiogroup", name="Grant G-1002").get_by_label("Keep").check()
    page.get_by_role("radiogroup", name="Grant G-1004").get_by_label("Exchange all 500 shares").check()
    page.get_by_role("button", name="Review my election").click()
    expect(page.get_by_role("heading", name="Review your election")).to_be_visible()
    expect(page.locator("main")).to_contain_text("You keep, unchanged: G-1002")
    context.close()
    assert assets.loaded, "the pages load their stylesheets without JavaScript too"
    assert not assets.failed, f"assets that did not load: {assets.failed}"


#: The main navigation's background once bootstrap.min.css and portal.css have loaded (#0a58ca, the
#: darker blue that gives the menu its contrast; an unstyled page leaves it transparent).
MENU_BAR = "rgb(10, 88, 202)"


def looks_styled_and_scripted(page: Page) -> None:
    """bootstrap.min.css styled the page and bootstrap.bundle.min.js ran on it."""
    expect(page.get_by_role("navigation", name="Main")).to_have_css("background-color", MENU_BAR)
    assert page.evaluate("typeof window.bootstrap") == "object", page.url


def test_every_page_of_the_journey_loads_its_stylesheets_and_scripts(
    page: Page, live_server, assets: AssetWatch, open_offer: Offer, slide_9_employee: Employee
) -> None:
    base = live_server.url
    newcomer = EmployeeFactory(first_name="Nina", last_name="New")
    for path in ("/accounts/login/", "/accounts/password-reset/"):
        page.goto(f"{base}{path}")
        looks_styled_and_scripted(page)
    page.goto(invitation_url(newcomer.user, base_url=base))
    expect(page.get_by_role("heading", name="Welcome to the SOXP Portal")).to_be_visible()
    looks_styled_and_scripted(page)

    sign_in(page, base, slide_9_employee.email)
    expect(page.locator("[data-countdown]")).to_contain_text("Time left:")  # portal.js ran
    looks_styled_and_scripted(page)
    for name in ("My options", "Compare", "Election"):
        page.get_by_role("navigation", name="Main").get_by_role("link", name=name).click()
        looks_styled_and_scripted(page)
    page.get_by_label("Exchange all 800 shares").check()
    page.get_by_label("Exchange all 1,000 shares").first.check()
    page.get_by_role("button", name="Review my election").click()
    looks_styled_and_scripted(page)
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    page.get_by_label("Type your full name to sign").fill("Sam Slide")
    page.get_by_role("button", name="Sign and submit my election").click()
    expect(page.get_by_role("status").first).to_contain_text("Your election is recorded")
    looks_styled_and_scripted(page)
    for path in ("withdraw/", "elections/"):
        page.goto(f"{base}/offers/{open_offer.slug}/{path}")
        looks_styled_and_scripted(page)

    administrator = UserFactory(email="ada.admin@example.com")
    administrator.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    page.context.clear_cookies()
    sign_in(page, base, administrator.email)
    page.goto(f"{base}/console/offers/{open_offer.slug}/")
    looks_styled_and_scripted(page)
    page.get_by_role("link", name=Election.objects.get().confirmation_number).click()
    expect(page.get_by_role("heading", name="Sam Slide")).to_be_visible()
    looks_styled_and_scripted(page)

    assert set(assets.loaded) >= PORTAL_ASSETS, f"loaded: {sorted(set(assets.loaded))}"
    assert not assets.failed, f"assets that did not load: {assets.failed}"
