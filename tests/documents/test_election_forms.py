"""The Election Form and the Withdrawal Form, read back out of the PDF."""

import re
import sys
from datetime import UTC, datetime, timedelta

import pytest
from django.apps import apps

from soxp_portal.documents import elections
from soxp_portal.documents.elections import audit_hash_for, document_filename, render_election_document
from soxp_portal.offers.models import Election, Employee, Offer
from tests.documents.conftest import SLIDE_9_TENDERED, make_election
from tests.documents.pdf_text import pdf_pages, pdf_text
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

pytestmark = pytest.mark.django_db

AUDIT_HASH = "9c1f0e7a4b2d3c5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6"


def test_slide_9_election_form(slide_9_election: Election) -> None:
    pdf = render_election_document(slide_9_election)
    text = pdf_text(pdf)

    assert "Election Form" in text
    assert "Lantronix, Inc." in text
    assert "2003 Stock Option Exchange Program (SOXP)" in text
    assert "Dana Whitfield" in text
    assert "E1001" in text
    assert "dana.whitfield@example.com" in text
    assert "7QJ3M-XR2PD" in text
    # Each tendered grant with its price, shares tendered and new shares (slide 9), in one table row.
    assert re.search(r"G-1001 .*?2000 Stock Option Plan ISO May 20, 2000 \$6\.00 800 600", text)
    assert re.search(r"G-1002 .*?March 5, 2001 \$4\.50 1,000 750", text)
    assert re.search(r"G-1004 .*?July 1, 2002 \$0\.40 500 375", text)
    assert "Total 2,300 1,725" in text
    assert "G-1003" not in text  # ineligible and not tendered
    assert "LOOKBACK" in text  # G-1004 is a lookback grant


def test_election_form_states_the_terms_of_the_new_options(slide_9_election: Election) -> None:
    text = pdf_text(render_election_document(slide_9_election))

    assert "July 21, 2003 (expected)" in text
    assert "last trading day before the new grant date (expected July 18, 2003)" in text
    assert "Non-qualified stock option (NSO)" in text
    assert "granted under the 2000 Stock Option Plan" in text
    assert "10 years from the new grant date (to July 21, 2013)" in text
    assert "50% on the 6-month anniversary of the new grant date (January 21, 2004)" in text
    assert "24 equal monthly installments" in text
    # 600 new shares: 300 at the cliff, then 12 or 13 a month, complete on January 21, 2006.
    assert "G-1001 600 300 12 or 13 January 21, 2006" in text
    assert "still employed by Lantronix, Inc. in the United States on the new grant date" in text
    assert "no other stock option grant" in text
    assert "tendered whole" in text
    assert "lookback window (June 19, 2002 to December 19, 2002)" in text
    assert "January 20, 2003 at 9:00 PM PST" in text


def test_election_form_records_signature_time_and_channel(slide_9_election: Election) -> None:
    pages = pdf_pages(render_election_document(slide_9_election))
    text = " ".join(" ".join(pages).split())

    assert "Dana Whitfield" in pages[-1]  # the typed signature, on the last page
    assert "typed electronically" in text
    # The offer's zone first, then UTC as the audit trail records it; to the second, never the microseconds.
    assert "Received January 10, 2003 at 10:00:00 AM PST January 10, 2003 at 6:00:00 PM UTC Channel" in text
    assert "123456" not in text
    assert "Online: submitted and signed by the employee on the portal." in text
    assert "on the employee's behalf" not in text
    assert "Audit record" not in text
    assert "Election 1 of this employee" in text


def test_every_page_has_the_confirmation_footer(slide_9_election: Election) -> None:
    pages = pdf_pages(render_election_document(slide_9_election))
    assert 1 <= len(pages) <= 2
    for number, page in enumerate(pages, start=1):
        assert f"Confirmation 7QJ3M-XR2PD · Page {number} of {len(pages)}" in page


def test_a_second_election_says_which_one_it_replaces(
    soxp_2003: Offer, slide_9_employee: Employee, slide_9_election: Election
) -> None:
    second = make_election(
        soxp_2003,
        slide_9_employee,
        version=2,
        confirmation_number="M2CHG-ABCDE",
        tendered=SLIDE_9_TENDERED,
        received_at=datetime(2003, 1, 14, 17, 30, tzinfo=UTC),
    )
    text = pdf_text(render_election_document(second))

    assert "Election 2 of this employee; replaces confirmation 7QJ3M-XR2PD" in text
    assert "the election received January 10, 2003 at 10:00:00 AM PST" in text
    assert "M2CHG-ABCDE" in text


def test_withdrawal_form(slide_9_withdrawal: Election) -> None:
    pdf = render_election_document(slide_9_withdrawal)
    text = pdf_text(pdf)

    assert "Withdrawal Form" in text
    assert "Notice of Withdrawal" in text
    assert "Election Form" not in text
    assert "Dana Whitfield" in text
    assert "E1001" in text
    assert "WD4KP-9ZNTE" in text
    assert "withdraws the election with confirmation 7QJ3M-XR2PD" in text
    assert "not participating" in text
    assert "Every grant keeps its current terms" in text
    assert (
        "A new election may be made on the portal before the deadline, January 20, 2003 at 9:00 PM PST"
        in text
    )
    assert "January 15, 2003 at 3:30:00 PM PST January 15, 2003 at 11:30:00 PM UTC" in text
    assert "typed electronically" in text
    # The grants of the withdrawn election keep their terms, shown with their shares.
    assert re.search(r"G-1001 .*?May 20, 2000 \$6\.00 800", text)
    assert "Confirmation WD4KP-9ZNTE · Page 1 of 1" in text


def test_audit_hash_is_printed_when_given(slide_9_election: Election, slide_9_withdrawal: Election) -> None:
    for election in (slide_9_election, slide_9_withdrawal):
        text = pdf_text(render_election_document(election, audit_hash=AUDIT_HASH))
        assert f"Audit record: {AUDIT_HASH}" in text


def test_fax_election_entered_on_the_employees_behalf(soxp_2003: Offer, slide_9_employee: Employee) -> None:
    admin = UserFactory(email="stock.admin@example.com")
    received = datetime(2003, 1, 20, 23, 15, tzinfo=UTC)  # 3:15 PM Pacific on the last day
    election = make_election(
        soxp_2003,
        slide_9_employee,
        confirmation_number="FAX23-KP9QZ",
        tendered=SLIDE_9_TENDERED,
        channel=Election.Channel.FAX,
        entered_by=admin,
        received_at=received,
        recorded_at=received + timedelta(hours=1, minutes=5),
    )
    text = pdf_text(render_election_document(election))

    assert "entered by stock.admin@example.com on the employee's behalf" in text
    assert "Fax: the signed form was delivered by fax and received January 20, 2003 at 3:15:00 PM PST" in text
    assert "Recorded January 20, 2003 at 4:20:00 PM PST January 21, 2003 at 12:20:00 AM UTC" in text
    assert "Received January 20, 2003 at 3:15:00 PM PST January 20, 2003 at 11:15:00 PM UTC" in text
    assert "signed and delivered by fax" in text


def test_hand_delivered_withdrawal_names_the_channel(
    soxp_2003: Offer, slide_9_employee: Employee, slide_9_election: Election
) -> None:
    withdrawal = make_election(
        soxp_2003,
        slide_9_employee,
        version=2,
        kind=Election.Kind.WITHDRAWAL,
        confirmation_number="HAND2-WDRAW",
        channel=Election.Channel.HAND,
        entered_by=UserFactory(email="hr@example.com"),
    )
    text = pdf_text(render_election_document(withdrawal))
    assert "By hand: the signed form was delivered by hand" in text
    assert "entered by hr@example.com on the employee's behalf" in text


def test_performance_condition_carries_over(soxp_2003: Offer, slide_9_employee: Employee) -> None:
    GrantFactory(
        grant_id="G-PERF",
        employee=slide_9_employee,
        performance_condition="Vests only once the Lightwave product line ships.",
    )
    election = make_election(
        soxp_2003, slide_9_employee, confirmation_number="PERF1-COND2", tendered=[*SLIDE_9_TENDERED, "G-PERF"]
    )
    text = pdf_text(render_election_document(election))
    assert "Performance conditions" in text
    assert "Grant G-PERF: “Vests only once the Lightwave product line ships.”" in text
    assert "carries over to the new option" in text


def test_the_offers_terms_come_from_the_offer_record(slide_9_election: Election) -> None:
    """An extension moves the new grant date, and the Offer to Exchange's pricing basis is worded as such."""
    offer = slide_9_election.offer
    offer.expires_at = datetime(2003, 1, 25, 5, 0, tzinfo=UTC)  # extended to January 24, 9:00 PM Pacific
    offer.pricing_basis = Offer.PricingBasisChoice.FMV_ON_GRANT_DATE
    offer.save()
    election = Election.objects.get(pk=slide_9_election.pk)

    text = pdf_text(render_election_document(election))
    assert "July 25, 2003 (expected)" in text
    assert "fair market value of Lantronix, Inc. common stock on the new grant date" in text
    assert "January 24, 2003 at 9:00 PM PST" in text


def test_rendering_runs_a_fixed_number_of_queries(
    slide_9_election: Election, django_assert_max_num_queries
) -> None:
    """Letters are rendered by the thousand: the queries must not grow with the number of grants."""
    election = Election.objects.select_related(
        "offer", "offer__new_option_plan", "employee", "entered_by"
    ).get(pk=slide_9_election.pk)
    with django_assert_max_num_queries(3):
        render_election_document(election)


def test_document_filename(slide_9_election: Election, slide_9_withdrawal: Election) -> None:
    assert document_filename(slide_9_election) == "election-7QJ3M-XR2PD.pdf"
    assert document_filename(slide_9_withdrawal) == "withdrawal-WD4KP-9ZNTE.pdf"


def test_no_audit_hash_without_the_audit_app(
    slide_9_election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(elections.apps, "is_installed", lambda name: False)
    assert audit_hash_for(slide_9_election) is None


def test_no_audit_hash_when_the_audit_models_cannot_be_imported(
    slide_9_election: Election, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(elections.apps, "is_installed", lambda name: True)
    monkeypatch.setitem(sys.modules, "soxp_portal.audit.models", None)  # import fails
    assert audit_hash_for(slide_9_election) is None


@pytest.mark.skipif(not apps.is_installed("soxp_portal.audit"), reason="the audit app is not installed yet")
def test_audit_hash_is_none_for_an_election_without_an_event(slide_9_election: Election) -> None:
    assert audit_hash_for(slide_9_election) is None


@pytest.mark.skipif(not apps.is_installed("soxp_portal.audit"), reason="the audit app is not installed yet")
def test_audit_hash_is_the_hash_of_the_elections_audit_event(slide_9_election: Election) -> None:
    from soxp_portal.audit.log import record
    from soxp_portal.audit.models import AuditEventType

    event = record(
        AuditEventType.ELECTION_SUBMITTED,
        actor=slide_9_election.entered_by,
        at=slide_9_election.received_at,
        subject=slide_9_election,
    )
    assert event.hash
    assert audit_hash_for(slide_9_election) == event.hash


def test_markup_in_a_name_is_printed_as_text_not_fetched(soxp_2003: Offer) -> None:
    """Names come from the census: markup in them is escaped, so it can neither fetch nor restyle."""
    employee = EmployeeFactory(
        employee_id="E-ESC", first_name="Pat", last_name="O'Brien <img src='http://example.com/x.png'>"
    )
    election = make_election(soxp_2003, employee, confirmation_number="ESC12-34567")
    text = pdf_text(render_election_document(election))
    assert "Pat O'Brien <img src='http://example.com/x.png'>" in text
