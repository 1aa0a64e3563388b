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

Which letter (issue 15): an option granted after a gap (soxp-2003) gets the promise to grant, worded as
it always was. An award granted at the close gets a grant notice instead (the award is granted, not
promised), and RSUs an RSU letter: units, no exercise price, the band's vesting. An offer granting
options in some countries and RSUs in others has two sets of shared pages (``LetterTerms.key``), one per
award. A banded offer's grants table gives each grant its band's ratio; a flat offer's states the one
ratio on its terms page, as before.
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
from soxp_portal.rules.calendar import add_months
from soxp_portal.rules.eligibility import band_in_words
from soxp_portal.rules.terms import AwardType, AwardVesting, GrantDateRule, PriceBand, Rounding
from soxp_portal.rules.vesting import new_option_expiration, offer_vesting
from soxp_portal.rules.wording import (
    countries_in_words,
    format_date,
    format_money,
    format_percent,
    format_ratio,
    format_shares,
    plural,
)

LETTER_TEMPLATE = "documents/promise_letter.html"
EMAIL_TEMPLATE = "emails/closing/letter.txt"
EMAIL_SUBJECT_TEMPLATE = "emails/closing/letter_subject.txt"
LETTER_TITLE = "Promise to Grant Stock Options"
TERMS_TITLE = "Terms of the New Options"
NOTICE_TITLE = "Notice of Grant of Stock Options"
RSU_PROMISE_TITLE = "Promise to Grant Restricted Stock Units"
RSU_NOTICE_TITLE = "Notice of Grant of Restricted Stock Units"
RSU_TERMS_TITLE = "Terms of the Restricted Stock Units"
#: The grants table's columns, as headings over the preformatted rows.
GRANT_COLUMNS = ("Grant", "Type", "Grant date", "Exercise price", "Shares cancelled", "New shares")
#: A banded offer's table adds each grant's band ratio; an RSU letter counts new units.
RATIO_COLUMN = "Ratio"
#: Columns aligned to the right (the amounts).
_RIGHT_ALIGNED = frozenset({3, 4, 5, 6})
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
    #: The grant's band ratio ("1 for 1.88") in a banded offer's letter; "" in a flat offer's.
    ratio: str = ""

    @property
    def cells(self) -> tuple[str, ...]:
        ratio = (self.ratio,) if self.ratio else ()
        return (
            self.grant_id,
            self.option_type,
            self.grant_date,
            self.exercise_price,
            self.shares_cancelled,
            *ratio,
            self.new_shares,
        )


def grant_table_rows(
    lines: Sequence[LetterLine],
    total_cancelled: str,
    total_new_shares: str,
    *,
    new_heading: str = GRANT_COLUMNS[-1],
) -> tuple[str, ...]:
    """The grants table as aligned lines of a monospaced block: headings, one line a grant, the total.

    Each column is as wide as its widest entry; amounts are aligned to the right. With band ratios the
    table has a "Ratio" column before the new shares (or units, `new_heading`).
    """
    banded = any(line.ratio for line in lines)
    headings = (*GRANT_COLUMNS[:-1], *((RATIO_COLUMN,) if banded else ()), new_heading)
    total = ("Total", "", "", "", total_cancelled, *(("",) if banded else ()), total_new_shares)
    rows = [headings, *(line.cells for line in lines), total]
    widths = [max(len(row[column]) for row in rows) for column in range(len(headings))]

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
    #: Names this set of shared pages in the rendered batch: the offer's slug, with "-rsu" for the RSU
    #: letters of an offer granting both awards.
    key: str = ""
    #: The first page's lead paragraph and headings, which differ between a promise and a grant notice.
    lead: str = ""
    condition_heading: str = "Condition of this promise"
    table_heading: str = "Options cancelled and new options promised"
    #: The grants table's heading over the new amounts: "New shares", or "New units" for RSUs.
    new_heading: str = GRANT_COLUMNS[-1]
    award: AwardType = AwardType.OPTION
    #: The email's sentence before the grants ("" keeps the promise's words) and its subject's "what".
    email_lead: str = ""
    email_subject: str = ""


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
    key = property(lambda self: self.terms.key)
    cancellation_date = property(lambda self: self.terms.cancellation_date)
    new_grant_date = property(lambda self: self.terms.new_grant_date)
    condition = property(lambda self: self.terms.condition)


def portal_url(offer: Offer) -> str:
    """The employee's offer page, absolute, for the email and the letter."""
    base = getattr(settings, "PORTAL_BASE_URL", "").rstrip("/")
    return base + reverse("portal:offer", args=[offer.slug])


def letter_reference(offer: Offer, employee_id: str, award: AwardType = AwardType.OPTION) -> str:
    return f"{_reference_kind(offer, award)} \u00b7 {employee_id} \u00b7 {offer.slug}"


def band_ratio_in_words(band: PriceBand) -> str:
    """A band's ratio as the grants table states it: "1 for 1.88" new for tendered."""
    return f"{format_ratio(band.new_shares)} for {format_ratio(band.for_tendered)}"


def _letter_line(line: AcceptedGrant, offer: Offer | None = None) -> LetterLine:
    grant: Grant = line.grant
    ratio = ""
    if offer is not None and offer.terms.price_bands:
        band = offer.terms.band_for(grant.exercise_price, AwardType(line.award_type))
        ratio = band_ratio_in_words(band) if band is not None else ""
    return LetterLine(
        grant_id=grant.grant_id,
        option_type=grant.option_type,
        grant_date=format_date(grant.grant_date),
        exercise_price=format_money(grant.exercise_price),
        shares_cancelled=format_shares(line.shares),
        new_shares=format_shares(line.new_shares),
        performance_condition=line.performance_condition.strip(),
        ratio=ratio,
    )


def rounding_in_words(rounding: Rounding) -> str:
    return {
        Rounding.UP: "rounded up to a whole share",
        Rounding.DOWN: "rounded down to a whole share",
        Rounding.NEAREST: "rounded to the nearest whole share (a half up)",
    }[rounding]


def ratio_term(offer: Offer, award: AwardType) -> str:
    """The "New shares" term: a flat offer's one ratio (soxp-2003's words), or each band's."""
    terms = offer.terms
    unit = "unit" if award is AwardType.RSU else "share"
    rounding = rounding_in_words(terms.rounding)
    if not terms.price_bands:
        if award is AwardType.OPTION and terms.rounding is Rounding.UP:
            return (
                f"{format_ratio(offer.exchange_ratio)} new share for each share cancelled, counted grant "
                "by grant and rounded up to a whole share."
            )
        return (
            f"{format_ratio(offer.exchange_ratio)} new {unit} for each share cancelled, counted grant by "
            f"grant and {rounding}."
        )
    bands = "; ".join(
        f"{band_in_words(band)}: {format_ratio(band.new_shares)} new {unit} for each "
        f"{format_ratio(band.for_tendered)} shares cancelled"
        for band in terms.bands_of(award)
    )
    return (
        f"By the cancelled grant's exercise price: {bands}. Counted grant by grant and {rounding}; the first "
        "page gives each grant's ratio."
    )


def vesting_words(vesting: AwardVesting, grant_date: date, what: str) -> str:
    """A vesting with its dates, as ``vesting_in_words`` says the offer's, for `what` vests ("the new
    option", "the units")."""
    cliff_date = format_date(add_months(grant_date, vesting.cliff_months))
    installments = vesting.monthly_installments
    if installments == 0 or vesting.cliff_fraction == 1:
        return (
            f"All of {what} vests on the {vesting.cliff_months}-month anniversary of the grant date "
            f"({cliff_date}), if you are still employed then."
        )
    first = format_date(add_months(grant_date, vesting.cliff_months + 1))
    last = format_date(add_months(grant_date, vesting.cliff_months + installments))
    return (
        f"{format_percent(vesting.cliff_fraction)} of {what} vests on {cliff_date}, then "
        f"{format_percent(1 - vesting.cliff_fraction)} in "
        f"{plural(installments, 'equal monthly installment')}, from {first} to {last}, in whole shares "
        "(each month's total is rounded down and the last month completes the grant), if you are still "
        "employed on each date."
    )


def vesting_term(offer: Offer, award: AwardType, grant_date: date, what: str) -> str:
    """The vesting term: the offer's own (soxp-2003's words for options), or each band's where a band
    sets its own."""
    terms = offer.terms
    bands = terms.bands_of(award)
    if all(band.vesting is None for band in bands):
        if award is AwardType.OPTION:
            return vesting_in_words(offer, grant_date)
        return vesting_words(offer_vesting(terms), grant_date, what)
    return " ".join(
        f"Grants {band_in_words(band)}: "
        + vesting_words(band.vesting or offer_vesting(terms), grant_date, what)
        for band in bands
    )


def _grant_date_term(offer: Offer, grant_date: date, *, at_close: bool) -> str:
    if at_close:
        return (
            f"{format_date(grant_date)}: the new award is granted at the close, on the cancellation date "
            f"({format_date(offer.cancellation_date())}, or the next business day)."
        )
    delay = grant_delay_in_words(offer)
    return (
        f"{format_date(grant_date)} (expected): the first business day at least {delay} after the "
        f"cancellation date, {format_date(offer.cancellation_date())}."
    )


def letter_terms(offer: Offer, award: AwardType | None = None) -> LetterTerms:
    """The shared pages of this offer's letters for `award` (None: the offer's own), from the offer
    record alone: the promise to grant (an option after a gap, soxp-2003), or a grant notice."""
    award = award or offer.terms.award_type
    grant_date = offer.new_grant_date()
    at_close = offer.terms.grant_date_rule is GrantDateRule.AT_CLOSE
    if award is AwardType.RSU:
        return _rsu_terms(offer, grant_date, at_close=at_close)
    expires = format_date(new_option_expiration(grant_date, offer.new_term_years))
    terms = (
        Term("New grant date", _grant_date_term(offer, grant_date, at_close=at_close)),
        Term("Exercise price", exercise_price_in_words(offer)),
        Term("Option type", new_option_type_in_words(offer)),
        Term(
            "Term",
            f"{plural(offer.new_term_years, 'year')} from the new grant date (to {expires}), "
            "ending earlier if your employment ends.",
        ),
        Term("Vesting", vesting_term(offer, AwardType.OPTION, grant_date, "the new option")),
        Term("New shares", ratio_term(offer, AwardType.OPTION)),
        Term(
            "Performance conditions",
            "A performance condition on a cancelled grant carries over to the new option granted for it; "
            "the first page of this letter names any.",
        ),
    )
    company = offer.company_name
    if at_close:
        lead = (
            f"{company} accepted the options you tendered in the {offer.name}. They were cancelled on the "
            f"cancellation date, {format_date(offer.cancellation_date())}. In exchange, {company} granted "
            f"you new options on the grant date, {format_date(grant_date)}, for the number of shares shown "
            "below for each cancelled grant. Their exercise price, type, term and vesting are on the last "
            "page of this notice."
        )
        heads = ("Options cancelled and new options granted", "Your new options")
        email = (
            f"In exchange, {company} granted you new options on the grant date, {format_date(grant_date)}:",
            "your new options",
        )
    else:
        email = ("", "")
        lead = ""
        heads = ("Options cancelled and new options promised", "Condition of this promise")
    return LetterTerms(
        title=TERMS_TITLE,
        reference=f"{_reference_kind(offer, award)} \u00b7 terms \u00b7 {offer.slug}",
        company=company,
        offer_name=offer.name,
        offer_slug=offer.slug,
        letter_title=NOTICE_TITLE if at_close else LETTER_TITLE,
        cancellation_date=format_date(offer.cancellation_date()),
        new_grant_date=format_date(grant_date),
        condition=_notice_condition(offer) if at_close else _condition(offer, grant_date),
        terms=terms,
        blackout=(
            f"You will receive no other stock option grant from {company} before the new grant "
            f"date. The new options will be governed by the {offer.new_option_plan.name} and their option "
            "agreement; this letter does not change the offer's documents, which govern."
        )
        if not at_close
        else (
            f"The new options are governed by the {offer.new_option_plan.name} and their option agreement; "
            "this notice does not change the offer's documents, which govern."
        ),
        contacts=tuple(contact_lines(offer)),
        portal_url=portal_url(offer),
        key=offer.slug,
        lead=lead,
        condition_heading=heads[1],
        table_heading=heads[0],
        email_lead=email[0],
        email_subject=email[1],
    )


def _condition(offer: Offer, grant_date: date) -> str:
    return (
        f"The new options are granted only if you are still employed by {offer.company_name} "
        f"{countries_in_words(offer.eligible_countries)} on the new grant date, {format_date(grant_date)}. "
        "If your employment ends before then, or you no longer work in a covered country, nothing is "
        "granted and the cancelled options stay cancelled: they cannot be reinstated."
    )


def _reference_kind(offer: Offer, award: AwardType) -> str:
    if offer.terms.grant_date_rule is GrantDateRule.AT_CLOSE:
        return "RSU grant notice" if award is AwardType.RSU else "Grant notice"
    return "Promise to grant RSUs" if award is AwardType.RSU else "Promise to grant"


def _notice_condition(offer: Offer) -> str:
    return (
        f"The new award was granted on the grant date and is yours under the {offer.new_option_plan.name}. "
        "It vests as set out on the last page while you stay employed; what has not vested when your "
        "employment ends is forfeited under the plan. The cancelled options stay cancelled."
    )


def _rsu_terms(offer: Offer, grant_date: date, *, at_close: bool) -> LetterTerms:
    """The shared pages of an RSU letter: units, no exercise price, the band's vesting, the grant date."""
    company = offer.company_name
    key = offer.slug if offer.terms.award_type is AwardType.RSU else f"{offer.slug}-rsu"
    terms = (
        Term("Grant date", _grant_date_term(offer, grant_date, at_close=at_close)),
        Term(
            "Restricted stock units",
            f"Each unit is the right to one share of {company} common stock, delivered when the unit vests. "
            "RSUs have no exercise price: you pay nothing for the shares. Units that have not vested when "
            "your employment ends are forfeited.",
        ),
        Term("Plan", f"Granted under the {offer.new_option_plan.name}."),
        Term("Vesting", vesting_term(offer, AwardType.RSU, grant_date, "the units")),
        Term("New units", ratio_term(offer, AwardType.RSU)),
        Term(
            "Performance conditions",
            "A performance condition on a cancelled grant carries over to the units granted for it; the "
            "first page names any.",
        ),
    )
    cancelled = format_date(offer.cancellation_date())
    if at_close:
        lead = (
            f"{company} accepted the options you tendered in the {offer.name}. They were cancelled on the "
            f"cancellation date, {cancelled}. In exchange, {company} granted you restricted stock units "
            f"(RSUs) on the grant date, {format_date(grant_date)}: the number of units shown below for each "
            "cancelled grant. RSUs have no exercise price; their vesting is on the last page of this notice."
        )
        heads = ("Options cancelled and restricted stock units granted", "Your restricted stock units")
        condition = _notice_condition(offer)
        email = (
            f"In exchange, {company} granted you restricted stock units (RSUs) on the grant date, "
            f"{format_date(grant_date)}:",
            "your restricted stock units",
        )
    else:
        email = (
            f"In exchange, {company} promises to grant you restricted stock units (RSUs) on the grant date, "
            f"expected to be {format_date(grant_date)}:",
            "your promise to grant restricted stock units",
        )
        lead = (
            f"{company} accepted the options you tendered in the {offer.name}. They were cancelled on the "
            f"cancellation date, {cancelled}. In exchange, and on the condition below, {company} promises to "
            "grant you restricted stock units (RSUs), the number of units shown below for each cancelled "
            f"grant, on the grant date, expected to be {format_date(grant_date)}. RSUs have no exercise "
            "price; their vesting is on the last page of this letter."
        )
        heads = ("Options cancelled and restricted stock units promised", "Condition of this promise")
        condition = _condition(offer, grant_date).replace("The new options are", "The RSUs are")
    return LetterTerms(
        title=RSU_TERMS_TITLE,
        reference=f"{_reference_kind(offer, AwardType.RSU)} \u00b7 terms \u00b7 {key}",
        company=company,
        offer_name=offer.name,
        offer_slug=offer.slug,
        letter_title=RSU_NOTICE_TITLE if at_close else RSU_PROMISE_TITLE,
        cancellation_date=cancelled,
        new_grant_date=format_date(grant_date),
        condition=condition,
        terms=terms,
        blackout=(
            f"The units are governed by the {offer.new_option_plan.name} and their award agreement; this "
            "letter does not change the offer's documents, which govern."
        ),
        contacts=tuple(contact_lines(offer)),
        portal_url=portal_url(offer),
        key=key,
        lead=lead,
        condition_heading=heads[1],
        table_heading=heads[0],
        new_heading="New units",
        award=AwardType.RSU,
        email_lead=email[0],
        email_subject=email[1],
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
    award = tender_award(ordered)
    terms = terms or letter_terms(offer, award)
    table = tuple(_letter_line(line, offer) for line in ordered)
    total_cancelled = format_shares(sum(line.shares for line in ordered))
    total_new_shares = format_shares(sum(line.new_shares for line in ordered))
    return LetterDocument(
        title=terms.letter_title,
        reference=letter_reference(offer, employee.employee_id, award),
        employee_name=employee.full_name,
        employee_first_name=employee.first_name,
        employee_id=employee.employee_id,
        employee_email=employee.email,
        issued_on=format_date(issued_on),
        lines=table,
        table_rows=grant_table_rows(table, total_cancelled, total_new_shares, new_heading=terms.new_heading),
        total_cancelled=total_cancelled,
        total_new_shares=total_new_shares,
        performance_conditions=tuple(
            f"{line.grant_id}: {line.performance_condition}" for line in table if line.performance_condition
        ),
        terms=terms,
    )


def tender_award(lines: Sequence[AcceptedGrant]) -> AwardType:
    """The award an accepted tender receives: every grant of it the same (the employee's, when accepted)."""
    return AwardType(lines[0].award_type) if lines else AwardType.OPTION


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
    terms: dict[tuple[int, AwardType], LetterTerms] = {}
    documents = []
    for tender in tenders:
        offer = tender.offer
        mine = lines[tender.pk]
        key = (offer.pk, tender_award(mine))
        if key not in terms:
            terms[key] = letter_terms(offer, key[1])
        day = issued_on or timezone.now().astimezone(offer.zone).date()
        documents.append(letter_document(tender, mine, issued_on=day, terms=terms[key]))
    return documents


def _distinct_terms(documents: Sequence[LetterDocument]) -> list[LetterTerms]:
    return list({document.terms.key: document.terms for document in documents}.values())


def _layout(context: dict[str, Any], *extra: CSS) -> Document:
    return layout(render_html(LETTER_TEMPLATE, context), *extra)


@lru_cache(maxsize=64)
def static_height(terms: LetterTerms) -> float:
    """How far down the first page (CSS px from the top of its content) the offer's shared text reaches.

    Laid out once per offer and process: every batch of the offer's letters reuses it.
    """
    rendered = _layout({"letters": [], "terms_pages": [terms], "title": terms.letter_title})
    slug = terms.key
    anchors = {name: box for page in rendered.pages for name, box in page.anchors.items()}
    return anchors[f"below-static-{slug}"][1] - anchors[f"static-{slug}"][1]


def _spacing(terms_pages: Sequence[LetterTerms]) -> CSS:
    """Each offer's letters start their own content below the offer's shared text."""
    rules = "".join(
        f"article.letter-of-{terms.key} {{ padding-top: {static_height(terms):.3f}px; }}"
        for terms in terms_pages
    )
    return CSS(string=rules, font_config=font_config)


def render_batch(documents: Sequence[LetterDocument]) -> Document:
    """Lays out every letter, and each offer's static and terms pages once, in one WeasyPrint document."""
    terms_pages = _distinct_terms(documents)
    context = {"letters": documents, "terms_pages": terms_pages, "title": documents[0].title}
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
            pages=(*section[letters[str(index)]], *section[terms[document.terms.key]]),
            static=statics[document.terms.key],
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
