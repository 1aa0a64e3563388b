"""The menus mark where the user is: aria-current="page" on the page's own link, "true" on its section's."""

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.urls import resolve

from soxp_portal.offers.models import Employee, Offer
from tests.menus import marked_links, menu_links
from tests.portal.conftest import SLIDE_9_CHOICES, url
from tests.portal.test_election_views import confirm_data

OFFERS_LINK = Template(
    '{% load menu %}<a{% aria_current "/console/" "console:census" %} href="/console/">Offers</a>'
)


def link_at(path: str) -> str:
    request = RequestFactory().get(path)
    request.resolver_match = resolve(request.path)
    return OFFERS_LINK.render(Context({"request": request}))


def test_the_link_to_the_page_shown_is_marked_as_the_page() -> None:
    assert link_at("/console/") == '<a aria-current="page" href="/console/">Offers</a>'


def test_a_query_string_leaves_the_page_the_same() -> None:
    assert link_at("/console/?page=2") == '<a aria-current="page" href="/console/">Offers</a>'


def test_the_link_of_the_section_shown_is_marked_as_current() -> None:
    assert link_at("/console/setup/census/") == '<a aria-current="true" href="/console/">Offers</a>'


def test_a_link_to_elsewhere_is_not_marked() -> None:
    assert link_at("/console/audit/") == '<a href="/console/">Offers</a>'


def test_without_a_request_no_link_is_marked() -> None:
    assert OFFERS_LINK.render(Context({})) == '<a href="/console/">Offers</a>'


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "marked"),
    [
        ("offer", {"Overview": "page"}),
        ("how-it-works", {"How it works": "page"}),
        ("grants", {"My options": "page"}),
        ("compare", {"Compare": "page"}),
        ("elect", {"Election": "page"}),
        ("withdraw", {"Election": "true"}),
        ("history", {"History": "page"}),
    ],
)
def test_the_employee_menu_marks_the_page_shown(
    sam_client: Client, offer: Offer, slide_9_employee: Employee, page: str, marked: dict[str, str]
) -> None:
    html = sam_client.get(url(page, offer)).content.decode()
    assert menu_links(html) == ["Overview", "How it works", "My options", "Compare", "Election", "History"]
    assert marked_links(html) == marked


@pytest.mark.django_db
def test_the_review_is_marked_as_the_election_and_a_confirmation_as_part_of_the_history(
    sam_client: Client, offer: Offer, slide_9_employee: Employee
) -> None:
    review = sam_client.post(url("elect", offer), {**SLIDE_9_CHOICES, "expected_version": 0})
    assert marked_links(review.content.decode()) == {"Election": "page"}
    confirmation = sam_client.post(url("confirm", offer), confirm_data(), follow=True)
    assert confirmation.redirect_chain
    assert marked_links(confirmation.content.decode()) == {"History": "true"}
