"""The Compare page's model values, the six-month gap as probabilities, a reverse split and the gap in
holdings (issue 13), checked against the rules computed independently."""

from datetime import date
from decimal import Decimal

import pytest

from soxp_portal.offers.models import Offer
from soxp_portal.rules.valuation import (
    KeptGrant,
    LognormalStep,
    black_scholes_call,
    exchange_wins_probabilities,
    forward_start_call,
    price_percentiles,
    to_cents,
)
from soxp_portal.rules.wording import format_money
from tests.factories import EmployeeFactory, GrantFactory
from tests.portal.conftest import url
from tests.portal.test_compare_view import text

pytestmark = pytest.mark.django_db

TODAY = date(2003, 1, 10)  # DURING_OFFER in the offer's zone
EXPIRES = date(2010, 5, 20)  # the slide 11 grant: granted 2000-05-20, ten years


@pytest.fixture
def slide_11_client(client, offer: Offer):
    """1,000 shares at $6.00 granted 2000-05-20 (slides 11 and 15); soxp-2003 assumes $1.50, 80%, 4%."""
    employee = EmployeeFactory(first_name="Eve", last_name="Eleven")
    GrantFactory(employee=employee, grant_id="G-SLIDE", shares_granted=1000, exercise_price=Decimal("6.00"))
    client.force_login(employee.user)
    return client


def page_text(client, offer, **params) -> str:
    response = client.get(url("compare", offer), params)
    assert response.status_code == 200, text(response.content.decode())[:500]
    return text(response.content.decode())


def test_value_today_is_black_scholes_for_the_grant_and_a_forward_start_call_for_the_new_options(
    slide_11_client, offer
) -> None:
    page = page_text(slide_11_client, offer)
    keep = to_cents(1000 * black_scholes_call(1.5, 6.0, 0.04, 0.8, (EXPIRES - TODAY).days / 365))
    exchange = to_cents(750 * forward_start_call(1.5, 0.04, 0.8, 10))
    assert (
        f"Today, in this model, your eligible grants kept are worth {format_money(keep)} ; the new options "
        f"they would be exchanged for, {format_money(exchange)}" in page
    )
    assert f"G-SLIDE 1,000 at $6.00 7.4 {format_money(keep)} 750 {format_money(exchange)}" in page
    assert (
        "The values assume the Black-Scholes model: from $1.50 a share on January 10, 2003, the share price "
        "moves at random with a volatility of 80% a year and grows on average at the risk-free rate of 4% a "
        "year, no dividends are paid, each option is exercised only at the end of its term, and you stay "
        "employed throughout." in page
    )
    assert "These are model values, not promises" in page
    assert "the stock administrator's reference price" in page


def test_the_gap_as_probabilities(slide_11_client, offer) -> None:
    page = page_text(slide_11_client, offer)
    to_grant = LognormalStep(0.04, 0.8, (date(2003, 7, 21) - TODAY).days / 365)
    to_horizon = LognormalStep(0.04, 0.8, (date(2006, 1, 21) - date(2003, 7, 21)).days / 365)
    low, median, high = (format_money(to_cents(p)) for p in price_percentiles(1.5, to_grant))
    assert f"5th {low} 5 chances in 100 of being lower 50th {median}" in page
    assert f"95th {high} 95 chances in 100 of being lower" in page
    chance = exchange_wins_probabilities(1.5, to_grant, to_horizon, [KeptGrant(6.0, 1000, 750)])[0]
    assert f"G-SLIDE {Decimal(repr(chance * 100)).quantize(Decimal('0.1'))}%" in page
    assert "worth more than keeping on January 21, 2006, when the new options have fully vested" in page
    assert "a simulation of 100,000 price paths with a fixed seed (20030120)" in page
    assert "<svg" in slide_11_client.get(url("compare", offer)).content.decode().split("gap-heading", 1)[1]


def test_the_employee_sets_todays_price_the_volatility_and_the_rate(slide_11_client, offer) -> None:
    page = page_text(slide_11_client, offer, spot="2.00", volatility="60", rate="5")
    keep = to_cents(1000 * black_scholes_call(2.0, 6.0, 0.05, 0.6, (EXPIRES - TODAY).days / 365))
    assert f"worth {format_money(keep)} ;" in page
    assert "Share price today: $2.00, the price you typed" in page
    assert "Risk-free rate 5% a year (the rate you typed" in page
    assert "volatility 60% (the volatility you typed)" in page
    assert "a yearly volatility of 60% , the volatility you typed" in page  # the band uses it too


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"volatility": "0"}, "greater than or equal to 1"),
        ({"rate": "30"}, "less than or equal to 25"),
        ({"spot": "0"}, "share price must be more than $0."),
        ({"split": "1.5"}, "Enter a whole number of shares"),
        ({"split": "0"}, "greater than or equal to 1"),
        ({"split": "101"}, "less than or equal to 100"),
    ],
)
def test_bad_assumptions_are_named_and_the_defaults_shown(slide_11_client, offer, params, words) -> None:
    response = slide_11_client.get(url("compare", offer), params)
    assert response.status_code == 400
    page = text(response.content.decode())
    assert words in page
    assert "Exchanging yields more below $19.50" in page  # the defaults, no split


def test_without_a_volatility_the_model_sections_say_so(slide_11_client, offer) -> None:
    Offer.objects.filter(pk=offer.pk).update(volatility=None)
    page = page_text(slide_11_client, offer)
    assert "No volatility is set, so the model cannot value the options." in page
    assert "No volatility is set, so the model cannot say how likely each outcome is." in page
    assert "worth" in page_text(slide_11_client, offer, volatility="80")


def test_the_real_offers_one_for_three_split_applies_to_both_sides_everywhere(slide_11_client, offer) -> None:
    """1,000 at $6.00 becomes 334 at $18.00; 750 at $1.50 becomes 250 at $4.50, and every table follows."""
    page = page_text(slide_11_client, offer, split="3")
    assert "After a 1-for-3 reverse split" in page
    assert "G-SLIDE 1,000 → 334 $6.00 → $18.00 750 → 250" in page
    assert "Assumed new exercise price $1.50 → $4.50" in page
    assert "rounded up to a whole share; prices are multiplied by 3 exactly" in page
    # The breakeven table after the split: 334 x (60 - 18) against 250 x (60 - 4.50).
    assert "$60.00 $14,028.00 $13,875.00 Keep, by $153.00" in page
    assert "Exchanging yields more below $58.18 a share" in page  # (18 x 334 - 4.5 x 250) / 84
    assert "Keep 334 shares at their current exercise prices, or exchange them for 250 new shares" in page
    assert "250 of 250" in page  # the path's vesting counts split shares
    keep = to_cents(334 * black_scholes_call(4.5, 18.0, 0.04, 0.8, (EXPIRES - TODAY).days / 365))
    assert f"G-SLIDE 334 at $18.00 7.4 {format_money(keep)} 250" in page
    assert "Share price today: $4.50, the same as the assumed new exercise price" in page
    assert "After a 1-for-3 reverse split" not in page_text(slide_11_client, offer)


def test_what_is_held_during_the_gap(slide_11_client, offer) -> None:
    """Granted 2000-05-20 under the assumed four-year schedule (a quarter on 2001-05-20, then 1/36 of the
    rest a month): 250 + 750 x 20/36 by the cancellation date (2003-01-20), 250 + 750 x 26/36 by the new
    grant date (2003-07-21); exchanged, none."""
    page = page_text(slide_11_client, offer)
    assert "G-SLIDE 1,000 666 791 0" in page
    assert (
        "If for any reason you are not employed in the United States on July 21, 2003, nothing is granted: "
        "you receive no new options and nothing else for the cancelled grants." in page
    )
    assert (
        "the vested shares assume the schedule the stock administrator sets for the current grants: 25% vests "
        "12 months after the grant date, the rest in 36 equal monthly parts after that; exercised shares are "
        "taken off what has vested. This is the administrator's assumption: your grant agreement governs."
        in page
    )


def test_the_gap_follows_the_schedule_set_on_the_offer(slide_11_client, offer) -> None:
    """Another assumed schedule, other counts: half on 2000-11-20, then 1/30 of the rest a month, so
    500 + 500 x 26/30 by the cancellation date and all 1,000 (after 32 months) by the new grant date."""
    Offer.objects.filter(pk=offer.pk).update(
        current_vesting_cliff_months=6,
        current_vesting_cliff_fraction=Decimal("0.5"),
        current_vesting_installments=30,
    )
    page = page_text(slide_11_client, offer)
    assert "G-SLIDE 1,000 933 1,000 0" in page
    assert "50% vests 6 months after the grant date, the rest in 30 equal monthly parts after that" in page
    assert "G-SLIDE 334 311 334 0" in page_text(slide_11_client, offer, split="3")  # rounded up per grant


def test_without_a_schedule_on_the_offer_no_vested_shares_are_invented(slide_11_client, offer) -> None:
    Offer.objects.filter(pk=offer.pk).update(
        current_vesting_cliff_months=None,
        current_vesting_cliff_fraction=None,
        current_vesting_installments=None,
    )
    page = page_text(slide_11_client, offer)
    section = page[page.index("What you hold during the gap") : page.index("Each grant on its own")]
    assert "Grant Shares kept If exchanged G-SLIDE 1,000 0" in section
    assert "Vested by" not in section
    assert (
        "The offer states no vesting schedule for your current grants and the portal's records hold none, so "
        "this page does not say how many shares of each would have vested by these dates." in section
    )
    assert (
        "If for any reason you are not employed in the United States on July 21, 2003, nothing is granted: "
        "you receive no new options and nothing else for the cancelled grants." in section
    )
