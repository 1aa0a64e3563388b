"""The exchange-2009 fixture: a 2009 value-for-value exchange (modelled on Starbucks' of May 2009) read
as its source states it, loaded with no code of its own, and loaded again without duplicating a band."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core.management import call_command

from soxp_portal.offers.models import Offer, PriceBand
from soxp_portal.rules.exchange import grant_new_shares
from soxp_portal.rules.terms import (
    AwardType,
    GrantDateRule,
    RatioStage,
    Rounding,
    award_problems,
    band_problems,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def exchange_2009(db: None) -> Offer:
    call_command("loaddata", "exchange-2009", verbosity=0)
    return Offer.objects.get(slug="exchange-2009")


def test_dates_and_eligibility_terms_are_the_offer_to_exchange_s(exchange_2009: Offer) -> None:
    offer = exchange_2009
    # 12:01 a.m. Pacific on Friday May 1, 2009 to 5:00 p.m. Pacific on Friday May 29, 2009.
    assert offer.opens_at == datetime(2009, 5, 1, 7, 1, tzinfo=UTC)
    assert offer.expires_at == offer.original_expires_at == datetime(2009, 5, 30, 0, 0, tzinfo=UTC)
    assert offer.expires_at.astimezone(offer.zone).strftime("%Y-%m-%d %H:%M") == "2009-05-29 17:00"
    terms = offer.terms
    assert (terms.price_threshold, terms.price_threshold_inclusive) == (Decimal("19.00"), False)
    assert terms.covered_plans == frozenset({"Amended and Restated 2005 Long-Term Equity Incentive Plan"})
    assert offer.new_option_plan.name == "Amended and Restated 2005 Long-Term Equity Incentive Plan"
    assert terms.lookback_start is None
    assert (offer.hire_cutoff_date, offer.hire_cutoff_inclusive) == (date(2009, 5, 1), True)
    assert offer.contacts[0]["phone"] == "1-866-221-4118"
    assert offer.closed_at is None


def test_bands_edges_and_ratios(exchange_2009: Offer) -> None:
    terms = exchange_2009.terms
    assert band_problems(terms.price_bands) == []
    assert [(band.lower, band.upper, band.for_tendered) for band in terms.bands_of(AwardType.OPTION)] == [
        (Decimal("19.00"), Decimal("22.50"), Decimal("2.01")),
        (Decimal("22.50"), Decimal("27.50"), Decimal("2.60")),
        (Decimal("27.50"), Decimal("32.50"), Decimal("3.20")),
        (Decimal("32.50"), Decimal("40.00"), Decimal("3.95")),
    ]
    assert [band.for_tendered for band in terms.bands_of(AwardType.RSU)] == [
        Decimal("6.00"),
        Decimal("7.50"),
        Decimal("9.25"),
        Decimal("11.40"),
    ]
    for band in terms.price_bands:
        assert (band.lower_inclusive, band.upper_inclusive, band.new_shares) == (False, True, Decimal(1))
    # "$19.01 to $22.50": each band excludes its lower end and includes its upper end.
    edges = {
        "19.00": None,
        "19.01": 1,
        "22.50": 1,
        "22.51": 2,
        "27.50": 2,
        "32.51": 4,
        "40.00": 4,
        "40.01": None,
    }
    option_bands = terms.bands_of(AwardType.OPTION)
    for price, number in edges.items():
        band = terms.band_for(Decimal(price))
        assert band == (None if number is None else option_bands[number - 1]), price


def test_awards_by_country_rounding_and_grant_at_close(exchange_2009: Offer) -> None:
    terms = exchange_2009.terms
    assert terms.award_for("GB") is AwardType.RSU
    assert terms.award_for("US") is terms.award_for("CA") is AwardType.OPTION
    assert award_problems(terms.award_type, terms.award_by_country, terms.price_bands) == []
    assert terms.rounding is Rounding.DOWN
    assert terms.ratio_stage is RatioStage.FINAL
    assert terms.grant_date_rule is GrantDateRule.AT_CLOSE
    assert exchange_2009.new_grant_date() == exchange_2009.cancellation_date() == date(2009, 5, 29)
    # 1,000 at $19.01 for 1 per 2.01 is 497.5..., rounded down; RSUs at 1 per 6 give 3,000 / 6.
    assert grant_new_shares(terms, 1000, Decimal("19.01"), AwardType.OPTION) == 497
    assert grant_new_shares(terms, 3000, Decimal("20.50"), AwardType.RSU) == 500
    assert grant_new_shares(terms, 1140, Decimal("36.00"), AwardType.RSU) == 100


def test_loading_it_again_updates_in_place(exchange_2009: Offer) -> None:
    bands = list(PriceBand.objects.filter(offer=exchange_2009).values_list("pk", flat=True))
    call_command("loaddata", "exchange-2009", verbosity=0)
    assert list(PriceBand.objects.filter(offer=exchange_2009).values_list("pk", flat=True)) == bands
    assert len(bands) == 8
    assert Offer.objects.filter(slug="exchange-2009").count() == 1
