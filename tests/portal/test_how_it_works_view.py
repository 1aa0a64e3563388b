"""How the exchange works, as a page and a PDF for the signed-in employee; and where the offer's documents
are listed (the overview, and the review the acknowledgement points to)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from soxp_portal.accounts.roles import Role
from soxp_portal.offers.models import OfferDocument
from tests.console.setup.conftest import member_of
from tests.documents.pdf_text import pdf_text
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.portal.conftest import SLIDE_9_CHOICES, url

pytestmark = pytest.mark.django_db
TIMES = "\u00d7"


def visible_text(html: str) -> str:
    """The page's words without its tags, whitespace folded, so a phrase split by markup still matches."""
    words = re.sub(r"<[^>]+>", " ", html).replace("&#x27;", "'").replace("&amp;", "&")
    return " ".join(words.split())


def test_the_page_states_the_slide_9_employees_numbers_and_dates(sam_client, offer) -> None:
    response = sam_client.get(url("how-it-works", offer))
    assert response.status_code == 200
    text = visible_text(response.content.decode())

    assert "How the exchange works" in text
    assert "Written for Sam Slide (E1001) on January 10, 2003" in text
    assert (
        "Your largest eligible grant, G-1002, granted on March 5, 2001 at $4.50, has 1,000 outstanding shares."
        in text
    )
    assert f"1,000 {TIMES} 0.75 = 750 new shares." in text
    assert "600 + 750 + 375 = 1,725 new shares" in text
    assert "expected on July 21, 2003" in text
    assert "375 shares vest on January 21, 2004; then 15 or 16 a month from February 21, 2004" in text
    assert "January 21, 2006: 16 (total 750)" in text
    assert "before January 20, 2003 at 9:00 PM PST" in text
    assert f'href="{url("how-it-works-pdf", offer)}"' in response.content.decode()
    assert f'href="{url("elect", offer)}"' in response.content.decode(), "the page links where to elect"


def test_the_pdf_states_the_slide_9_employees_numbers_and_dates(sam_client, offer) -> None:
    response = sam_client.get(url("how-it-works-pdf", offer))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="how-the-exchange-works-soxp-2003.pdf"'
    text = pdf_text(response.content)

    assert "Written for Sam Slide (E1001)" in text
    assert "G-1002, granted on March 5, 2001 at $4.50, has 1,000 outstanding shares" in text
    assert f"1,000 {TIMES} 0.75 = 750 new shares." in text
    assert "expected on July 21, 2003" in text
    assert "until all 750 are vested on January 21, 2006" in text
    assert "Questions and answers" in text or "QUESTIONS AND ANSWERS" in text


def test_an_ineligible_employee_may_read_the_page_and_the_pdf(client, offer) -> None:
    officer = EmployeeFactory(first_name="Oscar", last_name="Officer", is_executive_officer=True)
    GrantFactory(employee=officer, exercise_price=Decimal("8.00"))
    client.force_login(officer.user)

    page = visible_text(client.get(url("how-it-works", offer)).content.decode())
    assert (
        "You are not eligible for this offer because you are an executive officer of the company, and "
        "executive officers may not take part in the offer." in page
    )
    assert "so this example uses a grant of 1,000 outstanding shares" in page

    response = client.get(url("how-it-works-pdf", offer))
    assert response.status_code == 200
    assert "executive officers may not take part in the offer." in pdf_text(response.content)


@pytest.mark.parametrize("name", ["how-it-works", "how-it-works-pdf"])
def test_anonymous_users_are_sent_to_sign_in(client, offer, name) -> None:
    response = client.get(url(name, offer))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["how-it-works", "how-it-works-pdf"])
def test_an_unknown_offer_is_not_found(sam_client, offer, name) -> None:
    assert sam_client.get(reverse(f"portal:{name}", args=["no-such-offer"])).status_code == 404


@pytest.mark.parametrize("name", ["how-it-works", "how-it-works-pdf"])
def test_an_offer_not_open_yet_is_not_found(sam_client, offer, during_offer, name) -> None:
    during_offer.move_to(offer.opens_at - timedelta(minutes=1))
    assert sam_client.get(url(name, offer)).status_code == 404


@pytest.mark.parametrize("name", ["how-it-works", "how-it-works-pdf"])
def test_a_login_without_an_employee_record_is_refused(client, offer, name) -> None:
    client.force_login(UserFactory())
    assert client.get(url(name, offer)).status_code == 403


@pytest.mark.parametrize("name", ["how-it-works", "how-it-works-pdf"])
def test_the_explanation_is_read_only(sam_client, offer, name) -> None:
    assert sam_client.post(url(name, offer)).status_code == 405


def test_every_portal_page_links_to_it(sam_client, offer) -> None:
    html = sam_client.get(url("grants", offer)).content.decode()
    assert f'href="{url("how-it-works", offer)}">How it works</a>' in html


def test_the_overview_lists_it_first_among_the_offers_documents(sam_client, offer) -> None:
    empty = sam_client.get(url("offer", offer)).content.decode()
    assert f'href="{url("how-it-works", offer)}"' in empty
    assert f'href="{url("how-it-works-pdf", offer)}"' in empty
    assert "The offer's legal documents, which govern, will be posted here." in empty

    document = OfferDocument(offer=offer, title="Offer to Exchange")
    document.file.save("offer-to-exchange.pdf", ContentFile(b"%PDF-1.4"), save=True)
    html = sam_client.get(url("offer", offer)).content.decode()
    listed = html[html.index('id="documents"') :]
    assert listed.index(url("how-it-works", offer)) < listed.index(url("document", offer, str(document.pk)))
    assert "will be posted here" not in html


def test_the_review_lists_the_documents_its_acknowledgement_points_to(sam_client, offer) -> None:
    document = OfferDocument(offer=offer, title="Offer to Exchange")
    document.file.save("offer-to-exchange.pdf", ContentFile(b"%PDF-1.4"), save=True)

    html = sam_client.post(url("elect", offer), {**SLIDE_9_CHOICES, "expected_version": 0}).content.decode()

    listed = html[html.index('id="offer-documents"') :]
    assert listed.index(url("how-it-works", offer)) < listed.index(url("document", offer, str(document.pk)))
    acknowledgement = html[html.index('name="ack_terms"') :]
    acknowledgement = acknowledgement[: acknowledgement.index('name="ack_cancellation"')]
    assert "I have read the offer&#x27;s documents" in acknowledgement
    assert 'href="#offer-documents"' in acknowledgement
    assert f'href="{url("how-it-works", offer)}" target="_blank"' in acknowledgement


def test_the_page_links_the_posted_documents_that_govern(sam_client, offer) -> None:
    document = OfferDocument(offer=offer, title="Offer to Exchange")
    document.file.save("offer-to-exchange.pdf", ContentFile(b"%PDF-1.4"), save=True)
    html = sam_client.get(url("how-it-works", offer)).content.decode()
    assert f'<a href="{url("document", offer, str(document.pk))}">Offer to Exchange</a>' in html


def test_the_administrators_preview_of_the_overview_links_the_generic_explanation(
    client, offer, slide_9_employee
) -> None:
    client.force_login(member_of(Role.STOCK_ADMINISTRATOR))
    html = client.get(reverse("console:preview-overview", args=[offer.slug, "E1001"])).content.decode()
    assert (
        f'<form method="post" action="{reverse("console:offer-how-it-works-pdf", args=[offer.slug])}"' in html
    )
    assert url("how-it-works", offer) not in html, "the employee's own page is not the administrator's"
