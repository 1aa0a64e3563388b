"""Every watch URL: the stock administrator gets it; anonymous visitors sign in; anyone else gets 403."""

import pytest
from django.test import Client

from soxp_portal.offers.models import Election, Offer
from tests.console.watch.conftest import Census, url

pytestmark = pytest.mark.django_db


def urls(offer: Offer, census: Census) -> list[tuple[str, str]]:
    """(method, address) of every watch page; the two reminder steps, the audited form download and
    sending confirmation emails again are POST only."""
    election = Election.objects.get(employee=census.sam)
    return [
        ("get", url("dashboard", offer)),
        ("get", url("employees", offer)),
        ("get", url("employee", offer, "E1001")),
        ("get", url("paper-election", offer, "E1001")),
        ("get", url("paper-withdrawal", offer, "E1001")),
        ("post", url("election-pdf", offer, "E1001", election.confirmation_number)),
        ("get", url("preview", offer)),
        ("get", url("preview-overview", offer, "E1001")),
        ("get", url("preview-grants", offer, "E1001")),
        ("get", url("preview-compare", offer, "E1001")),
        ("post", url("reminders", offer)),
        ("post", url("reminders-send", offer)),
        ("get", url("confirmations", offer)),
        ("post", url("confirmations-resend", offer)),
        ("post", url("confirmation-resend", offer, "E1001", election.confirmation_number)),
    ]


def test_the_stock_administrator_gets_every_page(admin_client: Client, offer: Offer, census: Census) -> None:
    for method, address in urls(offer, census):
        response = getattr(admin_client, method)(address)
        expected = 302 if address.endswith("send/") else 200  # sending (again) redirects back
        assert response.status_code == expected, address


def test_anonymous_visitors_are_sent_to_sign_in(client: Client, offer: Offer, census: Census) -> None:
    for method, address in urls(offer, census):
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(f"/accounts/login/?next={address}"), address


@pytest.mark.parametrize("who", ["employee", "auditor"])
def test_an_employee_or_an_auditor_gets_403(
    client: Client, offer: Offer, census: Census, auditor, who
) -> None:
    client.force_login(census.alice.user if who == "employee" else auditor)
    for method, address in urls(offer, census):
        assert getattr(client, method)(address).status_code == 403, address


def test_the_reminder_steps_and_the_form_download_refuse_get(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    assert admin_client.get(url("reminders", offer)).status_code == 405
    assert admin_client.get(url("reminders-send", offer)).status_code == 405
    assert admin_client.get(url("confirmations-resend", offer)).status_code == 405
    election = Election.objects.get(employee=census.sam)
    assert (
        admin_client.get(url("confirmation-resend", offer, "E1001", election.confirmation_number)).status_code
        == 405
    )
    assert (
        admin_client.get(url("election-pdf", offer, "E1001", election.confirmation_number)).status_code == 405
    )


def test_unknown_offer_employee_or_confirmation_is_404(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    other = Election.objects.get(employee=census.sam).confirmation_number
    for address in (
        "/console/offers/nope/",
        url("employee", offer, "E-NOBODY"),
        url("paper-election", offer, "E-NOBODY"),
    ):
        assert admin_client.get(address).status_code == 404, address
    # Sam's form (and his confirmation email) under Alice's id
    assert admin_client.post(url("election-pdf", offer, "E-ALICE", other)).status_code == 404
    assert admin_client.post(url("confirmation-resend", offer, "E-ALICE", other)).status_code == 404
    assert admin_client.post("/console/offers/nope/confirmations/resend/").status_code == 404
