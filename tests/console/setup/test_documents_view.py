"""Contacts and documents employees see: PDF only, 20 MB at most, audited with the file's hash."""

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.console.forms_setup import MAX_DOCUMENT_BYTES
from soxp_portal.offers.models import Offer, OfferDocument
from tests.documents.pdf_text import pdf_text

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n% the Offer to Exchange\n"


def documents_url(offer) -> str:
    return reverse("console:offer-documents", args=[offer.slug])


def post_document(client, offer, name: str = "offer-to-exchange.pdf", content: bytes = PDF):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    return client.post(
        documents_url(offer), {"form": "document", "title": "Offer to Exchange", "file": upload}
    )


def test_a_pdf_is_posted_for_employees_and_audited(staff_client, soxp_2003, extension_day) -> None:
    response = post_document(staff_client, soxp_2003)
    assert response.status_code == 302
    document = OfferDocument.objects.get()
    assert document.offer == soxp_2003
    assert document.file.read() == PDF
    event = AuditEvent.objects.get(event_type="offer.edited")
    assert event.data["documents"]["added"]["sha256"] == hashlib.sha256(PDF).hexdigest()
    html = staff_client.get(documents_url(soxp_2003)).content.decode()
    assert (
        f'href="{reverse("console:offer-document", args=[soxp_2003.slug, document.pk])}">Offer to Exchange'
        in html
    )
    assert "posted January 20, 2003 at 12:00 PM PST" in html  # in the offer's zone, as the whole console


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("offer.docx", PDF, "must end in .pdf"),
        ("offer.pdf", b"PK\x03\x04 a Word file", "is not a PDF"),
        ("offer.pdf", b"%PDF-" + b"0" * MAX_DOCUMENT_BYTES, "at most 20 MB"),
    ],
)
def test_only_a_pdf_of_sensible_size_is_accepted(staff_client, soxp_2003, name, content, error) -> None:
    response = post_document(staff_client, soxp_2003, name, content)
    assert response.status_code == 200
    assert any(error in message for message in response.context["document_form"].errors["file"])
    assert not OfferDocument.objects.exists()


def test_a_document_is_removed_with_its_file(
    staff_client, soxp_2003, django_capture_on_commit_callbacks
) -> None:
    post_document(staff_client, soxp_2003)
    document = OfferDocument.objects.get()
    storage, name = document.file.storage, document.file.name
    url = reverse("console:offer-document-delete", args=[soxp_2003.slug, document.pk])
    with django_capture_on_commit_callbacks(execute=True):
        assert staff_client.post(url).status_code == 302
    assert not OfferDocument.objects.exists()
    assert not storage.exists(name)
    event = AuditEvent.objects.filter(event_type="offer.edited").last()
    assert event.data["documents"]["removed"]["title"] == "Offer to Exchange"


def test_contacts_are_saved_in_order_without_blank_rows(staff_client, soxp_2003) -> None:
    data = {
        "form": "contacts",
        "form-TOTAL_FORMS": "3",
        "form-INITIAL_FORMS": "0",
        "form-0-name": "Vincent J. Roth",
        "form-0-role": "Elections (fax or by hand)",
        "form-0-phone": "949-450-7219",
        "form-0-fax": "949-450-7229",
        "form-2-name": "Linda Duffy",
        "form-2-email": "linda@example.com",
    }
    assert staff_client.post(documents_url(soxp_2003), data).status_code == 302
    soxp_2003.refresh_from_db()
    assert soxp_2003.contacts == [
        {
            "name": "Vincent J. Roth",
            "role": "Elections (fax or by hand)",
            "phone": "949-450-7219",
            "fax": "949-450-7229",
        },
        {"name": "Linda Duffy", "email": "linda@example.com"},
    ]
    event = AuditEvent.objects.get(event_type="offer.edited")
    assert len(event.data["contacts"]["before"]) == 3


def test_a_contact_without_a_name_is_refused(staff_client, soxp_2003) -> None:
    data = {"form": "contacts", "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-phone": "555"}
    response = staff_client.post(documents_url(soxp_2003), data)
    assert response.status_code == 200
    assert "A contact needs a name." in response.content.decode()
    soxp_2003.refresh_from_db()
    assert len(soxp_2003.contacts) == 3


def test_a_crafted_number_of_contact_rows_is_refused_without_building_them(staff_client, soxp_2003) -> None:
    """The formset reads its number of rows from the post: a crafted one used to build (and show) 1,020."""
    data = {"form": "contacts", "form-TOTAL_FORMS": "99999999999999999999", "form-INITIAL_FORMS": "0"}
    response = staff_client.post(documents_url(soxp_2003), data)
    assert response.status_code == 200
    assert len(response.context["contacts"].forms) <= 20
    assert "Please submit at most 20 forms." in response.content.decode()
    assert Offer.objects.get(pk=soxp_2003.pk).contacts == soxp_2003.contacts


def test_how_the_exchange_works_is_listed_first_and_cannot_be_removed(staff_client, soxp_2003) -> None:
    post_document(staff_client, soxp_2003)
    html = staff_client.get(documents_url(soxp_2003)).content.decode()
    html = html[html.index('id="documents-heading"') :]
    preview = reverse("console:offer-how-it-works-pdf", args=[soxp_2003.slug])
    assert f'<form method="post" action="{preview}"' in html
    assert html.index("How the exchange works") < html.index("Offer to Exchange")
    assert html.count("Remove<span") == 1, "only the posted document can be removed"


def test_the_administrator_previews_the_explanation_with_a_generic_grant_and_it_is_audited(
    staff_client, soxp_2003, extension_day
) -> None:
    response = staff_client.post(reverse("console:offer-how-it-works-pdf", args=[soxp_2003.slug]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="how-the-exchange-works-soxp-2003.pdf"'
    text = pdf_text(response.content)
    assert "Take a grant of 1,000 outstanding shares." in text
    assert "WHERE YOU STAND" not in text.upper(), "no reader, so no standing"
    event = AuditEvent.objects.get(event_type="export.downloaded")
    assert event.data == {"export": "how-it-works", "format": "pdf", "offer": "soxp-2003"}


def test_a_get_of_the_preview_is_refused_because_the_download_is_audited(staff_client, soxp_2003) -> None:
    response = staff_client.get(reverse("console:offer-how-it-works-pdf", args=[soxp_2003.slug]))
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(event_type="export.downloaded").exists()


def test_the_preview_of_an_unknown_offer_is_not_found(staff_client, soxp_2003) -> None:
    assert (
        staff_client.post(reverse("console:offer-how-it-works-pdf", args=["no-such-offer"])).status_code
        == 404
    )
