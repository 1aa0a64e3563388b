"""An employee signs in, elects, signs and gets a confirmation, in a real browser."""

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from soxp_portal.offers.models import Election, Grant, Offer
from tests.factories import OfferFactory

# serialized_rollback: a transactional test empties every table, the role groups that a migration
# created included; this puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture
def open_offer(soxp_2003: Offer, slide_9_employee) -> Offer:
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


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill("correct-horse-battery")
    page.locator("main").get_by_role("button", name="Sign in").click()


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
    page = context.new_page()
    sign_in(page, live_server.url, slide_9_employee.email)
    page.get_by_role("link", name="Make an election").click()
    page.get_by_label("Exchange all 800 shares").check()
    page.get_by_role("radiogroup", name="Grant G-1002").get_by_label("Keep").check()  # G-1004 is locked
    page.get_by_role("button", name="Review my election").click()
    expect(page.get_by_role("heading", name="Review your election")).to_be_visible()
    expect(page.locator("main")).to_contain_text("You keep, unchanged: G-1002")
    context.close()
