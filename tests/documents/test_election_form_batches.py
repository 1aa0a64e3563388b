"""Election and Withdrawal Forms rendered in a batch (one laid-out document, cut into one PDF per form):
each PDF is the form alone, with its own pages and footers and nobody else's text."""

import io

import pytest
from pypdf import PdfReader

from soxp_portal.documents import elections
from soxp_portal.documents.elections import election_document, render_documents
from soxp_portal.offers.models import Election, Employee, Offer
from tests.documents.conftest import make_election
from tests.documents.pdf_text import pdf_pages, pdf_text
from tests.factories import EmployeeFactory, GrantFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def long_election(soxp_2003: Offer) -> Election:
    """Forty tendered grants: a form of three pages or more."""
    employee = EmployeeFactory(first_name="Lena", last_name="Long")
    grant_ids = [GrantFactory(employee=employee, grant_id=f"G-L{n:03d}").grant_id for n in range(40)]
    return make_election(soxp_2003, employee, confirmation_number="LONG1-FORMS", tendered=grant_ids)


@pytest.fixture
def forms(
    slide_9_election: Election, slide_9_withdrawal: Election, long_election: Election
) -> list[Election]:
    return [slide_9_election, long_election, slide_9_withdrawal]


def footers_are_the_forms_own(pdf: bytes, confirmation: str) -> None:
    pages = pdf_pages(pdf)
    for number, page in enumerate(pages, start=1):
        assert f"Confirmation {confirmation} · Page {number} of {len(pages)}" in page


def test_each_form_of_a_batch_is_the_form_alone(forms: list[Election]) -> None:
    documents = [election_document(election) for election in forms]
    batch = render_documents(documents)
    alone = [render_documents([document])[0] for document in documents]

    assert len(batch) == 3
    numbers = [election.confirmation_number for election in forms]
    for pdf, single, number in zip(batch, alone, numbers, strict=True):
        assert pdf.startswith(b"%PDF")
        assert pdf_pages(pdf) == pdf_pages(single)
        footers_are_the_forms_own(pdf, number)
        text = pdf_text(pdf)
        assert [other for other in numbers if other in text] == [number] or (
            # A withdrawal names the election it withdraws.
            number == "WD4KP-9ZNTE"
            and [other for other in numbers if other in text] == ["7QJ3M-XR2PD", number]
        )
    assert len(pdf_pages(batch[1])) >= 3  # the long form runs over pages of its own
    assert "Lena Long" not in pdf_text(batch[0]) + pdf_text(batch[2])
    assert "Dana Whitfield" not in pdf_text(batch[1])


def test_each_form_has_its_own_title(forms: list[Election]) -> None:
    pdfs = render_documents([election_document(election) for election in forms])
    titles = [PdfReader(io.BytesIO(pdf)).metadata.title for pdf in pdfs]
    assert titles == [
        "Election Form · confirmation 7QJ3M-XR2PD",
        "Election Form · confirmation LONG1-FORMS",
        "Withdrawal Form · confirmation WD4KP-9ZNTE",
    ]


def test_a_form_longer_or_shorter_than_expected_is_laid_out_again(
    forms: list[Election], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page count each footer states is checked against the layout: wrong guesses are corrected."""
    documents = [election_document(election) for election in forms]
    wrong = {elections._shape(document): 7 for document in documents}
    monkeypatch.setattr(elections, "_pages_by_shape", wrong)
    layouts = []
    laid_out = elections._laid_out
    monkeypatch.setattr(elections, "_laid_out", lambda forms: layouts.append(len(forms)) or laid_out(forms))

    pdfs = render_documents(documents)

    assert layouts == [3, 3]  # every guess was wrong: all three laid out again
    for pdf, election in zip(pdfs, forms, strict=True):
        footers_are_the_forms_own(pdf, election.confirmation_number)
    render_documents(documents)
    assert layouts == [3, 3, 3]  # learnt: right the first time


def test_an_empty_batch_renders_nothing() -> None:
    assert render_documents([]) == []


def test_a_batch_of_many_forms_keeps_their_order(soxp_2003: Offer, slide_9_employee: Employee) -> None:
    versions = [
        make_election(soxp_2003, slide_9_employee, version=n, confirmation_number=f"ORDER-{n:05d}")
        for n in range(1, 6)
    ]
    pdfs = render_documents([election_document(election) for election in versions])
    for pdf, election in zip(pdfs, versions, strict=True):
        assert election.confirmation_number in pdf_text(pdf)
