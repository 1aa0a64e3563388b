"""The auditor's menu marks the page shown (aria-current="page"), or the section it belongs to ("true")."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Employee, Offer
from tests.console.audit.conftest import SLIDE_9, elect
from tests.menus import marked_links, menu_links

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(offer: Offer, slide_9_employee: Employee) -> AuditEvent:
    elect(offer, slide_9_employee, SLIDE_9, at=offer.opens_at + timedelta(days=2))
    return AuditEvent.objects.latest()


def test_the_audit_pages_mark_their_own_link_or_the_events(auditor_client: Client, event: AuditEvent) -> None:
    pages = {
        reverse("console:audit-events"): {"Audit events": "page"},
        reverse("console:audit-event", args=[event.sequence]): {"Audit events": "true"},
        reverse("console:audit-employee", args=["E1001"]): {"Audit events": "true"},
        reverse("console:audit-deadline", args=["soxp-2003"]): {"Audit events": "true"},
        reverse("console:audit-chain"): {"Chain status": "page"},
    }
    for path, marked in pages.items():
        html = auditor_client.get(path).content.decode()
        assert "Audit events" in menu_links(html)
        assert marked_links(html) == marked, path
