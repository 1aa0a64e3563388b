"""The Election Form and the Withdrawal Form: the signed record an employee keeps of each version.

Every version of an election (an election to exchange or a withdrawal) gets one PDF, modeled on the
offer's paper forms but written in the portal's own words: who elected, what was tendered and what it
yields, the terms the employee accepted, the typed signature, the server's time of receipt (in the
offer's time zone first, then in UTC as the audit trail records it; both to the second), the channel,
and the audit record when there is one. It is what an employee (or a dispute years later) relies on,
so every value comes from the stored election, never from the offer's current state alone; dates that
can still move (the new grant date follows extensions) are labelled "expected".

The context is prepared here as ready-made strings: templates only place them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

from soxp_portal.documents.batch import Cut, anchored_starts, layout, section_pages, split_pdf
from soxp_portal.documents.rendering import render_html
from soxp_portal.offers.models import Election, Grant, Offer, TenderedGrant
from soxp_portal.portal.awards import PRELIMINARY_RATIOS, NewAward, new_award
from soxp_portal.rules.calendar import add_months
from soxp_portal.rules.eligibility import is_lookback, lookback_window_in_words
from soxp_portal.rules.terms import PricingBasis
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
    format_instant,
    format_money,
    format_percent,
    format_shares,
    plural,
)

FORMS_TEMPLATE = "documents/election_forms.html"


@dataclass(frozen=True)
class TenderedLine:
    """One tendered grant as the form's table shows it."""

    grant_id: str
    plan: str
    option_type: str
    grant_date: str
    exercise_price: str
    shares_tendered: str
    new_shares: str
    #: Granted inside the lookback window: it had to be tendered with the others.
    is_lookback: bool
    #: The grant's price band and ratio, "band 2: 1 new for 1.88 tendered"; empty for a flat offer.
    band: str = ""


@dataclass(frozen=True)
class VestingLine:
    """The new option of one tendered grant, vesting at the cliff and then month by month."""

    grant_id: str
    new_shares: str
    at_cliff: str
    #: "20 or 21": the monthly parts differ by at most one share (decision 6).
    monthly: str
    fully_vested: str


@dataclass(frozen=True)
class Term:
    """One term of the new options, as a label and its wording."""

    label: str
    text: str


@dataclass(frozen=True)
class ElectionDocument:
    """Everything the election and withdrawal forms, and the confirmation email, say about a version."""

    title: str
    is_withdrawal: bool
    company: str
    offer_name: str
    employee_name: str
    employee_id: str
    employee_email: str
    confirmation_number: str
    kind: str
    version: int
    #: What this version replaces or withdraws, in a sentence.
    version_statement: str
    #: The previous version's confirmation number; None for a first election.
    previous_confirmation: str | None
    #: For a paper form received before a version already on record: why it is not in force.
    evidence_note: str | None
    lines: tuple[TenderedLine, ...]
    total_tendered: str
    total_new_shares: str
    has_lookback: bool
    terms: tuple[Term, ...]
    vesting_heading_cliff: str
    vesting_heading_monthly: str
    vesting: tuple[VestingLine, ...]
    performance_conditions: tuple[str, ...]
    acknowledgements: tuple[str, ...]
    #: For a withdrawal: the grants of the withdrawn election, which now keep their terms.
    withdrawn_lines: tuple[TenderedLine, ...]
    signature: str
    signature_note: str
    #: When the server received it, in the offer's time zone and in UTC, to the second.
    received_local: str
    received_utc: str
    #: When a paper election was keyed in later than it arrived; None when the same instant.
    recorded_local: str | None
    recorded_utc: str | None
    channel: str
    channel_statement: str
    is_on_behalf: bool
    entered_by: str
    deadline: str
    new_grant_date: str
    audit_hash: str | None
    #: The award received, as the form's headings name it: "new options" or "restricted stock units".
    award: str = "new options"
    #: What the new-shares column counts: "New shares" or "RSUs".
    new_shares_heading: str = "New shares"
    #: The same in a sentence: "new shares" or "RSUs".
    units: str = "new shares"
    #: The offer's ratios are preliminary: the form and the email say so (PRELIMINARY_RATIOS).
    ratios_preliminary: bool = False

    @property
    def preliminary_ratios(self) -> str:
        return PRELIMINARY_RATIOS

    @property
    def reference(self) -> str:
        """In the masthead and every page's footer."""
        return f"Confirmation {self.confirmation_number}"

    @property
    def subtitle(self) -> str:
        if self.is_withdrawal:
            return "Notice of Withdrawal from the offer, as recorded by the SOXP Portal"
        return f"Election to exchange eligible options for {self.award}, as recorded by the SOXP Portal"

    @property
    def pdf_title(self) -> str:
        return f"{self.title} \u00b7 confirmation {self.confirmation_number}"


def _earlier_in_effect(election: Election) -> QuerySet[Election]:
    return Election.objects.filter(
        offer_id=election.offer_id,
        employee_id=election.employee_id,
        version__lt=election.version,
        takes_effect=True,
    ).order_by("-version")


def previous_version(election: Election) -> Election | None:
    """The version this one replaces: the one in force when it was received. For a form kept as
    evidence only, that is what it would have replaced."""
    return (
        _earlier_in_effect(election)
        .filter(received_at__lte=election.received_at)
        .only("confirmation_number", "kind", "received_at")
        .first()
    )


def in_force_when_entered(election: Election) -> Election | None:
    """For a form kept as evidence only: the version in force when it was entered, received after it."""
    if election.takes_effect:
        return None
    return _earlier_in_effect(election).only("confirmation_number", "kind", "received_at", "version").first()


def _tendered_lines(election: Election) -> list[TenderedGrant]:
    """The tendered grants with their plans, in grant date order, in one query."""
    return list(
        TenderedGrant.objects.filter(election=election)
        .select_related("grant__plan")
        .order_by("grant__grant_date", "grant__grant_id")
    )


def _table_line(offer: Offer, line: TenderedGrant, award: NewAward | None = None) -> TenderedLine:
    grant: Grant = line.grant
    band = None
    if award is not None and award.is_banded:
        band = award.band_of(offer.terms.band_for(grant.exercise_price, award.award))
    return TenderedLine(
        band=f"band {band.number}: {band.ratio}" if band else "",
        grant_id=grant.grant_id,
        plan=grant.plan.name,
        option_type=grant.option_type,
        grant_date=format_date(grant.grant_date),
        exercise_price=format_money(grant.exercise_price),
        shares_tendered=format_shares(line.shares_tendered),
        new_shares=format_shares(line.new_shares),
        is_lookback=is_lookback(offer.terms, grant.grant_date),
    )


def monthly_amounts_in_words(events: list[VestingEvent]) -> str:
    """What vests each month after the cliff: "20 or 21" (decision 6: the parts differ by one share)."""
    monthly = sorted({event.shares for event in events[1:]})
    if not monthly:
        return "-"
    if len(monthly) == 1:
        return format_shares(monthly[0])
    return f"{format_shares(monthly[0])} or {format_shares(monthly[-1])}"


def _vesting_line(
    offer: Offer, line: TenderedGrant, grant_date: date, award: NewAward | None = None, *, dated: bool = False
) -> VestingLine:
    """One grant's new award vesting; `dated` puts the cliff's date in its cell (when bands vest on
    schedules of their own, so that no one date heads the column)."""
    if award is None:
        events = vesting_schedule_for(offer.terms, line.new_shares, grant_date)
    else:
        vesting = award_vesting(offer.terms, line.grant.exercise_price, award.award)
        events = list(award_schedule(vesting, line.new_shares, grant_date))
    at_cliff = format_shares(events[0].shares) if events else "-"
    if dated and events:
        at_cliff = f"{at_cliff} on {format_date(events[0].vest_date)}"
    return VestingLine(
        grant_id=line.grant.grant_id,
        new_shares=format_shares(line.new_shares),
        at_cliff=at_cliff,
        monthly=monthly_amounts_in_words(events),
        fully_vested=format_date(events[-1].vest_date) if events else "-",
    )


def vesting_in_words(offer: Offer, grant_date: date) -> str:
    """The offer's vesting rule with its dates, e.g. 50% on January 21, 2004, then 24 monthly parts."""
    cliff_date = format_date(add_months(grant_date, offer.vesting_cliff_months))
    installments = offer.vesting_monthly_installments
    if installments == 0 or offer.vesting_cliff_fraction == 1:
        return (
            f"The whole new option vests on the {offer.vesting_cliff_months}-month anniversary of the new "
            f"grant date ({cliff_date}), if you are still employed then."
        )
    first = format_date(add_months(grant_date, offer.vesting_cliff_months + 1))
    last = format_date(add_months(grant_date, offer.vesting_cliff_months + installments))
    rest = format_percent(1 - offer.vesting_cliff_fraction)
    monthly = (
        f"{rest} in {plural(installments, 'equal monthly installment')}, from {first} to {last}, "
        "in whole shares (each month's total is rounded down and the last month completes the option)"
    )
    if offer.vesting_cliff_fraction == 0:
        return f"The new option vests {monthly}, as long as you remain employed on each vesting date."
    cliff = format_percent(offer.vesting_cliff_fraction)
    return (
        f"{cliff} on the {offer.vesting_cliff_months}-month anniversary of the new grant date "
        f"({cliff_date}), then {monthly}, as long as you remain employed on each vesting date."
    )


def exercise_price_in_words(offer: Offer) -> str:
    """The pricing basis of the offer (OFFER.md: the presentation and the Offer to Exchange differ)."""
    pricing_date = format_date(offer.pricing_date())
    stock = f"{offer.company_name} common stock"
    if PricingBasis(offer.pricing_basis) is PricingBasis.CLOSE_BEFORE_GRANT_DATE:
        rule = (
            f"The closing price of {stock} on the last trading day before the new grant date "
            f"(expected {pricing_date})."
        )
    else:
        rule = f"The fair market value of {stock} on the new grant date (priced on {pricing_date})."
    if offer.new_exercise_price is not None:
        return f"{rule} Recorded by the administrator: {format_money(offer.new_exercise_price)} a share."
    return f"{rule} It is known only on that day."


def grant_delay_in_words(offer: Offer) -> str:
    """How long after the cancellation date the new options come at the earliest: "6 months and 1 day"."""
    return f"{plural(offer.new_grant_delay_months, 'month')} and {plural(offer.new_grant_delay_days, 'day')}"


def new_option_type_in_words(offer: Offer) -> str:
    """The new option's type and plan, for anyone whose exchanged grants may include an ISO."""
    words = offer.get_new_option_type_display()
    if offer.new_option_type == Offer.OptionType.NSO:
        words += ", even where a cancelled grant was an incentive stock option (ISO)"
    return f"{words}, granted under the {offer.new_option_plan.name}."


def _new_grant_terms(offer: Offer, lines: list[TenderedGrant], grant_date: date) -> tuple[Term, ...]:
    delay = grant_delay_in_words(offer)
    option_type = offer.get_new_option_type_display()
    if offer.new_option_type == Offer.OptionType.NSO and any(
        line.grant.option_type == Grant.OptionType.ISO for line in lines
    ):
        option_type += ", even where the tendered grant was an incentive stock option (ISO)"
    expires = format_date(new_option_expiration(grant_date, offer.new_term_years))
    return (
        Term(
            "New grant date",
            f"{format_date(grant_date)} (expected): the first business day at least {delay} after the "
            f"tendered options are cancelled on {format_date(offer.cancellation_date())}. If the offer is "
            "extended, this date moves with it.",
        ),
        Term("Exercise price", exercise_price_in_words(offer)),
        Term("Option type", f"{option_type}, granted under the {offer.new_option_plan.name}."),
        Term(
            "Term",
            f"{plural(offer.new_term_years, 'year')} from the new grant date (to {expires}), "
            "ending earlier if your employment ends.",
        ),
        Term("Vesting", vesting_in_words(offer, grant_date)),
    )


def new_grant_date_in_words(offer: Offer, award: NewAward, grant_date: date) -> str:
    """When the new award is granted: after the gap as soxp-2003 words it, or at the close."""
    cancellation = offer.cancellation_date()
    if not award.at_close:
        return (
            f"{format_date(grant_date)} (expected): the first business day at least "
            f"{grant_delay_in_words(offer)} after the tendered options are cancelled on "
            f"{format_date(cancellation)}. If the offer is extended, this date moves with it."
        )
    when = (
        "the day the tendered options are cancelled"
        if grant_date == cancellation
        else f"the first business day after the tendered options are cancelled on {format_date(cancellation)}"
    )
    return (
        f"{format_date(grant_date)} (expected): at the close, {when}, with no gap. If the offer is extended, "
        "this date moves with it."
    )


def _bands_in_words(award: NewAward) -> str:
    """Every band of the employee's award with its ratio: "$0.00 or higher and below $5.00: 1 new for 1.5
    tendered; ...", then the rounding."""
    bands = "; ".join(f"band {band.number}, {band.prices}: {band.ratio}" for band in award.bands)
    return f"By the tendered grant's exercise price: {bands}; {award.rounding}."


def award_vesting_words(offer: Offer, award: NewAward, grant_date: date) -> str:
    """The vesting of the new award: the offer's (with its dates) unless a band sets its own, which is then
    stated band by band (each grant's dates are in the vesting table)."""
    words = vesting_in_words(offer, grant_date)
    if award.is_rsu:
        words = words.replace("new option", "RSU grant").replace(
            "completes the option", "completes the grant"
        )
    own = [band for band in award.bands if band.vesting is not None]
    if not own:
        return words
    stated = "; ".join(f"band {band.number}: {band.vesting}" for band in own)
    if len(own) < len(award.bands):
        stated += f"; every other band: {words.removesuffix('.')}"
    return f"As each grant's price band states (each grant's dates are in the table below): {stated}."


def _award_terms(
    offer: Offer, award: NewAward, lines: list[TenderedGrant], grant_date: date
) -> tuple[Term, ...]:
    """The Election Form's terms of the new award for an offer worded otherwise than soxp-2003: its grant
    date rule, its bands and ratios, RSUs (no exercise price, no option type or term) or options."""
    terms = [Term("New grant date", new_grant_date_in_words(offer, award, grant_date))]
    if award.is_banded:
        terms.append(Term("Exchange ratios", _bands_in_words(award)))
    if award.is_rsu:
        terms.append(
            Term(
                "Award",
                f"Restricted stock units (RSUs) granted under the {offer.new_option_plan.name}: each unit is "
                f"one share of {offer.company_name} common stock, delivered as it vests. An RSU has no "
                "exercise price.",
            )
        )
    else:
        terms.extend(_new_grant_terms(offer, lines, grant_date)[1:4])
    terms.append(Term("Vesting", award_vesting_words(offer, award, grant_date)))
    if award.is_preliminary:
        terms.append(Term("Ratios", PRELIMINARY_RATIOS))
    return tuple(terms)


def _award_acknowledgements(
    offer: Offer, award: NewAward, deadline: str, grant_date: date
) -> tuple[str, ...]:
    """soxp-2003's acknowledgements, worded for the employee's award: RSUs for new options, no wait for
    other grants when the award comes at the close, and the preliminary ratios."""
    statements = []
    for statement in _acknowledgements(offer, deadline, grant_date):
        if award.at_close and statement.startswith("You will receive no other stock option grant"):
            continue
        if award.is_rsu:
            statement = (
                statement.replace("the new options are never granted", "the RSUs are never granted")
                .replace("The new options are granted only", "The RSUs are granted only")
                .replace("you receive no new options", "you receive no RSUs")
                .replace("The new options are governed by", "The RSUs are governed by")
                .replace("and its option agreement", "and its RSU agreement")
            )
        statements.append(statement)
    if award.is_preliminary:
        statements.insert(-1, PRELIMINARY_RATIOS)
    return tuple(statements)


def _acknowledgements(offer: Offer, deadline: str, grant_date: date) -> tuple[str, ...]:
    new_date = format_date(grant_date)
    statements = [
        "Each grant listed is tendered whole, all of its outstanding shares; a grant cannot be tendered "
        "in part. Grants not listed keep their current terms.",
    ]
    if offer.lookback_start is not None:
        statements.append(
            f"Because options are tendered, every grant dated in {lookback_window_in_words(offer.terms)} "
            "must be tendered too, whatever its exercise price; such grants are marked \u201clookback\u201d "
            "in the table."
        )
    statements += [
        "The tendered options are cancelled after the offer expires and cannot be reinstated, even "
        "if the new options are never granted.",
        f"The new options are granted only if you are still employed by {offer.company_name} "
        f"{countries_in_words(offer.eligible_countries)} on the new grant date ({new_date}). If your "
        "employment ends before then, you receive no new options and the cancelled options stay "
        "cancelled.",
        f"You will receive no other stock option grant from {offer.company_name} before the new grant date.",
        f"This election replaces any earlier one. You may change or withdraw it on the portal until the "
        f"deadline, {deadline}; after that it is final.",
        f"The offer's documents govern: this form records your election under them and does not change "
        f"them. The new options are governed by the {offer.new_option_plan.name} and its option "
        "agreement.",
    ]
    return tuple(statements)


def _version_statement(election: Election, previous: Election | None) -> str:
    if previous is None:
        if election.kind == Election.Kind.WITHDRAWAL:
            return (
                f"Version {election.version} of this employee's election; no earlier election is on record."
            )
        return f"Election {election.version} of this employee in this offer: the first one."
    received = format_instant(previous.received_at, election.offer.zone, seconds=True)
    previous_kind = "withdrawal" if previous.kind == Election.Kind.WITHDRAWAL else "election"
    if election.kind == Election.Kind.WITHDRAWAL:
        return (
            f"Version {election.version} of this employee's election; it withdraws confirmation "
            f"{previous.confirmation_number}, the {previous_kind} received {received}."
        )
    return (
        f"Election {election.version} of this employee; replaces confirmation "
        f"{previous.confirmation_number}, the {previous_kind} received {received}."
    )


def _evidence_note(election: Election) -> str | None:
    in_force = in_force_when_entered(election)
    if in_force is None:
        return None
    received = format_instant(in_force.received_at, election.offer.zone, seconds=True)
    return (
        f"Not in force: it was received before confirmation {in_force.confirmation_number} (version "
        f"{in_force.version}, received {received}), which was already on record. The last election "
        "received before the deadline is the one in force, so this form is kept as evidence only."
    )


def _delivered(election: Election) -> str:
    return "by fax" if election.channel == Election.Channel.FAX else "by hand"


def _channel_statement(election: Election) -> str:
    received = format_instant(election.received_at, election.offer.zone, seconds=True)
    if not election.is_on_behalf:
        return "Online: submitted and signed by the employee on the portal."
    return (
        f"{election.get_channel_display()}: the signed form was delivered {_delivered(election)} and "
        f"received {received}; entered by {election.entered_by.email} on the employee's behalf."
    )


def _signature_note(election: Election) -> str:
    if election.is_on_behalf:
        return (
            f"Typed electronically by {election.entered_by.email} from the form the employee signed and "
            f"delivered {_delivered(election)}."
        )
    return "The employee typed their full name on the portal as their signature."


def election_document(election: Election, *, audit_hash: str | None = None) -> ElectionDocument:
    """The facts of one election version, formatted for the PDF and the confirmation email."""
    offer: Offer = election.offer
    employee = election.employee
    previous = previous_version(election)
    evidence_note = _evidence_note(election)
    is_withdrawal = election.kind == Election.Kind.WITHDRAWAL
    grant_date = offer.new_grant_date()
    deadline = format_instant(offer.expires_at, offer.zone)
    award = new_award(offer.terms, offer.terms.award_for(employee.work_country))
    as_2003 = award.is_2003_wording
    # Bands with vesting of their own have no common cliff date to head the vesting table's column.
    dated = any(band.vesting is not None for band in award.bands)

    lines = [] if is_withdrawal else _tendered_lines(election)
    withdrawn = (
        _tendered_lines(previous)
        if is_withdrawal and previous is not None and previous.kind == Election.Kind.ELECTION
        else []
    )
    table = tuple(_table_line(offer, line, award) for line in lines)
    conditions = tuple(
        f"Grant {line.grant.grant_id}: \u201c{line.grant.performance_condition.strip()}\u201d. "
        f"This condition carries over to the {'RSUs' if award.is_rsu else 'new option'} granted for it."
        for line in lines
        if line.grant.performance_condition.strip()
    )
    cliff_date = format_date(add_months(grant_date, offer.vesting_cliff_months))
    first_month = format_date(add_months(grant_date, offer.vesting_cliff_months + 1))
    last_month = format_date(
        add_months(grant_date, offer.vesting_cliff_months + offer.vesting_monthly_installments)
    )
    # A paper election keyed in later than it arrived states both times.
    recorded = election.recorded_at if election.recorded_at != election.received_at else None
    return ElectionDocument(
        title="Withdrawal Form" if is_withdrawal else "Election Form",
        is_withdrawal=is_withdrawal,
        company=offer.company_name,
        offer_name=offer.name,
        employee_name=employee.full_name,
        employee_id=employee.employee_id,
        employee_email=employee.email,
        confirmation_number=election.confirmation_number,
        kind=election.kind,
        version=election.version,
        version_statement=" ".join(filter(None, [_version_statement(election, previous), evidence_note])),
        evidence_note=evidence_note,
        previous_confirmation=previous.confirmation_number if previous else None,
        lines=table,
        total_tendered=format_shares(sum(line.shares_tendered for line in lines)),
        total_new_shares=format_shares(sum(line.new_shares for line in lines)),
        has_lookback=any(line.is_lookback for line in table),
        terms=()
        if is_withdrawal
        else _new_grant_terms(offer, lines, grant_date)
        if as_2003
        else _award_terms(offer, award, lines, grant_date),
        vesting_heading_cliff="At the cliff" if dated else f"On {cliff_date}",
        vesting_heading_monthly=(
            "Each month after the cliff"
            if dated
            else f"Each month, {first_month} to {last_month}"
            if offer.vesting_monthly_installments
            else "No monthly installments"
        ),
        vesting=tuple(
            _vesting_line(offer, line, grant_date, None if as_2003 else award, dated=dated) for line in lines
        ),
        performance_conditions=conditions,
        acknowledgements=()
        if is_withdrawal
        else _acknowledgements(offer, deadline, grant_date)
        if as_2003
        else _award_acknowledgements(offer, award, deadline, grant_date),
        withdrawn_lines=tuple(_table_line(offer, line) for line in withdrawn),
        signature=election.signature,
        signature_note=_signature_note(election),
        received_local=format_instant(election.received_at, offer.zone, seconds=True),
        received_utc=format_instant(election.received_at, UTC, seconds=True),
        recorded_local=format_instant(recorded, offer.zone, seconds=True) if recorded else None,
        recorded_utc=format_instant(recorded, UTC, seconds=True) if recorded else None,
        channel=election.get_channel_display(),
        channel_statement=_channel_statement(election),
        is_on_behalf=election.is_on_behalf,
        entered_by=election.entered_by.email,
        deadline=deadline,
        new_grant_date=format_date(grant_date),
        audit_hash=audit_hash,
        award="restricted stock units" if award.is_rsu else "new options",
        new_shares_heading="RSUs" if award.is_rsu else "New shares",
        units=award.units,
        ratios_preliminary=award.is_preliminary,
    )


def document_filename(election: Election) -> str:
    """The attachment's name, e.g. "election-ABCDE-FGHIJ.pdf" or "withdrawal-ABCDE-FGHIJ.pdf"."""
    return f"{election.kind}-{election.confirmation_number}.pdf"


@dataclass(frozen=True)
class _Form:
    """One form as the batch template places it, with the number of pages its footer states."""

    document: ElectionDocument
    pages: int


#: The pages a form of each shape took when last laid out in this process, to state "Page 1 of N" right
#: the first time; a form that turns out longer or shorter is laid out again (``render_documents``).
_pages_by_shape: dict[tuple[Any, ...], int] = {}
_MAX_SHAPES = 1000


def _shape(document: ElectionDocument) -> tuple[Any, ...]:
    return (
        document.kind,
        len(document.lines),
        len(document.withdrawn_lines),
        len(document.performance_conditions),
        document.evidence_note is not None,
        document.recorded_utc is not None,
        document.audit_hash is not None,
        len(document.terms),
        len(document.acknowledgements),
        any(line.band for line in document.lines),
    )


def _expected_pages(document: ElectionDocument) -> int:
    return _pages_by_shape.get(_shape(document), 1 if document.is_withdrawal else 2)


def _laid_out(forms: Sequence[_Form]) -> tuple[list[bytes], list[int]]:
    """The forms laid out as one document and cut into one PDF each; with each form's page count."""
    context = {"forms": forms, "title": forms[0].document.pdf_title}
    rendered = layout(render_html(FORMS_TEMPLATE, context))
    starts = anchored_starts(rendered, "form-")
    if sorted(int(key) for key in starts) != list(range(len(forms))):
        raise RuntimeError(f"Expected {len(forms)} forms in the rendered batch, found {len(starts)}.")
    sections = section_pages(starts.values(), len(rendered.pages))
    cuts = [
        Cut(
            pages=tuple(sections[starts[str(index)]]),
            title=form.document.pdf_title,
            author=form.document.company,
        )
        for index, form in enumerate(forms)
    ]
    return split_pdf(rendered.write_pdf(), cuts), [len(cut.pages) for cut in cuts]


def render_documents(documents: Sequence[ElectionDocument]) -> list[bytes]:
    """One PDF per form, in the same order, laid out together and cut apart (``documents.batch``).

    Each form's footer says "Page 1 of N". N is expected from the pages forms of the same shape took
    before; the forms whose layout disagrees are laid out again with their real count (the footer does
    not move the content, so the second layout has the same pages).
    """
    if not documents:
        return []
    forms = [_Form(document, _expected_pages(document)) for document in documents]
    pdfs, pages = _laid_out(forms)
    if len(_pages_by_shape) > _MAX_SHAPES:
        _pages_by_shape.clear()
    for document, count in zip(documents, pages, strict=True):
        _pages_by_shape[_shape(document)] = count
    wrong = [index for index, form in enumerate(forms) if form.pages != pages[index]]
    if wrong:
        again, again_pages = _laid_out([_Form(documents[index], pages[index]) for index in wrong])
        if again_pages != [pages[index] for index in wrong]:
            raise RuntimeError("A form laid out again took a different number of pages.")
        for index, pdf in zip(wrong, again, strict=True):
            pdfs[index] = pdf
    return pdfs


def render_document(document: ElectionDocument) -> bytes:
    """The PDF of facts already gathered, so a caller that also writes an email queries them once."""
    return render_documents([document])[0]


def render_election_document(election: Election, *, audit_hash: str | None = None) -> bytes:
    """The PDF of one election version: the Election Form, or the Withdrawal Form for a withdrawal."""
    return render_document(election_document(election, audit_hash=audit_hash))


def audit_hash_for(election: Election) -> str | None:
    """The hash of the audit event recording this election, or None when there is no audit log.

    The audit app is built alongside this one; until it is installed the forms are still made, only
    without the "Audit record" line. The lookup is lazy so that this module imports without it.
    """
    if not apps.is_installed("soxp_portal.audit"):
        return None
    try:
        from soxp_portal.audit.models import AuditEvent
    except (ImportError, LookupError):
        return None
    # The audit log names a subject by its model label; accept "offers.Election" and "offers.election"
    # alike, so the lookup does not hinge on which spelling the log settles on.
    labels = (Election._meta.label, Election._meta.label_lower)
    return (
        AuditEvent.objects.filter(subject_type__in=labels, subject_id=str(election.pk))
        .values_list("hash", flat=True)
        .first()
    )
