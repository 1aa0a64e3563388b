"""The judged census behind the dashboard is cached, and any change of what it follows from is seen."""

from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine

from soxp_portal.offers import participation
from soxp_portal.offers.models import Employee, Grant, Offer
from soxp_portal.offers.participation import eligibility_census
from tests.console.watch.conftest import DURING_OFFER, Census
from tests.factories import GrantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def passes():
    """Counts the streaming passes over the census."""
    with mock.patch.object(
        participation, "_eligible_holdings", wraps=participation._eligible_holdings
    ) as spy:
        yield spy


def test_the_second_look_is_served_from_the_cache(offer: Offer, census: Census, passes) -> None:
    first = eligibility_census(offer, now=DURING_OFFER)
    second = eligibility_census(offer, now=DURING_OFFER + timedelta(hours=1))

    assert second == first
    assert passes.call_count == 1
    assert len(first.employee_ids) == 5


def test_a_changed_grant_is_seen(
    offer: Offer, census: Census, passes, during_offer: time_machine.Traveller
) -> None:
    before = eligibility_census(offer, now=DURING_OFFER)
    during_offer.shift(timedelta(seconds=1))  # the clock moves on, as it does between requests
    grant = Grant.objects.get(grant_id="G-E-CAROL")
    grant.exercise_price = Decimal("7.00")
    grant.save()

    after = eligibility_census(offer, now=DURING_OFFER)

    assert passes.call_count == 2
    assert "E-CAROL" not in before.employee_ids
    assert "E-CAROL" in after.employee_ids
    assert after.shares == before.shares + 1000


def test_a_new_grant_or_employee_change_is_seen(
    offer: Offer, census: Census, passes, during_offer: time_machine.Traveller
) -> None:
    before = eligibility_census(offer, now=DURING_OFFER)
    GrantFactory(grant_id="G-NEW", employee=census.dave, shares_granted=100, exercise_price=Decimal("5.00"))
    with_grant = eligibility_census(offer, now=DURING_OFFER)
    during_offer.shift(timedelta(seconds=1))
    census.erin.status, census.erin.termination_date = Employee.Status.TERMINATED, DURING_OFFER.date()
    census.erin.save()
    without_erin = eligibility_census(offer, now=DURING_OFFER)

    assert with_grant.shares == before.shares + 100
    assert "E-ERIN" in with_grant.employee_ids
    assert "E-ERIN" not in without_erin.employee_ids
    assert passes.call_count == 3


def test_new_terms_or_another_day_are_judged_again(offer: Offer, census: Census, passes) -> None:
    before = eligibility_census(offer, now=DURING_OFFER)
    eligibility_census(offer, now=DURING_OFFER + timedelta(days=1))  # another judgement day
    Offer.objects.filter(pk=offer.pk).update(price_threshold=Decimal("5.50"))
    offer.refresh_from_db()
    after = eligibility_census(offer, now=DURING_OFFER)

    assert passes.call_count == 3
    assert "E-DAVE" in before.employee_ids
    assert "E-DAVE" not in after.employee_ids  # his only grant is at $5.00
