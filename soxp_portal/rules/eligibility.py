"""Who may take part and which grants may be tendered, each with its reason in plain words.

Each test the offer applies is one named function, so every decision of OFFER.md (and each reading
where the offer's documents disagree) is visible and testable on its own. A reason is worded once for
each audience: the administrator's (the console and the eligibility report, about "the employee") and
the employee's own (their pages, speaking to "you").
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from soxp_portal.rules.facts import EmployeeFacts, GrantFacts
from soxp_portal.rules.terms import OfferTerms, PriceBand
from soxp_portal.rules.window import cancellation_date
from soxp_portal.rules.wording import countries_in_words, format_date, format_money, format_shares

#: A grant's reason, on the employee's own pages, when its holder may not take part at all; the page
#: says why the employee may not (:attr:`Reason.for_employee`).
HOLDER_NOT_ELIGIBLE_FOR_EMPLOYEE = (
    "This grant cannot be exchanged because you are not eligible for this offer."
)


class Requirement(enum.StrEnum):
    """What an employee must meet to take part: each failed one is a :class:`Reason`."""

    EMPLOYED = "employed"
    WORK_COUNTRY = "work-country"
    HIRED_IN_TIME = "hired-in-time"
    NOT_DIRECTOR = "not-director"
    NOT_EXECUTIVE_OFFICER = "not-executive-officer"


@dataclass(frozen=True, slots=True)
class Reason:
    """One requirement an employee fails, in words for each audience.

    `for_administrator` is a sentence about the employee ("Works in GB; ..."), as the console and the
    eligibility report show it. `for_employee` speaks to the employee and follows "You are not eligible
    for this offer because" ("you were hired on ..."): it starts in lower case and has no full stop.
    """

    requirement: Requirement
    for_administrator: str
    for_employee: str


@dataclass(frozen=True, slots=True)
class EmployeeEligibility:
    """Whether an employee may take part, with every reason they may not (empty when eligible)."""

    is_eligible: bool
    reasons: tuple[Reason, ...]


@dataclass(frozen=True, slots=True)
class GrantEligibility:
    """Whether one grant may be tendered, whether it must be (a lookback grant), and why.

    `is_lookback` states the grant date's fact even for an ineligible grant; `is_required` is what
    an election must respect.
    """

    grant_id: str
    is_eligible: bool
    is_lookback: bool
    #: Eligible lookback grant: if the employee tenders anything, this grant must be tendered too.
    is_required: bool
    #: Why, for the administrator and the eligibility report.
    reason: str
    #: Why, for the employee who holds the grant: the same words (the default) unless the holder may
    #: not take part.
    reason_for_employee: str = ""

    def __post_init__(self) -> None:
        if not self.reason_for_employee:
            object.__setattr__(self, "reason_for_employee", self.reason)


def is_hired_in_time(terms: OfferTerms, hire_date: date) -> bool:
    """Hired before the cut-off (presentation) or on or before it (Offer to Exchange), by the offer's term."""
    if terms.hire_cutoff_inclusive:
        return hire_date <= terms.hire_cutoff_date
    return hire_date < terms.hire_cutoff_date


def meets_price_threshold(terms: OfferTerms, price: Decimal) -> bool:
    """$3.01 "or higher" (presentation, inclusive) or "above" $3.01 (Offer to Exchange), per the offer."""
    if terms.price_threshold_inclusive:
        return price >= terms.price_threshold
    return price > terms.price_threshold


def band_in_words(band: PriceBand) -> str:
    """A price band as the offer states it: "$3.01 or higher and below $5.00", "above $10.00"."""
    lower = format_money(band.lower)
    start = f"{lower} or higher" if band.lower_inclusive else f"above {lower}"
    if band.upper is None:
        return start
    upper = format_money(band.upper)
    end = f"up to {upper}" if band.upper_inclusive else f"below {upper}"
    return f"{start} and {end}"


def bands_in_words(terms: OfferTerms) -> str:
    """Every band of the offer, in price order: "$3.01 or higher and below $5.00; $5.00 or higher"."""
    return "; ".join(band_in_words(band) for band in terms.bands)


def is_lookback(terms: OfferTerms, grant_date: date) -> bool:
    """Granted inside the lookback window, both ends included; an open end means "on or after" the start.

    An offer without a lookback start has no lookback rule at all.
    """
    if terms.lookback_start is None or grant_date < terms.lookback_start:
        return False
    return terms.lookback_end is None or grant_date <= terms.lookback_end


def is_in_eligible_country(work_country: str, eligible_countries: frozenset[str]) -> bool:
    """Whether the employee works in a country the offer covers (ISO codes, compared case-blind)."""
    return work_country.strip().upper() in {country.upper() for country in eligible_countries}


def _countries_in_words(eligible_countries: frozenset[str]) -> str:
    return ", ".join(sorted(country.upper() for country in eligible_countries))


#: Where the facts about an employee come from, as the employee reads it.
_CENSUS = "the company's employee records (the census)"


def hire_cutoff_in_words(terms: OfferTerms) -> str:
    """ "before December 19, 2002" (the presentation) or "on or before December 19, 2002" (the Offer to
    Exchange), as the offer's term reads the cut-off."""
    relation = "on or before" if terms.hire_cutoff_inclusive else "before"
    return f"{relation} {format_date(terms.hire_cutoff_date)}"


def hire_cutoff_reading(terms: OfferTerms) -> str:
    """What the cut-off means for someone hired on the cut-off day itself, where the documents disagreed.

    Decided by `is_hired_in_time` on that very day, so the words can never say otherwise than the rule.
    """
    verdict = "may" if is_hired_in_time(terms, terms.hire_cutoff_date) else "may not"
    return f"someone hired on {format_date(terms.hire_cutoff_date)} itself {verdict} take part"


def price_threshold_in_words(terms: OfferTerms) -> str:
    """ "$3.01 or higher" (the presentation) or "above $3.01" (the Offer to Exchange), as the term reads."""
    threshold = format_money(terms.price_threshold)
    return f"{threshold} or higher" if terms.price_threshold_inclusive else f"above {threshold}"


def price_threshold_reading(terms: OfferTerms) -> str:
    """What the threshold means for a grant priced exactly at it, decided by `meets_price_threshold`."""
    verdict = "is" if meets_price_threshold(terms, terms.price_threshold) else "is not"
    return f"a grant priced at exactly {format_money(terms.price_threshold)} {verdict} eligible"


def lookback_window_in_words(terms: OfferTerms) -> str:
    """The window as employees read it: "the lookback window (June 19, 2002 to December 19, 2002)"."""
    if terms.lookback_start is None:
        return "the lookback window"
    start = format_date(terms.lookback_start)
    if terms.lookback_end is None:
        return f"the lookback window (on or after {start})"
    return f"the lookback window ({start} to {format_date(terms.lookback_end)})"


def judgement_day(terms: OfferTerms, now: datetime) -> date:
    """The day on which employment is judged: today in the offer's time zone, but never later than the
    cancellation date, because what happens after the offer expires does not change who could take
    part in it (decision 7 deals with leaving after expiration)."""
    return min(now.astimezone(terms.zone).date(), cancellation_date(terms))


def _employment_reason(employee: EmployeeFacts, on: date) -> Reason:
    """Not employed on `on`. The employee is told what the census says, not the day judged (which is
    today on their pages): the date their employment ended, or that it ended without a date."""
    if employee.termination_date is not None:
        ended = f"your employment ended on {format_date(employee.termination_date)}, according to {_CENSUS}"
    else:
        ended = f"{_CENSUS} show your employment as ended, without a date"
    return Reason(Requirement.EMPLOYED, f"Not employed on {format_date(on)}.", ended)


def _country_reason(terms: OfferTerms, employee: EmployeeFacts) -> Reason:
    covered = countries_in_words(",".join(terms.eligible_countries))
    return Reason(
        Requirement.WORK_COUNTRY,
        f"Works in {employee.work_country}; the offer is open to employees working in "
        f"{_countries_in_words(terms.eligible_countries)}.",
        f"{_CENSUS} show you working in {employee.work_country.upper()}, and the offer is open only to "
        f"employees working {covered}",
    )


def _hire_reason(terms: OfferTerms, employee: EmployeeFacts) -> Reason:
    hired, cutoff = format_date(employee.hire_date), hire_cutoff_in_words(terms)
    return Reason(
        Requirement.HIRED_IN_TIME,
        f"Hired on {hired}; the offer is open to employees hired {cutoff}.",
        f"you were hired on {hired}, and the offer is open only to employees hired {cutoff}",
    )


DIRECTOR_REASON = Reason(
    Requirement.NOT_DIRECTOR,
    "Directors of the company may not take part in the offer.",
    "you are a director of the company, and directors may not take part in the offer",
)
EXECUTIVE_OFFICER_REASON = Reason(
    Requirement.NOT_EXECUTIVE_OFFICER,
    "Executive officers may not take part in the offer.",
    "you are an executive officer of the company, and executive officers may not take part in the offer",
)


def employee_eligibility(terms: OfferTerms, employee: EmployeeFacts, on: date) -> EmployeeEligibility:
    """Every reason the employee may not take part, judging employment on `on`.

    `on` is usually the offer's cancellation date (for the eligibility report) or today (for the
    portal). All failing reasons are listed, not just the first, so an administrator correcting the
    census sees everything at once.
    """
    reasons: list[Reason] = []
    if not employee.is_employed_on(on):
        reasons.append(_employment_reason(employee, on))
    if not is_in_eligible_country(employee.work_country, terms.eligible_countries):
        reasons.append(_country_reason(terms, employee))
    if not is_hired_in_time(terms, employee.hire_date):
        reasons.append(_hire_reason(terms, employee))
    if employee.is_director:
        reasons.append(DIRECTOR_REASON)
    if employee.is_executive_officer:
        reasons.append(EXECUTIVE_OFFICER_REASON)
    return EmployeeEligibility(is_eligible=not reasons, reasons=tuple(reasons))


def is_eligible_but_for_employment(terms: OfferTerms, employee: EmployeeFacts) -> bool:
    """Whether the employee meets every requirement but employment, the only one that depends on the
    day judged: ``employee_eligibility(terms, employee, on).is_eligible`` is exactly this and
    ``employee.is_employed_on(on)``. The portal stores this verdict with the census and applies the day
    when it is asked, so a stored verdict does not go stale at midnight."""
    return (
        is_in_eligible_country(employee.work_country, terms.eligible_countries)
        and is_hired_in_time(terms, employee.hire_date)
        and not employee.is_director
        and not employee.is_executive_officer
    )


def may_be_tendered(terms: OfferTerms, grant: GrantFacts) -> bool:
    """Whether a holder who may take part may tender this grant: ``grant_eligibility``'s verdict for an
    eligible holder, without wording the reason (a census judged for the dashboard has 400,000 grants).
    It depends on the terms and the grant alone, never on the day."""
    if terms.covered_plans and grant.plan not in terms.covered_plans:
        return False
    if grant.outstanding_shares <= 0 or grant.expiration_date <= cancellation_date(terms):
        return False
    if terms.band_for(grant.exercise_price) is None:
        return False
    return is_lookback(terms, grant.grant_date) or meets_price_threshold(terms, grant.exercise_price)


def _no_outstanding_reason(grant: GrantFacts) -> str:
    return (
        f"No outstanding shares: {format_shares(grant.shares_exercised)} exercised and "
        f"{format_shares(grant.shares_cancelled)} cancelled of {format_shares(grant.shares_granted)} granted."
    )


def _expired_reason(grant: GrantFacts, cancellation: date) -> str:
    return (
        f"Expires on {format_date(grant.expiration_date)}, on or before the cancellation date "
        f"({format_date(cancellation)}), so there is nothing left to exchange."
    )


def _holder_reason(employee: EmployeeEligibility) -> str:
    """For the administrator: the holder may not take part, and the first reason why."""
    if not employee.reasons:
        return "The employee is not eligible for this offer."
    first = employee.reasons[0].for_administrator
    return f"The employee is not eligible for this offer: {first[0].lower()}{first[1:]}"


def _obstacle(terms: OfferTerms, grant: GrantFacts) -> str | None:
    """The first reason of the grant's own, before lookback and price are considered, that it cannot be
    tendered."""
    if terms.covered_plans and grant.plan not in terms.covered_plans:
        return f"Granted under {grant.plan}, a plan this offer does not cover."
    if grant.outstanding_shares <= 0:
        return _no_outstanding_reason(grant)
    cancellation = cancellation_date(terms)
    if grant.expiration_date <= cancellation:
        # Decision 9: nothing is left to cancel on the cancellation date.
        return _expired_reason(grant, cancellation)
    return None


def _lookback_reason(terms: OfferTerms, grant: GrantFacts) -> str:
    return (
        f"Granted on {format_date(grant.grant_date)}, in {lookback_window_in_words(terms)}: "
        "eligible at any exercise price, and it must be tendered if any grant is tendered."
    )


def _price_reason(terms: OfferTerms, price: Decimal, *, meets: bool) -> str:
    threshold = format_money(terms.price_threshold)
    if terms.price_threshold_inclusive:
        verdict = "is at or above" if meets else "is below"
    else:
        verdict = "is above" if meets else "is not above"
    return f"Exercise price {format_money(price)} {verdict} the {threshold} threshold."


def _no_band_reason(terms: OfferTerms, price: Decimal) -> str:
    return (
        f"Exercise price {format_money(price)} falls in none of the offer's price bands "
        f"({bands_in_words(terms)}), so the offer sets no exchange ratio for it."
    )


def grant_eligibility(
    terms: OfferTerms, grant: GrantFacts, employee: EmployeeEligibility
) -> GrantEligibility:
    """Whether `grant` may be tendered under `terms`, checked in the order an employee would ask.

    The holder's own eligibility comes first, then the plan, outstanding shares and expiry (decision 9);
    then the lookback window, whose grants are eligible and required at any price (decision 2); and
    last the price threshold, whose failure is shown with the price and the threshold. A price in none of
    the offer's bands has no ratio, so such a grant is not eligible, lookback or not (a flat ratio is one
    band covering every price, so soxp-2003 never meets this).
    """
    lookback = is_lookback(terms, grant.grant_date)
    if not employee.is_eligible:
        return GrantEligibility(
            grant.grant_id,
            is_eligible=False,
            is_lookback=lookback,
            is_required=False,
            reason=_holder_reason(employee),
            reason_for_employee=HOLDER_NOT_ELIGIBLE_FOR_EMPLOYEE,
        )
    obstacle = _obstacle(terms, grant)
    if obstacle is not None:
        return GrantEligibility(
            grant.grant_id,
            is_eligible=False,
            is_lookback=lookback,
            is_required=False,
            reason=obstacle,
        )
    in_band = terms.band_for(grant.exercise_price) is not None
    if lookback:
        if not in_band:
            return GrantEligibility(
                grant.grant_id,
                is_eligible=False,
                is_lookback=True,
                is_required=False,
                reason=_no_band_reason(terms, grant.exercise_price),
            )
        # Decision 2: eligible whatever the price, and it comes with every tender.
        reason = _lookback_reason(terms, grant)
        return GrantEligibility(
            grant.grant_id,
            is_eligible=True,
            is_lookback=True,
            is_required=True,
            reason=reason,
        )
    meets = meets_price_threshold(terms, grant.exercise_price)
    if meets and not in_band:
        return GrantEligibility(
            grant.grant_id,
            is_eligible=False,
            is_lookback=False,
            is_required=False,
            reason=_no_band_reason(terms, grant.exercise_price),
        )
    reason = _price_reason(terms, grant.exercise_price, meets=meets)
    return GrantEligibility(
        grant.grant_id,
        is_eligible=meets,
        is_lookback=False,
        is_required=False,
        reason=reason,
    )


def can_accept_tender(terms: OfferTerms, employee: EmployeeFacts, on: date) -> bool:
    """Whether a tender can be accepted: still employed, in a covered country, on `on` (decision 7).

    `on` is the day the offer expires (its cancellation date); someone who left or moved abroad during
    the offer keeps their options as they were.
    """
    return employee.is_employed_on(on) and is_in_eligible_country(
        employee.work_country, terms.eligible_countries
    )


def keeps_promised_grant(
    employee: EmployeeFacts, new_grant_date: date, eligible_countries: frozenset[str]
) -> bool:
    """Whether the promised new grant is made: still employed in a covered country on its date (decision 7).

    Otherwise nothing is granted, and the cancelled options stay cancelled.
    """
    return employee.is_employed_on(new_grant_date) and is_in_eligible_country(
        employee.work_country, eligible_countries
    )
