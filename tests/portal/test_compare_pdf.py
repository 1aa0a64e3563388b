"""The Compare analysis as a PDF: the page's figures, from the same computation, with vector charts."""

import io
import re
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader

from soxp_portal.offers.models import Offer
from tests.documents.pdf_text import pdf_text
from tests.factories import EmployeeFactory, GrantFactory
from tests.portal.conftest import url
from tests.portal.test_compare_view import text

pytestmark = pytest.mark.django_db

#: Money to the cent and percentages with a decimal: the figures of the tables and the sentences.
FIGURE = re.compile(r"\$[\d,]+\.\d\d|\d+\.\d%")


@pytest.fixture
def slide_9_client(client, offer: Offer):
    """Three eligible grants and one ineligible, as slide 9 (one of them a lookback grant)."""
    employee = EmployeeFactory(first_name="Sam", last_name="Slide")
    for grant_id, granted, on, exercised, price in [
        ("G-1", 1000, date(2000, 5, 20), 200, "6.00"),
        ("G-2", 1000, date(2001, 3, 5), 0, "4.50"),
        ("G-3", 500, date(2002, 2, 28), 0, "2.18"),
        ("G-4", 500, date(2002, 7, 1), 0, "0.40"),
    ]:
        GrantFactory(
            employee=employee,
            grant_id=grant_id,
            shares_granted=granted,
            shares_exercised=exercised,
            grant_date=on,
            exercise_price=Decimal(price),
        )
    client.force_login(employee.user)
    return client


def analysis(html: str) -> str:
    """The page's visible analysis: from the PDF link to "Before you decide". A chart's <title> and <desc>
    (read out by screen readers, not drawn) repeat figures of its table, so they are left out."""
    words = text(re.sub(r"<(desc|title)\b[^>]*>.*?</\1>", " ", html, flags=re.DOTALL))
    return words[words.index("Download this analysis as a PDF") : words.index("Before you decide")]


@pytest.mark.parametrize("params", [{}, {"split": "3", "spot": "2.10", "volatility": "65", "rate": "3.5"}])
def test_every_figure_on_the_page_is_in_the_pdf_and_back(slide_9_client, offer, params) -> None:
    page = analysis(slide_9_client.get(url("compare", offer), params).content.decode())
    response = slide_9_client.get(url("compare-pdf", offer), params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="compare-soxp-2003-')
    document = pdf_text(response.content)
    on_page, in_pdf = Counter(FIGURE.findall(page)), Counter(FIGURE.findall(document))
    assert len(on_page) > 40
    assert not on_page - in_pdf, "every figure of the page, as often, in the PDF"
    assumptions = document[: document.lower().index("all your eligible grants together")]
    assert set(in_pdf) <= set(on_page) | set(FIGURE.findall(assumptions)), "nothing in the PDF the page lacks"


def test_the_pdf_states_the_assumptions_and_the_split(slide_9_client, offer) -> None:
    document = pdf_text(slide_9_client.get(url("compare-pdf", offer), {"split": "3", "rate": "3.5"}).content)
    assert "Keeping or Exchanging: Your Analysis" in document
    assert "Prepared for Sam Slide" in document
    assert "Reverse split 1 for 3" in document
    assert "Risk-free rate 3.5% a year (typed by you)" in document
    assert "Volatility 80% a year (the stock administrator's assumption)" in document
    assert "G-1 800 → 267 $6.00 → $18.00 600 → 200" in document
    assert "An illustration only, not a forecast or advice." in document


def test_the_charts_are_vector_graphics_beside_their_tables(slide_9_client, offer) -> None:
    pdf = slide_9_client.get(url("compare-pdf", offer)).content
    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        objects = page["/Resources"].get("/XObject", {})
        images = [name for name, ref in objects.items() if ref.get_object().get("/Subtype") == "/Image"]
        assert not images, "no raster image: the charts are drawn as vectors"
    document = pdf_text(pdf)
    assert "crossover" in document
    assert "median" in document
    assert "Profit of all your eligible grants at each share price" in document
    assert "by percentile" in document


def test_assumptions_the_page_refuses_send_the_employee_back_to_the_page(slide_9_client, offer) -> None:
    response = slide_9_client.get(url("compare-pdf", offer), {"split": "0"})
    assert response.status_code == 302
    assert response["Location"] == url("compare", offer) + "?split=0"


def test_without_anything_to_compare_there_is_no_pdf(client, offer) -> None:
    """A grant below the threshold, outside the lookback: nothing is eligible."""
    employee = EmployeeFactory()
    GrantFactory(employee=employee, exercise_price=Decimal("2.00"), grant_date=date(2002, 1, 2))
    client.force_login(employee.user)
    assert client.get(url("compare-pdf", offer))["Location"] == url("compare", offer)


def test_anonymous_users_sign_in_first_and_a_post_is_refused(client, slide_9_client, offer) -> None:
    assert slide_9_client.post(url("compare-pdf", offer)).status_code == 405
    client.logout()
    response = client.get(url("compare-pdf", offer))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_gap_in_the_pdf_follows_the_schedule_set_on_the_offer(slide_9_client, offer) -> None:
    """G-1 (1,000 granted 2000-05-20, 200 exercised): under the fixture's four-year schedule 250 + 750 x
    20/36 - 200 by the cancellation date and 250 + 750 x 26/36 - 200 by the new grant date; half at six
    months then 30 monthly parts gives 500 + 500 x 26/30 - 200 and all 800; none set, no counts."""
    document = pdf_text(slide_9_client.get(url("compare-pdf", offer)).content)
    assert "G-1 800 466 591 0" in document
    assert "25% vests 12 months after the grant date, the rest in 36 equal monthly parts" in document
    assert "This is the administrator's assumption: your grant agreement governs." in document

    Offer.objects.filter(pk=offer.pk).update(
        current_vesting_cliff_months=6,
        current_vesting_cliff_fraction=Decimal("0.5"),
        current_vesting_installments=30,
    )
    document = pdf_text(slide_9_client.get(url("compare-pdf", offer)).content)
    assert "G-1 800 733 800 0" in document
    assert "50% vests 6 months after the grant date, the rest in 30 equal monthly parts" in document

    Offer.objects.filter(pk=offer.pk).update(
        current_vesting_cliff_months=None,
        current_vesting_cliff_fraction=None,
        current_vesting_installments=None,
    )
    document = pdf_text(slide_9_client.get(url("compare-pdf", offer)).content)
    lower = document.lower()  # the headings are set in capitals
    gap = document[lower.index("what you hold during the gap") : lower.index("each grant on its own")]
    assert "G-1 800 0" in gap
    assert "Vested by" not in gap
    assert "The offer states no vesting schedule for your current grants" in gap
    assert "nothing is granted" in gap


def test_a_long_table_breaks_beside_its_chart_instead_of_leaving_the_page_empty(
    slide_9_client, offer
) -> None:
    """With the split's table on page 1 there is no room for the whole profit table: the chart and the
    table's first rows stay on page 1 and the rest follows on page 2, under its repeated header (the
    pair used to move to page 2 whole, leaving a third of page 1 empty)."""
    reader = PdfReader(io.BytesIO(slide_9_client.get(url("compare-pdf", offer), {"split": "3"}).content))
    first, second = (reader.pages[n].extract_text() for n in (0, 1))
    assert "Profit of all your eligible grants together, by the share price" in first  # the chart's caption
    assert "Profit of all your eligible grants at each share price" in first  # the table's caption
    assert "$1.20" in first.split("at each share price")[1]  # its first row
    assert "Share price Keep Exchange Yields more" in " ".join(second.split())  # the header, repeated
