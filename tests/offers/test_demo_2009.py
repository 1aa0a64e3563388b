"""setup_demo's banded demo, demo-2009, beside the 2003 demo: exchange-2009's terms open today, a census
with an employee in every band of both awards and the ineligible cases, and both offers side by side."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.offers.demo import (
    BANDED_SLUG,
    DEMO_PASSWORD,
    DEMO_SLUG,
    OPENED_DAYS_AGO,
    set_up_banded_demo,
    set_up_demo,
)
from soxp_portal.offers.models import Employee, Grant, Offer, OfferPhase, PriceBand
from soxp_portal.offers.queries import current_offer
from soxp_portal.offers.reports import write_eligibility_report
from soxp_portal.rules.terms import AwardType, GrantDateRule, RatioStage

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)


@pytest.fixture
def demos(soxp_2003: Offer):
    call_command("loaddata", "exchange-2009", verbosity=0)
    return set_up_demo(today=TODAY), set_up_banded_demo(today=TODAY)


def report(offer: Offer) -> dict[str, dict[str, str]]:
    out = io.StringIO()
    write_eligibility_report(offer, out, on=offer.cancellation_date() - timedelta(days=1))
    return {row["grant_id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}


def test_banded_demo_is_open_with_exchange_2009_terms(demos) -> None:
    offer = demos[1].offer
    source = Offer.objects.get(slug="exchange-2009")
    assert offer.slug == BANDED_SLUG
    opened = offer.opens_at.astimezone(offer.zone).date()
    assert abs((TODAY - opened).days - OPENED_DAYS_AGO) <= 3
    assert offer.phase(offer.opens_at + timedelta(days=OPENED_DAYS_AGO)) is OfferPhase.OPEN
    closes = offer.expires_at.astimezone(offer.zone)
    assert (closes.hour, closes.minute) == (17, 0), "5:00 pm Pacific, as exchange-2009"
    terms, source_terms = offer.terms, source.terms
    assert terms.price_bands == source_terms.price_bands
    assert terms.award_by_country == source_terms.award_by_country
    assert terms.grant_date_rule is GrantDateRule.AT_CLOSE
    assert offer.new_grant_date() == offer.cancellation_date()
    assert terms.ratio_stage is RatioStage.PRELIMINARY
    assert offer.ratios_set_at == offer.opens_at


def test_a_deadline_moved_onto_a_holiday_moves_to_the_next_business_day(soxp_2003: Offer) -> None:
    """Set up on 2026-12-06, whole weeks put the deadline on Friday, December 25: it is the Monday after."""
    call_command("loaddata", "exchange-2009", verbosity=0)
    offer = set_up_banded_demo(today=date(2026, 12, 6)).offer
    closes = offer.expires_at.astimezone(offer.zone)
    assert (closes.date(), closes.hour) == (date(2026, 12, 28), 17)
    assert offer.original_expires_at == offer.expires_at
    assert offer.new_grant_date() == date(2026, 12, 28)


def test_every_band_of_both_awards_has_a_demo_employee(demos) -> None:
    offer = demos[1].offer
    terms = offer.terms
    rows = report(offer)
    covered = set()
    for grant in Grant.objects.filter(grant_id__in=rows).select_related("employee"):
        if rows[grant.grant_id]["eligible"] == "true":
            award = terms.award_for(grant.employee.work_country)
            band = terms.band_for(grant.exercise_price, award)
            covered.add((award, terms.bands_of(award).index(band)))
    assert covered == {(award, index) for award in (AwardType.OPTION, AwardType.RSU) for index in range(4)}


def test_banded_demo_census_shows_each_edge_and_ineligible_case(demos) -> None:
    rows = report(demos[1].offer)

    def verdict(grant_id: str) -> tuple[str, str]:
        return rows[grant_id]["eligible"], rows[grant_id]["new_shares_if_exchanged"]

    assert verdict("GS-2001-1") == ("true", "497")  # $19.01, band 1's lower edge; 1,000 / 2.01 rounded down
    assert verdict("GS-2001-2") == ("true", "746")  # $22.50, band 1's upper edge (included)
    assert verdict("GS-2003-1") == ("true", "461")  # $22.51, band 2; in Canada, options
    assert verdict("GS-2002-3") == ("true", "252")  # $40.00, the top band's upper edge
    assert verdict("GS-2004-1") == ("true", "500")  # in GB: RSUs at 1 for 6.00
    assert "not above the $19.00 threshold" in rows["GS-2001-3"]["reason"]  # $19.00 exactly
    assert "falls in none of the offer's price bands" in rows["GS-2002-4"]["reason"]  # $40.01
    assert "executive officer" in rows["GS-2007-1"]["reason"]
    assert "works in FR" in rows["GS-2008-1"]["reason"]
    assert "a plan this offer does not cover" in rows["GS-2009-1"]["reason"]


def test_each_demo_census_is_tenderable_in_its_own_offer_only(demos) -> None:
    demo_2003, demo_2009 = (demo.offer for demo in demos)
    in_2003, in_2009 = report(demo_2003), report(demo_2009)
    assert {grant_id for grant_id, row in in_2003.items() if row["eligible"] == "true"} <= {
        grant.grant_id for grant in Grant.objects.filter(grant_id__startswith="G-")
    }
    assert all(row["eligible"] == "false" for grant_id, row in in_2009.items() if grant_id.startswith("G-"))
    now = demo_2009.opens_at + timedelta(days=OPENED_DAYS_AGO)
    assert current_offer(now, Employee.objects.get(employee_id="E1001")) == demo_2003
    assert current_offer(now, Employee.objects.get(employee_id="S2004")) == demo_2009
    assert current_offer(now, Employee.objects.get(employee_id="S2008")) is not None  # eligible nowhere


def test_setting_up_both_demos_again_changes_nothing(demos) -> None:
    before = list(Grant.objects.order_by("pk").values_list("grant_id", "grant_date", "employee_id"))
    bands = list(
        PriceBand.objects.filter(offer=demos[1].offer).values_list("award_type", "lower", "ratio_tendered")
    )
    again = set_up_demo(today=TODAY), set_up_banded_demo(today=TODAY)
    assert [demo.offer.pk for demo in again] == [demo.offer.pk for demo in demos]
    assert (
        again[1].census.summary()["grants_unchanged"]
        == Grant.objects.filter(grant_id__startswith="GS-").count()
    )
    assert (
        again[0].census.summary()["grants_unchanged"]
        == Grant.objects.filter(grant_id__startswith="G-").count()
    )
    assert list(Grant.objects.order_by("pk").values_list("grant_id", "grant_date", "employee_id")) == before
    after = list(
        PriceBand.objects.filter(offer=demos[1].offer).values_list("award_type", "lower", "ratio_tendered")
    )
    assert after == bands
    assert len(after) == 8
    assert Offer.objects.filter(slug__in=[DEMO_SLUG, BANDED_SLUG]).count() == 2


def test_administrator_sees_both_demo_offers_on_the_console(demos, client) -> None:
    client.force_login(User.objects.get(email="admin@example.com"))
    page = client.get("/console/").content.decode()
    for demo in demos:
        assert demo.offer.name in page
        assert client.get(f"/console/offers/{demo.offer.slug}/").status_code == 200


def test_command_sets_up_both_and_prints_their_logins(soxp_2003: Offer, capsys) -> None:
    call_command("loaddata", "exchange-2009", verbosity=0)
    call_command("setup_demo")
    call_command("setup_demo")
    out = capsys.readouterr().out
    assert f"password for all: {DEMO_PASSWORD}" in out
    for email in ("sam.slide@example.com", "bea.bandone@example.com", "rhys.units@example.com"):
        assert email in out
    assert Offer.objects.filter(slug__in=[DEMO_SLUG, BANDED_SLUG]).count() == 2
    assert all(
        offer.phase(timezone.now()) is OfferPhase.OPEN
        for offer in Offer.objects.filter(slug__startswith="demo")
    )


def test_command_needs_exchange_2009(soxp_2003: Offer) -> None:
    with pytest.raises(Exception, match=r"run `manage\.py loaddata exchange-2009` first"):
        call_command("setup_demo")
