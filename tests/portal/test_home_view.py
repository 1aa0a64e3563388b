"""The overview: the offer's state, the election in force, announcements, contacts and documents."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile

from soxp_portal.offers.models import Announcement, OfferDocument
from tests.factories import EmployeeFactory, OfferFactory
from tests.portal.conftest import confirm_data, url

pytestmark = pytest.mark.django_db


def test_open_offer_shows_the_deadline_in_pacific_with_the_employees_own_time_and_the_countdown(
    sam_client, offer
) -> None:
    html = sam_client.get(url("offer", offer)).content.decode()
    assert "Open" in html
    assert "Deadline: <strong>January 20, 2003 at 9:00 PM PST</strong>" in html
    # One zone for employees: the offer's, and their own (written by the browser) where it differs.
    assert "UTC" not in html
    assert (
        '<span class="small text-body-secondary" data-local-time="2003-01-21T05:00:00Z" '
        'data-offer-zone="America/Los_Angeles" hidden>In your time zone' in html
    )
    assert f'data-countdown="{offer.expires_at.isoformat()}"' in html
    assert "Not participating" in html
    assert "Make an election" in html


def test_announcements_contacts_and_documents_are_shown(sam_client, offer) -> None:
    Announcement.objects.create(
        offer=offer,
        title="The offer is extended",
        body="The deadline is now January 24.",
        published_at=offer.opens_at + timedelta(days=1),
    )
    Announcement.objects.create(
        offer=offer, title="Not yet published", body="-", published_at=offer.expires_at
    )
    document = OfferDocument(offer=offer, title="Offer to Exchange")
    document.file.save("offer-to-exchange.pdf", ContentFile(b"%PDF-1.4 offer"), save=True)
    html = sam_client.get(url("offer", offer)).content.decode()
    assert "The offer is extended" in html
    assert "Not yet published" not in html
    assert "Vincent J. Roth" in html
    assert "949-450-7219" in html
    assert "Offer to Exchange" in html
    response = sam_client.get(url("document", offer, str(document.pk)))
    assert b"".join(response.streaming_content) == b"%PDF-1.4 offer"


def test_another_offers_document_is_not_found(sam_client, offer) -> None:
    other = OfferFactory(slug="other")
    document = OfferDocument(offer=other, title="Other")
    document.file.save("other.pdf", ContentFile(b"x"), save=True)
    assert sam_client.get(url("document", offer, str(document.pk))).status_code == 404


def test_home_for_an_employee_without_any_offer(client, db) -> None:
    client.force_login(EmployeeFactory().user)
    assert "There is no stock option exchange offer" in client.get("/").content.decode()


def test_home_sends_anonymous_users_to_sign_in(client, db) -> None:
    assert client.get("/")["Location"].startswith("/accounts/login/")


def test_home_does_not_lead_to_an_offer_not_yet_open(sam_client, offer) -> None:
    with time_machine.travel(offer.opens_at - timedelta(days=1), tick=False):
        response = sam_client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "There is no stock option exchange offer at the moment" in page
    assert offer.name not in page


def test_home_leads_to_the_last_opened_offer_not_to_the_next_one(sam_client, offer) -> None:
    OfferFactory(
        slug="next-offer",
        name="Next Exchange Program",
        opens_at=offer.expires_at + timedelta(days=30),
        expires_at=offer.expires_at + timedelta(days=60),
    )
    with time_machine.travel(offer.expires_at + timedelta(days=1), tick=False):
        assert sam_client.get("/")["Location"] == url("offer", offer)


def test_the_election_in_force_shows_when_it_was_received_in_pacific_to_the_second(
    sam_client, offer, during_offer
) -> None:
    during_offer.move_to(offer.expires_at - timedelta(hours=11, seconds=9, microseconds=876544))
    sam_client.post(url("confirm", offer), confirm_data())  # 2003-01-20 09:59:50.123456 PST

    html = sam_client.get(url("offer", offer)).content.decode()

    assert "received January 20, 2003 at 9:59:50 AM PST.\n" in html
    assert 'data-local-time="2003-01-20T17:59:50Z" data-offer-zone="America/Los_Angeles" data-seconds' in html
    assert "123456" not in html
    assert "UTC" not in html
