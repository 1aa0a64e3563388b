"""Step 4: on or after the new grant date, the closing price is entered, checked, and the grants made."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from soxp_portal.audit.models import AuditEvent
from soxp_portal.closing.models import NewGrant, Tender
from soxp_portal.offers.models import Employee, Offer
from tests.console.closing.conftest import (
    NEW_GRANT_DAY,
    Participants,
    messages_of,
    post_step,
    snapshot,
    started,
    url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def grant_day(client: Client, admin, offer: Offer, cancelled: Participants, clock) -> Participants:
    """The new grant date; Bob has moved abroad since the close, so his promise will be forfeited."""
    clock.move_to(NEW_GRANT_DAY)
    client.force_login(admin)
    Employee.objects.filter(pk=cancelled.bob.pk).update(work_country="DE")
    return cancelled


def test_before_the_new_grant_date_the_step_waits(admin_client: Client, offer: Offer, cancelled) -> None:
    html = admin_client.get(url("close", offer)).content.decode()
    assert "The new grants are made on or after the new grant date, July 21, 2003." in html
    assert 'name="closing_price"' not in html


def test_the_price_is_shown_back_with_what_it_grants(
    client: Client, offer: Offer, grant_day: Participants
) -> None:
    page = client.get(url("close", offer)).content.decode()
    assert "Closing price on July 18, 2003</label>" in page
    before = snapshot(offer)
    response = client.post(url("close-new-grants", offer), {"closing_price": "$1.25"})
    assert response.status_code == 200
    assert snapshot(offer) == before
    html = response.content.decode()
    assert 'id="price">$1.25<' in html
    assert (
        "The closing price on July 18, 2003, the last trading day before the new grant date (July 21, 2003)"
        in html
    )
    # Sam's three grants and Carl's one; Bob works abroad now.
    assert 'id="granted">4 new options, 2,025 shares, to 2 participants<' in html
    assert 'id="forfeits">1 participant no longer employed' in html
    assert "July 21, 2013" in html
    assert 'name="confirmed" value="True"' in html
    assert "Grant 4 new options at $1.25</button>" in html


def test_confirmed_the_new_grants_are_made(
    client: Client, admin, offer: Offer, grant_day: Participants
) -> None:
    response = post_step(
        client, url("close-new-grants", offer), {"closing_price": "1.25", "confirmed": "True"}
    )
    assert response.redirect_chain == [(url("close", offer) + "#new-grants", 302)]
    assert messages_of(response) == [started("Making the new grants")]
    grants = {grant.grant_id: (grant.shares, grant.exercise_price) for grant in NewGrant.objects.all()}
    assert grants == {
        "SOXP-2003-G-1001": (600, Decimal("1.25")),
        "SOXP-2003-G-1002": (750, Decimal("1.25")),
        "SOXP-2003-G-1004": (375, Decimal("1.25")),
        "SOXP-2003-G-E-CARL": (300, Decimal("1.25")),
    }
    assert Tender.objects.get(employee=grant_day.bob).forfeited_on == date(2003, 7, 21)
    offer.refresh_from_db()
    assert offer.new_exercise_price == Decimal("1.25")
    event = AuditEvent.objects.get(event_type="new_grants.created", employee__isnull=True)
    assert (event.actor, event.data["participants_granted"], event.data["participants_forfeited"]) == (
        admin,
        2,
        1,
    )
    html = response.content.decode()
    assert (
        "4 new options (2,025 shares) granted to 2 participants on July 21, 2003 at <strong>$1.25</strong>, the closing price on July 18"
        in html
    )
    assert "1 promise forfeited" in html

    listing = client.get(url("close-granted", offer))
    assert [grant.grant_id for grant in listing.context["object_list"]] == [
        "SOXP-2003-G-E-CARL",
        "SOXP-2003-G-1001",
        "SOXP-2003-G-1002",
        "SOXP-2003-G-1004",
    ]
    assert "1 promise forfeited" in listing.content.decode()
    forfeited = client.get(url("close-tenders", offer), {"shown": "forfeited"})
    assert [tender.employee.employee_id for tender in forfeited.context["object_list"]] == ["E-BOB"]
    assert "Not employed in US on the new grant date (July 21, 2003)" in forfeited.content.decode()


def refused(client: Client, offer: Offer, data: dict[str, str]) -> list[str]:
    before = snapshot(offer)
    response = client.post(url("close-new-grants", offer), data, follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#new-grants", 302)]
    assert snapshot(offer) == before
    return messages_of(response)


@pytest.mark.parametrize(
    ("price", "message"),
    [
        ("abc", "'abc' is not a price: enter dollars and cents, for example 1.25."),
        ("-1", "The closing price must be more than zero."),
        ("0", "The closing price must be more than zero."),
        ("", "Closing price on July 18, 2003: This field is required."),
        ("99999999999", "The closing price must be at most $1,000,000.00 a share."),
        ("1e9", "The closing price must be at most $1,000,000.00 a share."),
        ("1,000,000.01", "The closing price must be at most $1,000,000.00 a share."),
        ("NaN", "The closing price must be more than zero."),
        (
            "x" * 33,
            "Closing price on July 18, 2003: Ensure this value has at most 32 characters (it has 33).",
        ),
    ],
)
@pytest.mark.parametrize("confirmed", ["", "True"])
def test_a_bad_price_is_refused(
    client: Client, offer: Offer, grant_day: Participants, price: str, message: str, confirmed: str
) -> None:
    assert refused(client, offer, {"closing_price": price, "confirmed": confirmed}) == [message]


@pytest.mark.parametrize("confirmed", ["", "True"])
def test_before_the_new_grant_date_it_is_refused(
    admin_client: Client, offer: Offer, cancelled: Participants, confirmed: str
) -> None:
    [message] = refused(admin_client, offer, {"closing_price": "1.25", "confirmed": confirmed})
    assert message.startswith("The new grants are made on")
    assert "July 21, 2003" in message


@pytest.mark.parametrize("confirmed", ["", "True"])
def test_before_the_grants_are_cancelled_it_is_refused(
    client: Client, admin, offer: Offer, accepted: Participants, clock, confirmed: str
) -> None:
    clock.move_to(NEW_GRANT_DAY)
    client.force_login(admin)
    assert refused(client, offer, {"closing_price": "1.25", "confirmed": confirmed}) == [
        "Cancel the tendered grants first: new options replace cancelled ones."
    ]


@pytest.mark.parametrize("confirmed", ["", "True"])
def test_making_the_new_grants_twice_is_refused(
    client: Client, offer: Offer, grant_day: Participants, confirmed: str
) -> None:
    post_step(client, url("close-new-grants", offer), {"closing_price": "1.25", "confirmed": "True"})
    assert refused(client, offer, {"closing_price": "1.30", "confirmed": confirmed}) == [
        "The new grants were already made on July 21, 2003 at 9:00 AM PDT."
    ]


def test_a_fair_market_value_offer_asks_for_the_grant_dates_value(
    client: Client, offer: Offer, grant_day: Participants
) -> None:
    offer.pricing_basis = Offer.PricingBasisChoice.FMV_ON_GRANT_DATE
    offer.save()
    html = client.get(url("close", offer)).content.decode()
    assert "Fair market value on July 21, 2003</label>" in html
    assert "The exercise price is the fair market value on the new grant date itself, July 21, 2003." in html
