"""The election can be made with the keyboard alone, and wherever the focus is, it shows."""

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Election, Employee, Offer
from tests.e2e.browser import PASSWORD, sign_in
from tests.e2e.focus import Keyboard, focused
from tests.e2e.scenes import Console

# serialized_rollback: a transactional test empties every table, the role groups that a migration
# created included; this puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.mark.parametrize("width", [1280, 375])
def test_employee_elects_with_the_keyboard_alone(
    page: Page, live_server, open_offer: Offer, slide_9_employee: Employee, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    base = live_server.url
    elect_url = reverse("portal:elect", args=[open_offer.slug])
    keys = Keyboard(page)

    page.goto(f"{base}/accounts/login/")
    keys.tab_to("input[name=username]")
    page.keyboard.type(slide_9_employee.email)
    keys.tab_to("input[name=password]")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{reverse('portal:offer', args=[open_offer.slug])}")

    # Through the menu (on a phone, opened from its toggler) to the overview's link to the election form.
    if page.locator(".navbar-toggler").is_visible():
        keys.tab_to(".navbar-toggler")
        page.keyboard.press("Enter")
        expect(page.locator("#main-nav")).to_be_visible()
    keys.tab_to(f"main a[href='{elect_url}']")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{elect_url}")

    keys.choose("tender-G-1001", "800")
    keys.choose("tender-G-1002", "1000")
    keys.tab_to("main form[method=post] button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator("input[name=signature]")).to_be_visible()

    for box in page.locator("main input[type=checkbox]").all():
        keys.tab_to(f"#{box.get_attribute('id')}")
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    keys.tab_to("input[name=signature]")
    page.keyboard.type(slide_9_employee.full_name)
    keys.tab_to("main form[method=post] button[type=submit]:not([formaction])")  # not "Change my choices"
    page.keyboard.press("Enter")

    page.wait_for_url(f"**{reverse('portal:history', args=[open_offer.slug])}*/")
    election = Election.objects.get(employee=slide_9_employee)
    assert page.url.endswith(reverse("portal:election", args=[open_offer.slug, election.confirmation_number]))
    assert sorted(election.tendered_grants.values_list("grant__grant_id", flat=True)) == [
        "G-1001",
        "G-1002",
        "G-1004",
    ]
    # Every kind of control on the way showed its focus: the skip link, the current menu link (the
    # overview's), radios, checkboxes, the text fields and the buttons.
    visited = "\n".join(str(stop) for stop in keys.stops)
    for kind in ("Skip to main content", "[aria-current=page]", "[type=radio]", "[type=checkbox]", "button"):
        assert kind in visited, f"no focus stop on {kind}:\n{visited}"
    assert not keys.invisible, keys.report()


def test_console_shows_the_focus_on_every_stop(page: Page, live_server, console: Console) -> None:
    """Every link, filter, field and button of the console's busiest pages, from the top to the bottom."""
    base = live_server.url
    keys = Keyboard(page)
    sign_in(page, base, console.admin.email)
    for name, args in [
        ("console:dashboard", [console.open_offer.slug]),
        ("console:employees", [console.open_offer.slug]),
        ("console:paper-election", [console.open_offer.slug, console.alice.employee_id]),
        ("console:offer-edit", [console.upcoming.slug]),
        ("console:close", [console.closed.slug]),
    ]:
        page.goto(f"{base}{reverse(name, args=args)}")
        keys.tab_through()
    sign_in(page, base, console.auditor.email)
    page.goto(f"{base}{reverse('console:audit-events')}")
    keys.tab_through()

    visited = "\n".join(str(stop) for stop in keys.stops)
    for kind in (
        "[aria-current=page]",
        "select",
        "[type=search]",
        "[type=radio]",
        "[type=checkbox]",
        "button",
    ):
        assert kind in visited, f"no focus stop on {kind}:\n{visited}"
    assert not keys.invisible, keys.report()


def test_audit_event_data_scrolls_with_the_keyboard_on_a_phone(
    page: Page, live_server, console: Console
) -> None:
    submitted = AuditEvent.objects.filter(event_type=AuditEventType.ELECTION_SUBMITTED).latest()
    page.set_viewport_size({"width": 375, "height": 900})
    sign_in(page, live_server.url, console.auditor.email)
    page.goto(f"{live_server.url}{reverse('console:audit-event', args=[submitted.sequence])}")
    data = page.get_by_role("region", name="The event's data, as JSON")
    assert data.evaluate("(element) => element.scrollWidth > element.clientWidth")

    Keyboard(page).tab_to("pre[role=region]")
    stop = focused(page)
    assert stop is not None
    assert stop.is_visible, stop
    page.keyboard.press("ArrowRight")
    # Chromium scrolls smoothly: the scroll ends a moment after the key.
    page.wait_for_function("(element) => element.scrollLeft > 0", arg=data.element_handle(), timeout=5000)
