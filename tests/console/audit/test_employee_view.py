"""The timeline of one employee: every version, in Pacific (or UTC on request), with its distance to the deadline."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.offers.actions import withdraw_election
from soxp_portal.offers.models import Employee, Offer
from tests.console.audit.conftest import SLIDE_9, elect

pytestmark = pytest.mark.django_db


def test_each_version_is_shown_in_pacific_or_utc_with_its_distance_to_the_deadline(
    auditor_client: Client, offer: Offer, slide_9_employee: Employee, stock_admin: User
) -> None:
    import uuid

    deadline = offer.expires_at
    elect(offer, slide_9_employee, SLIDE_9, at=deadline - timedelta(days=2, hours=3))
    withdraw_election(
        offer,
        slide_9_employee,
        actor=slide_9_employee.user,
        signature="Sam Slide",
        expected_version=1,
        submission_token=uuid.uuid4(),
        now=deadline - timedelta(hours=1, seconds=30),
    )
    elect(
        offer,
        slide_9_employee,
        SLIDE_9,
        at=deadline - timedelta(minutes=10),
        channel="fax",
        actor=stock_admin,
    )

    response = auditor_client.get(reverse("console:audit-employee", args=["E1001"]))
    html = response.content.decode()

    assert [entry.election.version for entry in response.context["entries"]] == [1, 2, 3]
    assert '<th scope="col">Received (America/Los_Angeles)</th>' in html
    assert '<td data-label="Received"><div>January 18, 2003 at 6:00:00 PM PST</div></td>' in html
    assert "2 days 3 h before the deadline" in html
    assert "Withdrawal" in html
    assert "1 h 30 s before the deadline" in html
    assert "January 20, 2003 at 7:59:30 PM PST" in html  # the withdrawal, to the second
    assert '<td data-label="Received"><div>January 20, 2003 at 8:50:00 PM PST</div></td>' in html  # the fax
    assert '<td data-label="Entered"><div>January 20, 2003 at 8:51:00 PM PST</div></td>' in html  # keyed in
    assert "UTC</div>" not in html
    assert "10 min before the deadline" in html
    assert "stock.admin@example.com" in html
    assert html.count(">in force</span>") == 1
    assert "none found" not in html  # every version has its audit event

    html = auditor_client.get(
        reverse("console:audit-employee", args=["E1001"]), {"tz": "utc"}
    ).content.decode()
    assert '<th scope="col">Received (UTC)</th>' in html
    assert '<td data-label="Received"><div>January 19, 2003 at 2:00:00 AM UTC</div></td>' in html
    assert '<td data-label="Received"><div>January 21, 2003 at 4:50:00 AM UTC</div></td>' in html
    assert '<td data-label="Entered"><div>January 21, 2003 at 4:51:00 AM UTC</div></td>' in html
    assert "Deadline January 21, 2003 at 5:00 AM UTC" in html
    assert "PST" not in html


def test_an_employee_without_elections_has_an_empty_timeline(auditor_client: Client, alice: Employee) -> None:
    html = auditor_client.get(reverse("console:audit-employee", args=["E-ALICE"])).content.decode()
    assert "This employee has made no election." in html
