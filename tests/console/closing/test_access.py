"""Every close URL: the stock administrator gets it; anonymous visitors sign in; anyone else gets 403."""

import pytest
from django.test import Client

from soxp_portal.offers.models import Offer
from tests.console.closing.conftest import Participants, url

pytestmark = pytest.mark.django_db

PAGES = ["close", "close-tenders", "close-granted"]
ACTIONS = [
    "close-accept",
    "close-cancel",
    "close-letters",
    "close-termination",
    "close-new-grants",
    "close-correct-price",
]


def addresses(offer: Offer) -> list[tuple[str, str]]:
    return [("get", url(name, offer)) for name in PAGES] + [("post", url(name, offer)) for name in ACTIONS]


def test_the_stock_administrator_gets_every_page(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    for name in PAGES:
        assert admin_client.get(url(name, offer)).status_code == 200, name


def test_anonymous_visitors_are_sent_to_sign_in(
    client: Client, offer: Offer, participants: Participants
) -> None:
    for method, address in [*addresses(offer), ("post", url("close-letter", offer, "E1001"))]:
        response = getattr(client, method)(address)
        assert response.status_code == 302, address
        assert response["Location"].startswith(f"/accounts/login/?next={address}"), address


@pytest.mark.parametrize("who", ["employee", "auditor"])
def test_an_employee_or_an_auditor_gets_403(
    client: Client, offer: Offer, participants: Participants, auditor, who
) -> None:
    client.force_login(participants.sam.user if who == "employee" else auditor)
    for method, address in [*addresses(offer), ("post", url("close-letter", offer, "E1001"))]:
        assert getattr(client, method)(address).status_code == 403, address


def test_the_steps_and_the_letter_download_refuse_get(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    for name in ACTIONS:
        assert admin_client.get(url(name, offer)).status_code == 405, name
    assert admin_client.get(url("close-letter", offer, "E1001")).status_code == 405


def test_an_unknown_offer_is_404(admin_client: Client, offer: Offer) -> None:
    for address in ("/console/offers/nope/close/", "/console/offers/nope/close/tenders/"):
        assert admin_client.get(address).status_code == 404, address
    assert admin_client.post("/console/offers/nope/close/accept/", {"reviewed": "on"}).status_code == 404


def test_the_close_page_is_linked_from_the_offer_pages(admin_client: Client, offer: Offer) -> None:
    html = admin_client.get(url("dashboard", offer)).content.decode()
    assert f'href="{url("close", offer)}"' in html


def test_an_auditor_is_not_offered_the_offers_page(client: Client, auditor, admin) -> None:
    client.force_login(auditor)
    html = client.get("/console/audit/chain/").content.decode()
    assert 'href="/console/">Offers<' not in html
    client.force_login(admin)
    assert 'href="/console/">Offers<' in client.get("/console/").content.decode()


def test_someone_with_both_roles_is_offered_the_offers_page(client: Client, admin) -> None:
    from django.contrib.auth.models import Group

    admin.groups.add(Group.objects.get_or_create(name="Auditors")[0])
    client.force_login(admin)
    assert 'href="/console/">Offers<' in client.get("/console/audit/chain/").content.decode()
