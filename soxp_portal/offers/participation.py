"""The read side of watching an offer: who is eligible, who took part, and the election in force.

An employee is *eligible* when at least one of their grants can be tendered (the rules decide, on
`judgement_day`). Eligibility is not stored: it follows from the census and the offer's terms, so the
whole-census figures come from one streaming pass over every grant (`adapters.grant_and_holder_facts`,
one query with a server-side cursor). On 100,000 employees and 400,000 grants that pass takes several
seconds (docs/performance.md), so :func:`eligibility_census` keeps its result in Django's cache, keyed
on everything the verdicts follow from: the offer's terms, the judgement day, and a fingerprint of the
census (the number of employees and grants and the latest change of each; every write to them sets
``updated_at``). The first dashboard after a census import pays for the pass; the next ones do not.

Everything else is a fixed number of queries whatever the size of the census: the election in force is
the version with no later version (one ``NOT EXISTS`` on the unique (offer, employee, version) index),
and the elections per day are one grouped query with days in the offer's time zone.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet, Sum, TextChoices, Value
from django.db.models.functions import Concat, TruncDate

from soxp_portal.offers.adapters import grant_and_holder_facts
from soxp_portal.offers.models import Election, Employee, Grant, Offer
from soxp_portal.rules.eligibility import employee_eligibility, grant_eligibility, judgement_day


class Standing(TextChoices):
    """Where an employee stands in an offer; also the employee list's filters (the URL's values)."""

    ELIGIBLE = "eligible", "Eligible"
    PARTICIPATING = "participating", "Participating"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NOT_DECIDED = "not-decided", "Not decided"
    NOT_ELIGIBLE = "not-eligible", "Not eligible"


#: The filters that need the whole census judged (the streaming pass).
NEEDS_CENSUS = frozenset({Standing.ELIGIBLE, Standing.NOT_DECIDED, Standing.NOT_ELIGIBLE})


@dataclass(frozen=True)
class EligibleHolding:
    """What one employee could tender: their eligible grants and those grants' outstanding shares."""

    grants: int
    shares: int


def _eligible_holdings(offer: Offer, grants: QuerySet[Grant], *, now: datetime) -> dict[str, EligibleHolding]:
    """Census employee id -> holding, for the holders of `grants` with at least one eligible grant.

    Each holder's eligibility is judged once, on their first grant (the adapter hands consecutive grants
    of one holder the same facts object), so `grants` must be ordered by holder.
    """
    terms = offer.terms
    on = judgement_day(terms, now)
    counts: Counter[str] = Counter()
    shares: Counter[str] = Counter()
    holder, holder_verdict = None, None
    for employee, grant in grant_and_holder_facts(grants):
        if employee is not holder:
            holder, holder_verdict = employee, employee_eligibility(terms, employee, on)
        if not holder_verdict.is_eligible:  # type: ignore[union-attr]
            continue
        if grant_eligibility(terms, grant, holder_verdict).is_eligible:  # type: ignore[arg-type]
            counts[employee.employee_id] += 1
            shares[employee.employee_id] += grant.outstanding_shares
    return {employee_id: EligibleHolding(counts[employee_id], shares[employee_id]) for employee_id in counts}


@dataclass(frozen=True)
class EligibilityCensus:
    """The whole census judged for one offer (one streaming pass)."""

    #: Census ids of the employees with at least one eligible grant.
    employee_ids: frozenset[str]
    #: Outstanding shares of every eligible grant: what could be tendered if everyone took part.
    shares: int


#: How long a judged census is kept; any change of the census or the terms makes a new key sooner.
ELIGIBILITY_CACHE_SECONDS = 6 * 60 * 60


def census_fingerprint() -> tuple[Any, ...]:
    """Changes whenever an employee or a grant is added, removed or changed (two aggregate queries)."""
    employees = Employee.objects.aggregate(count=Count("pk"), last=Max("updated_at"))
    grants = Grant.objects.aggregate(count=Count("pk"), last=Max("updated_at"))
    return (employees["count"], employees["last"], grants["count"], grants["last"])


def eligibility_census_key(offer: Offer, *, now: datetime) -> str:
    """The cache key of the judged census: the offer, its terms, the judgement day, the census."""
    terms = offer.terms
    canonical_terms = tuple(
        (item.name, sorted(value) if isinstance(value := getattr(terms, item.name), frozenset) else value)
        for item in dataclasses.fields(terms)
    )
    basis = repr((offer.pk, canonical_terms, judgement_day(terms, now), census_fingerprint()))
    return "eligibility-census:" + hashlib.sha256(basis.encode()).hexdigest()


def eligibility_census(offer: Offer, *, now: datetime) -> EligibilityCensus:
    """Every employee with an eligible grant, and the eligible shares: seconds on 400,000 grants the
    first time, then from the cache until the census, the terms or the judgement day change."""
    key = eligibility_census_key(offer, now=now)
    census = cache.get(key)
    if census is None:
        holdings = _eligible_holdings(offer, Grant.objects.order_by("employee_id", "grant_id"), now=now)
        census = EligibilityCensus(
            employee_ids=frozenset(holdings), shares=sum(holding.shares for holding in holdings.values())
        )
        cache.set(key, census, ELIGIBILITY_CACHE_SECONDS)
    return census


def eligible_holdings_of(
    offer: Offer, employees: Iterable[Employee], *, now: datetime
) -> dict[str, EligibleHolding]:
    """The same judgement for a few employees (a page of the list): one query."""
    grants = Grant.objects.filter(employee__in=[employee.pk for employee in employees])
    return _eligible_holdings(offer, grants.order_by("employee_id", "grant_id"), now=now)


def current_elections(offer: Offer) -> QuerySet[Election]:
    """The version in force of each employee who made one: the version that took effect and that no
    later version that took effect replaces (``queries.current_election``)."""
    later = Election.objects.filter(
        offer=offer, employee=OuterRef("employee"), takes_effect=True, version__gt=OuterRef("version")
    )
    return Election.objects.filter(offer=offer, takes_effect=True).filter(~Exists(later))


def with_totals(elections: QuerySet[Election]) -> QuerySet[Election]:
    """Each election with `shares_tendered` and `new_shares` summed over its tendered grants (0 if none)."""
    return elections.annotate(
        shares_tendered=Sum("tendered_grants__shares_tendered", default=0),
        new_shares=Sum("tendered_grants__new_shares", default=0),
    )


@dataclass(frozen=True)
class ParticipationSummary:
    """The dashboard's figures for one offer."""

    employees: int
    eligible_employees: int
    participants: int
    withdrawn: int
    not_decided: int
    eligible_shares: int
    tendered_shares: int
    new_shares: int

    @property
    def tendered_percent(self) -> str:
        """Tendered shares as a share of the eligible ones, as the extension email reports it ("70%")."""
        if not self.eligible_shares:
            return "0%"
        return f"{self.tendered_shares * 100 / self.eligible_shares:.0f}%"

    @property
    def participant_percent(self) -> str:
        if not self.eligible_employees:
            return "0%"
        return f"{self.participants * 100 / self.eligible_employees:.0f}%"


@dataclass(frozen=True)
class TenderFigures:
    """Options tendered so far against the options eligible, as an extension notice reports them."""

    tendered_shares: int
    participants: int
    eligible_shares: int
    eligible_employees: int

    @property
    def percent_of_eligible(self) -> Decimal | None:
        """Whole percent, rounded half up, as a notice words it ("about 70%"); None if nothing is eligible."""
        if not self.eligible_shares:
            return None
        share = Decimal(self.tendered_shares) * 100 / Decimal(self.eligible_shares)
        return share.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def tender_figures(offer: Offer, *, now: datetime) -> TenderFigures:
    """Shares tendered in the election in force of each employee (when it is an election) over the
    outstanding shares of every grant that may be tendered, judged at `now`."""
    census = eligibility_census(offer, now=now)
    in_force = (
        current_elections(offer)
        .filter(kind=Election.Kind.ELECTION)
        .aggregate(
            shares=Sum("tendered_grants__shares_tendered", default=0),
            people=Count("employee", distinct=True),
        )
    )
    return TenderFigures(
        tendered_shares=in_force["shares"],
        participants=in_force["people"],
        eligible_shares=census.shares,
        eligible_employees=len(census.employee_ids),
    )


def decided_employee_ids(offer: Offer) -> frozenset[str]:
    """Census ids of everyone with at least one election version (in force or replaced) in the offer."""
    return frozenset(
        Employee.objects.filter(Exists(Election.objects.filter(offer=offer, employee=OuterRef("pk"))))
        .values_list("employee_id", flat=True)
        .iterator(chunk_size=5000)
    )


def participation_summary(offer: Offer, *, now: datetime) -> ParticipationSummary:
    """Eligible, participating, withdrawn and not decided employees; eligible, tendered and new shares.

    Participants and withdrawals count the version in force, whether or not the employee is still
    eligible today; "not decided" counts eligible employees with no version at all. Six queries, one of
    them the streaming pass of :func:`eligibility_census`.
    """
    census = eligibility_census(offer, now=now)
    current = current_elections(offer)
    kinds = current.aggregate(
        participants=Count("pk", filter=Q(kind=Election.Kind.ELECTION)),
        withdrawn=Count("pk", filter=Q(kind=Election.Kind.WITHDRAWAL)),
    )
    shares = current.filter(kind=Election.Kind.ELECTION).aggregate(
        tendered=Sum("tendered_grants__shares_tendered", default=0),
        new=Sum("tendered_grants__new_shares", default=0),
    )
    return ParticipationSummary(
        employees=Employee.objects.count(),
        eligible_employees=len(census.employee_ids),
        participants=kinds["participants"],
        withdrawn=kinds["withdrawn"],
        not_decided=len(census.employee_ids - decided_employee_ids(offer)),
        eligible_shares=census.shares,
        tendered_shares=shares["tendered"],
        new_shares=shares["new"],
    )


@dataclass(frozen=True)
class DayCount:
    """Election versions received on one day of the offer (in its time zone)."""

    day: date
    elections: int
    withdrawals: int

    @property
    def total(self) -> int:
        return self.elections + self.withdrawals


def elections_per_day(offer: Offer, *, now: datetime) -> list[DayCount]:
    """Every day from the opening to today (or the deadline, if earlier), in the offer's time zone, with
    the elections and withdrawals received that day, zero days included. One grouped query."""
    zone = offer.zone
    rows = (
        Election.objects.filter(offer=offer)
        .annotate(day=TruncDate("received_at", tzinfo=zone))
        .values("day", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    )
    counts = {(row["day"], row["kind"]): row["count"] for row in rows}
    first = offer.opens_at.astimezone(zone).date()
    last = min(now, offer.expires_at).astimezone(zone).date()
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
    return [
        DayCount(
            day=day,
            elections=counts.get((day, Election.Kind.ELECTION), 0),
            withdrawals=counts.get((day, Election.Kind.WITHDRAWAL), 0),
        )
        for day in days
    ]


def search_employees(employees: QuerySet[Employee], query: str) -> QuerySet[Employee]:
    """Employees whose name (first, last or both), census id or email contains `query`, case-blind."""
    query = " ".join(query.split())
    if not query:
        return employees
    return employees.annotate(full_name=Concat("first_name", Value(" "), "last_name")).filter(
        Q(full_name__icontains=query) | Q(employee_id__icontains=query) | Q(email__icontains=query)
    )


def employee_ids_for_list(offer: Offer, *, query: str, standing: str, now: datetime) -> Sequence[int]:
    """The primary keys of the employees the list shows, in name order, for a search and a filter.

    Participating and withdrawn are filtered in the database. Eligible, not decided and not eligible
    need the whole census judged: the pass of :func:`eligibility_census` (seconds on a large census),
    then the ids are filtered in Python, because SQLite caps a query's parameters well below the size of
    a census and ``employee_id IN (...)`` would fail.
    """
    employees = search_employees(Employee.objects.all(), query).order_by(
        "last_name", "first_name", "employee_id"
    )
    current = current_elections(offer)
    if standing == Standing.PARTICIPATING:
        employees = employees.filter(
            Exists(current.filter(kind=Election.Kind.ELECTION, employee=OuterRef("pk")))
        )
    elif standing == Standing.WITHDRAWN:
        employees = employees.filter(
            Exists(current.filter(kind=Election.Kind.WITHDRAWAL, employee=OuterRef("pk")))
        )
    elif standing == Standing.NOT_DECIDED:
        employees = employees.filter(~Exists(Election.objects.filter(offer=offer, employee=OuterRef("pk"))))
    if standing not in NEEDS_CENSUS:
        return employees.values_list("pk", flat=True)
    eligible = eligibility_census(offer, now=now).employee_ids
    keep_eligible = standing != Standing.NOT_ELIGIBLE
    return [
        pk
        for pk, employee_id in employees.values_list("pk", "employee_id").iterator(chunk_size=5000)
        if (employee_id in eligible) is keep_eligible
    ]


@dataclass(frozen=True)
class EmployeeRow:
    """One line of the employee list: the employee, what they could tender, and the version in force."""

    employee: Employee
    holding: EligibleHolding | None
    current: Election | None

    @property
    def is_eligible(self) -> bool:
        return self.holding is not None

    @property
    def standing(self) -> Standing:
        if self.current is not None:
            return Standing.PARTICIPATING if self.current.is_participating else Standing.WITHDRAWN
        return Standing.NOT_DECIDED if self.is_eligible else Standing.NOT_ELIGIBLE

    @property
    def standing_label(self) -> str:
        return str(self.standing.label)


def employee_rows(offer: Offer, employee_ids: Iterable[int], *, now: datetime) -> list[EmployeeRow]:
    """The rows of one page, in the order of `employee_ids`: three queries, whatever the page size."""
    ids = list(employee_ids)
    by_pk = Employee.objects.in_bulk(ids)
    employees = [by_pk[pk] for pk in ids if pk in by_pk]
    holdings = eligible_holdings_of(offer, employees, now=now)
    current = {
        election.employee_id: election
        for election in with_totals(current_elections(offer).filter(employee__in=ids)).select_related(
            "entered_by"
        )
    }
    return [
        EmployeeRow(
            employee=employee,
            holding=holdings.get(employee.employee_id),
            current=current.get(employee.pk),
        )
        for employee in employees
    ]


@dataclass(frozen=True)
class ElectionVersion:
    """One version of an employee's election as the console shows it, with its totals worked out."""

    election: Election
    is_current: bool
    grants_tendered: int
    shares_tendered: int
    new_shares: int

    @property
    def is_entered_by_employee(self) -> bool:
        return self.election.entered_by_id == self.election.employee.user_id


def election_versions(elections: Iterable[Election]) -> list[ElectionVersion]:
    """`elections` the last entered first (``queries.elections_of``), each with its totals from its
    loaded lines; the first that took effect is the one in force."""
    versions = []
    in_force_seen = False
    for election in elections:
        lines = list(election.tendered_grants.all())
        is_current = election.takes_effect and not in_force_seen
        in_force_seen = in_force_seen or is_current
        versions.append(
            ElectionVersion(
                election=election,
                is_current=is_current,
                grants_tendered=len(lines),
                shares_tendered=sum(line.shares_tendered for line in lines),
                new_shares=sum(line.new_shares for line in lines),
            )
        )
    return versions


def undecided_eligible_employees(offer: Offer, *, now: datetime) -> Iterator[Employee]:
    """The eligible employees with no election version at all, in census id order, streamed."""
    eligible = eligibility_census(offer, now=now).employee_ids
    undecided = Employee.objects.filter(
        ~Exists(Election.objects.filter(offer=offer, employee=OuterRef("pk")))
    ).order_by("employee_id")
    return (employee for employee in undecided.iterator(chunk_size=2000) if employee.employee_id in eligible)
