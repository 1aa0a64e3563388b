"""After the close: the employee's offer page shows their tender's outcome, their letter and new options."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.test import Client

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.actions import (
    accept_tenders,
    cancel_tendered_grants,
    create_new_grants,
    issue_letters,
    record_termination,
)
from soxp_portal.closing.models import PromiseLetter
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Employee, Offer
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.portal.conftest import url

SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}
# soxp-2003: deadline 2003-01-20 21:00 Pacific; cancellation 2003-01-20; new grant date 2003-07-21.
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
ON_GRANT_DATE = datetime(2003, 7, 21, 17, 0, tzinfo=UTC)


@pytest.fixture
def admin(db: None):
    return UserFactory(email="admin@example.com", is_staff=True)


def elect(offer: Offer, employee: Employee, tendered: dict[str, int]) -> None:
    submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=0,
        submission_token=uuid.uuid4(),
        now=offer.opens_at + timedelta(days=5),
    )


@pytest.fixture
def bob_with_grant(bob: Employee) -> Employee:
    GrantFactory(grant_id="G-BOB", employee=bob, shares_granted=1000)
    return bob


@pytest.fixture
def closed(soxp_2003: Offer, slide_9_employee: Employee, bob_with_grant: Employee, admin) -> Offer:
    """Slide 9's employee and Bob tendered; the tenders were accepted and the grants cancelled."""
    elect(soxp_2003, slide_9_employee, SLIDE_9)
    elect(soxp_2003, bob_with_grant, {"G-BOB": 1000})
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)
    cancel_tendered_grants(soxp_2003, actor=admin, now=AFTER_DEADLINE + timedelta(minutes=5))
    soxp_2003.refresh_from_db()
    return soxp_2003


@pytest.fixture
def lettered(closed: Offer, admin, django_capture_on_commit_callbacks) -> Offer:
    with django_capture_on_commit_callbacks(execute=True):
        issue_letters(closed, actor=admin, now=AFTER_DEADLINE + timedelta(hours=1))
    return closed


def signed_in(client: Client, employee: Employee) -> Client:
    client.force_login(employee.user)
    return client


def letter_of(employee: Employee) -> PromiseLetter:
    return PromiseLetter.objects.get(tender__employee=employee)


def test_accepted_tender_shows_each_grant_and_the_expected_grant_date(
    client, closed, slide_9_employee
) -> None:
    page = signed_in(client, slide_9_employee).get(url("offer", closed)).content.decode()

    assert "The outcome of your tender" in page
    assert "Accepted" in page
    assert "January 20, 2003" in page  # cancelled as of
    assert "July 21, 2003" in page  # expected new grant date
    for grant_id, cancelled, promised in (
        ("G-1001", "800", "600"),
        ("G-1002", "1,000", "750"),
        ("G-1004", "500", "375"),
    ):
        assert grant_id in page
        assert f'data-label="Shares cancelled">{cancelled}</td>' in page
        assert f'data-label="New shares promised">{promised}</td>' in page
    assert "1,725" in page  # total promised
    assert "G-1003" not in page.split("The outcome of your tender")[1].split("</section>")[0]
    assert "will be posted here" in page  # no letter yet


def test_rejected_tender_shows_the_reason(client, soxp_2003, slide_9_employee, admin) -> None:
    elect(soxp_2003, slide_9_employee, SLIDE_9)
    Employee.objects.filter(pk=slide_9_employee.pk).update(
        status=Employee.Status.TERMINATED, termination_date=date(2003, 1, 15)
    )
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)
    slide_9_employee.refresh_from_db()

    page = signed_in(client, slide_9_employee).get(url("offer", soxp_2003)).content.decode()

    assert "Not accepted" in page
    reason = slide_9_employee.tenders.get().reason
    assert reason
    assert reason in page
    assert "Download your promise-to-grant letter" not in page


def test_issued_letter_is_linked_and_downloads_as_an_attachment(client, lettered, slide_9_employee) -> None:
    signed_in(client, slide_9_employee)
    letter = letter_of(slide_9_employee)
    link = url("promise-letter", lettered, str(letter.pk))
    # Stamped by the task with the real clock: fixed here so the page's wording can be checked.
    PromiseLetter.objects.filter(pk=letter.pk).update(issued_at=datetime(2003, 1, 21, 7, 0, 15, tzinfo=UTC))

    page = client.get(url("offer", lettered)).content.decode()
    assert "Download your promise-to-grant letter (PDF)" in page
    assert f'<form method="post" action="{link}" class="d-inline" data-download>' in page
    # When it was issued, in the offer's zone, with the employee's own time where it differs.
    assert "Issued January 20, 2003 at 11:00 PM PST</span>" in page
    assert 'data-local-time="2003-01-21T07:00:15Z" data-offer-zone="America/Los_Angeles" hidden>' in page

    response = client.post(link)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="promise-to-grant-soxp-2003-E1001.pdf"'
    with letter.pdf.open("rb") as stored:
        assert b"".join(response.streaming_content) == stored.read()


def test_another_employees_letter_is_a_404(client, lettered, slide_9_employee, bob_with_grant) -> None:
    sams = letter_of(slide_9_employee)

    response = signed_in(client, bob_with_grant).post(url("promise-letter", lettered, str(sams.pk)))

    assert response.status_code == 404


def test_a_letter_under_another_offers_address_is_a_404(client, lettered, slide_9_employee) -> None:
    letter = letter_of(slide_9_employee)

    response = signed_in(client, slide_9_employee).post(f"/offers/another-offer/letters/{letter.pk}/")

    assert response.status_code == 404


def test_a_letter_is_a_404_while_its_offer_has_not_opened(client, lettered, slide_9_employee) -> None:
    link = url("promise-letter", lettered, str(letter_of(slide_9_employee).pk))
    signed_in(client, slide_9_employee)
    assert client.post(link).status_code == 200

    with time_machine.travel(lettered.opens_at - timedelta(days=1), tick=False):
        assert client.post(link).status_code == 404


def test_letter_download_needs_sign_in(client, lettered, slide_9_employee) -> None:
    link = url("promise-letter", lettered, str(letter_of(slide_9_employee).pk))

    response = client.post(link)

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_get_of_the_letter_is_refused_because_the_download_is_audited(
    client, lettered, slide_9_employee
) -> None:
    link = url("promise-letter", lettered, str(letter_of(slide_9_employee).pk))
    signed_in(client, slide_9_employee)
    before = AuditEvent.objects.count()

    assert client.get(link).status_code == 405
    assert AuditEvent.objects.count() == before


def test_downloading_the_letter_writes_one_document_downloaded_event(
    client, lettered, slide_9_employee
) -> None:
    letter = letter_of(slide_9_employee)
    signed_in(client, slide_9_employee)
    before = AuditEvent.objects.count()

    response = client.post(url("promise-letter", lettered, str(letter.pk)), REMOTE_ADDR="198.51.100.7")

    assert response.status_code == 200
    [event] = AuditEvent.objects.filter(sequence__gt=before)
    assert event.event_type == AuditEventType.DOCUMENT_DOWNLOADED
    assert (event.actor, event.employee, event.offer) == (slide_9_employee.user, slide_9_employee, lettered)
    assert (event.subject_type, event.subject_id) == ("closing.Tender", str(letter.tender_id))
    assert event.ip_address == "198.51.100.7"
    assert event.data == {
        "document": "promise-letter",
        "sha256": letter.sha256,
        "path": url("promise-letter", lettered, str(letter.pk)),
        "method": "POST",
    }


def test_a_non_participant_sees_no_outcome_and_no_letter(client, lettered) -> None:
    outsider = EmployeeFactory(employee_id="E-OUT", first_name="Olive", last_name="Outsider")
    GrantFactory(grant_id="G-OUT", employee=outsider)

    page = signed_in(client, outsider).get(url("offer", lettered)).content.decode()

    assert "The outcome of your tender" not in page
    assert "promise-to-grant letter" not in page
    assert not PromiseLetter.objects.filter(tender__employee=outsider).exists()


def test_forfeited_promise_shows_the_reason(client, lettered, slide_9_employee, admin) -> None:
    record_termination(
        lettered,
        slide_9_employee,
        termination_date=date(2003, 4, 30),
        actor=admin,
        now=datetime(2003, 5, 1, tzinfo=UTC),
    )

    page = signed_in(client, slide_9_employee).get(url("offer", lettered)).content.decode()

    assert "Promise forfeited" in page
    assert "Employment ended on April 30, 2003, before the new grant date (July 21, 2003)" in page
    assert "Your new option" not in page


def test_new_options_show_their_terms_and_vesting(client, lettered, slide_9_employee, admin) -> None:
    create_new_grants(lettered, closing_price=Decimal("1.25"), actor=admin, now=ON_GRANT_DATE)

    page = signed_in(client, slide_9_employee).get(url("offer", lettered)).content.decode()

    assert "New options granted" in page
    assert "Your new option SOXP-2003-G-1002" in page
    section = page.split("Your new option SOXP-2003-G-1002")[1].split("</section>")[0]
    assert "July 21, 2003" in section  # grant date
    assert "750" in section
    assert "$1.25 a share" in section
    assert "July 21, 2013" in section  # expires after the offer's 10-year term
    assert '<td>January 21, 2004</td><td class="text-end">375</td>' in section  # half at the 6-month cliff
    assert "January 21, 2006" in section  # fully vested after 24 more months
    assert "Download your promise-to-grant letter (PDF)" in page
