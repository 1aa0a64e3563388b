"""The whole journey in Chromium, against the portal as `make run` serves it (DEBUG off, the same WSGI
application and static files): an employee signs in, reads their options, compares, tries the lookback
cases on the election form, elects, reads the PDF, changes the election, withdraws and reads the history;
then the stock administrator and the auditor look at what the employee did.

The slide 9 employee holds G-1001 and G-1002 (eligible), G-1003 (priced below the threshold) and G-1004
(granted in the lookback window, tendered whenever another grant is).
"""

from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Locator, Page, expect

from soxp_portal.accounts.roles import Role
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Election, Employee, Offer
from soxp_portal.rules.wording import format_instant
from tests.documents.pdf_text import pdf_text
from tests.e2e.browser import exchange, keep, sign_in
from tests.e2e.scenes import member_of

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def menu(page: Page, name: str) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name=name, exact=True).click()


def review(page: Page) -> None:
    page.get_by_role("button", name="Review my election").click()
    expect(page.get_by_role("heading", name="Review your election")).to_be_visible()


def sign_and_submit(page: Page, signature: str) -> str:
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    page.get_by_label("Type your full name to sign").fill(signature)
    page.get_by_role("button", name="Sign and submit my election").click()
    expect(page.get_by_role("status").first).to_contain_text("Your election is recorded")
    return Election.objects.order_by("-version").values_list("confirmation_number", flat=True).first()


def pdf_of(place: Page | Locator, button_name: str) -> str:
    """The text of the PDF that clicking a download's button (a POST: every download is audited) gives."""
    page = place if isinstance(place, Page) else place.page
    with page.expect_download() as download:
        place.get_by_role("button", name=button_name).first.click()
    assert download.value.suggested_filename.endswith(".pdf")
    return pdf_text(Path(download.value.path()).read_bytes())


def second(instant, zone: str) -> str:
    return format_instant(instant, ZoneInfo(zone), seconds=True)


def test_employee_elects_changes_and_withdraws_and_the_administrator_and_auditor_see_it(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    base = live_server.url
    sam = slide_9_employee

    # Sign in: the overview, with no election yet.
    sign_in(page, base, sam.email)
    expect(page.get_by_role("heading", name=open_offer.name)).to_be_visible()
    expect(page.locator("main")).to_contain_text("You have not made an election")

    # My options: every grant, and why each is or is not eligible.
    menu(page, "My options")
    main = page.locator("main")
    for grant_id in ("G-1001", "G-1002", "G-1003", "G-1004"):
        expect(main).to_contain_text(grant_id)
    expect(main).to_contain_text("lookback")

    # Compare: keeping against exchanging, with the employee's own figures.
    menu(page, "Compare")
    page.get_by_label("Assumed new exercise price ($)").fill("1.50")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", name="All your eligible grants together")).to_be_visible()
    expect(page.get_by_role("heading", name="Each grant on its own")).to_be_visible()

    # The election form: nothing chosen, and the lookback grant free until another grant is exchanged.
    menu(page, "Election")
    for grant_id in ("G-1001", "G-1002", "G-1004"):
        expect(keep(page, grant_id)).to_be_enabled()
        expect(exchange(page, grant_id)).not_to_be_checked()
    exchange(page, "G-1001").check()
    expect(exchange(page, "G-1004")).to_be_checked()
    expect(keep(page, "G-1004")).to_be_disabled()
    keep(page, "G-1001").check()
    expect(keep(page, "G-1004")).to_be_enabled()

    # Keep every grant: the review says that is not taking part, and nothing is submitted.
    for grant_id in ("G-1002", "G-1004"):
        keep(page, grant_id).check()
    page.get_by_role("button", name="Review my election").click()
    expect(page.locator("#keeps-all")).to_contain_text("that means not taking part in the offer")
    assert not Election.objects.exists()

    # The lookback grant alone: said plainly on the review.
    exchange(page, "G-1004").check()
    review(page)
    expect(page.locator("#lookback-note")).to_contain_text(
        "You are tendering only your lookback grant G-1004."
    )

    # Back to the form as chosen: G-1001 brings G-1004 along, G-1002 is kept; the review says why.
    page.get_by_role("button", name="Change my choices").click()
    expect(exchange(page, "G-1004")).to_be_checked()
    expect(keep(page, "G-1001")).to_be_checked()
    exchange(page, "G-1001").check()
    expect(keep(page, "G-1004")).to_be_disabled()
    keep(page, "G-1002").check()
    review(page)
    expect(page.locator("#lookback-note")).to_contain_text(
        "G-1004 is tendered because you tender other grants."
    )
    expect(page.locator("main")).to_contain_text("You keep, unchanged: G-1002")
    first = sign_and_submit(page, "Sam Slide")

    # The confirmation and its election form PDF.
    expect(page.locator("main")).to_contain_text(first)
    text = pdf_of(page, "Download the election form (PDF)")
    election = Election.objects.get(confirmation_number=first)
    for words in (
        f"Confirmation {first}",
        "Employee Sam Slide Employee ID E1001",
        "G-1001 2000 Stock Option Plan ISO May 20, 2000 $6.00 800 600",
        "G-1004 LOOKBACK 2000 Stock Option Plan ISO July 1, 2002 $0.40 500 375",
        "Total 1,300 975",
        f"Received {second(election.received_at, open_offer.time_zone)}",
    ):
        assert words in text, words
    assert "G-1002" not in text, "the grant kept is not on the form"
    # The page stays where it is and the form can be downloaded again: each copy is audited.
    assert first in pdf_of(page, "Download the election form (PDF)")
    downloads = AuditEvent.objects.filter(
        event_type=AuditEventType.DOCUMENT_DOWNLOADED, subject_id=str(election.pk)
    )
    assert downloads.count() == 2

    # Modify: exchange G-1002 as well.
    page.get_by_role("link", name="Change my election").click()
    expect(exchange(page, "G-1001")).to_be_checked()
    exchange(page, "G-1002").check()
    review(page)
    second_version = sign_and_submit(page, "Sam Slide")
    assert second_version != first
    assert sorted(
        Election.objects.get(confirmation_number=second_version).tendered_grants.values_list(
            "grant__grant_id", flat=True
        )
    ) == ["G-1001", "G-1002", "G-1004"]

    # Withdraw: the confirmation says what is in force, and the withdrawal form is a PDF too.
    page.get_by_role("link", name="Withdraw").first.click()
    expect(page.get_by_role("heading", name="Withdraw your election")).to_be_visible()
    page.get_by_label("I withdraw my election").check()
    page.get_by_label("Type your full name to sign").fill("Sam Slide")
    page.get_by_role("button", name="Sign and withdraw").click()
    expect(page.locator("#withdrawal-in-force")).to_contain_text("you are not participating in the offer")
    withdrawal = Election.objects.order_by("-version").first()
    assert not withdrawal.is_participating
    assert withdrawal.confirmation_number in pdf_of(page, "Download the withdrawal form (PDF)")

    # History: three versions, newest first and in force, each received to the second in the offer's zone.
    menu(page, "History")
    rows = page.locator("main tbody tr")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("in force")
    expect(rows.nth(0)).to_contain_text("Withdrawal")
    expect(rows.nth(1)).to_contain_text("Exchange 3 grants")
    expect(rows.nth(2)).to_contain_text("Exchange 2 grants")
    for row, election in zip(rows.all(), Election.objects.order_by("-version"), strict=True):
        expect(row).to_contain_text(election.confirmation_number)
        expect(row).to_contain_text(second(election.received_at, open_offer.time_zone))

    # The stock administrator: the dashboard counts the withdrawal, the employee page lists every version.
    administrator = member_of(Role.STOCK_ADMINISTRATOR, "ada.admin@example.com")
    sign_in(page, base, administrator.email)
    page.goto(f"{base}/console/offers/{open_offer.slug}/")
    expect(page.get_by_role("heading", name=open_offer.name)).to_be_visible()
    page.goto(f"{base}/console/offers/{open_offer.slug}/employees/{sam.employee_id}/")
    expect(page.get_by_role("heading", name="Sam Slide", exact=True)).to_be_visible()
    expect(page.locator("main")).to_contain_text("Withdrawn")
    versions = page.locator("#versions tbody tr")
    expect(versions).to_have_count(3)
    expect(versions.nth(0)).to_contain_text("Withdrawal")
    expect(versions.nth(0)).to_contain_text("in force")
    expect(versions.nth(1)).to_contain_text("Exchange 3 grants")
    assert first in pdf_of(page.locator(f"#election-{first}"), "PDF")

    # The auditor: the employee's timeline, the events with their server times, and the chain intact.
    auditor = member_of(Role.AUDITOR, "aldo.auditor@example.com")
    sign_in(page, base, auditor.email)
    page.goto(f"{base}/console/audit/employees/{sam.employee_id}/")
    timeline = page.locator("main tbody tr")
    expect(timeline).to_have_count(3)
    for row, election in zip(timeline.all(), Election.objects.order_by("version"), strict=True):
        expect(row).to_contain_text(f"v{election.version}")
        expect(row).to_contain_text(second(election.received_at, open_offer.time_zone))
    expect(timeline.nth(2)).to_contain_text("in force")

    page.goto(f"{base}/console/audit/?employee={sam.employee_id}")
    events = AuditEvent.objects.filter(
        event_type__in=[
            AuditEventType.ELECTION_SUBMITTED,
            AuditEventType.ELECTION_MODIFIED,
            AuditEventType.ELECTION_WITHDRAWN,
        ]
    )
    assert [event.event_type for event in events.order_by("sequence")] == [
        AuditEventType.ELECTION_SUBMITTED,
        AuditEventType.ELECTION_MODIFIED,
        AuditEventType.ELECTION_WITHDRAWN,
    ]
    for event in events:
        expect(page.locator("main")).to_contain_text(f"#{event.sequence}")

    page.goto(f"{base}/console/audit/chain/")
    expect(page.get_by_role("heading", name="The chain is intact")).to_be_visible()
