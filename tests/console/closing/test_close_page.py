"""The close page: each step in order with its state, and before acceptance what the accept will do."""

from datetime import UTC, date, datetime

import pytest
from django.test import Client

from soxp_portal.closing import preview
from soxp_portal.closing.models import ClosePreviewRun
from soxp_portal.offers.models import Election, Offer
from tests.console.closing.conftest import BEFORE_DEADLINE, Participants, get_page, url
from tests.factories import EmployeeFactory, TenderedGrantFactory

pytestmark = pytest.mark.django_db


def test_before_the_deadline_the_accept_is_previewed_but_not_offered(
    admin_client: Client, offer: Offer, participants: Participants, clock
) -> None:
    clock.move_to(BEFORE_DEADLINE)
    response = get_page(admin_client, url("close", offer))
    html = response.content.decode()
    steps = response.context["steps"]
    assert [steps.accept.state, steps.cancel.state, steps.letters.state, steps.new_grants.state] == [
        "waiting",
        "waiting",
        "waiting",
        "waiting",
    ]
    assert "The offer is open until January 20, 2003 at 9:00 PM PST" in html
    assert "Accept the tenders and close the offer</button>" in html
    assert "disabled>Accept the tenders and close the offer" in html


def test_after_the_deadline_the_totals_and_the_changed_elections_are_shown(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    response = get_page(admin_client, url("close", offer))
    preview = response.context["preview"]
    assert response.context["steps"].accept.state == "available"
    # Sam 2,300 -> 1,725 and Carl 400 -> 300 as elected; Bob 800 (not 1,000) -> 600; Alice left.
    assert (preview.participants, preview.accepted, preview.not_accepted) == (4, 3, 1)
    assert (preview.shares, preview.new_shares) == (3500, 2625)
    html = response.content.decode()
    assert 'id="shares-taken">3,500<' in html
    assert 'id="new-shares">2,625<' in html
    assert "Elections whose basis changed since they were made: 2" in html
    assert [row.employee_id for row in response.context["page_obj"]] == ["E-ALICE", "E-BOB"]
    assert "Not accepted: Not employed on January 20, 2003. The options stay as they are." in html
    assert "The census changed this employee&#x27;s record after the election." in html
    assert (
        "Grant G-E-BOB now has 800 outstanding shares, not the 1,000 tendered: 800 are taken for 600 new shares."
        in html
    )
    assert "The census changed grant G-E-BOB after the election." in html
    assert "Sam" not in html.split('id="reconciliation"')[1].split("</table>")[0]
    assert "Accept the tenders and close the offer</button>" in html
    assert "disabled>Accept" not in html


def test_the_changed_elections_are_paginated(
    admin_client: Client, offer: Offer, participants: Participants, monkeypatch
) -> None:
    monkeypatch.setattr(preview, "ROW_BATCH", 10)  # the run writes its rows in batches as it goes
    for n in range(30):  # elections recorded before their employee's census record last changed
        person = EmployeeFactory(employee_id=f"E-P{n:02d}", last_name=f"Paged{n:02d}")
        election = TenderedGrantFactory(
            election__offer=offer,
            election__employee=person,
            election__recorded_at=datetime(2003, 1, 2, tzinfo=UTC),
            election__received_at=datetime(2003, 1, 2, tzinfo=UTC),
        ).election
        assert election.kind == Election.Kind.ELECTION
    first = get_page(admin_client, url("close", offer))
    assert first.context["preview"].changed == 32
    assert len(first.context["page_obj"]) == 25
    assert "Page 1 of 2" in first.content.decode()
    second = admin_client.get(url("close", offer), {"page": 2})
    assert [row.employee_id for row in second.context["page_obj"]] == [
        "E-P23",
        "E-P24",
        "E-P25",
        "E-P26",
        "E-P27",
        "E-P28",
        "E-P29",
    ]


def test_the_pricing_date_is_worded_from_the_offer(admin_client: Client, offer: Offer, participants) -> None:
    html = get_page(admin_client, url("close", offer)).content.decode()
    assert (
        "The exercise price is the closing price on July 18, 2003, the last trading day before the new grant "
        "date (July 21, 2003)."
    ) in html
    offer.pricing_basis = Offer.PricingBasisChoice.FMV_ON_GRANT_DATE
    offer.save()
    html = admin_client.get(url("close", offer)).content.decode()
    assert "The exercise price is the fair market value on the new grant date itself, July 21, 2003." in html


def test_after_acceptance_each_step_says_what_is_next(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    response = admin_client.get(url("close", offer))
    html = response.content.decode()
    steps = response.context["steps"]
    assert [steps.accept.state, steps.cancel.state, steps.letters.state, steps.new_grants.state] == [
        "done",
        "available",
        "available",
        "waiting",
    ]
    assert "January 21, 2003 at 9:00 AM PST by ada.admin@example.com" in html
    assert "preview" not in response.context
    assert not ClosePreviewRun.objects.exists()  # after the accept the page asks for no plan
    assert "Cancel 5 grants as of January 20, 2003</button>" in html
    assert "Issue 3 letters</button>" in html
    assert "Cancel the tendered grants first" in html
    assert response.context["totals"].accepted == 3
    assert date(2003, 7, 21) == response.context["new_grant_date"]
