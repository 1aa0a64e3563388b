"""The Compare page: keep against exchange at an assumed new price and growth (slides 11 and 15)."""

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from soxp_portal.offers.models import Offer
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.portal.conftest import url

pytestmark = pytest.mark.django_db


def text(html: str) -> str:
    """The page's words with tags dropped and spaces folded, so a figure split by markup still reads."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def slide_11_client(client, offer: Offer):
    """Signed in as an employee with one eligible grant: 1,000 shares at $6.00 (slides 11 and 15)."""
    employee = EmployeeFactory(first_name="Eve", last_name="Eleven")
    GrantFactory(employee=employee, grant_id="G-SLIDE", shares_granted=1000, exercise_price=Decimal("6.00"))
    client.force_login(employee.user)
    return client


def test_slide_11_and_15_figures_at_the_reference_price(slide_11_client, offer) -> None:
    response = slide_11_client.get(url("compare", offer))
    assert response.status_code == 200
    page = text(response.content.decode())
    assert "$1.50 is the stock administrator's reference price" in page
    assert "Exchanging yields more below $19.50 a share; keeping yields more above it." in page
    # Slide 11's row at $10 and at $20: keep $4,000 against exchange $6,375; $14,000 against $13,875.
    assert "$10.00 $4,000.00 $6,375.00 Exchange, by $2,375.00" in page
    assert "$20.00 $14,000.00 $13,875.00 Keep, by $125.00" in page
    assert "$19.50 crossover $13,500.00 $13,500.00 Same" in page
    # Slide 15's path at 50% a year, with the band from the administrator's 80%.
    for price in ("$1.50", "$2.25", "$3.38", "$5.06", "$7.59"):
        assert price in page
    assert "Jul 21, 2004 $2.25 $1.01 \N{EN DASH} $5.01 $0.00 $562.50" in page
    assert "volatility of 80%" in page
    assert "fully vested on January 21, 2006" in page
    assert "No one can know what the new exercise price will be" in page
    assert "The offer's documents (the Offer to Exchange) govern" in page


def test_the_chart_is_inline_svg_without_style_attributes(slide_11_client, offer) -> None:
    html = slide_11_client.get(url("compare", offer)).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert "<polyline" in svg
    assert "crossover $19.50" in svg
    assert "style=" not in svg
    assert "<script" not in html.split('<script src="', 1)[0]


def test_the_employee_chooses_the_price_and_the_growth(slide_11_client, offer) -> None:
    response = slide_11_client.get(url("compare", offer), {"price": "$2.00", "growth": "25%"})
    page = text(response.content.decode())
    assert response.status_code == 200
    assert "The price you typed." in page
    # 1,000 x 6 - 750 x 2 over 250 shares: $18.00.
    assert "Exchanging yields more below $18.00 a share" in page
    assert "If the share price grows 25% a year" in page
    assert 'value="2.00"' in response.content.decode()
    assert "$3.91" in page  # 2 x 1.25^3 = 3.90625


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"price": "abc"}, "Enter the price as a number of dollars"),
        ({"price": "0"}, "The assumed price must be more than $0."),
        ({"price": "1.23456"}, "no more than 4 decimal places"),
        ({"growth": "lots"}, "Enter the growth as a percentage"),
        ({"growth": "-95"}, "greater than or equal to -90"),
    ],
)
def test_a_bad_value_is_named_and_the_defaults_are_shown(slide_11_client, offer, params, words) -> None:
    response = slide_11_client.get(url("compare", offer), params)
    page = text(response.content.decode())
    assert response.status_code == 400
    assert "could not be used, so the page shows the defaults instead" in page
    assert words in page
    assert f"“{next(iter(params.values()))}”" in page, "what was typed is quoted"
    assert "$1.50 is the stock administrator's reference price" in page
    assert "Exchanging yields more below $19.50" in page
    assert "If the share price grows 50% a year" in page


@pytest.mark.parametrize(
    ("growth", "words", "last_price"),
    [
        ("-10", "If the share price falls 10% a year", "$1.31"),
        ("0", "If the share price stays the same", None),
    ],
)
def test_a_fall_or_no_growth_is_said_so(slide_11_client, offer, growth, words, last_price) -> None:
    page = text(slide_11_client.get(url("compare", offer), {"price": "2", "growth": growth}).content.decode())
    assert words in page
    if last_price:
        assert last_price in page  # 2 x 0.9^4 = 1.3122


def test_without_a_reference_price_the_employee_types_one(slide_11_client, offer) -> None:
    Offer.objects.filter(pk=offer.pk).update(reference_price=None, volatility=None)
    page = text(slide_11_client.get(url("compare", offer)).content.decode())
    assert "The stock administrator has not set a reference price." in page
    assert "Exchanging yields more below" not in page

    page = text(slide_11_client.get(url("compare", offer), {"price": "1.50"}).content.decode())
    assert "Exchanging yields more below $19.50" in page
    assert "No volatility is set, so no band is shown" in page
    assert "Band (low" not in page


def test_the_known_new_exercise_price_is_the_default(slide_11_client, offer) -> None:
    Offer.objects.filter(pk=offer.pk).update(new_exercise_price=Decimal("1.25"))
    page = text(slide_11_client.get(url("compare", offer)).content.decode())
    assert "The new exercise price, $1.25, is known" in page


def test_slide_9_grants_together_and_each_alone(sam_client, offer) -> None:
    page = text(sam_client.get(url("compare", offer)).content.decode())
    assert "Keep 2,300 shares at their current exercise prices, or exchange them for 1,725 new shares" in page
    assert "Exchanging yields more below $12.02 a share" in page
    assert "Grant G-1004: 500 shares at $0.40 → 375 new at $1.50 Required" in page
    assert (
        "At no share price does exchanging yield more than keeping: the new exercise price is not below this grant's."
        in page
    )  # G-1004 alone
    assert "G-1003" not in page, "an ineligible grant is not compared"


def test_an_employee_sees_only_their_own_grants(sam_client, offer, bob) -> None:
    GrantFactory(employee=bob, grant_id="G-BOB", exercise_price=Decimal("9.99"))
    html = sam_client.get(url("compare", offer)).content.decode()
    assert "G-1001" in html
    assert "G-BOB" not in html
    assert "$9.99" not in html


def test_an_employee_with_no_eligible_grant_is_told_there_is_nothing_to_compare(client, offer) -> None:
    officer = EmployeeFactory(is_executive_officer=True)
    GrantFactory(employee=officer)
    client.force_login(officer.user)
    page = text(client.get(url("compare", offer)).content.decode())
    assert "There is nothing to compare" in page
    assert "You are not eligible for this offer because you are an executive officer of the company" in page
    assert "<form" not in page.split("There is nothing to compare")[1]


def test_the_election_page_and_the_menu_link_to_it(sam_client, offer) -> None:
    html = sam_client.get(url("elect", offer)).content.decode()
    assert f'href="{url("compare", offer)}">Compare keeping and exchanging</a>' in html
    assert f'href="{url("compare", offer)}">Compare</a>' in html


def test_anonymous_users_are_sent_to_sign_in(client, offer) -> None:
    response = client.get(url("compare", offer))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_without_an_employee_record_are_forbidden(client, offer) -> None:
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url("compare", offer)).status_code == 403


def compare_queries(client, offer, grants: int) -> int:
    employee = EmployeeFactory()
    for n in range(grants):
        GrantFactory(employee=employee, grant_id=f"C{grants}-{n}", exercise_price=Decimal(4 + n % 7))
    client.force_login(employee.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("compare", offer), {"growth": "25"}).status_code == 200
    return len(queries)


def test_query_count_does_not_grow_with_the_number_of_grants(client, offer) -> None:
    assert compare_queries(client, offer, 2) == compare_queries(client, offer, 30)
