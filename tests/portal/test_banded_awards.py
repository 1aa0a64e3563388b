"""Issue 15, the employee side: every page and document an employee meets follows the offer's price
bands, the employee's award (new options, or RSUs by work country), the grant date rule and the ratio
stage. soxp-2003 (flat, options after a gap, final ratios) keeps its wording: its own tests and
tests/portal/test_terms_everywhere.py hold it.

The offer (``tests.factories.banded_offer``) has soxp-2003's dates: it expires Monday January 20, 2003,
a holiday, so an award granted at the close is granted on the next business day, January 21, 2003.
Grants G-A ($4.50, 1,000 shares), G-B ($6.00, 940) and G-C ($12.00, 900) fall in bands 1, 2 and 3:
options at 1 for 1.5, 1 for 1.88 and 1 for 3 give 667, 500 and 300 (rounded up); RSUs at 1 for 3,
1 for 4 and 1 for 6 give 334, 235 and 150. Band 3 vests 25% after 12 months, then 36 monthly parts.
"""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from soxp_portal.documents.elections import election_document
from soxp_portal.offers.models import Election, Employee, Offer
from soxp_portal.offers.queries import employee_status
from soxp_portal.offers.tasks import confirmation_message
from soxp_portal.portal.compare import Assumptions, PriceSource, SpotSource, compare_page
from soxp_portal.rules import valuation
from soxp_portal.rules.corporate_actions import ReverseSplit
from tests.documents.pdf_text import pdf_text
from tests.factories import EmployeeFactory, GrantFactory, banded_offer
from tests.portal.conftest import ACKS, url
from tests.portal.test_terms_everywhere import visible_text

pytestmark = pytest.mark.django_db

GRANTS = (("G-A", "4.50", 1000), ("G-B", "6.00", 940), ("G-C", "12.00", 900))
CHOICES = {"tender-G-A": "1000", "tender-G-B": "940", "tender-G-C": "900"}
PRELIMINARY = "The exchange ratios are preliminary and may change."


def holder(country: str, prefix: str = "") -> Employee:
    """An employee working in `country` holding G-A, G-B and G-C (`prefix` tells two holders' apart)."""
    employee = EmployeeFactory(work_country=country, first_name="Robin", last_name="Banded")
    for grant_id, price, shares in GRANTS:
        GrantFactory(
            grant_id=f"{prefix}{grant_id}",
            employee=employee,
            exercise_price=Decimal(price),
            shares_granted=shares,
        )
    return employee


def make_offer(**values: object) -> Offer:
    return banded_offer(reference_price=Decimal("1.50"), volatility=Decimal("0.6"), **values)


def signed_in(client: Client, employee: Employee) -> Client:
    client.force_login(employee.user)
    return client


def text(client: Client, offer: Offer, name: str, *args: str) -> str:
    response = client.get(url(name, offer, *args))
    assert response.status_code == 200, name
    return visible_text(response.content.decode())


def review(client: Client, offer: Offer) -> str:
    response = client.post(url("elect", offer), {**CHOICES, "expected_version": 0})
    assert response.status_code == 200
    return visible_text(response.content.decode())


def submit(client: Client, offer: Offer, employee: Employee) -> Election:
    data = {**CHOICES, **ACKS, "expected_version": 0, "signature": employee.full_name}
    response = client.post(url("confirm", offer), {**data, "submission_token": str(uuid.uuid4())})
    assert response.status_code == 302, visible_text(response.content.decode())
    return Election.objects.get(offer=offer, employee=employee)


def election_pdf(client: Client, offer: Offer, election: Election) -> str:
    return pdf_text(client.post(url("election-pdf", offer, election.confirmation_number)).content)


def test_my_options_states_each_grants_band_ratio_new_shares_and_band_vesting(client, during_offer) -> None:
    offer, employee = make_offer(), holder("US")
    page = text(signed_in(client, employee), offer, "grants")
    assert "667 band 1: 1 new for 1.5 tendered" in page
    assert "500 band 2: 1 new for 1.88 tendered" in page
    assert "300 band 3: 1 new for 3 tendered" in page
    # Band 3 vests on its own schedule (25% at 12 months), the others on the offer's (50% at 6 months).
    assert "Vesting of the new option (300 shares) if exchanged: 75 on Jan 21, 2004" in page
    assert "all 300 by Jan 21, 2007" in page
    assert "Vesting of the new option (667 shares) if exchanged: 333 on Jul 21, 2003" in page
    assert "$10.00 or higher 1 new for 3 tendered 25% vests 12 months after the new grant date" in page
    assert "granted at the close on January 21, 2003: there is no gap" in page
    assert "Exchange ratio 0.75" not in page


def test_an_rsu_employee_sees_units_and_no_exercise_price(client, during_offer) -> None:
    offer, employee = make_offer(), holder("GB")
    client = signed_in(client, employee)
    options = text(client, offer, "grants")
    assert "RSUs if exchanged" in options
    assert "334 band 1: 1 new for 3 tendered" in options
    assert "235 band 2: 1 new for 4 tendered" in options
    assert "150 band 3: 1 new for 6 tendered" in options
    assert "an RSU has no exercise price" in options
    assert "Exercise price: the closing price" not in options
    home = text(client, offer, "offer")
    assert "Restricted stock units (RSUs): one share each as it vests, no exercise price" in home
    assert "New grant date January 21, 2003, at the close: no gap" in home
    elect = text(client, offer, "elect")
    assert "→ 150 RSUs if exchanged (band 3, $10.00 or higher: 1 new for 6 tendered)" in elect


def test_the_review_of_an_rsu_election_at_the_close(client, during_offer) -> None:
    offer, employee = make_offer(), holder("GB")
    page = review(signed_in(client, employee), offer)
    assert "G-C May 20, 2000 $12.00 900 150 RSUs band 3: 1 new for 6 tendered 37 on Jan 21, 2004" in page
    assert "Total 2,840 719 RSUs" in page
    assert "Restricted stock units (RSUs) are granted at the close, on January 21, 2003" in page
    assert "there is no six-month gap" in page
    assert "An RSU has no exercise price" in page
    assert "You cannot receive any other option grant before the new grant date." not in page
    assert "Exercise price:" not in page
    # The acknowledgements say what is true of RSUs granted at the close.
    assert "I receive the RSUs only if I am still employed" in page
    assert "I understand that the RSUs have no exercise price and deliver shares only as they vest." in page
    assert "I will receive no other option grant" not in page


def test_an_option_employee_after_a_gap_keeps_the_gap_words(client, during_offer) -> None:
    offer, employee = make_offer(grant_date_rule="after_gap"), holder("US")
    client = signed_in(client, employee)
    page = review(client, offer)
    assert "G-B May 20, 2000 $6.00 940 500 band 2: 1 new for 1.88 tendered" in page
    assert "at least 6 months and 1 day after the cancellation date: expected on July 21, 2003" in page
    assert "You cannot receive any other option grant before the new grant date." in page
    assert (
        "I will receive no other option grant before the new grant date, and the new exercise price" in page
    )
    compare = text(client, offer, "compare")
    assert "What you hold during the gap" in compare
    assert "The six-month gap as a probability" in compare


def test_the_election_record_and_form_of_an_rsu_employee(client, during_offer) -> None:
    offer, employee = make_offer(), holder("GB")
    client = signed_in(client, employee)
    election = submit(client, offer, employee)
    assert [line.new_shares for line in election.tendered_grants.order_by("grant__exercise_price")] == [
        334,
        235,
        150,
    ]
    record = text(client, offer, "election", election.confirmation_number)
    assert "Grant Shares tendered RSUs G-A 1,000 334" in record
    form = election_pdf(client, offer, election)
    assert "Election to exchange eligible options for restricted stock units" in form
    assert "$12.00 900 150 band 3: 1 new for 6 tendered" in form
    assert "THE RESTRICTED STOCK UNITS" in form
    assert (
        "January 21, 2003 (expected): at the close, the first business day after the tendered options are"
        in form
    )
    assert "An RSU has no exercise price." in form
    assert "band 1, $0.00 or higher and below $5.00: 1 new for 3 tendered" in form
    assert "G-C 150 37 on January 21, 2004 3 or 4 January 21, 2007" in form
    assert "Exercise price The closing price" not in form
    assert "Option type" not in form
    assert "You will receive no other stock option grant" not in form
    assert "The RSUs are governed by the 2000 Stock Option Plan and its RSU agreement." in form


def test_the_form_of_an_option_employee_keeps_the_new_option_terms(client, during_offer) -> None:
    offer, employee = make_offer(), holder("US")
    client = signed_in(client, employee)
    form = election_pdf(client, offer, submit(client, offer, employee))
    assert "Election to exchange eligible options for new options" in form
    assert "$6.00 940 500 band 2: 1 new for 1.88 tendered" in form
    assert "Exercise price The closing price" in form
    assert "Option type Non-qualified stock option (NSO)" in form
    assert "You will receive no other stock option grant" not in form  # granted at the close


def test_how_it_works_works_the_example_at_its_bands_ratio(client, during_offer) -> None:
    offer = make_offer()
    rsu = pdf_text(signed_in(Client(), holder("GB")).get(url("how-it-works-pdf", offer)).content)
    assert "1,000 ÷ 3 × 1 ≈ 333.33, rounded up to 334 RSUs." in rsu  # noqa: RUF001
    assert "334 + 235 + 150 = 719 RSUs" in rsu
    assert "band 2, $5.00 or higher and below $10.00: 1 new for 4 tendered" in rsu
    assert "None: a restricted stock unit has no exercise price." in rsu
    assert (
        "At the close: the first business day after the cancellation date, expected on January 21, 2003."
        in rsu
    )
    assert "NO OTHER OPTION GRANT BEFORE THE NEW GRANT DATE" not in rsu
    assert "Why are the new options granted later?" not in rsu
    option = text(signed_in(client, holder("US", prefix="US-")), offer, "how-it-works")
    assert "1,000 ÷ 1.5 × 1 ≈ 666.67, rounded up to 667 new shares." in option  # noqa: RUF001


PAGES = ("offer", "grants", "elect", "compare", "how-it-works")


@pytest.mark.parametrize("country", ["US", "GB"])
def test_preliminary_ratios_are_said_on_every_page_and_document_with_figures(
    client, during_offer, country
) -> None:
    offer, employee = make_offer(ratio_stage="preliminary"), holder(country)
    client = signed_in(client, employee)
    places = {name: text(client, offer, name) for name in PAGES}
    places["review"] = review(client, offer)
    places["how it works PDF"] = pdf_text(client.get(url("how-it-works-pdf", offer)).content)
    places["compare PDF"] = pdf_text(client.get(url("compare-pdf", offer)).content)
    places["election form"] = election_pdf(client, offer, submit(client, offer, employee))
    for name, shown in places.items():
        assert PRELIMINARY in shown, name
        assert "announced at least 10 business days before the deadline" in shown, name
        assert "stays in force at the final ratios unless you change or withdraw it" in shown, name


def test_final_ratios_say_nothing_of_a_preliminary_stage(client, during_offer) -> None:
    offer, employee = make_offer(), holder("GB")
    client = signed_in(client, employee)
    for name in PAGES:
        assert "preliminary" not in text(client, offer, name), name


def test_compare_shows_each_grants_band_and_its_new_options(client, during_offer) -> None:
    offer, employee = make_offer(), holder("US")
    page = text(signed_in(client, employee), offer, "compare")
    assert "exchange them for 1,467 new shares (each grant at its band's ratio) at an assumed $1.50" in page
    # G-B: 940 at $6.00 against 500 at $1.50 cross at (940 x 6 - 500 x 1.5) / 440 = $11.11.
    assert (
        "Grant G-B: 940 shares at $6.00 → 500 new at $1.50 (band 2, $5.00 or higher and below $10.00: "
        "1 new for 1.88 tendered) Exchanging yields more below $11.11 a share" in page
    )
    assert "No gap in what you hold" in page
    assert "What you hold during the gap" not in page


def test_compare_values_rsus_as_shares_and_their_chance_in_closed_form(client, during_offer) -> None:
    offer, employee = make_offer(), holder("GB")
    page = text(signed_in(client, employee), offer, "compare")
    assert "exchange them for 719 restricted stock units (RSUs), each grant at its band's ratio" in page
    assert "Assumed share price at grant ($)" in page
    assert "Share price today: $1.50, the same as the assumed share price on the new grant date above" in page
    # 1,000 at $4.50 against 334 RSUs: the RSUs pay 334 x price and cross at 4,500 / 666 = $6.76.
    assert "Grant G-A: 1,000 shares at $4.50 → 334 RSUs (band 1," in page
    assert "Exchanging yields more below $6.76 a share" in page
    assert "$1.50 each" in page  # an RSU is worth today's share price
    assert "its RSUs are worth more wherever units × price beats shares × (price − exercise price)" in page  # noqa: RUF001

    status = employee_status(offer, employee, now=timezone.now())
    assumptions = Assumptions(
        price=Decimal("1.50"),
        source=PriceSource.REFERENCE,
        growth=Decimal("0.5"),
        spot=Decimal("1.50"),
        spot_source=SpotSource.ASSUMED,
        volatility=Decimal("0.6"),
        volatility_is_offers=True,
        rate=Decimal(0),
        rate_is_offers=False,
        split=ReverseSplit(1),
    )
    compared = compare_page(status, assumptions, today=date(2003, 1, 10))
    assert compared.is_rsu
    assert compared.total.new.strike == 0
    assert [item.exchange for item in compared.valuation.grants] == [
        Decimal("501.00"),
        Decimal("352.50"),
        Decimal("225.00"),
    ]
    # The horizon is the last band's vesting end (band 3: 12 + 36 months from January 21, 2003).
    assert compared.outlook.horizon == date(2007, 1, 21)
    assert compared.outlook.chart is None  # no new exercise price to land anywhere
    whole = valuation.LognormalStep(0.0, 0.6, valuation.years_between(date(2003, 1, 10), date(2007, 1, 21)))
    expected = valuation.rsu_wins_probabilities(
        1.5,
        whole,
        [
            valuation.KeptGrant(4.5, 1000, 334),
            valuation.KeptGrant(6.0, 940, 235),
            valuation.KeptGrant(12.0, 900, 150),
        ],
    )
    assert [item.percent for item in compared.outlook.grants] == [
        (Decimal(repr(p)) * 100).quantize(Decimal("0.1")) for p in expected
    ]
    assert [row.year.price for row in compared.path][:2] == [Decimal("1.50"), Decimal("2.25")]


def test_the_compare_pdf_of_an_rsu_employee(client, during_offer) -> None:
    offer, employee = make_offer(), holder("GB")
    document = pdf_text(signed_in(client, employee).get(url("compare-pdf", offer)).content)
    assert "Restricted stock units (RSUs) have no exercise price" in document
    assert "Assumed share price on the new grant date $1.50" in document
    assert (
        "The RSUs have no exercise price: each is one share of common stock, delivered as it vests."
        in document
    )
    assert "NO GAP IN WHAT YOU HOLD" in document.upper()


def test_the_confirmation_email_of_an_rsu_election_with_preliminary_ratios(
    client, during_offer, mailoutbox
) -> None:
    offer, employee = make_offer(ratio_stage="preliminary"), holder("GB")
    election = submit(signed_in(client, employee), offer, employee)
    document = election_document(election)
    body = confirmation_message(election, document, b"%PDF").body
    assert (
        "G-C: 900 shares at $12.00, granted May 20, 2000 -> 150 RSUs (band 3: 1 new for 6 tendered)" in body
    )
    assert "Total: 2,840 shares tendered -> 719 RSUs" in body
    assert PRELIMINARY in body
    assert "The final ratios will be announced at least 10 business days before the deadline" in body
    assert "The restricted stock units are expected to be granted on January 21, 2003" in body
