"""axe-core runs in the browser tests with the Content Security Policy on, and the auditor's pages are
free of serious and critical WCAG 2.1 A/AA violations at 1280 and 375 px. (One journey per file, so that pytest-xdist's `--dist loadfile` runs them on different workers.)"""

import pytest
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from soxp_portal.audit.models import AuditEvent, AuditEventType
from tests.e2e.axe import Audit, inject_axe, violations
from tests.e2e.browser import sign_in
from tests.e2e.scenes import Console

# serialized_rollback: a transactional test empties every table, the role groups that a migration
# created included; this puts them back for the tests that follow.
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


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
    audit.assert_clean(pages=5)
