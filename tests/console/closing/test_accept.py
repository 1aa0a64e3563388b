"""Step 1: accepting the tenders after the deadline, after the administrator has reviewed the plan."""

import pytest
from django.test import Client

from soxp_portal.audit.models import AuditEvent
from soxp_portal.closing.models import AcceptedGrant, Closing, StepRun, Tender
from soxp_portal.offers.models import Offer
from tests.console.closing.conftest import (
    AFTER_DEADLINE,
    BEFORE_DEADLINE,
    Participants,
    messages_of,
    post_step,
    snapshot,
    started,
    url,
)

pytestmark = pytest.mark.django_db


def test_accepting_decides_every_final_election_and_closes_the_offer(
    admin_client: Client, admin, offer: Offer, participants: Participants
) -> None:
    response = post_step(admin_client, url("close-accept", offer), {"reviewed": "on"})
    assert response.redirect_chain == [(url("close", offer) + "#accept", 302)]
    assert messages_of(response) == [started("Accepting the tenders")]
    run = StepRun.objects.get()
    assert (run.step, run.state, run.requested_by, run.done, run.total) == ("accept", "done", admin, 4, 4)
    outcomes = dict(Tender.objects.values_list("employee__employee_id", "outcome"))
    assert outcomes == {"E1001": "accepted", "E-ALICE": "rejected", "E-BOB": "accepted", "E-CARL": "accepted"}
    assert AcceptedGrant.objects.get(grant__grant_id="G-E-BOB").shares == 800
    closing = Closing.objects.get(offer=offer)
    assert (closing.accepted_at, closing.accepted_by) == (AFTER_DEADLINE, admin)
    offer.refresh_from_db()
    assert offer.closed_at == AFTER_DEADLINE
    event = AuditEvent.objects.get(event_type="offer.closed")
    assert (event.actor, event.data["accepted"], event.data["not_accepted"]) == (admin, 3, 1)
    html = response.content.decode()
    assert 'id="accepted">3<' in html
    assert 'id="not-accepted">1<' in html


def refused(client: Client, offer: Offer, data: dict[str, str]) -> list[str]:
    before = snapshot(offer)
    response = client.post(url("close-accept", offer), data, follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#accept", 302)]
    assert snapshot(offer) == before
    return messages_of(response)


def test_before_the_deadline_the_accept_is_refused(
    admin_client: Client, offer: Offer, participants: Participants, clock
) -> None:
    clock.move_to(BEFORE_DEADLINE)
    assert refused(admin_client, offer, {"reviewed": "on"}) == [
        "The offer is open until January 20, 2003 at 9:00 PM PST; tenders can be accepted only after the deadline."
    ]
    assert not Tender.objects.exists()


def test_without_the_review_ticked_nothing_is_accepted(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    assert refused(admin_client, offer, {}) == [
        "Nothing was accepted: tick “I have reviewed…” once you have checked the changed elections and the totals."
    ]
    assert not Tender.objects.exists()


def test_accepting_twice_is_refused(admin_client: Client, offer: Offer, accepted: Participants) -> None:
    assert refused(admin_client, offer, {"reviewed": "on"}) == [
        "The tenders were already accepted on January 21, 2003 at 9:00 AM PST."
    ]
    assert Tender.objects.count() == 4
