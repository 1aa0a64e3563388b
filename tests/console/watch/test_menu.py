"""The console's menu marks the page shown (aria-current="page"), or the section it belongs to ("true")."""

import pytest
from django.test import Client
from django.urls import reverse

from soxp_portal.offers.models import Offer
from tests.console.watch.conftest import Census, url
from tests.menus import marked_links, menu_links

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("name", "args", "marked"),
    [
        ("dashboard", [], {"soxp-2003: dashboard": "page"}),
        ("employees", [], {"Employees": "page"}),
        ("employee", ["E1001"], {"Employees": "true"}),
        ("paper-election", ["E-DAVE"], {"Employees": "true"}),
        ("paper-withdrawal", ["E1001"], {"Employees": "true"}),
        ("close", [], {"Close": "page"}),
        ("close-tenders", [], {"Close": "true"}),
        ("exports", [], {"Exports": "page"}),
        ("confirmations", [], {"Emails": "page"}),
    ],
)
def test_an_offer_page_marks_its_own_link_or_its_section(
    admin_client: Client, offer: Offer, census: Census, name: str, args: list[str], marked: dict[str, str]
) -> None:
    html = admin_client.get(url(name, offer, *args)).content.decode()
    assert menu_links(html) == ["Offers", "soxp-2003: dashboard", "Employees", "Close", "Exports", "Emails"]
    assert marked_links(html) == marked


def test_the_reminder_confirmation_marks_the_dashboard_as_its_section(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    html = admin_client.post(url("reminders", offer)).content.decode()
    assert marked_links(html) == {"soxp-2003: dashboard": "true"}


@pytest.mark.parametrize(
    ("path", "marked"),
    [
        (reverse("console:home"), {"Offers": "page"}),
        (reverse("console:census"), {"Offers": "true"}),
        (reverse("console:offer-extend", args=["soxp-2003"]), {"Offers": "true"}),
    ],
)
def test_the_offers_and_their_set_up_mark_the_offers_link(
    admin_client: Client, offer: Offer, path: str, marked: dict[str, str]
) -> None:
    assert marked_links(admin_client.get(path).content.decode()) == marked
