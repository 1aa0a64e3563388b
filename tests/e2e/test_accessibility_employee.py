"""The employee's pages are free of serious and critical WCAG 2.1 A/AA violations (axe-core), on a wide
screen (1280 px) and a phone (375 px), with the Content Security Policy on. (One journey per file, so that pytest-xdist's `--dist loadfile` runs them on different workers.)"""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from soxp_portal.offers.models import Election, Employee, Offer
from tests.e2e.axe import Audit
from tests.e2e.browser import sign_in
from tests.e2e.scenes import eligible_employee

# serialized_rollback: a transactional test empties every table, the role groups that a migration
# created included; this puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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
    page.get_by_role("link", name="Every vesting date of the new option for G-1001").click()
    expect(page.get_by_role("list", name="Every vesting date of the new option for G-1001")).to_be_visible()
    audit.check("My options, every vesting date of a grant")
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

    audit.assert_clean(pages=14)
