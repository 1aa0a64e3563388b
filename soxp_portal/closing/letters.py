"""The promise-to-grant letter (slide 12): one PDF per accepted participant, and the email that sends it.

The letter is written in the portal's own words from the stored close: the accepted tender and its
``AcceptedGrant`` rows say what was cancelled and what is promised; the offer record says when the new
option is expected, how it is priced, its type, term and vesting. No term of any one offer is written
here: a second offer with other terms gets its own letter without a code change.

Letters are made by the thousand, and most of a lone WeasyPrint render is fixed cost (building the
document, laying out the page boxes, writing a PDF). So ``render_letters`` lays out a whole batch as
one HTML document, each letter a section that starts on a new page, renders it once, and then cuts the
rendered pages into one PDF per letter with ``Document.copy(pages)``. Each letter's first page is found
by its section's anchor, so a letter that runs to two pages keeps both. The footer's page number
restarts with each letter (a named page group per letter), so the cut PDFs number their pages 1, 2...

The context is prepared here as ready-made strings (``LetterDocument``): templates only place them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import HTML
from weasyprint.document import Document, DocumentMetadata

from soxp_portal.closing.models import AcceptedGrant, PromiseLetter, Tender
from soxp_portal.documents.elections import Term, exercise_price_in_words, vesting_in_words
from soxp_portal.documents.rendering import (
    DOCUMENT_ORIGIN,
    document_stylesheet,
    font_config,
    render_html,
    url_fetcher,
)
from soxp_portal.offers.models import Grant, Offer
from soxp_portal.offers.tasks import contact_lines
from soxp_portal.rules.vesting import new_option_expiration
from soxp_portal.rules.wording import format_date, format_money, format_shares

LETTER_TEMPLATE = "documents/promise_letter.html"
EMAIL_TEMPLATE = "emails/closing/letter.txt"
EMAIL_SUBJECT_TEMPLATE = "emails/closing/letter_subject.txt"
LETTER_TITLE = "Promise to Grant Stock Options"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _countries_in_words(codes: str) -> str:
    countries = sorted(code.strip().upper() for code in codes.split(",") if code.strip())
    if countries == ["US"]:
        return "in the United States"
    return f"in a country the offer covers ({', '.join(countries)})"


@dataclass(frozen=True)
class LetterLine:
    """One tendered grant: what was cancelled and what is promised for it."""

    grant_id: str
    plan: str
    option_type: str
    grant_date: str
    exercise_price: str
    shares_cancelled: str
    new_shares: str
    #: The old grant's performance condition, carried over to its new option; "" when there is none.
    performance_condition: str


@dataclass(frozen=True)
class LetterDocument:
    """Everything one promise-to-grant letter, and the email that carries it, says."""

    title: str
    #: The header's reference, repeated in every page's footer: "Promise to grant · E1001 · soxp-2003".
    reference: str
    company: str
    offer_name: str
    offer_slug: str
    employee_name: str
    employee_first_name: str
    employee_id: str
    employee_email: str
    issued_on: str
    cancellation_date: str
    new_grant_date: str
    lines: tuple[LetterLine, ...]
    total_cancelled: str
    total_new_shares: str
    has_conditions: bool
    terms: tuple[Term, ...]
    #: The condition of the promise, in a sentence or two.
    condition: str
    #: No other grant before the new grant date; the plan and the offer's documents govern.
    blackout: str
    contacts: tuple[str, ...]
    portal_url: str

    def as_context(self) -> dict[str, Any]:
        return {"document": self}


def portal_url(offer: Offer) -> str:
    """The employee's offer page, absolute, for the email and the letter."""
    base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    return base + reverse("portal:offer", args=[offer.slug])


def letter_reference(offer: Offer, employee_id: str) -> str:
    return f"Promise to grant \u00b7 {employee_id} \u00b7 {offer.slug}"


def _letter_line(line: AcceptedGrant) -> LetterLine:
    grant: Grant = line.grant
    return LetterLine(
        grant_id=grant.grant_id,
        plan=grant.plan.name,
        option_type=grant.option_type,
        grant_date=format_date(grant.grant_date),
        exercise_price=format_money(grant.exercise_price),
        shares_cancelled=format_shares(line.shares),
        new_shares=format_shares(line.new_shares),
        performance_condition=line.performance_condition.strip(),
    )


def _option_type_in_words(offer: Offer, lines: Sequence[AcceptedGrant]) -> str:
    words = offer.get_new_option_type_display()
    if offer.new_option_type == Offer.OptionType.NSO and any(
        line.grant.option_type == Grant.OptionType.ISO for line in lines
    ):
        words += ", even where the cancelled grant was an incentive stock option (ISO)"
    return f"{words}, granted under the {offer.new_option_plan.name}."


def _terms(offer: Offer, lines: Sequence[AcceptedGrant], grant_date: date) -> tuple[Term, ...]:
    delay = f"{_plural(offer.new_grant_delay_months, 'month')} and {_plural(offer.new_grant_delay_days, 'day')}"
    expires = format_date(new_option_expiration(grant_date, offer.new_term_years))
    return (
        Term(
            "New grant date",
            f"{format_date(grant_date)} (expected): the first business day at least {delay} after the "
            f"cancellation date, {format_date(offer.cancellation_date())}.",
        ),
        Term("Exercise price", exercise_price_in_words(offer)),
        Term("Option type", _option_type_in_words(offer, lines)),
        Term(
            "Term",
            f"{_plural(offer.new_term_years, 'year')} from the new grant date (to {expires}), "
            "ending earlier if your employment ends.",
        ),
        Term("Vesting", vesting_in_words(offer, grant_date)),
    )


def _condition(offer: Offer, grant_date: date) -> str:
    return (
        f"The new options are granted only if you are still employed by {offer.company_name} "
        f"{_countries_in_words(offer.eligible_countries)} on the new grant date, {format_date(grant_date)}. "
        "If your employment ends before then, or you no longer work in a covered country, nothing is "
        "granted and the cancelled options stay cancelled: they cannot be reinstated."
    )


def letter_document(tender: Tender, lines: Sequence[AcceptedGrant], *, issued_on: date) -> LetterDocument:
    """The facts of one accepted tender's letter; `lines` are its accepted grants with grant and plan."""
    offer: Offer = tender.offer
    employee = tender.employee
    grant_date = offer.new_grant_date()
    ordered = sorted(lines, key=lambda line: (line.grant.grant_date, line.grant.grant_id))
    table = tuple(_letter_line(line) for line in ordered)
    return LetterDocument(
        title=LETTER_TITLE,
        reference=letter_reference(offer, employee.employee_id),
        company=offer.company_name,
        offer_name=offer.name,
        offer_slug=offer.slug,
        employee_name=employee.full_name,
        employee_first_name=employee.first_name,
        employee_id=employee.employee_id,
        employee_email=employee.email,
        issued_on=format_date(issued_on),
        cancellation_date=format_date(offer.cancellation_date()),
        new_grant_date=format_date(grant_date),
        lines=table,
        total_cancelled=format_shares(sum(line.shares for line in ordered)),
        total_new_shares=format_shares(sum(line.new_shares for line in ordered)),
        has_conditions=any(line.performance_condition for line in table),
        terms=_terms(offer, ordered, grant_date),
        condition=_condition(offer, grant_date),
        blackout=(
            f"You will receive no other stock option grant from {offer.company_name} before the new grant "
            f"date. The new options will be governed by the {offer.new_option_plan.name} and their option "
            "agreement; this letter does not change the offer's documents."
        ),
        contacts=tuple(contact_lines(offer)),
        portal_url=portal_url(offer),
    )


def accepted_lines(tenders: Iterable[Tender]) -> dict[int, list[AcceptedGrant]]:
    """Each tender's accepted grants with their grants and plans, in one query for the whole batch."""
    by_tender: dict[int, list[AcceptedGrant]] = defaultdict(list)
    for line in AcceptedGrant.objects.filter(tender__in=[t.pk for t in tenders]).select_related("grant__plan"):
        by_tender[line.tender_id].append(line)
    return by_tender


def letter_documents(tenders: Sequence[Tender], *, issued_on: date | None = None) -> list[LetterDocument]:
    lines = accepted_lines(tenders)
    documents = []
    for tender in tenders:
        day = issued_on or timezone.now().astimezone(tender.offer.zone).date()
        documents.append(letter_document(tender, lines[tender.pk], issued_on=day))
    return documents


def render_batch(documents: Sequence[LetterDocument]) -> Document:
    """Lays out every letter in one WeasyPrint document: one render, however many letters."""
    html = HTML(
        string=render_html(LETTER_TEMPLATE, {"letters": documents}),
        base_url=f"{DOCUMENT_ORIGIN}/static/",
        url_fetcher=url_fetcher,
    )
    return html.render(stylesheets=[document_stylesheet()], font_config=font_config)


def letter_page_ranges(rendered: Document, count: int) -> list[range]:
    """The pages of each letter: from the page holding its anchor to the page before the next one's."""
    starts: dict[int, int] = {}
    for number, page in enumerate(rendered.pages):
        for anchor in page.anchors:
            if anchor.startswith("letter-"):
                starts.setdefault(int(anchor.removeprefix("letter-")), number)
    if sorted(starts) != list(range(count)):
        raise RuntimeError(f"Expected {count} letters in the rendered batch, found {len(starts)}.")
    ends = [starts[index + 1] for index in range(count - 1)] + [len(rendered.pages)]
    return [range(starts[index], ends[index]) for index in range(count)]


def _metadata(document: LetterDocument) -> DocumentMetadata:
    return DocumentMetadata(
        title=f"{document.title} \u00b7 {document.employee_name}",
        authors=[document.company],
        generator="SOXP Portal",
    )


def render_documents(documents: Sequence[LetterDocument]) -> list[bytes]:
    """One PDF per letter, cut from one rendered batch."""
    if not documents:
        return []
    rendered = render_batch(documents)
    pdfs = []
    for document, pages in zip(documents, letter_page_ranges(rendered, len(documents)), strict=True):
        letter = rendered.copy([rendered.pages[number] for number in pages])
        letter.metadata = _metadata(document)
        pdfs.append(letter.write_pdf())
    return pdfs


def render_letters(tenders: Sequence[Tender]) -> list[bytes]:
    """The letters of these accepted tenders, one PDF each, in the same order."""
    return render_documents(letter_documents(tenders))


def letter_filename(letter: PromiseLetter) -> str:
    tender = letter.tender
    return f"promise-to-grant-{tender.offer.slug}-{tender.employee.employee_id}.pdf"


def letter_email(letter: PromiseLetter, pdf: bytes) -> EmailMessage:
    """The email to the participant: the promise in short, a link to the portal, the letter attached."""
    tender = letter.tender
    document = letter_documents([tender], issued_on=letter.issued_at.astimezone(tender.offer.zone).date())[0]
    context = {"document": document}
    subject = "".join(render_to_string(EMAIL_SUBJECT_TEMPLATE, context).splitlines())
    message = EmailMessage(subject=subject, body=render_to_string(EMAIL_TEMPLATE, context), to=[document.employee_email])
    message.attach(letter_filename(letter), pdf, "application/pdf")
    return message
