"""The console's Exchange ratios page: the inputs, the Black-Scholes working per band, the proposal saved
as preliminary or final through set_band_ratios, and the refusal with too few business days left."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Offer, PriceBand, RatioSetting

pytestmark = pytest.mark.django_db

D = Decimal
FRIDAY_JAN_3 = datetime(2003, 1, 3, 18, 0, tzinfo=UTC)
MONDAY_JAN_6 = datetime(2003, 1, 6, 18, 0, tzinfo=UTC)
INPUTS = {
    "share_price": "5.00",
    "volatility_percent": "60",
    "risk_free_rate_percent": "3",
    "new_term_years": "4",
    "old_term_years": "3",
    "target_percent": "90",
    "stage": "preliminary",
}


@pytest.fixture
def banded(soxp_2003: Offer) -> Offer:
    PriceBand.objects.create(
        offer=soxp_2003, position=1, lower=D(0), upper=D(5), ratio_new=D(1), ratio_tendered=D(2)
    )
    PriceBand.objects.create(offer=soxp_2003, position=2, lower=D(5), ratio_new=D(1), ratio_tendered=D(1))
    return soxp_2003


def url(offer: Offer) -> str:
    return reverse("console:offer-ratios", args=[offer.slug])


def test_the_proposal_shows_every_input_and_intermediate_value(staff_client, banded) -> None:
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        inputs = {name: value for name, value in INPUTS.items() if name != "stage"}  # not on the page yet
        response = staff_client.post(url(banded), {**inputs, "old_term_option_2": "5", "action": "propose"})
    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "d1",
        "d2",
        "N(d1)",
        "N(d2)",
        "Value surrendered",
        "Value new",
        "X exact",
        "Proposed ratio",
    ):
        assert f">{heading}</th>" in page
    rows = response.context["rows"]
    assert [row["name"] for row in rows] == ["Option band 1", "Option band 2"]
    assert rows[1]["proposal"].old_term_years == D(5)
    proposal = rows[0]["proposal"]
    assert f"{proposal.old.d1:.4f}" in page
    assert f"{proposal.new.n_d2:.4f}" in page
    assert f"1 new for {proposal.tendered_per_new} tendered" in page
    assert "S = $5.00" in page
    assert "target 90%" in page
    assert f'name="expected_option_1" value="{proposal.tendered_per_new}"' in page
    assert not RatioSetting.objects.exists()


def test_saving_sets_the_bands_and_is_audited(staff_client, banded) -> None:
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        shown = staff_client.post(url(banded), {**INPUTS, "action": "propose"}).context["rows"]
        expected = {row["field"]: str(row["proposal"].tendered_per_new) for row in shown}
        response = staff_client.post(url(banded), {**INPUTS, **expected, "stage": "final", "action": "save"})
    assert response.status_code == 302
    banded.refresh_from_db()
    assert banded.ratio_stage == "final"
    assert (
        PriceBand.objects.get(offer=banded, position=1).ratio_tendered
        == shown[0]["proposal"].tendered_per_new
    )
    assert AuditEvent.objects.filter(event_type=AuditEventType.OFFER_RATIOS_SET).count() == 1
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        page = staff_client.get(url(banded)).content.decode()
    assert "Ratios set so far" in page
    assert 'value="5.00"' in page  # the inputs kept are offered again


def test_too_few_business_days_left_is_refused_with_a_link_to_extend(staff_client, banded) -> None:
    with time_machine.travel(MONDAY_JAN_6, tick=False):
        page = staff_client.get(url(banded)).content.decode()
        shown = staff_client.post(url(banded), {**INPUTS, "action": "propose"}).context["rows"]
        expected = {row["field"]: str(row["proposal"].tendered_per_new) for row in shown}
        response = staff_client.post(url(banded), {**INPUTS, **expected, "action": "save"})
    assert "Only 9 business days remain" in page
    assert reverse("console:offer-extend", args=[banded.slug]) in page
    assert response.status_code == 200
    assert "extend the offer first" in response.content.decode()
    assert PriceBand.objects.get(offer=banded, position=1).ratio_tendered == D(2)
    refusal = AuditEvent.objects.get(event_type=AuditEventType.CONSOLE_REFUSED)
    assert refusal.data["action"] == "offer.ratios"


def test_bad_inputs_are_named_and_nothing_changes(staff_client, banded) -> None:
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        response = staff_client.post(url(banded), {**INPUTS, "volatility_percent": "0", "action": "save"})
    assert response.status_code == 200
    assert response.context["form"].errors["volatility_percent"]
    assert not RatioSetting.objects.exists()


def test_a_flat_offer_says_to_add_bands(staff_client, soxp_2003) -> None:
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        page = staff_client.get(url(soxp_2003)).content.decode()
    assert "This offer has one flat ratio." in page


def test_the_terms_page_links_to_the_ratios_when_the_offer_has_bands(staff_client, banded) -> None:
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        page = staff_client.get(reverse("console:offer-edit", args=[banded.slug])).content.decode()
    assert url(banded) in page


def test_the_locked_terms_show_the_bands_per_award_and_the_ratio_stage(staff_client, banded) -> None:
    Offer.objects.filter(pk=banded.pk).update(
        award_by_country={"GB": "rsu"}, grant_date_rule="at_close", ratio_stage="preliminary"
    )
    PriceBand.objects.create(
        offer=banded,
        award_type="rsu",
        position=1,
        lower=D(0),
        upper=D(5),
        ratio_new=D(1),
        ratio_tendered=D(6),
    )
    PriceBand.objects.create(
        offer=banded,
        award_type="rsu",
        position=2,
        lower=D(5),
        ratio_new=D(1),
        ratio_tendered=D("8.5"),
        vesting_cliff_months=12,
        vesting_cliff_fraction=D("0.25"),
        vesting_monthly_installments=36,
    )
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        page = staff_client.get(reverse("console:offer-edit", args=[banded.slug])).content.decode()
    assert "Exchange ratios</dt>" in page
    assert "Preliminary; rounded up per grant" in page
    assert "For new options:<ul" in page
    assert (
        "<li>$0.00 or higher and below $5.00: 1 new for 2 tendered; vesting: the offer&#x27;s vesting</li>"
        in page
    )
    assert "For restricted stock units (RSUs):" in page
    assert (
        "$5.00 or higher: 1 new for 8.5 tendered; vesting: 25% after 12 months, the rest in 36 monthly instalments"
        in page
    )
    assert "GB: restricted stock units (RSUs)" in page
    assert "At the close, on the expiration date" in page


def test_a_flat_offers_terms_read_as_before(staff_client, soxp_2003) -> None:
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        page = staff_client.get(reverse("console:offer-edit", args=[soxp_2003.slug])).content.decode()
    assert "0.75 new share per tendered share, rounded up per grant" in page
    for absent in (
        "Exchange ratios</dt>",
        "New award</dt>",
        "Other awards by work country",
        "New grant</dt>",
    ):
        assert absent not in page
