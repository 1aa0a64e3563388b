"""An offer that has not opened does not exist for employees: every page of it is a 404 until `opens_at`.

The elections and the document are made while soxp-2003 is open; the clock then stands before its
opening, so each page has something it would show if the offer were not hidden.
"""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile

from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Election, Employee, Offer, OfferDocument
from tests.portal.conftest import SLIDE_9_CHOICES, url

pytestmark = pytest.mark.django_db

SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}


@pytest.fixture
def on_record(offer: Offer, slide_9_employee: Employee) -> dict[str, str]:
    """Sam's election and a posted document: what the pages would show."""
    election = submit_election(
        offer,
        slide_9_employee,
        SLIDE_9,
        actor=slide_9_employee.user,
        signature=slide_9_employee.full_name,
        expected_version=0,
        submission_token=uuid.uuid4(),
    )
    document = OfferDocument(offer=offer, title="Offer to Exchange")
    document.file.save("offer-to-exchange.pdf", ContentFile(b"%PDF-1.4 offer"), save=True)
    return {"confirmation": election.confirmation_number, "document": str(document.pk)}


def employee_urls(offer: Offer, on_record: dict[str, str]) -> list[tuple[str, str]]:
    confirmation = on_record["confirmation"]
    return [
        ("get", url("offer", offer)),
        ("get", url("grants", offer)),
        ("get", url("compare", offer)),
        ("get", url("elect", offer)),
        ("post", url("elect", offer)),
        ("post", url("confirm", offer)),
        ("get", url("withdraw", offer)),
        ("post", url("withdraw", offer)),
        ("get", url("history", offer)),
        ("get", url("election", offer, confirmation)),
        ("post", url("election-pdf", offer, confirmation)),
        ("get", url("document", offer, on_record["document"])),
    ]


def test_every_employee_page_of_an_offer_not_yet_open_is_not_found(sam_client, offer, on_record) -> None:
    with time_machine.travel(offer.opens_at - timedelta(days=1), tick=False):
        for method, address in employee_urls(offer, on_record):
            response = getattr(sam_client, method)(address, SLIDE_9_CHOICES if method == "post" else None)
            assert response.status_code == 404, address
            page = response.content.decode()
            assert "Page not found" in page, address
            assert offer.name not in page, address
            assert offer.company_name not in page, address
    assert Election.objects.count() == 1


def test_the_same_pages_answer_once_the_offer_is_open(sam_client, offer, on_record) -> None:
    for method, address in employee_urls(offer, on_record):
        if method == "get" or address.endswith("/pdf/"):
            assert getattr(sam_client, method)(address).status_code == 200, address


@pytest.mark.parametrize(
    ("moment", "status"),
    [
        pytest.param(timedelta(microseconds=-1), 404, id="a microsecond before the opening"),
        pytest.param(timedelta(0), 200, id="at the opening"),
    ],
)
def test_the_offer_appears_at_its_opening_instant(sam_client, offer, moment, status) -> None:
    with time_machine.travel(offer.opens_at + moment, tick=False):
        assert sam_client.get(url("offer", offer)).status_code == status
