"""The read side shared by several views: what an employee holds and may do, and their elections.

Each function returns ready-made values (no arithmetic left for templates) and runs a fixed number
of queries, whatever the number of grants.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from soxp_portal.offers.adapters import employee_facts, grant_facts
from soxp_portal.offers.models import Election, Employee, Grant, Offer, TenderableHolding, TenderedGrant
from soxp_portal.rules.eligibility import (
    EmployeeEligibility,
    GrantEligibility,
    employee_eligibility,
    grant_eligibility,
    judgement_day,
    lookback_window_in_words,
)
from soxp_portal.rules.exchange import grant_new_shares
from soxp_portal.rules.terms import AwardType, OfferTerms, PriceBand
from soxp_portal.rules.vesting import (
    VestingEvent,
    VestingSummary,
    award_schedule,
    award_vesting,
    vesting_summary,
)
from soxp_portal.rules.wording import countries_in_words, format_date, format_instant, join_in_words


@dataclass(frozen=True)
class GrantStatus:
    """One grant of an employee, judged for one offer."""

    grant: Grant
    verdict: GrantEligibility
    #: New shares if this grant is exchanged; None when it cannot be.
    new_shares: int | None
    #: The offer's terms and the expected new grant date, from which the new option's vesting follows.
    terms: OfferTerms = field(repr=False)
    new_grant_date: date
    #: The award the employee receives for it (``terms.award_for(work_country)``).
    award: AwardType = AwardType.OPTION

    @property
    def band(self) -> PriceBand | None:
        """The price band giving this grant's ratio for the employee's award; None when it cannot be
        exchanged."""
        if self.new_shares is None:
            return None
        return self.terms.band_for(self.grant.exercise_price, self.award)

    @property
    def vesting(self) -> tuple[VestingEvent, ...]:
        """The new award's vesting schedule if exchanged (its band's own vesting or the offer's), from the
        expected new grant date (empty when it cannot be). Worked out when a page reads it, not for every
        page that judges the grants."""
        if not self.new_shares:
            return ()
        vesting = award_vesting(self.terms, self.grant.exercise_price, self.award)
        return award_schedule(vesting, self.new_shares, self.new_grant_date)

    @property
    def vesting_summary(self) -> VestingSummary | None:
        """The vesting schedule in one line (My options); None when the grant cannot be exchanged."""
        return vesting_summary(self.vesting)

    @property
    def is_eligible(self) -> bool:
        return self.verdict.is_eligible

    @property
    def is_required(self) -> bool:
        return self.verdict.is_required


@dataclass(frozen=True)
class EmployeeStatus:
    """Everything the option status and election pages show about one employee in one offer."""

    offer: Offer
    employee: Employee
    eligibility: EmployeeEligibility
    grants: tuple[GrantStatus, ...]
    new_grant_date: date

    @cached_property
    def eligible_grants(self) -> tuple[GrantStatus, ...]:
        """Kept once worked out: every page's menu, the election form and its template each ask."""
        return tuple(status for status in self.grants if status.is_eligible)

    @property
    def can_take_part(self) -> bool:
        """Eligible and holding at least one grant that can be exchanged."""
        return self.eligibility.is_eligible and bool(self.eligible_grants)

    @property
    def verdicts(self) -> tuple[GrantEligibility, ...]:
        return tuple(status.verdict for status in self.grants)

    @property
    def outstanding(self) -> dict[str, int]:
        return {status.grant.grant_id: status.grant.outstanding_shares for status in self.grants}

    @property
    def award(self) -> AwardType:
        """The award this employee receives for tendered options (by their work country)."""
        return self.offer.terms.award_for(self.employee.work_country)

    def by_grant_id(self) -> dict[str, GrantStatus]:
        return {status.grant.grant_id: status for status in self.grants}


def employee_status(offer: Offer, employee: Employee, *, now: datetime) -> EmployeeStatus:
    """The employee's grants judged under the offer's terms, employment judged on `judgement_day`."""
    terms = offer.terms
    eligibility = employee_eligibility(terms, employee_facts(employee), judgement_day(terms, now))
    grant_date = offer.new_grant_date()
    award = terms.award_for(employee.work_country)
    statuses = []
    for grant in employee.grants.select_related("plan").order_by("grant_date", "grant_id"):
        verdict = grant_eligibility(terms, grant_facts(grant), eligibility)
        shares = None
        if verdict.is_eligible:
            shares = grant_new_shares(terms, grant.outstanding_shares, grant.exercise_price, award)
        status = GrantStatus(
            grant, verdict, new_shares=shares, terms=terms, new_grant_date=grant_date, award=award
        )
        statuses.append(status)
    return EmployeeStatus(
        offer=offer,
        employee=employee,
        eligibility=eligibility,
        grants=tuple(statuses),
        new_grant_date=grant_date,
    )


def _lines() -> QuerySet[TenderedGrant]:
    """Tendered grants in grant order. The model's own ordering starts with the election, whose ordering
    joins the offer and the employee just to sort the lines of one election: not for every page."""
    return TenderedGrant.objects.order_by("grant__grant_date", "grant__grant_id")


def elections_of(offer: Offer, employee: Employee) -> QuerySet[Election]:
    """Every version of the employee's election, the last entered first, with the tendered grants loaded."""
    return (
        Election.objects.filter(offer=offer, employee=employee)
        .select_related("entered_by", "offer", "employee")
        .prefetch_related(Prefetch("tendered_grants", queryset=_lines().select_related("grant__plan")))
        .order_by("-version")
    )


def current_election(offer: Offer, employee: Employee) -> Election | None:
    """The version in force: the last one received (OFFER.md decisions 3 and 8).

    That is the latest version that took effect: a version takes effect when it is received no
    earlier than the one in force, and a paper form received before it is kept as evidence only.
    """
    return elections_of(offer, employee).filter(takes_effect=True).first()


def election_in_force(offer: Offer, employee: Employee) -> Election | None:
    """The version in force, as :func:`current_election` finds it, with nothing else loaded but the number
    of grants it tenders (``grants_tendered``): what the overview and the election form state of it, in
    one query."""
    return (
        Election.objects.filter(offer=offer, employee=employee, takes_effect=True)
        .annotate(grants_tendered=Count("tendered_grants"))
        .order_by("-version")
        .first()
    )


def shares_tendered_in(election: Election | None) -> dict[str, int]:
    """Grant id -> shares tendered in `election`, in grant order (empty for none or a withdrawal)."""
    if election is None or not election.is_participating:
        return {}
    lines = _lines().filter(election=election).values_list("grant__grant_id", "shares_tendered")
    return dict(lines)


def is_in_force(election: Election) -> bool:
    """Whether `election` is the version in force: it took effect and no later version that took effect
    replaced it (one query)."""
    if not election.takes_effect:
        return False
    later = Election.objects.filter(
        offer_id=election.offer_id,
        employee_id=election.employee_id,
        takes_effect=True,
        version__gt=election.version,
    )
    return not later.exists()


def election_history(offer: Offer, employee: Employee) -> QuerySet[Election]:
    """Every version of the employee's election, the last entered first, each with the number of grants it
    tenders (``grants_tendered``): the History page, in one query."""
    return (
        Election.objects.filter(offer=offer, employee=employee)
        .annotate(grants_tendered=Count("tendered_grants"))
        .order_by("-version")
    )


def election_record(offer: Offer, employee: Employee, confirmation_number: str) -> Election | None:
    """One version of the employee's election with what its page shows: who entered it, and each tendered
    grant (two queries)."""
    return (
        Election.objects.filter(offer=offer, employee=employee, confirmation_number=confirmation_number)
        .select_related("entered_by", "employee")
        .prefetch_related(Prefetch("tendered_grants", queryset=_lines().select_related("grant")))
        .order_by()
        .first()
    )


def election_in_force_at(offer: Offer, employee: Employee, instant: datetime) -> Election | None:
    """The version that was in force at `instant` by the time it was received."""
    return elections_of(offer, employee).filter(takes_effect=True, received_at__lte=instant).first()


def offers_open_to_employees(now: datetime) -> QuerySet[Offer]:
    """The offers employees may see: those that have opened. Before its opening an offer is not
    announced, so its pages do not exist for employees (the stock administrator previews them)."""
    return Offer.objects.filter(opens_at__lte=now)


def current_offer(now: datetime, employee: Employee | None = None) -> Offer | None:
    """The offer an employee is shown: of the open offers, the one closing soonest in which `employee`
    holds a grant that may be tendered or has made an election (two offers may be open at once, each
    for its own grants); else the open one closing soonest; else the latest that has opened."""
    live = offers_open_to_employees(now)
    open_now = live.filter(expires_at__gt=now, closed_at__isnull=True).order_by("expires_at")
    if employee is not None:
        from soxp_portal.offers.verdicts import ensure_current  # local: verdicts reads the census

        offers = list(open_now)
        for offer in offers if len(offers) > 1 else ():
            ensure_current(offer, now=now)
        own = open_now.filter(
            Q(Exists(TenderableHolding.objects.filter(offer=OuterRef("pk"), employee=employee)))
            | Q(Exists(Election.objects.filter(offer=OuterRef("pk"), employee=employee)))
        ).first()
        if own is not None:
            return own
    return open_now.first() or live.order_by("-opens_at").first()


@dataclass(frozen=True)
class TenderLine:
    status: GrantStatus
    shares_tendered: int
    new_shares: int


@dataclass(frozen=True)
class ElectionPreview:
    """What an election surrenders and receives, for the review step (slides 9 and 12 to 22)."""

    lines: tuple[TenderLine, ...]
    kept: tuple[GrantStatus, ...]
    total_tendered: int
    total_new: int
    #: The offer's lookback window in words, for saying why a lookback grant is tendered.
    lookback_window: str

    @property
    def lookback_lines(self) -> tuple[TenderLine, ...]:
        """The tendered lookback grants (decision 2)."""
        return tuple(line for line in self.lines if line.status.is_required)

    @property
    def lookback_grant_ids(self) -> str:
        """The tendered lookback grants in words: "G-1004", "G-2002 and G-2003"."""
        return join_in_words([line.status.grant.grant_id for line in self.lookback_lines])

    @property
    def tenders_only_lookback(self) -> bool:
        """Only lookback grants are tendered: a real choice, which the review states plainly."""
        return bool(self.lines) and len(self.lookback_lines) == len(self.lines)

    @property
    def brings_lookback_along(self) -> bool:
        """Other grants are tendered, so the lookback grants must be too; the review says why."""
        return bool(self.lookback_lines) and not self.tenders_only_lookback


def election_preview(status: EmployeeStatus, tendered: dict[str, int]) -> ElectionPreview:
    """The tendered grants with their new shares, and the grants kept. Call only for a valid election."""
    by_id = status.by_grant_id()
    lines = tuple(
        TenderLine(status=by_id[grant_id], shares_tendered=shares, new_shares=by_id[grant_id].new_shares or 0)
        for grant_id, shares in tendered.items()
        if shares
    )
    chosen = {line.status.grant.grant_id for line in lines}
    return ElectionPreview(
        lines=lines,
        kept=tuple(grant for grant in status.grants if grant.grant.grant_id not in chosen),
        total_tendered=sum(line.shares_tendered for line in lines),
        total_new=sum(line.new_shares for line in lines),
        lookback_window=lookback_window_in_words(status.offer.terms),
    )


@dataclass(frozen=True)
class OfferSummary:
    """The offer's terms and dates in words, as employees read them."""

    deadline: str
    opens: str
    cancellation_date: str
    new_grant_date: str
    pricing_rule: str
    new_option: str
    vesting: str
    was_extended: bool
    original_deadline: str
    #: Where a participant must still work on the new grant date: "in the United States".
    employed_where: str


def offer_summary(offer: Offer) -> OfferSummary:
    terms = offer.terms
    pricing = format_date(offer.pricing_date())
    if offer.pricing_basis == Offer.PricingBasisChoice.CLOSE_BEFORE_GRANT_DATE:
        pricing_rule = (
            "the closing price of the common stock on the last trading day before the new grant date "
            f"(expected to be {pricing})"
        )
    else:
        pricing_rule = (
            f"the fair market value of the common stock on the new grant date (expected to be {pricing})"
        )
    cliff = (terms.vesting_cliff_fraction * 100).normalize()
    option_type = offer.get_new_option_type_display()
    return OfferSummary(
        deadline=format_instant(offer.expires_at, offer.zone),
        opens=format_instant(offer.opens_at, offer.zone),
        cancellation_date=format_date(offer.cancellation_date()),
        new_grant_date=format_date(offer.new_grant_date()),
        pricing_rule=pricing_rule,
        new_option=(
            f"{option_type[0].lower()}{option_type[1:]} under the {offer.new_option_plan.name}, expiring "
            f"{terms.new_term_years} years after the new grant date (earlier if employment ends)"
        ),
        vesting=(
            f"{cliff:f}% vests {terms.vesting_cliff_months} months after the new grant date; the rest "
            f"vests in {terms.vesting_monthly_installments} equal monthly parts after that"
        ),
        was_extended=offer.was_extended,
        original_deadline=format_instant(offer.original_expires_at, offer.zone),
        employed_where=countries_in_words(offer.eligible_countries),
    )
