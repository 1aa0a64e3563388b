"""The stock administrator's console pages are free of serious and critical WCAG 2.1 A/AA violations
(axe-core), at 1280 and 375 px, with the Content Security Policy on. (One journey per file, so that pytest-xdist's `--dist loadfile` runs them on different workers.)"""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect

from soxp_portal.closing.models import ExportFile, StepRun
from tests.e2e.axe import Audit
from tests.e2e.browser import sign_in
from tests.e2e.scenes import Console

# serialized_rollback: a transactional test empties every table, the role groups that a migration
# created included; this puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_stock_administrator_pages_have_no_serious_violations(
    page: Page, live_server, console: Console
) -> None:
    base = live_server.url
    live, closed = console.open_offer.slug, console.closed.slug
    audit = Audit(page)
    sign_in(page, base, console.admin.email)
    expect(page).to_have_url(f"{base}{reverse('console:home')}")
    audit.check("console: offers")
    for name, title, args in [
        ("console:dashboard", "dashboard", [live]),
        ("console:employees", "employee list", [live]),
        ("console:employee", "an employee's page", [live, console.sam.employee_id]),
        ("console:paper-election", "paper election form", [live, console.alice.employee_id]),
        ("console:offer-edit", "offer set-up: terms of an offer not yet open", [console.upcoming.slug]),
        ("console:offer-extend", "extension", [live]),
        ("console:census", "census upload", []),
        ("console:close", "close page of the open offer", [live]),
        ("console:close", "close page after the tenders are accepted", [closed]),
        ("console:exports", "exports page", [closed]),
        ("console:close", "close page after the new grants: the price correction", [console.granted.slug]),
        ("console:exports", "exports page after the new grants", [console.granted.slug]),
    ]:
        page.goto(f"{base}{reverse(name, args=args)}")
        audit.check(title)
    in_progress(console)
    for name, title, args in [
        ("console:close", "close page with a step in progress", [closed]),
        ("console:exports", "exports page with files being made and made", [console.granted.slug]),
    ]:
        page.goto(f"{base}{reverse(name, args=args)}")
        expect(page.locator("[data-progress-url]").first).to_be_visible()
        audit.check(title)
    audit.assert_clean(pages=15)


def in_progress(console: Console) -> None:
    """The cancel of the closed offer under way (half done), and the granted offer's spreadsheet files: one
    being made, one whose worker stopped, one made."""
    now = timezone.now()
    running = {
        "state": "running",
        "attempts": 1,
        "started_at": now - timedelta(seconds=40),
        "heartbeat_at": now,
    }
    asked = {"requested_by": console.admin, "requested_at": now - timedelta(seconds=45)}
    StepRun.objects.create(
        offer=console.closed,
        step=StepRun.Step.CANCEL,
        stage="Recording each participant's cancellation",
        done=1,
        total=2,
        **running,
        **asked,
    )
    files = {"offer": console.granted, "fmt": "xlsx", **asked}
    ExportFile.objects.create(
        export="vesting", stage="Writing the rows", done=120, total=300, **running, **files
    )
    stopped = {**running, "heartbeat_at": now - timedelta(minutes=5)}
    ExportFile.objects.create(
        export="new-grants", stage="Writing the rows", done=1, total=2, **stopped, **files
    )
    made = ExportFile(
        export="elections", state="done", as_of=now, done=1, size=5000, finished_at=now, **files
    )
    made.file.save("elections.xlsx", ContentFile(b"PK"), save=False)
    made.save()
