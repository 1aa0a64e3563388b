"""Step 2: the accepted grants are cancelled as of the cancellation date."""

from datetime import date

import pytest
from django.test import Client

from soxp_portal.audit.models import AuditEvent
from soxp_portal.closing.models import Closing
from soxp_portal.offers.models import Grant, Offer
from tests.console.closing.conftest import Participants, messages_of, post_step, snapshot, started, url

pytestmark = pytest.mark.django_db


def test_the_step_shows_the_date_and_what_it_cancels(admin_client: Client, offer: Offer, accepted) -> None:
    html = admin_client.get(url("close", offer)).content.decode()
    assert (
        "Cancels the accepted grants as of the cancellation date, <strong>January 20, 2003</strong>: 5 grants, "
        in html
    )
    assert "3,500 shares, of 3 participants." in html


def test_cancelling_updates_the_census_grants(
    admin_client: Client, admin, offer: Offer, accepted: Participants
) -> None:
    response = post_step(admin_client, url("close-cancel", offer))
    assert response.redirect_chain == [(url("close", offer) + "#cancel", 302)]
    assert messages_of(response) == [started("Cancelling the tendered grants")]
    cancelled = dict(Grant.objects.values_list("grant_id", "shares_cancelled"))
    assert cancelled == {
        "G-1001": 800,
        "G-1002": 1000,
        "G-1003": 0,  # not eligible, not tendered
        "G-1004": 500,
        "G-E-ALICE": 0,  # not accepted: her options stay as they were
        "G-E-BOB": 800,
        "G-E-CARL": 400,
        "G-E-ERIN": 0,
        "G-E-DAVE": 0,
    }
    closing = Closing.objects.get(offer=offer)
    assert (closing.cancellation_date, closing.cancelled_by) == (date(2003, 1, 20), admin)
    assert AuditEvent.objects.filter(event_type="grants.cancelled", employee__isnull=True).count() == 1
    assert "cancelled as of <strong>January 20, 2003</strong>" in response.content.decode()


def refused(client: Client, offer: Offer) -> list[str]:
    before = snapshot(offer)
    response = client.post(url("close-cancel", offer), follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#cancel", 302)]
    assert snapshot(offer) == before
    return messages_of(response)


def test_cancelling_before_the_accept_is_refused(admin_client: Client, offer: Offer, participants) -> None:
    assert refused(admin_client, offer) == ["Accept the tenders first: only accepted grants are cancelled."]


def test_cancelling_twice_is_refused(admin_client: Client, offer: Offer, cancelled: Participants) -> None:
    assert refused(admin_client, offer) == [
        "The tendered grants were already cancelled on January 21, 2003 at 9:00 AM PST."
    ]
