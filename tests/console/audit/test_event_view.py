"""One event in full: every field, the data pretty-printed, its hash and the previous hash."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Employee, Offer
from tests.audit.conftest import RawSQL
from tests.console.audit.conftest import SLIDE_9, elect

pytestmark = pytest.mark.django_db


@pytest.fixture
def submitted(offer: Offer, slide_9_employee: Employee, auditor_client: Client) -> AuditEvent:
    election = elect(offer, slide_9_employee, SLIDE_9, at=offer.opens_at + timedelta(days=2))
    return AuditEvent.objects.get(subject_type="offers.Election", subject_id=str(election.pk))


def test_every_field_is_shown(auditor_client: Client, submitted: AuditEvent) -> None:
    html = auditor_client.get(reverse("console:audit-event", args=[submitted.sequence])).content.decode()
    assert f"Audit event #{submitted.sequence}" in html
    assert "election.submitted" in html
    assert (
        '<dt class="col-sm-3">When it happened</dt><dd class="col-sm-9">December 21, 2002 at 12:00:00 AM PST</dd>'
        in html
    )
    assert "e1001@example.com" in html
    assert "Sam Slide" in html
    assert "soxp-2003" in html
    assert "offers.Election" in html
    assert submitted.hash in html
    assert submitted.previous_hash in html
    assert "matches its hash" in html
    assert "&quot;total_new_shares&quot;: 1725" in html  # pretty-printed: indented, one key per line


def test_a_changed_event_is_flagged(auditor_client: Client, submitted: AuditEvent, tamper: RawSQL) -> None:
    tamper("UPDATE {table} SET actor_email = %s WHERE sequence = %s", ["x@example.com", submitted.sequence])

    html = auditor_client.get(reverse("console:audit-event", args=[submitted.sequence])).content.decode()

    assert "does not match its stored hash" in html


def test_the_times_are_shown_in_utc_on_request_and_the_links_keep_it(
    auditor_client: Client, submitted: AuditEvent
) -> None:
    page = reverse("console:audit-event", args=[submitted.sequence])
    html = auditor_client.get(page, {"tz": "utc"}).content.decode()
    assert '<dd class="col-sm-9">December 21, 2002 at 8:00:00 AM UTC</dd>' in html
    assert "deadline January 21, 2003 at 5:00 AM UTC" in html  # the offer's deadline, in the same zone
    assert "PST" not in html
    assert f'href="{reverse("console:audit-events")}?tz=utc">All events</a>' in html
    assert f'<a href="{page}">Show the times in America/Los_Angeles</a>' in html
