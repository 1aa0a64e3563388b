"""The lookback rule on the election form (decision 2), in Chromium with JavaScript on and off.

The slide 9 employee holds G-1001 and G-1002 (above the threshold) and G-1004, the lookback grant.
With JavaScript the form shows the rule as the choices change; without it the server explains the
rule and shows the form again. Either way nothing is tendered that the employee did not choose.
"""

import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Election, Employee, Offer
from tests.e2e.browser import exchange, keep, sign_in
from tests.factories import GrantFactory

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LOOKBACK_NOTE = "#id_tender-G-1004-lookback"


@pytest.fixture(params=[True, False], ids=["javascript", "no javascript"])
def any_page(request: pytest.FixtureRequest, browser: Browser, browser_context_args: dict) -> Iterator[Page]:
    """A page with JavaScript on, then with it off: the outcome must be the same."""
    context = browser.new_context(**browser_context_args, java_script_enabled=request.param)
    yield context.new_page()
    context.close()


def open_election(page: Page, base: str, employee: Employee) -> None:
    sign_in(page, base, employee.email)
    page.get_by_role("navigation").get_by_role("link", name="Election").click()
    expect(page.get_by_role("heading", name="Election", exact=True)).to_be_visible()


def sign_and_submit(page: Page) -> None:
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    page.get_by_label("Type your full name to sign").fill("Sam Slide")
    page.get_by_role("button", name="Sign and submit my election").click()
    expect(page.get_by_role("status").first).to_contain_text("Your election is recorded")


def test_exchanging_any_grant_brings_the_lookback_grant_along_and_keeping_them_frees_it(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    open_election(page, live_server.url, slide_9_employee)
    for grant_id in ("G-1001", "G-1002", "G-1004"):
        expect(keep(page, grant_id)).to_be_enabled()
        expect(keep(page, grant_id)).not_to_be_checked()
        expect(exchange(page, grant_id)).not_to_be_checked()

    exchange(page, "G-1001").check()
    expect(exchange(page, "G-1004")).to_be_checked()
    expect(keep(page, "G-1004")).to_be_disabled()
    expect(page.locator(LOOKBACK_NOTE)).to_have_text(
        "Exchange is required for G-1004: you are exchanging G-1001, and every lookback grant must be "
        "tendered with any other grant. To keep G-1004, choose Keep for G-1001."
    )
    exchange(page, "G-1002").check()
    expect(page.locator(LOOKBACK_NOTE)).to_contain_text("you are exchanging G-1001 and G-1002")

    keep(page, "G-1001").check()
    expect(keep(page, "G-1004")).to_be_disabled()  # G-1002 still brings it along
    keep(page, "G-1002").check()
    expect(keep(page, "G-1004")).to_be_enabled()
    expect(exchange(page, "G-1004")).not_to_be_checked()  # the choice the script made is undone
    expect(keep(page, "G-1004")).not_to_be_checked()
    expect(page.locator(LOOKBACK_NOTE)).to_have_text("")


def test_the_employees_own_choice_for_the_lookback_grant_comes_back_when_it_is_freed(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    open_election(page, live_server.url, slide_9_employee)
    keep(page, "G-1004").check()
    exchange(page, "G-1002").check()
    expect(exchange(page, "G-1004")).to_be_checked()
    keep(page, "G-1002").check()
    expect(keep(page, "G-1004")).to_be_checked()

    exchange(page, "G-1004").check()
    exchange(page, "G-1001").check()
    keep(page, "G-1001").check()
    expect(exchange(page, "G-1004")).to_be_checked()
    expect(keep(page, "G-1004")).to_be_enabled()


def test_an_election_on_record_is_filled_in_and_its_lookback_grant_freed_to_no_choice(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    """On record, G-1004 came with G-1001: whether the employee would have chosen it alone is unknown."""
    submit_election(
        open_offer,
        slide_9_employee,
        {"G-1001": 800, "G-1004": 500},
        actor=slide_9_employee.user,
        signature="Sam Slide",
        expected_version=0,
        submission_token=uuid.uuid4(),
    )
    open_election(page, live_server.url, slide_9_employee)
    expect(exchange(page, "G-1001")).to_be_checked()
    expect(keep(page, "G-1002")).to_be_checked()
    expect(exchange(page, "G-1004")).to_be_checked()
    expect(keep(page, "G-1004")).to_be_disabled()
    keep(page, "G-1001").check()
    expect(keep(page, "G-1004")).to_be_enabled()
    expect(exchange(page, "G-1004")).not_to_be_checked()
    expect(keep(page, "G-1004")).not_to_be_checked()


def test_another_grant_brings_the_lookback_grant_along_and_the_review_says_why(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    open_election(page, live_server.url, slide_9_employee)
    exchange(page, "G-1001").check()
    keep(page, "G-1002").check()
    page.get_by_role("button", name="Review my election").click()

    expect(page.get_by_role("heading", name="Review your election")).to_be_visible()
    expect(page.locator("#lookback-note")).to_contain_text(
        "G-1004 is tendered because you tender other grants. It was granted in the lookback window"
    )
    sign_and_submit(page)
    election = Election.objects.get()
    assert sorted(election.tendered_grants.values_list("grant__grant_id", flat=True)) == ["G-1001", "G-1004"]


def test_without_javascript_the_server_explains_why_the_lookback_grant_cannot_be_kept(
    browser: Browser, browser_context_args: dict, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    context = browser.new_context(**browser_context_args, java_script_enabled=False)
    page = context.new_page()
    open_election(page, live_server.url, slide_9_employee)
    exchange(page, "G-1001").check()
    keep(page, "G-1002").check()
    keep(page, "G-1004").check()  # nothing stops it without the script
    page.get_by_role("button", name="Review my election").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Your election cannot be accepted as it is. Nothing was saved.")
    expect(alert).to_contain_text(
        "Grant G-1004 was granted in the lookback window (June 19, 2002 to December 19, 2002) and must be "
        "tendered too, because you are tendering grant G-1001"
    )
    expect(exchange(page, "G-1001")).to_be_checked()
    expect(keep(page, "G-1004")).to_be_checked()  # the server changes nothing the employee chose

    exchange(page, "G-1004").check()
    page.get_by_role("button", name="Review my election").click()
    expect(page.locator("#lookback-note")).to_contain_text(
        "G-1004 is tendered because you tender other grants."
    )
    context.close()
    assert not Election.objects.exists()


def test_the_lookback_grant_alone_is_reviewed_and_tendered_as_such(
    any_page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    page = any_page
    open_election(page, live_server.url, slide_9_employee)
    keep(page, "G-1001").check()
    keep(page, "G-1002").check()
    exchange(page, "G-1004").check()
    expect(keep(page, "G-1004")).to_be_enabled()
    page.get_by_role("button", name="Review my election").click()

    note = page.locator("#lookback-note")
    expect(note).to_contain_text("You are tendering only your lookback grant G-1004.")
    expect(note).to_contain_text("Every other grant is kept unchanged.")
    sign_and_submit(page)
    election = Election.objects.get()
    assert list(election.tendered_grants.values_list("grant__grant_id", flat=True)) == ["G-1004"]


def test_keeping_every_grant_says_it_means_not_taking_part(
    any_page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    page = any_page
    open_election(page, live_server.url, slide_9_employee)
    for grant_id in ("G-1001", "G-1002", "G-1004"):
        keep(page, grant_id).check()
    page.get_by_role("button", name="Review my election").click()

    status = page.locator("#keeps-all")
    expect(status).to_contain_text("You chose Keep for every grant: that means not taking part in the offer.")
    expect(status).to_contain_text("There is nothing to submit: every grant keeps its terms.")
    expect(keep(page, "G-1004")).to_be_checked()
    assert not Election.objects.exists()


def test_lookback_grants_are_exchanged_together_or_kept_together(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    """Two lookback grants: choosing for one chooses for both, and neither locks the other."""
    GrantFactory(
        grant_id="G-1005",
        employee=slide_9_employee,
        grant_date=date(2002, 9, 16),
        exercise_price=Decimal("1.05"),
        expiration_date=timezone.now().date() + timedelta(days=3650),
    )
    open_election(page, live_server.url, slide_9_employee)
    exchange(page, "G-1005").check()
    expect(exchange(page, "G-1004")).to_be_checked()
    expect(keep(page, "G-1004")).to_be_enabled()
    expect(page.locator(LOOKBACK_NOTE)).to_have_text(
        "Exchange chosen with G-1005: lookback grants are exchanged together or kept together."
    )
    keep(page, "G-1004").check()
    expect(keep(page, "G-1005")).to_be_checked()
    exchange(page, "G-1001").check()
    for grant_id in ("G-1004", "G-1005"):
        expect(exchange(page, grant_id)).to_be_checked()
        expect(keep(page, grant_id)).to_be_disabled()
    keep(page, "G-1001").check()
    for grant_id in ("G-1004", "G-1005"):
        expect(keep(page, grant_id)).to_be_checked()
        expect(keep(page, grant_id)).to_be_enabled()


def test_lookback_grants_shown_again_with_mixed_choices_are_left_alone_until_brought_along(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    """A form the server shows again (here posted before the script could act) keeps the employee's
    mixed choices; once another grant brings the lookback grants along, freeing them chooses none."""
    GrantFactory(
        grant_id="G-1005",
        employee=slide_9_employee,
        grant_date=date(2002, 9, 16),
        exercise_price=Decimal("1.05"),
        expiration_date=timezone.now().date() + timedelta(days=3650),
    )
    open_election(page, live_server.url, slide_9_employee)
    page.evaluate(
        """() => {
            const pick = (name, value) => { document.querySelector(`input[name="${name}"][value="${value}"]`).checked = true; };
            pick("tender-G-1001", "0"); pick("tender-G-1002", "0"); pick("tender-G-1004", "500"); pick("tender-G-1005", "0");
            document.querySelector("form[data-election]").submit();
        }"""
    )
    expect(page.get_by_role("alert")).to_contain_text(
        "Choose Exchange for G-1005 as well, or Keep for G-1004."
    )
    expect(exchange(page, "G-1004")).to_be_checked()
    expect(keep(page, "G-1005")).to_be_checked()

    exchange(page, "G-1001").check()
    for grant_id in ("G-1004", "G-1005"):
        expect(exchange(page, grant_id)).to_be_checked()
    keep(page, "G-1001").check()
    for grant_id in ("G-1004", "G-1005"):
        expect(exchange(page, grant_id)).not_to_be_checked()
        expect(keep(page, grant_id)).not_to_be_checked()
