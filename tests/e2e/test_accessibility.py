"""Every page of the three journeys is free of serious and critical WCAG 2.1 A/AA violations (axe-core),
on a wide screen (1280 px) and a phone (375 px), with the Content Security Policy on."""

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Election, Employee, Offer
from tests.e2e.axe import Audit, inject_axe, violations
from tests.e2e.browser import sign_in
from tests.e2e.scenes import Console, eligible_employee

# serialized_rollback: a transactional test empties every table, the role groups that a migration
# created included; this puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def assert_no_violations(audit: Audit, pages: int) -> None:
    assert len(audit.checked) == 2 * pages
    assert not audit.found, audit.report()


def test_axe_is_injected_with_the_content_security_policy_on(page: Page, live_server) -> None:
    response = page.goto(f"{live_server.url}/accounts/login/")
    assert response is not None
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    # The policy is enforced in this browser: a script tag without the page's nonce is refused...
    with pytest.raises(PlaywrightError, match="Content Security Policy"):
        page.add_script_tag(content="window.inlineScriptRan = true;")
    assert page.evaluate("() => window.inlineScriptRan") is None
    # ...while axe, injected through the DevTools protocol, loads and checks the page.
    inject_axe(page)
    assert page.evaluate("() => axe.version") == "4.14.1"
    assert violations(page, "sign-in page") == []
    assert page.evaluate("() => axe.run().then((result) => result.passes.length)") > 10


def test_employee_pages_have_no_serious_violations(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee
) -> None:
    base = live_server.url
    audit = Audit(page)
    page.goto(f"{base}/accounts/login/")
    audit.check("sign-in page")
    page.goto(f"{base}{reverse('accounts:password-reset')}")
    audit.check("password reset page")

    sign_in(page, base, slide_9_employee.email)
    expect(page).to_have_url(f"{base}{reverse('portal:offer', args=[open_offer.slug])}")
    audit.check("offer overview")
    page.goto(f"{base}{reverse('portal:grants', args=[open_offer.slug])}")
    audit.check("My options")
    page.goto(f"{base}{reverse('portal:compare', args=[open_offer.slug])}")
    audit.check("Compare")
    page.goto(f"{base}{reverse('portal:how-it-works', args=[open_offer.slug])}")
    page.locator("main details summary").first.click()  # the example's every vesting date, opened
    audit.check("How the exchange works")
    page.goto(f"{base}{reverse('portal:elect', args=[open_offer.slug])}")
    audit.check("election form")
    page.check("input[name='tender-G-1001'][value='800']")
    page.check("input[name='tender-G-1002'][value='1000']")
    page.get_by_role("button", name="Review my election").click()
    expect(page.locator("input[name=signature]")).to_be_visible()
    audit.check("review")
    for box in page.locator("main input[type=checkbox]").all():
        box.check()
    page.fill("input[name=signature]", slide_9_employee.full_name)
    page.get_by_role("button", name="Sign and submit my election").click()
    page.wait_for_url(f"**{reverse('portal:history', args=[open_offer.slug])}*/")
    election = Election.objects.get(employee=slide_9_employee)
    assert page.url.endswith(reverse("portal:election", args=[open_offer.slug, election.confirmation_number]))
    audit.check("confirmation")
    page.goto(f"{base}{reverse('portal:history', args=[open_offer.slug])}")
    audit.check("election history")
    page.goto(f"{base}{reverse('portal:withdraw', args=[open_offer.slug])}")
    audit.check("withdraw page")

    # The grey notice of an employee who cannot take part, with its link.
    officer = eligible_employee("E-OSCAR", "Oscar", is_executive_officer=True)
    sign_in(page, base, officer.email)
    page.goto(f"{base}{reverse('portal:compare', args=[open_offer.slug])}")
    expect(page.locator("main .alert-secondary a")).to_be_visible()
    audit.check("Compare, for an employee who cannot take part")
    page.goto(f"{base}{reverse('portal:how-it-works', args=[open_offer.slug])}")
    audit.check("How the exchange works, for an employee who cannot take part")

    assert_no_violations(audit, pages=13)


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
    assert_no_violations(audit, pages=13)


def test_auditor_pages_have_no_serious_violations(page: Page, live_server, console: Console) -> None:
    base = live_server.url
    submitted = AuditEvent.objects.filter(event_type=AuditEventType.ELECTION_SUBMITTED).latest()
    audit = Audit(page)
    sign_in(page, base, console.auditor.email)
    expect(page).to_have_url(f"{base}{reverse('console:audit-events')}")
    audit.check("audit events")
    for name, title, args in [
        ("console:audit-event", "an election's audit event", [submitted.sequence]),
        ("console:audit-chain", "chain status", []),
        ("console:audit-employee", "an employee's timeline", [console.sam.employee_id]),
        ("console:audit-deadline", "deadline report", [console.open_offer.slug]),
    ]:
        page.goto(f"{base}{reverse(name, args=args)}")
        audit.check(title)
    assert_no_violations(audit, pages=5)
