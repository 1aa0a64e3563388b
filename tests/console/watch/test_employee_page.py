"""One employee's page: facts, grants with eligibility, every election version, and the forms' PDFs."""

import io

import pytest
from django.test import Client
from pypdf import PdfReader

from soxp_portal.offers.models import Election, Offer
from tests.console.watch.conftest import Census, url

pytestmark = pytest.mark.django_db


def test_every_version_is_listed_newest_first_in_the_offers_zone_to_the_second(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    html = admin_client.get(url("employee", offer, "E-ALICE")).content.decode()
    election, withdrawal = Election.objects.filter(employee=census.alice).order_by("version")
    versions = html[html.index('id="versions"') :]
    assert versions.index(withdrawal.confirmation_number) < versions.index(election.confirmation_number)
    assert "in force" in versions
    # Received and recorded (the same instant online), in the offer's zone only, to the second.
    assert '<td data-label="Received">January 9, 2003 at 11:30:00 PM PST</td>' in versions
    assert '<td data-label="Recorded">January 9, 2003 at 11:30:00 PM PST</td>' in versions
    assert "UTC" not in versions
    assert "Exchange 1 grant: 1,000 → 750 new shares" in versions
    assert "Withdrawal" in versions
    assert "the employee" in versions  # entered online by Alice herself
    for version in (election, withdrawal):
        pdf = url("election-pdf", offer, "E-ALICE", version.confirmation_number)
        assert f'<form method="post" action="{pdf}" class="d-inline" data-download>' in versions


def test_grants_are_shown_with_their_eligibility(admin_client: Client, offer: Offer, census: Census) -> None:
    html = admin_client.get(url("employee", offer, "E1001")).content.decode()
    for grant_id in ("G-1001", "G-1002", "G-1003", "G-1004"):
        assert grant_id in html
    assert "Eligible · required" in html  # the lookback grant
    assert "Exercise price $2.18 is below the $3.01 threshold." in html
    assert "Enter a paper election" in html
    assert "Enter a paper withdrawal" in html


def test_an_ineligible_employee_shows_why_and_no_paper_buttons(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    html = admin_client.get(url("employee", offer, "E-OSCAR")).content.decode()
    assert "Executive officers may not take part in the offer." in html
    assert "Enter a paper election" not in html


def test_the_pdf_is_the_versions_form(admin_client: Client, offer: Offer, census: Census) -> None:
    withdrawal = Election.objects.get(employee=census.alice, version=2)
    response = admin_client.post(url("election-pdf", offer, "E-ALICE", withdrawal.confirmation_number))
    assert response["Content-Type"] == "application/pdf"
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="withdrawal-{withdrawal.confirmation_number}.pdf"'
    )
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert withdrawal.confirmation_number in text
    assert "Alice Able" in text


def test_downloading_a_form_is_audited(admin_client: Client, offer: Offer, census: Census) -> None:
    from soxp_portal.audit.models import AuditEvent

    election = Election.objects.get(employee=census.sam)
    before = AuditEvent.objects.count()
    admin_client.post(url("election-pdf", offer, "E1001", election.confirmation_number))

    [event] = AuditEvent.objects.filter(sequence__gt=before)
    assert (event.event_type, event.employee, event.subject_id) == (
        "export.downloaded",
        census.sam,
        str(election.pk),
    )
    assert event.data == {
        "export": "election-form",
        "format": "pdf",
        "offer": offer.slug,
        "confirmation_number": election.confirmation_number,
        "version": 1,
    }
