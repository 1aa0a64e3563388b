"""How the exchange works: the offer explained in plain words, from its terms alone, for one reader.

A company may post the legal documents of its offer late, or never on the portal, and the election's
review asks the employee to have read "the offer's documents". This explanation is always among them:
written from the offer record (dates, ratio, thresholds and how each reads, lookback window, pricing
basis, plans, contacts), never from anything known about one offer. Where the reader holds an eligible
grant, the worked examples use the largest one, with its own new shares and vesting dates; otherwise
they use a generic grant.

The page (``portal``) and the PDF (``documents/how_it_works.html``) place the same ``Explanation``
through one shared template, so they cannot say different things. Every figure comes from the rules
(``new_shares``, ``vesting_schedule_for``, the window's dates) or from ``offers.queries``, already
computed; this module only puts them into words. The questions follow the order of the employee
presentation's questions, in the portal's own words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction

from django.urls import reverse

from soxp_portal.documents.elections import (
    Term,
    award_vesting_words,
    exercise_price_in_words,
    grant_delay_in_words,
    monthly_amounts_in_words,
    new_option_type_in_words,
    vesting_in_words,
)
from soxp_portal.documents.rendering import render_pdf
from soxp_portal.offers.models import Offer, OfferPhase
from soxp_portal.offers.queries import EmployeeStatus, OfferSummary, election_preview, offer_summary
from soxp_portal.offers.tasks import contact_lines
from soxp_portal.portal.awards import PRELIMINARY_RATIOS, NewAward, new_award
from soxp_portal.rules.eligibility import (
    hire_cutoff_in_words,
    hire_cutoff_reading,
    lookback_window_in_words,
    price_threshold_in_words,
    price_threshold_reading,
)
from soxp_portal.rules.exchange import new_shares, unrounded_new_shares
from soxp_portal.rules.terms import Rounding
from soxp_portal.rules.vesting import (
    VestingEvent,
    award_schedule,
    award_vesting,
    new_option_expiration,
    vesting_schedule_for,
)
from soxp_portal.rules.wording import (
    countries_in_words,
    format_date,
    format_exact_shares,
    format_money,
    format_percent,
    format_ratio,
    format_shares,
    join_in_words,
    plural,
)

TEMPLATE = "documents/how_it_works.html"
TITLE = "How the Exchange Works"
#: The grant the examples use when the reader has no eligible grant of their own.
GENERIC_EXAMPLE_SHARES = 1000


@dataclass(frozen=True)
class Link:
    """A page of the portal (or a posted document) that the web page links to; the PDF omits links."""

    label: str
    url: str


@dataclass(frozen=True)
class VestingRow:
    vest_date: str
    shares: str
    cumulative: str


@dataclass(frozen=True)
class Section:
    """One part of the explanation: a heading, its paragraphs, and optionally labelled facts, a worked
    example set apart (with a vesting schedule), a list, and links to the portal's pages."""

    anchor: str
    heading: str
    paragraphs: tuple[str, ...]
    facts: tuple[Term, ...] = ()
    example_heading: str = ""
    example: tuple[str, ...] = ()
    schedule: tuple[VestingRow, ...] = ()
    items: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Question:
    question: str
    answer: tuple[str, ...]
    facts: tuple[Term, ...] = ()
    items: tuple[str, ...] = ()
    links: tuple[Link, ...] = ()


@dataclass(frozen=True)
class Explanation:
    """Everything the page and the PDF say, as ready-made strings."""

    title: str
    company: str
    offer_name: str
    #: In the PDF's footer on every page.
    reference: str
    subtitle: str
    #: Where the reader stands in this offer, in a sentence or two; empty without a reader.
    standing: tuple[str, ...]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]
    #: The legal documents the administrators posted, which govern.
    documents: tuple[Link, ...]
    filename: str


@dataclass(frozen=True)
class _Example:
    """The grant the worked examples use, with its figures as the rules gave them."""

    grant_id: str | None
    description: str
    outstanding: int
    new_shares: int
    schedule: tuple[VestingEvent, ...]


@dataclass(frozen=True)
class _Words:
    """The offer's terms in words, each written once and used by the sections and the answers alike."""

    company: str
    where: str
    summary: OfferSummary
    new_grant_date: str
    cancellation_date: str
    ratio: str
    threshold: str
    delay: str
    window: str | None
    fax_contacts: tuple[str, ...]


def _words(offer: Offer) -> _Words:
    terms = offer.terms
    summary = offer_summary(offer)
    fax_contacts = tuple(
        f"{contact['name']} (fax {contact['fax']})" for contact in offer.contacts if contact.get("fax")
    )
    return _Words(
        company=offer.company_name,
        where=countries_in_words(offer.eligible_countries),
        summary=summary,
        new_grant_date=summary.new_grant_date,
        cancellation_date=summary.cancellation_date,
        ratio=format_ratio(offer.exchange_ratio),
        threshold=price_threshold_in_words(terms),
        delay=grant_delay_in_words(offer),
        window=lookback_window_in_words(terms) if terms.lookback_start is not None else None,
        fax_contacts=fax_contacts,
    )


def _or_list(items: tuple[str, ...]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} or {items[-1]}"


def _example(offer: Offer, status: EmployeeStatus | None) -> _Example:
    """The reader's largest eligible grant (most outstanding shares; the earlier one on a tie), else a
    generic grant whose figures come from the same rules."""
    eligible = status.eligible_grants if status is not None else ()
    if eligible:
        largest = max(eligible, key=lambda item: item.grant.outstanding_shares)
        grant = largest.grant
        return _Example(
            grant_id=grant.grant_id,
            description=(
                f"Your largest eligible grant, {grant.grant_id}, granted on {format_date(grant.grant_date)} "
                f"at {format_money(grant.exercise_price)}, has "
                f"{format_shares(grant.outstanding_shares)} outstanding shares."
            ),
            outstanding=grant.outstanding_shares,
            new_shares=largest.new_shares or 0,
            schedule=largest.vesting,
        )
    shares = new_shares(GENERIC_EXAMPLE_SHARES, offer.exchange_ratio)
    reason = (
        "You hold no grant that can be exchanged in this offer, so this example uses a grant of "
        if status is not None
        else "Take a grant of "
    )
    return _Example(
        grant_id=None,
        description=f"{reason}{format_shares(GENERIC_EXAMPLE_SHARES)} outstanding shares.",
        outstanding=GENERIC_EXAMPLE_SHARES,
        new_shares=shares,
        schedule=tuple(vesting_schedule_for(offer.terms, shares, offer.new_grant_date())),
    )


def _calculation(shares: int, ratio: Decimal, result: int) -> str:
    """ "1,000 x 0.75 = 750 new shares" (with a multiplication sign), or with the rounding:
    "1,001 x 0.75 = 750.75, rounded up to 751 new shares"."""
    exact = unrounded_new_shares(shares, ratio)
    product = f"{format_shares(shares)} \u00d7 {format_ratio(ratio)} = {format_exact_shares(exact)}"
    if exact == result:
        return f"{product} new shares."
    return f"{product}, rounded up to {format_shares(result)} new shares."


def _standing(status: EmployeeStatus | None) -> tuple[str, ...]:
    """Where the reader stands, in the words of their other pages (templates/portal/_not_eligible.html)."""
    if status is None:
        return ()
    reasons = [reason.for_employee for reason in status.eligibility.reasons]
    if len(reasons) == 1:
        return (f"You are not eligible for this offer because {reasons[0]}.",)
    if reasons:
        items = [f"{reason};" for reason in reasons[:-1]] + [f"{reasons[-1]}."]
        return ("You are not eligible for this offer because:", *items)
    eligible = [item.grant.grant_id for item in status.eligible_grants]
    if not eligible:
        return ("None of your grants can be exchanged in this offer; My options says why for each.",)
    count = plural(len(eligible), "grant")
    return (f"You hold {count} that can be exchanged: {join_in_words(eligible)}.",)


def _url(name: str, offer: Offer) -> str:
    return reverse(f"portal:{name}", args=[offer.slug])


def _eligibility(offer: Offer, words: _Words) -> Section:
    terms = offer.terms
    return Section(
        anchor="eligibility",
        heading="Who can take part",
        paragraphs=(
            f"Employees of {words.company} who work {words.where} and were hired "
            f"{hire_cutoff_in_words(terms)}: {hire_cutoff_reading(terms)}.",
            "Directors of the company and its executive officers may not take part.",
            f"An exchange is accepted only if you are still employed {words.where} when the offer "
            "expires. An employee on leave is still employed.",
        ),
    )


def _plans_in_words(offer: Offer) -> str:
    plans = sorted(offer.terms.covered_plans)
    if not plans:
        return "Granted under any of the company's stock option plans."
    return f"Granted under {'one of these plans: ' if len(plans) > 1 else 'the '}{'; '.join(plans)}."


def _options(offer: Offer, words: _Words) -> Section:
    paragraphs = [
        f"Options whose exercise price is {words.threshold}: {price_threshold_reading(offer.terms)}.",
        _plans_in_words(offer),
        "Still outstanding: the shares of a grant not yet exercised, expired or forfeited. A grant that "
        f"expires on or before the cancellation date ({words.cancellation_date}) has nothing left to "
        "exchange.",
    ]
    if words.window is not None:
        paragraphs.append(
            f"Grants dated in {words.window} can be exchanged whatever their exercise price: see the "
            "lookback rule below."
        )
    return Section(anchor="options", heading="Which options can be exchanged", paragraphs=tuple(paragraphs))


def _lookback_rule(words: _Words) -> str:
    if words.window is None:
        return "This offer has no lookback rule: you choose each grant on its own."
    return (
        f"The lookback rule: if you tender any grant at all, the grants you hold dated in {words.window} "
        "must all be tendered too, whatever their exercise price. You cannot keep one of them and exchange "
        "others."
    )


def _all_or_none(words: _Words, status: EmployeeStatus | None) -> Section:
    paragraphs = [
        "Each grant is exchanged whole: all of its outstanding shares, or none of them. You choose grant "
        "by grant; part of a grant cannot be exchanged.",
        _lookback_rule(words),
    ]
    if status is not None and words.window is not None and status.eligible_grants:
        required = [item.grant.grant_id for item in status.eligible_grants if item.is_required]
        paragraphs.append(
            f"Your grants under this rule: {join_in_words(required)}."
            if required
            else "None of your eligible grants is dated in the lookback window."
        )
    heading = "All or none" if words.window is None else "All or none, and the lookback rule"
    return Section(anchor="all-or-none", heading=heading, paragraphs=tuple(paragraphs))


def _together(status: EmployeeStatus | None) -> str | None:
    """Several eligible grants: their new shares add up grant by grant (decision 1), as the review shows."""
    if status is None or len(status.eligible_grants) < 2:
        return None
    preview = election_preview(
        status, {item.grant.grant_id: item.grant.outstanding_shares for item in status.eligible_grants}
    )
    parts = " + ".join(format_shares(line.new_shares) for line in preview.lines)
    return (
        f"All your eligible grants together: {parts} = {format_shares(preview.total_new)} new shares for "
        f"the {format_shares(preview.total_tendered)} shares you hold in them."
    )


def _new_shares_section(
    offer: Offer, words: _Words, example: _Example, status: EmployeeStatus | None
) -> Section:
    ratio = offer.exchange_ratio
    lines = [example.description, _calculation(example.outstanding, ratio, example.new_shares)]
    one_more = example.outstanding + 1
    if unrounded_new_shares(one_more, ratio) != new_shares(one_more, ratio):
        lines.append(
            f"Rounding: a grant of {format_shares(one_more)} shares would give "
            f"{_calculation(one_more, ratio, new_shares(one_more, ratio))}"
        )
    together = _together(status)
    if together is not None:
        lines.append(together)
    return Section(
        anchor="new-shares",
        heading="How many new options you receive",
        paragraphs=(
            f"For each share you exchange you receive {words.ratio} of a new share "
            f"({format_percent(ratio)}), counted grant by grant and rounded up to a whole share. The new "
            "shares of several grants are the sum of each grant's rounded figure.",
        ),
        example_heading="Your example" if example.grant_id else "An example",
        example=tuple(lines),
    )


def _cancellation(words: _Words) -> Section:
    return Section(
        anchor="cancellation",
        heading="What happens to the options you exchange",
        paragraphs=(
            "They are cancelled right after the offer expires, as of the cancellation date: "
            f"{words.cancellation_date} if the offer is not extended (an extension moves it with the "
            "deadline). From then on you have no rights under them, and they are not reinstated even if "
            "the new options are never granted.",
            f"In return {words.company} promises you a new option for each grant you exchanged: a promise "
            "to grant stock options is sent to you promptly after the offer expires, with the new shares "
            "of each grant, the expected grant date and the condition below.",
        ),
    )


def _new_options(offer: Offer, words: _Words, grant_date: date) -> Section:
    expires = format_date(new_option_expiration(grant_date, offer.new_term_years))
    return Section(
        anchor="new-options",
        heading="The new options",
        paragraphs=(),
        facts=(
            Term(
                "Grant date",
                f"The first business day at least {words.delay} after the cancellation date, expected on "
                f"{words.new_grant_date}. If the offer is extended, this date moves with it.",
            ),
            Term(
                "Exercise price",
                f"{exercise_price_in_words(offer)} No one can know it today: it may be higher than the "
                "exercise price of some or all of the options you exchange.",
            ),
            Term("Option type", new_option_type_in_words(offer)),
            Term(
                "Term",
                f"{plural(offer.new_term_years, 'year')} from the new grant date (to {expires}), ending "
                "earlier if your employment ends.",
            ),
        ),
    )


def _schedule_in_words(schedule: tuple[VestingEvent, ...], grant_date: str) -> str:
    cliff, last = schedule[0], schedule[-1]
    total = format_shares(last.cumulative)
    if len(schedule) == 1:
        return (
            f"Nothing is vested on {grant_date}; all {total} shares vest on {format_date(cliff.vest_date)}."
        )
    start = f"Nothing is vested on {grant_date}. "
    if cliff.shares:
        start += f"{format_shares(cliff.shares)} shares vest on {format_date(cliff.vest_date)}; then "
    else:
        start += "Then "
    return (
        f"{start}{monthly_amounts_in_words(list(schedule))} a month from {format_date(schedule[1].vest_date)}"
        f", until all {total} are vested on {format_date(last.vest_date)}."
    )


def _vesting(offer: Offer, words: _Words, example: _Example, grant_date: date) -> Section:
    own = f"the new option for grant {example.grant_id}" if example.grant_id else "the example's new option"
    schedule = example.schedule
    return Section(
        anchor="vesting",
        heading="When the new options vest",
        paragraphs=(
            vesting_in_words(offer, grant_date),
            "A performance condition on a grant you exchange carries over to its new option, in addition "
            "to this time-based vesting.",
        ),
        example_heading=f"Vesting of {own} ({format_shares(example.new_shares)} shares), expected dates",
        example=(_schedule_in_words(schedule, words.new_grant_date),) if schedule else (),
        schedule=tuple(
            VestingRow(
                vest_date=format_date(event.vest_date),
                shares=format_shares(event.shares),
                cumulative=format_shares(event.cumulative),
            )
            for event in schedule
        ),
    )


def _condition_text(words: _Words) -> str:
    return (
        f"You receive the new options only if you are still employed by {words.company} {words.where} on "
        f"the new grant date, {words.new_grant_date}. If your employment ends before then, for any "
        "reason, you receive no new options and nothing else for the options you exchanged: they stay "
        "cancelled."
    )


def _blackout_text(words: _Words) -> str:
    return (
        f"If you take part, you receive no other stock option grant from {words.company} before the new "
        f"grant date ({words.new_grant_date})."
    )


def _paper_text(words: _Words) -> str | None:
    """Paper and fax elections (decision 8), offered where the offer names someone to fax them to."""
    if not words.fax_contacts:
        return None
    return (
        "You may also sign a paper election or withdrawal form and deliver it by fax to "
        f"{_or_list(words.fax_contacts)}, or by hand. It is recorded for you with the time it was received, "
        "and counts only if received before the deadline, as an online election does."
    )


def _elect(offer: Offer, words: _Words) -> Section:
    paragraphs = [
        "On this portal: on the Election page choose Exchange or Keep for each eligible grant, review what "
        "you give up and what you receive, confirm the acknowledgements and type your full name to sign. "
        "You get a confirmation number at once, and an email with your Election Form as a PDF.",
        "To change your election, make a new one: it replaces the last in full. To withdraw, use Withdraw: "
        "none of your grants is exchanged and each keeps its terms. You may change or withdraw any number "
        "of times until the deadline; the History page keeps every version.",
    ]
    paper = _paper_text(words)
    if paper is not None:
        paragraphs.append(paper)
    return Section(
        anchor="elect",
        heading="How to elect, change or withdraw",
        paragraphs=tuple(paragraphs),
        links=(Link("Election", _url("elect", offer)), Link("History", _url("history", offer))),
    )


def _deadline_text(words: _Words) -> str:
    summary = words.summary
    return (
        f"An election, a change or a withdrawal counts only if the portal receives it before "
        f"{summary.deadline}. The server's clock decides; after the deadline nothing can be made or "
        "changed."
    )


def _deadline(offer: Offer, words: _Words, now: datetime) -> Section:
    summary = words.summary
    paragraphs = [_deadline_text(words)]
    if summary.was_extended:
        paragraphs.append(
            f"The offer was extended: the deadline first announced was {summary.original_deadline}."
        )
    phase = offer.phase(now)
    if phase is OfferPhase.UPCOMING:
        paragraphs.append(f"The offer opens on {summary.opens}.")
    elif phase in {OfferPhase.EXPIRED, OfferPhase.CLOSED}:
        paragraphs.append("The deadline has passed: the elections on record are final.")
    return Section(anchor="deadline", heading="The deadline", paragraphs=tuple(paragraphs))


def _contacts(offer: Offer) -> tuple[str, ...]:
    return tuple(contact_lines(offer)) or ("Your stock administrator.",)


def _contacts_section(offer: Offer) -> Section:
    return Section(
        anchor="contacts",
        heading="Who to ask",
        paragraphs=("If you have a question about the offer, or cannot sign in, ask:",),
        items=_contacts(offer),
    )


def _questions(
    offer: Offer, words: _Words, example: _Example, documents: tuple[Link, ...], sections: dict[str, Section]
) -> tuple[Question, ...]:
    """The questions employees ask, in the order the presentation asked them, answered from the terms."""
    summary = words.summary
    company = words.company
    fully_vested = format_date(example.schedule[-1].vest_date) if example.schedule else words.new_grant_date
    own = f"Your grant {example.grant_id}: " if example.grant_id else "For example, "
    own_option = (
        f"The new option for your grant {example.grant_id}"
        if example.grant_id
        else "The example's new option"
    )
    new_options = sections["new-options"].facts
    posted = (
        f" The documents posted for this offer: {'; '.join(document.label for document in documents)}."
        if documents
        else " They will be posted on the portal's overview."
    )
    return (
        Question(
            "How does the exchange work?",
            (
                f"{company} offers eligible employees the chance to exchange options whose exercise price is "
                f"{words.threshold} for new options: {words.ratio} new share for each share exchanged, "
                f"rounded up per grant. The options you exchange are cancelled when the offer expires; the "
                f"new options are granted at least {words.delay} later (expected on {words.new_grant_date}), "
                f"at a new exercise price, {summary.pricing_rule}, and vest on a new schedule.",
            ),
        ),
        Question(
            "Why is the company offering the exchange?",
            (
                "Options priced well above the share price may never be worth exercising. The exchange "
                "offers fewer options, priced at the share price when they are granted, with a new vesting "
                "schedule. The offer's documents set out the company's reasons.",
            ),
        ),
        Question("Who can take part?", sections["eligibility"].paragraphs),
        Question(
            "Which options can I exchange?",
            (sections["options"].paragraphs[0], *sections["all-or-none"].paragraphs[:2]),
            links=(Link("My options", _url("grants", offer)),),
        ),
        Question("What happens to the options I exchange?", sections["cancellation"].paragraphs),
        Question(
            "How many new options will I receive?",
            (
                sections["new-shares"].paragraphs[0],
                f"{own}{_calculation(example.outstanding, offer.exchange_ratio, example.new_shares)}",
            ),
        ),
        Question("What will the exercise price of the new options be?", (new_options[1].text,)),
        Question(
            "How do keeping and exchanging compare?",
            (
                "It depends on the share price, which no one can know. Your current options are worth "
                "exercising only above their exercise price; the new ones are fewer, at a new exercise "
                f"price, {summary.pricing_rule}. The Compare page sets one against the other for your "
                "eligible grants at share prices you choose, and shows where they cross. It is an "
                "illustration, not a forecast.",
            ),
            links=(Link("Compare", _url("compare", offer)),),
        ),
        Question(
            "When do I get the new options?",
            (new_options[0].text, sections["cancellation"].paragraphs[1], _condition_text(words)),
        ),
        Question(
            "Why are the new options granted later?",
            (
                f"The new options are granted at least {words.delay} after the old ones are cancelled. In "
                "exchange offers the wait usually comes from the accounting rules: new options granted soon "
                "after the old ones are cancelled would be accounted for as a repricing of the old ones, and "
                "every rise in the share price would then be a compensation expense. The offer's documents "
                "give the reason for this offer.",
            ),
        ),
        Question(
            "When will the new options vest?", (*sections["vesting"].paragraphs, *sections["vesting"].example)
        ),
        Question(
            "What if the share price grows?",
            (
                "The Compare page draws the value of your current and new options over the years after the "
                "new grant date at a yearly growth you choose, with the new options' vesting. "
                f"{own_option} would be fully vested on {fully_vested}. No one can know the growth: the page "
                "is an illustration.",
            ),
            links=(Link("Compare", _url("compare", offer)),),
        ),
        Question("What else should I know about the new options?", (), facts=new_options[2:]),
        Question(
            "What happens if I do not take part?",
            (
                "Nothing. Your options keep their exercise price, vesting and expiration, and stay "
                "outstanding until they expire by their terms.",
            ),
        ),
        Question(
            "How do I take part?",
            (sections["elect"].paragraphs[0], _deadline_text(words), *sections["elect"].paragraphs[2:]),
            links=(Link("Election", _url("elect", offer)),),
        ),
        Question(
            "What if I change my mind?",
            (
                f"From the opening of the offer ({summary.opens}) until the deadline ({summary.deadline}) "
                "you may change your election (a new election replaces the last) or withdraw it, any number "
                "of times. After the deadline nothing can be changed.",
            ),
            links=(Link("History", _url("history", offer)),),
        ),
        Question(
            "How can I see my current grants?",
            (
                "The My options page lists every grant you hold: its outstanding shares, exercise price and "
                "expiration, whether it can be exchanged and why, and the new shares and vesting if it is. "
                "If you cannot sign in, ask one of the contacts below.",
            ),
            links=(Link("My options", _url("grants", offer)),),
        ),
        Question(
            "What else is important?",
            (
                _blackout_text(words),
                "The offer is made once, and its deadline is strictly enforced.",
            ),
        ),
        Question(
            "What if I leave before the new grant date?",
            (_condition_text(words), "Taking part does not change the terms of your employment."),
        ),
        Question(
            "Does the company recommend taking part?",
            (
                f"No. Neither {company} nor this portal recommends whether you should take part: the "
                "decision is yours. For tax or investment questions, talk to your own legal, tax or "
                "financial adviser.",
            ),
        ),
        Question(
            "Which document governs?",
            (
                "The offer's documents govern. This explanation is written from the offer's terms as "
                "recorded on the portal and does not change them; if anything here differs, they "
                f"prevail.{posted}",
            ),
            links=documents,
        ),
        Question("Who do I ask?", sections["contacts"].paragraphs, items=sections["contacts"].items),
    )


def explanation(offer: Offer, status: EmployeeStatus | None, *, now: datetime) -> Explanation:
    """The offer explained, for the reader whose `status` is given, or for anyone when it is None."""
    words = _words(offer)
    grant_date = offer.new_grant_date()
    award = new_award(offer.terms, status.award if status is not None else None)
    example = _example(offer, status) if award.is_2003_wording else _award_example(offer, award, status)
    documents = tuple(
        Link(document.title, reverse("portal:document", args=[offer.slug, document.pk]))
        for document in offer.documents.all()
    )
    ordered = (
        _award_sections(offer, award, words, example, status, now)
        if not award.is_2003_wording
        else (
            _eligibility(offer, words),
            _options(offer, words),
            _all_or_none(words, status),
            _new_shares_section(offer, words, example, status),
            _cancellation(words),
            _new_options(offer, words, grant_date),
            _vesting(offer, words, example, grant_date),
            Section(
                anchor="condition",
                heading="The condition of the new grant",
                paragraphs=(_condition_text(words),),
            ),
            Section(
                anchor="blackout",
                heading="No other option grant before the new grant date",
                paragraphs=(_blackout_text(words),),
            ),
            _elect(offer, words),
            _deadline(offer, words, now),
            _contacts_section(offer),
        )
    )
    by_anchor = {section.anchor: section for section in ordered}
    questions = _questions(offer, words, example, documents, by_anchor)
    if not award.is_2003_wording:
        questions = _award_questions(offer, award, words, example, status, questions, by_anchor)
    reader = f" for {status.employee.full_name} ({status.employee.employee_id})" if status is not None else ""
    prepared = format_date(now.astimezone(offer.zone).date())
    return Explanation(
        title=TITLE,
        company=words.company,
        offer_name=offer.name,
        reference=f"How the exchange works \u00b7 {offer.slug}",
        subtitle=f"Written{reader} on {prepared}, from the offer's terms on that day. The offer's documents "
        "govern.",
        standing=_standing(status),
        sections=ordered,
        questions=questions,
        documents=documents,
        filename=f"how-the-exchange-works-{offer.slug}.pdf",
    )


def render_explanation(explained: Explanation) -> bytes:
    """The PDF of an explanation already gathered (the page shows the same one)."""
    return render_pdf(TEMPLATE, {"explained": explained, "document": explained, "for_print": True})


# Offers worded otherwise than soxp-2003 (issue 15) -------------------------------------------------
#
# Bands, RSUs, an award at the close or preliminary ratios change the sections and answers below; an
# offer worded as soxp-2003 (``NewAward.is_2003_wording``) never reaches this code, so its explanation
# stays exactly as it was.

_ROUNDED = {Rounding.UP: "rounded up", Rounding.DOWN: "rounded down", Rounding.NEAREST: "rounded"}


def _award_example(offer: Offer, award: NewAward, status: EmployeeStatus | None) -> _Example:
    """The reader's largest eligible grant (already at its band's ratio), else a generic grant in the
    first band of the reader's award."""
    if status is not None and status.eligible_grants:
        return _example(offer, status)
    band = award.bands[0].band
    shares = new_shares(
        GENERIC_EXAMPLE_SHARES, band.new_shares, offer.terms.rounding, for_tendered=band.for_tendered
    )
    reason = (
        "You hold no grant that can be exchanged in this offer, so this example uses a grant of "
        if status is not None
        else "Take a grant of "
    )
    in_band = f" in band 1 ({award.bands[0].prices})" if award.is_banded else ""
    vesting = award_vesting(offer.terms, band.lower, award.award)
    return _Example(
        grant_id=None,
        description=f"{reason}{format_shares(GENERIC_EXAMPLE_SHARES)} outstanding shares{in_band}.",
        outstanding=GENERIC_EXAMPLE_SHARES,
        new_shares=shares,
        schedule=award_schedule(vesting, shares, offer.new_grant_date()),
    )


def _band_calculation(offer: Offer, award: NewAward, shares: int, price: Decimal | None, result: int) -> str:
    """ "940 / 1.88 x 1 = 500 RSUs." or "1,000 / 3 x 1 ~ 333.33, rounded up to 334 RSUs." (with the
    division, multiplication and almost-equal signs) at the band's ratio as the offer states it (new for
    tendered)."""
    band = offer.terms.band_for(price, award.award) if price is not None else award.bands[0].band
    if band is None:
        raise ValueError(f"Exercise price {price} falls in none of the offer's price bands.")
    exact = Fraction(shares) * Fraction(band.new_shares) / Fraction(band.for_tendered)
    divided = f"{format_shares(shares)} \u00f7 {format_ratio(band.for_tendered)}"
    product = f"{divided} \u00d7 {format_ratio(band.new_shares)}"
    if exact.denominator == 1:
        return f"{product} = {format_shares(int(exact))} {award.units}."
    shown = Decimal(exact.numerator) / Decimal(exact.denominator)
    return (
        f"{product} \u2248 {shown.quantize(Decimal('0.01'))}, {_ROUNDED[offer.terms.rounding]} to "
        f"{format_shares(result)} {award.units}."
    )


def _example_price(status: EmployeeStatus | None, example: _Example) -> Decimal | None:
    if status is None or example.grant_id is None:
        return None
    return status.by_grant_id()[example.grant_id].grant.exercise_price


def _award_new_shares_section(
    offer: Offer, award: NewAward, example: _Example, status: EmployeeStatus | None
) -> Section:
    price = _example_price(status, example)
    lines = [
        example.description,
        _band_calculation(offer, award, example.outstanding, price, example.new_shares),
    ]
    if status is not None and len(status.eligible_grants) >= 2:
        preview = election_preview(
            status, {item.grant.grant_id: item.grant.outstanding_shares for item in status.eligible_grants}
        )
        parts = " + ".join(format_shares(line.new_shares) for line in preview.lines)
        lines.append(
            f"All your eligible grants together: {parts} = {format_shares(preview.total_new)} {award.units} "
            f"for the {format_shares(preview.total_tendered)} shares you hold in them."
        )
    if award.is_banded:
        ratio = (
            "Your ratio depends on each grant's exercise price: "
            + "; ".join(f"band {band.number}, {band.prices}: {band.ratio}" for band in award.bands)
            + f". It is counted grant by grant, {award.rounding}."
        )
    else:
        ratio = f"For each grant you exchange you receive {award.bands[0].ratio}, {award.rounding}."
    return Section(
        anchor="new-shares",
        heading=f"How many {award.short_plural} you receive",
        paragraphs=(
            ratio,
            f"The {award.units} of several grants are the sum of each grant's rounded figure."
            + (" An RSU is one share of common stock, delivered as it vests." if award.is_rsu else ""),
        ),
        example_heading="Your example" if example.grant_id else "An example",
        example=tuple(lines),
    )


def _award_grant_date(offer: Offer, award: NewAward, words: _Words) -> str:
    if not award.at_close:
        return (
            f"The first business day at least {words.delay} after the cancellation date, expected on "
            f"{words.new_grant_date}. If the offer is extended, this date moves with it."
        )
    same_day = words.new_grant_date == words.cancellation_date
    when = (
        "the cancellation date itself" if same_day else "the first business day after the cancellation date"
    )
    return (
        f"At the close: {when}, expected on {words.new_grant_date}. There is no six-month wait. If the offer "
        "is extended, this date moves with it."
    )


def _award_new_options(offer: Offer, award: NewAward, words: _Words, grant_date: date) -> Section:
    facts = [Term("Grant date", _award_grant_date(offer, award, words))]
    if award.is_rsu:
        facts += [
            Term("Exercise price", "None: a restricted stock unit has no exercise price."),
            Term(
                "Award",
                f"Restricted stock units (RSUs) under the {offer.new_option_plan.name}: each unit is one "
                f"share of {words.company} common stock, delivered to you as it vests.",
            ),
        ]
    else:
        facts += list(_new_options(offer, words, grant_date).facts[1:])
    return Section(
        anchor="new-options",
        heading="The restricted stock units" if award.is_rsu else "The new options",
        paragraphs=(),
        facts=tuple(facts),
    )


def _award_vesting_section(
    offer: Offer, award: NewAward, words: _Words, example: _Example, grant_date: date
) -> Section:
    section = _vesting(offer, words, example, grant_date)
    unit = "RSUs" if award.is_rsu else "new option"
    heading = section.example_heading.replace("new option", unit) if award.is_rsu else section.example_heading
    return Section(
        anchor="vesting",
        heading=f"When the {award.short_plural} vest",
        paragraphs=(
            award_vesting_words(offer, award, grant_date),
            f"A performance condition on a grant you exchange carries over to its {unit}, in addition to "
            "this time-based vesting.",
        ),
        example_heading=heading,
        example=section.example,
        schedule=section.schedule,
    )


def _award_condition_text(award: NewAward, words: _Words) -> str:
    return (
        _condition_text(words)
        .replace("You receive the new options", f"You receive the {award.short_plural}")
        .replace("you receive no new options", f"you receive no {award.short_plural}")
    )


def _award_cancellation(award: NewAward, words: _Words) -> Section:
    section = _cancellation(words)
    return Section(
        anchor=section.anchor,
        heading=section.heading,
        paragraphs=(
            section.paragraphs[0].replace("the new options are", f"the {award.short_plural} are"),
            f"In return {words.company} grants you {award.plural} for the grants you exchanged, "
            f"{'at the close' if award.at_close else 'on the new grant date'}; a notice of the new award is "
            f"sent to you promptly after the offer expires, with the {award.units} of each grant, the grant "
            "date and the condition below.",
        ),
    )


def _award_sections(
    offer: Offer,
    award: NewAward,
    words: _Words,
    example: _Example,
    status: EmployeeStatus | None,
    now: datetime,
) -> tuple[Section, ...]:
    grant_date = offer.new_grant_date()
    sections = [
        *(
            (
                Section(
                    anchor="preliminary-ratios",
                    heading="The ratios are preliminary",
                    paragraphs=(PRELIMINARY_RATIOS,),
                ),
            )
            if award.is_preliminary
            else ()
        ),
        _eligibility(offer, words),
        _options(offer, words),
        _all_or_none(words, status),
        _award_new_shares_section(offer, award, example, status),
        _award_cancellation(award, words),
        _award_new_options(offer, award, words, grant_date),
        _award_vesting_section(offer, award, words, example, grant_date),
        Section(
            anchor="condition",
            heading="The condition of the new grant",
            paragraphs=(_award_condition_text(award, words),),
        ),
    ]
    if not award.at_close:
        sections.append(
            Section(
                anchor="blackout",
                heading="No other option grant before the new grant date",
                paragraphs=(_blackout_text(words),),
            )
        )
    sections += [_elect(offer, words), _deadline(offer, words, now), _contacts_section(offer)]
    return tuple(sections)


def _rsu_words(text: str, words: _Words) -> str:
    """An answer written for new options, said of restricted stock units."""
    return (
        text.replace(
            f"the new ones are fewer, at a new exercise price, {words.summary.pricing_rule}",
            "the RSUs are fewer, with no exercise price",
        )
        .replace(
            "The exchange offers fewer options, priced at the share price when they are granted,",
            "The exchange offers fewer restricted stock units, which have no exercise price,",
        )
        .replace("your current and new options", "your current options and the RSUs")
        .replace("the new options' vesting", "the RSUs' vesting")
        .replace("The new option for your grant", "The RSUs for your grant")
        .replace("The example's new option", "The example's RSUs")
        .replace("new options", "RSUs")
    )


def _award_questions(
    offer: Offer,
    award: NewAward,
    words: _Words,
    example: _Example,
    status: EmployeeStatus | None,
    questions: tuple[Question, ...],
    sections: dict[str, Section],
) -> tuple[Question, ...]:
    """soxp-2003's questions, answered for this offer's award, bands and grant date."""
    plural = award.short_plural
    new_options = sections["new-options"].facts
    price = _example_price(status, example)
    own = f"Your grant {example.grant_id}: " if example.grant_id else "For example, "
    ratio = (
        "at a ratio set by each grant's exercise price (its band)"
        if award.is_banded
        else f"{award.bands[0].ratio}"
    )
    when = (
        "granted at the close, with no wait"
        if award.at_close
        else f"granted at least {words.delay} later (expected on {words.new_grant_date})"
    )
    what = (
        "restricted stock units (RSUs), which have no exercise price and deliver shares as they vest"
        if award.is_rsu
        else f"new options at a new exercise price, {words.summary.pricing_rule}"
    )
    replaced: dict[str, Question | None] = {
        "How does the exchange work?": Question(
            "How does the exchange work?",
            (
                f"{words.company} offers eligible employees the chance to exchange options whose exercise "
                f"price is {words.threshold} for {award.plural}: {ratio}, {award.rounding}. The options you "
                f"exchange are cancelled when the offer expires; you receive {what}, {when}, vesting on a "
                "new schedule.",
            ),
        ),
        "How many new options will I receive?": Question(
            f"How many {plural} will I receive?",
            (
                sections["new-shares"].paragraphs[0],
                f"{own}{_band_calculation(offer, award, example.outstanding, price, example.new_shares)}",
            ),
        ),
        "What will the exercise price of the new options be?": Question(
            "Do RSUs have an exercise price?"
            if award.is_rsu
            else "What will the exercise price of the new options be?",
            (
                (
                    "No. Each RSU is one share of common stock, delivered to you as it vests: its value is "
                    "the share price then.",
                )
                if award.is_rsu
                else (new_options[1].text,)
            ),
        ),
        "When do I get the new options?": Question(
            f"When do I get the {plural}?",
            (
                new_options[0].text,
                sections["cancellation"].paragraphs[1],
                _award_condition_text(award, words),
            ),
        ),
        "Why are the new options granted later?": (
            Question(
                f"Is there a wait before the {plural} are granted?",
                (
                    f"No. The {plural} are granted at the close, expected on {words.new_grant_date}: you do "
                    "not go without options or shares for six months, as in exchanges before 2006.",
                ),
            )
            if award.at_close
            else None
            if award.is_2003_wording
            else Question(
                f"Why are the {plural} granted later?",
                (
                    f"The {plural} are granted at least {words.delay} after the old ones are cancelled. The "
                    "offer's documents give the reason for this offer.",
                ),
            )
        ),
        "When will the new options vest?": Question(
            f"When will the {plural} vest?", (*sections["vesting"].paragraphs, *sections["vesting"].example)
        ),
        "What else should I know about the new options?": Question(
            f"What else should I know about the {plural}?", (), facts=new_options[2:]
        ),
        "What else is important?": Question(
            "What else is important?",
            (
                *(() if award.at_close else (_blackout_text(words),)),
                "The offer is made once, and its deadline is strictly enforced.",
                *((PRELIMINARY_RATIOS,) if award.is_preliminary else ()),
            ),
        ),
        "What if I leave before the new grant date?": Question(
            "What if I leave before the new grant date?",
            (
                _award_condition_text(award, words),
                "Taking part does not change the terms of your employment.",
            ),
        ),
    }
    adapted = []
    for question in questions:
        if question.question in replaced:
            answer = replaced[question.question]
            if answer is not None:
                adapted.append(answer)
            continue
        if award.is_rsu:
            question = Question(
                question.question.replace("new options", plural),
                tuple(_rsu_words(text, words) for text in question.answer),
                facts=question.facts,
                items=question.items,
                links=question.links,
            )
        adapted.append(question)
    return tuple(adapted)
