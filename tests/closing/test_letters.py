"""The promise-to-grant letters: what each says, one per accepted tender, issued once, audited and emailed."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.actions import accept_tenders, issue_letters
from soxp_portal.closing.letters import letter_documents, render_documents, render_letters
from soxp_portal.closing.models import PromiseLetter, Tender
from soxp_portal.closing.tasks import issue_promise_letters
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Employee, Offer
from tests.documents.pdf_text import pdf_pages, pdf_text
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}
# soxp-2003: deadline 2003-01-20 21:00 Pacific; cancellation 2003-01-20; new grant date 2003-07-21.
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)


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
def accepted(soxp_2003: Offer, slide_9_employee: Employee, admin) -> Offer:
    """Slide 9's employee tendered three grants; the offer closed and the tender was accepted."""
    elect(soxp_2003, slide_9_employee, SLIDE_9)
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)
    return soxp_2003


def issue(offer: Offer, admin, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        issue_letters(offer, actor=admin, now=AFTER_DEADLINE + timedelta(hours=1))


def letter_of(employee: Employee) -> PromiseLetter:
    return PromiseLetter.objects.select_related("tender").get(tender__employee=employee)


def read_pdf(letter: PromiseLetter) -> bytes:
    with letter.pdf.open("rb") as handle:
        return handle.read()


def test_letter_states_slide_9_numbers_and_the_offer_terms(
    accepted, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    issue(accepted, admin, django_capture_on_commit_callbacks)

    text = pdf_text(read_pdf(letter_of(slide_9_employee)))
    assert "Promise to grant · E1001 · soxp-2003" in text
    assert slide_9_employee.full_name in text
    assert slide_9_employee.email in text
    for grant_id, cancelled, promised in (
        ("G-1001", "800", "600"),
        ("G-1002", "1,000", "750"),
        ("G-1004", "500", "375"),
    ):
        assert grant_id in text
        assert f"{cancelled} {promised}" in text
    assert "G-1003" not in text  # ineligible, not tendered
    assert "2,300 1,725" in text  # the totals
    assert "January 20, 2003" in text  # the cancellation date
    assert "July 21, 2003" in text  # the expected new grant date
    assert "last trading day before the new grant date (expected July 18, 2003)" in text
    assert "Non-qualified stock option (NSO)" in text
    assert "10 years from the new grant date (to July 21, 2013)" in text
    assert "50% on the 6-month anniversary" in text
    assert "24 equal monthly installments" in text
    assert "still employed by Lantronix, Inc. in the United States on the new grant date" in text
    assert "cancelled options stay cancelled" in text


def test_letter_follows_the_offer_record_not_2003(
    accepted, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    Offer.objects.filter(pk=accepted.pk).update(
        pricing_basis=Offer.PricingBasisChoice.FMV_ON_GRANT_DATE,
        new_term_years=7,
        vesting_cliff_fraction=Decimal("0.25"),
        vesting_cliff_months=12,
        vesting_monthly_installments=36,
    )
    tender = Tender.objects.select_related("offer", "offer__new_option_plan", "employee").get()

    text = pdf_text(render_letters([tender])[0])
    assert "fair market value of Lantronix, Inc. common stock on the new grant date" in text
    assert "7 years from the new grant date (to July 21, 2010)" in text
    assert "25% on the 12-month anniversary" in text
    assert "75% in 36 equal monthly installments" in text


def test_performance_condition_carries_over_into_the_letter(
    soxp_2003, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    GrantFactory(
        grant_id="G-PERF",
        employee=slide_9_employee,
        shares_granted=400,
        performance_condition="Vests only on FY2003 revenue above $60M",
    )
    elect(soxp_2003, slide_9_employee, {**SLIDE_9, "G-PERF": 400})
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)
    issue(soxp_2003, admin, django_capture_on_commit_callbacks)

    text = pdf_text(read_pdf(letter_of(slide_9_employee)))
    assert "Vests only on FY2003 revenue above $60M" in text
    assert "400 300" in text


def test_one_letter_per_accepted_tender_none_for_rejected(
    soxp_2003, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    leaver = EmployeeFactory(employee_id="E-LEAVER", first_name="Lee", last_name="Leaver")
    GrantFactory(grant_id="G-LEAVER", employee=leaver, shares_granted=1000)
    elect(soxp_2003, slide_9_employee, SLIDE_9)
    elect(soxp_2003, leaver, {"G-LEAVER": 1000})
    Employee.objects.filter(pk=leaver.pk).update(
        status=Employee.Status.TERMINATED, termination_date=AFTER_DEADLINE.date() - timedelta(days=10)
    )
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)
    assert Tender.objects.get(employee=leaver).outcome == Tender.Outcome.REJECTED

    issue(soxp_2003, admin, django_capture_on_commit_callbacks)

    assert list(PromiseLetter.objects.values_list("tender__employee__employee_id", flat=True)) == ["E1001"]


def test_each_letter_holds_only_its_own_employee(
    soxp_2003, admin, django_capture_on_commit_callbacks
) -> None:
    people = []
    for number in range(3):
        person = EmployeeFactory(employee_id=f"E-{number}", first_name=f"Person{number}", last_name="Tester")
        GrantFactory(grant_id=f"G-{number}", employee=person, shares_granted=1000 + number * 100)
        elect(soxp_2003, person, {f"G-{number}": 1000 + number * 100})
        people.append(person)
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)
    issue(soxp_2003, admin, django_capture_on_commit_callbacks)

    for person in people:
        pdf = read_pdf(letter_of(person))
        text = pdf_text(pdf)
        assert person.employee_id in text
        assert all(other.employee_id not in text for other in people if other != person)
        assert pdf_pages(pdf)[0]  # starts with its own first page


def test_running_a_batch_twice_issues_no_second_letter(
    accepted, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    issue(accepted, admin, django_capture_on_commit_callbacks)
    tender = Tender.objects.get(employee=slide_9_employee)

    assert issue_promise_letters.call([tender.pk]) == 0
    assert PromiseLetter.objects.count() == 1
    assert len(mail.outbox) == 1


def test_each_letter_is_audited_with_its_employee(
    accepted, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    issue(accepted, admin, django_capture_on_commit_callbacks)

    letter = letter_of(slide_9_employee)
    events = AuditEvent.objects.filter(event_type=AuditEventType.LETTERS_ISSUED, employee=slide_9_employee)
    assert events.count() == 1
    assert events.get().data["sha256"] == letter.sha256


def test_letter_is_emailed_with_the_pdf_attached(
    accepted, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    issue(accepted, admin, django_capture_on_commit_callbacks)

    letter = letter_of(slide_9_employee)
    (message,) = mail.outbox
    assert message.to == [slide_9_employee.email]
    assert "promise to grant" in message.subject
    assert "G-1001: 800 shares cancelled -> 600 new shares" in message.body
    assert "July 21, 2003" in message.body
    assert "/offers/soxp-2003/" in message.body
    ((filename, content, mimetype),) = message.attachments
    assert filename == "promise-to-grant-soxp-2003-E1001.pdf"
    assert mimetype == "application/pdf"
    assert content == read_pdf(letter)
    assert letter.emailed_at is not None


def test_sha256_matches_the_stored_file(
    accepted, slide_9_employee, admin, django_capture_on_commit_callbacks
) -> None:
    issue(accepted, admin, django_capture_on_commit_callbacks)

    letter = letter_of(slide_9_employee)
    assert hashlib.sha256(read_pdf(letter)).hexdigest() == letter.sha256


def test_a_long_letter_keeps_all_its_pages_and_ends_with_the_terms(
    soxp_2003, admin, django_capture_on_commit_callbacks
) -> None:
    many = EmployeeFactory(employee_id="E-MANY", first_name="Morgan", last_name="Many")
    tendered = {}
    for number in range(60):
        GrantFactory(grant_id=f"G-M{number:02d}", employee=many, shares_granted=100 + number)
        tendered[f"G-M{number:02d}"] = 100 + number
    few = EmployeeFactory(employee_id="E-FEW", first_name="Fran", last_name="Few")
    GrantFactory(grant_id="G-F", employee=few, shares_granted=1000)
    elect(soxp_2003, many, tendered)
    elect(soxp_2003, few, {"G-F": 1000})
    accept_tenders(soxp_2003, actor=admin, now=AFTER_DEADLINE)

    tenders = list(
        Tender.objects.select_related("offer", "offer__new_option_plan", "employee").order_by(
            "employee__employee_id"
        )
    )
    few_pdf, many_pdf = render_letters(tenders)  # E-FEW sorts before E-MANY

    many_pages = pdf_pages(many_pdf)
    assert len(many_pages) >= 3  # its own two pages or more, then the terms
    assert all("E-MANY" in page for page in many_pages[:-1])
    assert "G-M00" in many_pages[0]
    assert "G-M59" in " ".join(many_pages[:-1])
    assert "Page 2" in many_pages[1]  # page numbers restart with each letter
    assert "Terms of the New Options" in many_pages[-1]
    few_pages = pdf_pages(few_pdf)
    assert len(few_pages) == 2
    assert "Page 1" in few_pages[0]
    assert "Terms of the New Options" in few_pages[1]
    assert "E-MANY" not in pdf_text(few_pdf)
    assert "Morgan" not in pdf_text(few_pdf)


def test_the_benchmark_runs_in_its_quick_form() -> None:
    """A smoke test of bench/letters.py on a few letters in its own throw-away database; no timing asserted."""
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(  # noqa: S603  # our own script, with a fixed command line
        [sys.executable, str(root / "bench" / "letters.py"), "--quick"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr[-2000:]
    assert "<!-- bench/letters.py begin -->" in result.stdout
    assert "a letter in a batch of 3" in result.stdout
    assert "`issue_promise_letters`" in result.stdout


def test_each_letter_sits_on_its_own_offers_shared_text(accepted, slide_9_employee, alice) -> None:
    """A batch may hold letters of two offers: each letter's first page is drawn over its own offer's
    shared text (masthead, promise, condition), laid out once per offer, with its own table below."""
    tender = Tender.objects.select_related("offer", "offer__new_option_plan", "employee").get()
    (sam,) = letter_documents([tender])
    other_terms = dataclasses.replace(
        sam.terms,
        offer_slug="acme-2009",
        key="acme-2009",
        company="Acme Widgets, Inc.",
        offer_name="Acme 2009 Exchange",
    )
    other = dataclasses.replace(sam, terms=other_terms, employee_name="Alice Able", employee_id="E-ALICE")

    sam_pdf, other_pdf, sam_again_pdf = render_documents([sam, other, sam])

    sam_first = pdf_pages(sam_pdf)[0]
    assert "2003 Stock Option Exchange Program" in sam_first
    assert "Condition of this promise".upper() in sam_first
    assert "G-1001" in sam_first
    assert "2,300" in sam_first
    assert "Acme" not in pdf_text(sam_pdf)
    other_first = pdf_pages(other_pdf)[0]
    assert "Acme Widgets, Inc. accepted the options you tendered in the Acme 2009 Exchange" in " ".join(
        other_first.split()
    )
    assert "To Alice Able · Employee ID E-ALICE" in other_first
    assert "2003 Stock Option Exchange Program" not in other_first
    assert pdf_pages(sam_again_pdf) == pdf_pages(sam_pdf)


def _word_boxes(pdf: bytes, page: int = 1) -> dict[str, tuple[float, float]]:
    """Top and bottom (points from the top of the page) of each word on one page, as poppler lays it out."""
    result = subprocess.run(  # noqa: S603  # poppler's pdftotext, with a fixed command line
        ["/usr/bin/pdftotext", "-bbox", "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    words = re.findall(
        r'<word xMin="[^"]+" yMin="([^"]+)" xMax="[^"]+" yMax="([^"]+)">([^<]+)</word>',
        result.stdout.decode(),
    )
    return {text: (float(top), float(bottom)) for top, bottom, text in reversed(words)}


def test_the_letters_own_text_starts_below_the_shared_text(accepted) -> None:
    """The participant's table is laid out below the shared text drawn under the first page: no overlap."""
    tender = Tender.objects.select_related("offer", "offer__new_option_plan", "employee").get()
    (pdf,) = render_letters([tender])

    words = _word_boxes(pdf)
    shared_bottom = max(bottom for text, (top, bottom) in words.items() if text == "PROMISED")
    assert words["reinstated."][1] < shared_bottom  # the condition, higher up
    own_top = min(words[text][0] for text in ("G-1001", "G-1002", "G-1004", "Total"))
    assert own_top > shared_bottom
    assert words["G-1001"][0] < words["G-1002"][0] < words["G-1004"][0] < words["Total"][0]


def _two_accepted(offer: Offer, admin) -> list[Tender]:
    people = []
    for number in range(2):
        person = EmployeeFactory(employee_id=f"E-{number}", first_name=f"Person{number}", last_name="Tester")
        GrantFactory(grant_id=f"G-{number}", employee=person, shares_granted=1000)
        elect(offer, person, {f"G-{number}": 1000})
        people.append(person)
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    return list(Tender.objects.order_by("pk"))


def test_a_batch_whose_audit_write_fails_saves_no_letter(soxp_2003, admin) -> None:
    """The batch's letters and their events are one transaction: if the events fail, no letter stays."""
    tenders = _two_accepted(soxp_2003, admin)
    events_before = AuditEvent.objects.count()

    with (
        mock.patch("soxp_portal.closing.tasks.append", side_effect=RuntimeError("audit down")),
        pytest.raises(RuntimeError, match="audit down"),
    ):
        issue_promise_letters.call([tender.pk for tender in tenders])

    assert PromiseLetter.objects.count() == 0
    assert AuditEvent.objects.count() == events_before
    assert len(mail.outbox) == 0


def test_a_letter_issued_meanwhile_by_another_worker_is_not_issued_again(soxp_2003, admin) -> None:
    """Between rendering and saving, another run of the same batch saved one letter: it is skipped."""
    first, second = _two_accepted(soxp_2003, admin)

    def render_while_another_worker_saves(documents):
        pdfs = render_documents(documents)
        PromiseLetter.objects.create(
            tender=first, pdf="letters/other-worker.pdf", sha256="0" * 64, issued_at=AFTER_DEADLINE
        )
        return pdfs

    with mock.patch(
        "soxp_portal.closing.tasks.render_documents", side_effect=render_while_another_worker_saves
    ):
        issued = issue_promise_letters.call([first.pk, second.pk])

    assert issued == 1
    assert PromiseLetter.objects.get(tender=first).sha256 == "0" * 64  # the other worker's, untouched
    assert PromiseLetter.objects.get(tender=second).emailed_at is not None
    assert [message.to for message in mail.outbox] == [[second.employee.email]]
    assert (
        AuditEvent.objects.filter(event_type=AuditEventType.LETTERS_ISSUED, employee=second.employee).count()
        == 1
    )
    assert not AuditEvent.objects.filter(
        event_type=AuditEventType.LETTERS_ISSUED, employee=first.employee
    ).exists()
