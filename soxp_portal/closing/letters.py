"""The promise-to-grant letter (slide 12): one PDF per accepted participant, and the email that sends it.

The letter is written in the portal's own words from the stored close: the accepted tender and its
``AcceptedGrant`` rows say what was cancelled and what is promised; the offer record says when the new
option is expected, how it is priced, its type, term and vesting. No term of any one offer is written
here: a second offer with other terms gets its own letter without a code change.

A letter has two parts. The first page (or pages, for many grants) is the participant's own: who,
what was cancelled and what is promised for each grant, the expected grant date and the condition.
The last page sets out the terms of the new options, which are the same for every participant of an
offer (``LetterTerms``).

Letters are made by the ten thousand, and WeasyPrint's cost is per page and per line laid out and
drawn, so each letter lays out only what is its own (docs/performance.md, "Promise-to-grant letters"):

- ``render_batch`` lays out a whole batch as one HTML document: each letter a section that starts a
  page of its own, and, once per offer, the terms page and the "static" page, which holds what every
  letter of the offer says on its first page (masthead, the promise, its condition);
- each letter's first page starts its own content (the grants table) below the height the static text
  takes, measured once per offer and process (``static_height``);
- the rendered document is written once, and cut into one PDF per letter with pikepdf: the letter's own
  pages, the offer's static page drawn under the first of them (a form XObject, so its text stays
  text), then the terms page. Each letter's pages are found by its section's anchor, so a letter that
  runs to two pages keeps both;
- the participant's part is one preformatted block rather than table cells: a table cell costs
  WeasyPrint about as much as a paragraph, and the grants table would have thirty.

The context is prepared here as ready-made strings: templates only place them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from weasyprint import CSS
from weasyprint.document import Document

from soxp_portal.closing.models import AcceptedGrant, PromiseLetter, Tender
from soxp_portal.documents.batch import Cut, anchored_starts, layout, section_pages, split_pdf
from soxp_portal.documents.elections import (
    Term,
    exercise_price_in_words,
    grant_delay_in_words,
    new_option_type_in_words,
    vesting_in_words,
)
from soxp_portal.documents.rendering import font_config, render_html
from soxp_portal.offers.models import Grant, Offer
from soxp_portal.offers.tasks import contact_lines
from soxp_portal.rules.vesting import new_option_expiration
from soxp_portal.rules.wording import (
    countries_in_words,
    format_date,
    format_money,
    format_ratio,
    format_shares,
    plural,
)

LETTER_TEMPLATE = "documents/promise_letter.html"
EMAIL_TEMPLATE = "emails/closing/letter.txt"
EMAIL_SUBJECT_TEMPLATE = "emails/closing/letter_subject.txt"
LETTER_TITLE = "Promise to Grant Stock Options"
TERMS_TITLE = "Terms of the New Options"
#: The grants table's columns, as headings over the preformatted rows.
GRANT_COLUMNS = ("Grant", "Type", "Grant date", "Exercise price", "Shares cancelled", "New shares")
#: Columns aligned to the right (the amounts).
_RIGHT_ALIGNED = frozenset({3, 4, 5})
_COLUMN_GAP = "   "


@dataclass(frozen=True)
class LetterLine:
    """One tendered grant: what was cancelled and what is promised for it."""

    grant_id: str
    option_type: str
    grant_date: str
    exercise_price: str
    shares_cancelled: str
    new_shares: str
    #: The old grant's performance condition, carried over to its new option; "" when there is none.
    performance_condition: str

    @property
    def cells(self) -> tuple[str, ...]:
        return (
            self.grant_id,
            self.option_type,
            self.grant_date,
            self.exercise_price,
            self.shares_cancelled,
            self.new_shares,
        )


def grant_table_rows(
    lines: Sequence[LetterLine], total_cancelled: str, total_new_shares: str
) -> tuple[str, ...]:
    """The grants table as aligned lines of a monospaced block: headings, one line a grant, the total.

    Each column is as wide as its widest entry; amounts are aligned to the right.
    """
    total = ("Total", "", "", "", total_cancelled, total_new_shares)
    rows = [GRANT_COLUMNS, *(line.cells for line in lines), total]
    widths = [max(len(row[column]) for row in rows) for column in range(len(GRANT_COLUMNS))]

    def aligned(row: Sequence[str]) -> str:
        cells = (
            cell.rjust(width) if column in _RIGHT_ALIGNED else cell.ljust(width)
            for column, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        return _COLUMN_GAP.join(cells).rstrip()

    return tuple(aligned(row) for row in rows)


@dataclass(frozen=True)
class LetterTerms:
    """The terms of the new options, the same for every participant of one offer: the last page."""

    title: str
    reference: str
    company: str
    offer_name: str
    offer_slug: str
    #: The first page's title, above the promise every letter of the offer states in the same words.
    letter_title: str
    cancellation_date: str
    new_grant_date: str
    #: The condition of the promise, in a sentence or two.
    condition: str
    terms: tuple[Term, ...]
    #: No other grant before the new grant date; the plan and the offer's documents govern.
    blackout: str
    contacts: tuple[str, ...]
    portal_url: str


@dataclass(frozen=True)
class LetterDocument:
    """Everything one promise-to-grant letter, and the email that carries it, says."""

    title: str
    #: In every page's footer: "Promise to grant · E1001 · soxp-2003".
    reference: str
    employee_name: str
    employee_first_name: str
    employee_id: str
    employee_email: str
    issued_on: str
    lines: tuple[LetterLine, ...]
    #: The grants table as preformatted lines: headings, the grants, the total.
    table_rows: tuple[str, ...]
    total_cancelled: str
    total_new_shares: str
    #: "G-1001: <condition>" for each grant whose performance condition carries over.
    performance_conditions: tuple[str, ...]
    terms: LetterTerms

    @property
    def addressee(self) -> str:
        """Whom the letter is for, at the top of each of its pages."""
        return (
            f"To {self.employee_name} \u00b7 Employee ID {self.employee_id} \u00b7 {self.employee_email} "
            f"\u00b7 Issued {self.issued_on}"
        )

    # What every letter of the offer says is the offer's, in its terms.
    company = property(lambda self: self.terms.company)
    offer_name = property(lambda self: self.terms.offer_name)
    offer_slug = property(lambda self: self.terms.offer_slug)
    cancellation_date = property(lambda self: self.terms.cancellation_date)
    new_grant_date = property(lambda self: self.terms.new_grant_date)
    condition = property(lambda self: self.terms.condition)


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
        option_type=grant.option_type,
        grant_date=format_date(grant.grant_date),
        exercise_price=format_money(grant.exercise_price),
        shares_cancelled=format_shares(line.shares),
        new_shares=format_shares(line.new_shares),
        performance_condition=line.performance_condition.strip(),
    )


def letter_terms(offer: Offer) -> LetterTerms:
    """The terms page of this offer's letters, from the offer record alone."""
    grant_date = offer.new_grant_date()
    delay = grant_delay_in_words(offer)
    expires = format_date(new_option_expiration(grant_date, offer.new_term_years))
    terms = (
        Term(
            "New grant date",
            f"{format_date(grant_date)} (expected): the first business day at least {delay} after the "
            f"cancellation date, {format_date(offer.cancellation_date())}.",
        ),
        Term("Exercise price", exercise_price_in_words(offer)),
        Term("Option type", new_option_type_in_words(offer)),
        Term(
            "Term",
            f"{plural(offer.new_term_years, 'year')} from the new grant date (to {expires}), "
            "ending earlier if your employment ends.",
        ),
        Term("Vesting", vesting_in_words(offer, grant_date)),
        Term(
            "New shares",
            f"{format_ratio(offer.exchange_ratio)} new share for each share cancelled, counted grant "
            "by grant and rounded up to a whole share.",
        ),
        Term(
            "Performance conditions",
            "A performance condition on a cancelled grant carries over to the new option granted for it; "
            "the first page of this letter names any.",
        ),
    )
    return LetterTerms(
        title=TERMS_TITLE,
        reference=f"Promise to grant \u00b7 terms \u00b7 {offer.slug}",
        company=offer.company_name,
        offer_name=offer.name,
        offer_slug=offer.slug,
        letter_title=LETTER_TITLE,
        cancellation_date=format_date(offer.cancellation_date()),
        new_grant_date=format_date(grant_date),
        condition=_condition(offer, grant_date),
        terms=terms,
        blackout=(
            f"You will receive no other stock option grant from {offer.company_name} before the new grant "
            f"date. The new options will be governed by the {offer.new_option_plan.name} and their option "
            "agreement; this letter does not change the offer's documents, which govern."
        ),
        contacts=tuple(contact_lines(offer)),
        portal_url=portal_url(offer),
    )


def _condition(offer: Offer, grant_date: date) -> str:
    return (
        f"The new options are granted only if you are still employed by {offer.company_name} "
        f"{countries_in_words(offer.eligible_countries)} on the new grant date, {format_date(grant_date)}. "
        "If your employment ends before then, or you no longer work in a covered country, nothing is "
        "granted and the cancelled options stay cancelled: they cannot be reinstated."
    )


def letter_document(
    tender: Tender, lines: Sequence[AcceptedGrant], *, issued_on: date, terms: LetterTerms | None = None
) -> LetterDocument:
    """The facts of one accepted tender's letter; `lines` are its accepted grants with their grants.

    `terms` may be passed when many letters of the same offer are built, to make them once.
    """
    offer: Offer = tender.offer
    employee = tender.employee
    ordered = sorted(lines, key=lambda line: (line.grant.grant_date, line.grant.grant_id))
    table = tuple(_letter_line(line) for line in ordered)
    total_cancelled = format_shares(sum(line.shares for line in ordered))
    total_new_shares = format_shares(sum(line.new_shares for line in ordered))
    return LetterDocument(
        title=LETTER_TITLE,
        reference=letter_reference(offer, employee.employee_id),
        employee_name=employee.full_name,
        employee_first_name=employee.first_name,
        employee_id=employee.employee_id,
        employee_email=employee.email,
        issued_on=format_date(issued_on),
        lines=table,
        table_rows=grant_table_rows(table, total_cancelled, total_new_shares),
        total_cancelled=total_cancelled,
        total_new_shares=total_new_shares,
        performance_conditions=tuple(
            f"{line.grant_id}: {line.performance_condition}" for line in table if line.performance_condition
        ),
        terms=terms or letter_terms(offer),
    )


def accepted_lines(tenders: Iterable[Tender]) -> dict[int, list[AcceptedGrant]]:
    """Each tender's accepted grants with their grants, in one query for the whole batch."""
    by_tender: dict[int, list[AcceptedGrant]] = defaultdict(list)
    lines = AcceptedGrant.objects.filter(tender__in=[tender.pk for tender in tenders]).select_related("grant")
    for line in lines:
        by_tender[line.tender_id].append(line)
    return by_tender


def letter_documents(tenders: Sequence[Tender], *, issued_on: date | None = None) -> list[LetterDocument]:
    """The letters of these tenders, their offers' terms made once per offer."""
    lines = accepted_lines(tenders)
    terms: dict[int, LetterTerms] = {}
    documents = []
    for tender in tenders:
        offer = tender.offer
        if offer.pk not in terms:
            terms[offer.pk] = letter_terms(offer)
        day = issued_on or timezone.now().astimezone(offer.zone).date()
        documents.append(letter_document(tender, lines[tender.pk], issued_on=day, terms=terms[offer.pk]))
    return documents


def _distinct_terms(documents: Sequence[LetterDocument]) -> list[LetterTerms]:
    return list({document.terms.offer_slug: document.terms for document in documents}.values())


def _layout(context: dict[str, Any], *extra: CSS) -> Document:
    return layout(render_html(LETTER_TEMPLATE, context), *extra)


@lru_cache(maxsize=64)
def static_height(terms: LetterTerms) -> float:
    """How far down the first page (CSS px from the top of its content) the offer's shared text reaches.

    Laid out once per offer and process: every batch of the offer's letters reuses it.
    """
    rendered = _layout({"letters": [], "terms_pages": [terms], "title": terms.letter_title})
    slug = terms.offer_slug
    anchors = {name: box for page in rendered.pages for name, box in page.anchors.items()}
    return anchors[f"below-static-{slug}"][1] - anchors[f"static-{slug}"][1]


def _spacing(terms_pages: Sequence[LetterTerms]) -> CSS:
    """Each offer's letters start their own content below the offer's shared text."""
    rules = "".join(
        f"article.letter-of-{terms.offer_slug} {{ padding-top: {static_height(terms):.3f}px; }}"
        for terms in terms_pages
    )
    return CSS(string=rules, font_config=font_config)


def render_batch(documents: Sequence[LetterDocument]) -> Document:
    """Lays out every letter, and each offer's static and terms pages once, in one WeasyPrint document."""
    terms_pages = _distinct_terms(documents)
    context = {"letters": documents, "terms_pages": terms_pages, "title": LETTER_TITLE}
    return _layout(context, _spacing(terms_pages))


@dataclass(frozen=True)
class LetterPages:
    """Where one letter's pages lie in the rendered batch."""

    #: The letter's own pages, then its offer's terms page.
    pages: tuple[int, ...]
    #: The offer's static page, drawn under the first of them.
    static: int


def letter_page_ranges(rendered: Document, documents: Sequence[LetterDocument]) -> list[LetterPages]:
    """The pages of each letter: its own, from its anchor to the next section, then its terms."""
    letters = anchored_starts(rendered, "letter-")
    terms = anchored_starts(rendered, "terms-")
    statics = anchored_starts(rendered, "static-")
    if sorted(int(key) for key in letters) != list(range(len(documents))):
        raise RuntimeError(f"Expected {len(documents)} letters in the rendered batch, found {len(letters)}.")
    section = section_pages([*letters.values(), *terms.values(), *statics.values()], len(rendered.pages))
    return [
        LetterPages(
            pages=(*section[letters[str(index)]], *section[terms[document.terms.offer_slug]]),
            static=statics[document.terms.offer_slug],
        )
        for index, document in enumerate(documents)
    ]


def render_documents(documents: Sequence[LetterDocument]) -> list[bytes]:
    """One PDF per letter, cut from one rendered and written batch (``documents.batch``): its own pages
    with the offer's static page drawn under the first, then the offer's terms page."""
    if not documents:
        return []
    rendered = render_batch(documents)
    cuts = [
        Cut(
            pages=letter.pages,
            underlay=letter.static,
            title=f"{document.title} \u00b7 {document.employee_name}",
            author=document.company,
        )
        for letter, document in zip(letter_page_ranges(rendered, documents), documents, strict=True)
    ]
    return split_pdf(rendered.write_pdf(), cuts)


def render_letters(tenders: Sequence[Tender]) -> list[bytes]:
    """The letters of these accepted tenders, one PDF each, in the same order."""
    return render_documents(letter_documents(tenders))


def letter_filename(letter: PromiseLetter) -> str:
    tender = letter.tender
    return f"promise-to-grant-{tender.offer.slug}-{tender.employee.employee_id}.pdf"


def letter_email(letter: PromiseLetter, pdf: bytes, document: LetterDocument | None = None) -> EmailMessage:
    """The email to the participant: the promise in short, a link to the portal, the letter attached.

    `document` is the letter's content when the caller has it (the task that rendered the letter).
    """
    if document is None:
        tender = letter.tender
        issued_on = letter.issued_at.astimezone(tender.offer.zone).date()
        document = letter_documents([tender], issued_on=issued_on)[0]
    context = {"document": document}
    subject = "".join(render_to_string(EMAIL_SUBJECT_TEMPLATE, context).splitlines())
    message = EmailMessage(
        subject=subject, body=render_to_string(EMAIL_TEMPLATE, context), to=[document.employee_email]
    )
    message.attach(letter_filename(letter), pdf, "application/pdf")
    return message
