"""Slide 21: a participant receives no other option grant before the new grant date. The census is
checked for grants to accepted participants dated after the cancellation date and before the new grant
date, and the close page shows each one as a warning."""

from datetime import date

import pytest
from django.test import Client

from soxp_portal.closing.queries import blackout_grants, closing_of
from soxp_portal.offers.models import Offer
from tests.console.closing.conftest import Participants, url
from tests.factories import GrantFactory

pytestmark = pytest.mark.django_db


def flagged(offer: Offer) -> list[str]:
    return list(blackout_grants(offer, closing_of(offer)).values_list("grant_id", flat=True))


@pytest.mark.parametrize(
    ("grant_date", "is_flagged"),
    [
        (date(2003, 1, 20), False),  # on the cancellation date
        (date(2003, 1, 21), True),
        (date(2003, 7, 18), True),
        (date(2003, 7, 21), False),  # on the new grant date: the new grant itself may be recorded so
    ],
)
def test_the_period_is_after_the_cancellation_date_and_before_the_new_grant_date(
    offer: Offer, accepted: Participants, grant_date: date, is_flagged: bool
) -> None:
    GrantFactory(grant_id="G-NEW", employee=accepted.sam, grant_date=grant_date)
    assert flagged(offer) == (["G-NEW"] if is_flagged else [])


def test_only_accepted_participants_whose_promise_stands_are_flagged(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    for person in (accepted.alice, accepted.dave, accepted.bob):  # not accepted; never elected; forfeits
        GrantFactory(grant_id=f"G-NEW-{person.employee_id}", employee=person, grant_date=date(2003, 3, 1))
    admin_client.post(
        url("close-termination", offer), {"employee_id": "E-BOB", "termination_date": "2003-04-01"}
    )
    assert flagged(offer) == []
    GrantFactory(
        grant_id="G-NEW-CARL", employee=accepted.carl, grant_date=date(2003, 3, 1), shares_granted=250
    )
    assert flagged(offer) == ["G-NEW-CARL"]


def test_the_close_page_warns_of_each_grant(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    html = admin_client.get(url("close", offer)).content.decode()
    assert "Other grants before the new grant date: 0" in html
    GrantFactory(
        grant_id="G-NEW-CARL", employee=accepted.carl, grant_date=date(2003, 3, 1), shares_granted=250
    )
    html = admin_client.get(url("close", offer)).content.decode()
    assert "Other grants before the new grant date: 1" in html
    assert 'class="alert alert-warning"' in html
    assert (
        "(E-CARL): grant <strong>G-NEW-CARL</strong> dated March 1, 2003, 250 shares at $6.00 under the "
        "2000 Stock Option Plan."
    ) in html
