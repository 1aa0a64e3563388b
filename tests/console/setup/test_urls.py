"""Every set-up URL: the administrator gets it, anonymous users sign in, other roles get 403,
and a GET on a POST-only URL is 405."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from soxp_portal.offers.models import OfferDocument
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("offer-create", False),
    ("offer-edit", True),
    ("offer-extend", True),
    ("offer-documents", True),
    ("offer-ratios", True),
    ("census", False),
    ("invitations", False),
    ("second-factors", False),
]
POST_ONLY = ["offer-document-delete", "census-confirm", "offer-how-it-works-pdf"]
#: Addresses of one posted document.
DOCUMENT_URLS = ["offer-document", "offer-document-delete"]


@pytest.fixture
def document(soxp_2003):
    document = OfferDocument(offer=soxp_2003, title="Offer to Exchange")
    document.file.save("offer.pdf", ContentFile(b"%PDF-1.4"), save=True)
    return document


def url_of(name: str, offer, document=None) -> str:
    if name in DOCUMENT_URLS:
        return reverse(f"console:{name}", args=[offer.slug, document.pk])
    needs_slug = dict(PAGES).get(name, name == "offer-how-it-works-pdf")
    return reverse(f"console:{name}", args=[offer.slug] if needs_slug else [])


@pytest.mark.parametrize(("name", "needs_slug"), PAGES)
def test_the_administrator_gets_the_page(staff_client, soxp_2003, extension_day, name, needs_slug) -> None:
    assert staff_client.get(url_of(name, soxp_2003)).status_code == 200


@pytest.mark.parametrize("name", [name for name, _ in PAGES] + POST_ONLY + ["offer-document"])
def test_anonymous_users_are_sent_to_sign_in(client, soxp_2003, document, name) -> None:
    response = client.post(url_of(name, soxp_2003, document))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", [name for name, _ in PAGES] + POST_ONLY + ["offer-document"])
def test_an_employee_is_refused(client, soxp_2003, document, name) -> None:
    client.force_login(EmployeeFactory().user)
    if name not in POST_ONLY:
        assert client.get(url_of(name, soxp_2003, document)).status_code == 403
    assert client.post(url_of(name, soxp_2003, document)).status_code == 403
    assert OfferDocument.objects.filter(pk=document.pk).exists()


@pytest.mark.parametrize("name", [name for name, _ in PAGES] + POST_ONLY + ["offer-document"])
def test_an_auditor_is_refused(client, auditor, soxp_2003, document, name) -> None:
    client.force_login(auditor)
    if name not in POST_ONLY:
        assert client.get(url_of(name, soxp_2003, document)).status_code == 403
    assert client.post(url_of(name, soxp_2003, document)).status_code == 403


@pytest.mark.parametrize("name", POST_ONLY)
def test_get_on_a_post_only_url_is_405(staff_client, soxp_2003, document, name) -> None:
    assert staff_client.get(url_of(name, soxp_2003, document)).status_code == 405
    assert OfferDocument.objects.filter(pk=document.pk).exists()


def test_an_offer_that_does_not_exist_is_404(staff_client, db) -> None:
    for name in ("offer-edit", "offer-extend", "offer-documents", "offer-ratios"):
        assert staff_client.get(reverse(f"console:{name}", args=["nope"])).status_code == 404


def test_the_administrator_opens_a_posted_document(staff_client, soxp_2003, document) -> None:
    response = staff_client.get(url_of("offer-document", soxp_2003, document))
    assert b"".join(response.streaming_content) == b"%PDF-1.4"


def test_a_superuser_is_an_administrator(client, soxp_2003) -> None:
    client.force_login(UserFactory(is_superuser=True))
    assert client.get(reverse("console:census")).status_code == 200
