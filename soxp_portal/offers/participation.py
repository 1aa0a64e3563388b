"""The read side of watching an offer: who is eligible, who took part, and the election in force.

An employee is *eligible* when at least one of their grants can be tendered (the rules decide, on
`judgement_day`). The whole-census figures come from the verdicts stored with the census
(``offers/verdicts.py``, ``TenderableHolding``): judged when the census is imported and when the terms
change, checked for being current on every read, and turned into today's figures by applying the one
requirement that depends on the day, employment, from each employee's termination date. So the
dashboard's first view after an import costs a few aggregate queries, not a pass over 400,000 grants
(docs/performance.md), and the employee list's eligibility filters are SQL.

Everything else is a fixed number of queries whatever the size of the census: the election in force is
the version with no later version (one ``NOT EXISTS`` on the unique (offer, employee, version) index),
and the elections per day are one grouped query with days in the offer's time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum, TextChoices, Value
from django.db.models.functions import Concat, TruncDate

from soxp_portal.offers.adapters import employed_on
from soxp_portal.offers.models import Election, Employee, Offer, TenderableHolding
from soxp_portal.offers.verdicts import ensure_current
from soxp_portal.rules.eligibility import judgement_day


class Standing(TextChoices):
    """Where an employee stands in an offer; also the employee list's filters (the URL's values)."""

    ELIGIBLE = "eligible", "Eligible"
    PARTICIPATING = "participating", "Participating"
    WITHDRAWN = "withdrawn", "Withdrawn"
    NOT_DECIDED = "not-decided", "Not decided"
    NOT_ELIGIBLE = "not-eligible", "Not eligible"


@dataclass(frozen=True)
class EligibleHolding:
    """What one employee could tender: their eligible grants and those grants' outstanding shares."""

    grants: int
    shares: int


def tenderable_holdings(offer: Offer, *, now: datetime) -> QuerySet[TenderableHolding]:
    """The stored holding of every employee eligible on `judgement_day` (verdicts made current first)."""
    ensure_current(offer, now=now)
    on = judgement_day(offer.terms, now)
    return TenderableHolding.objects.filter(offer=offer).filter(employed_on(on, through="employee__"))


def eligible_employees(offer: Offer, *, now: datetime) -> Q:
    """A filter on employees: eligible on `judgement_day` (verdicts made current first)."""
    ensure_current(offer, now=now)
    on = judgement_day(offer.terms, now)
    return Q(Exists(TenderableHolding.objects.filter(offer=offer, employee=OuterRef("pk")))) & employed_on(on)


@dataclass(frozen=True)
class EligibilityCensus:
    """The whole census judged for one offer."""

    #: Census ids of the employees with at least one eligible grant.
    employee_ids: frozenset[str]
    #: Outstanding shares of every eligible grant: what could be tendered if everyone took part.
    shares: int


def eligibility_census(offer: Offer, *, now: datetime) -> EligibilityCensus:
    """Every employee with an eligible grant (their census ids), and the eligible shares."""
    holdings = tenderable_holdings(offer, now=now)
    return EligibilityCensus(
        employee_ids=frozenset(holdings.values_list("employee__employee_id", flat=True).iterator(5000)),
        shares=holdings.aggregate(shares=Sum("shares", default=0))["shares"],
    )


@dataclass(frozen=True)
class EligibleFigures:
    """How many employees are eligible, the outstanding shares of their eligible grants, and how many of
    them have no election version at all (in force or replaced)."""

    employees: int
    shares: int
    undecided: int


def _decided(offer: Offer) -> QuerySet[Election]:
    """Employees with at least one election version in the offer, as a subquery for ``IN``: PostgreSQL
    hashes it once, where ``NOT EXISTS`` per employee was planned as a costly loop (and compiled)."""
    return Election.objects.filter(offer=offer).values("employee")


def eligible_figures(offer: Offer, *, now: datetime) -> EligibleFigures:
    """One aggregate query over the stored holdings (after the check that they are current)."""
    undecided = ~Q(employee__in=_decided(offer))
    totals = tenderable_holdings(offer, now=now).aggregate(
        employees=Count("pk"), shares=Sum("shares", default=0), undecided=Count("pk", filter=undecided)
    )
    return EligibleFigures(
        employees=totals["employees"], shares=totals["shares"], undecided=totals["undecided"]
    )


def eligible_holdings_of(
    offer: Offer, employees: Iterable[Employee], *, now: datetime
) -> dict[str, EligibleHolding]:
    """Census employee id -> holding, for those of a few employees (a page of the list) who are eligible."""
    pks = [employee.pk for employee in employees]
    holdings = tenderable_holdings(offer, now=now).filter(employee__in=pks)
    return {
        employee_id: EligibleHolding(grants, shares)
        for employee_id, grants, shares in holdings.values_list("employee__employee_id", "grants", "shares")
    }


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
    eligible = eligible_figures(offer, now=now)
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
        eligible_shares=eligible.shares,
        eligible_employees=eligible.employees,
    )


def participation_summary(offer: Offer, *, now: datetime) -> ParticipationSummary:
    """Eligible, participating, withdrawn and not decided employees; eligible, tendered and new shares.

    Participants and withdrawals count the version in force, whether or not the employee is still
    eligible today; "not decided" counts eligible employees with no version at all. Aggregate queries
    over the stored verdicts and the elections, after the check that the verdicts are current.
    """
    eligible = eligible_figures(offer, now=now)
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
        eligible_employees=eligible.employees,
        participants=kinds["participants"],
        withdrawn=kinds["withdrawn"],
        not_decided=eligible.undecided,
        eligible_shares=eligible.shares,
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


def employee_ids_for_list(
    offer: Offer, *, query: str, standing: str, now: datetime
) -> QuerySet[Employee, int]:
    """The primary keys of the employees the list shows, in name order, for a search and a filter: one
    query, every filter in the database (eligibility from the stored verdicts)."""
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
        employees = employees.filter(eligible_employees(offer, now=now)).exclude(pk__in=_decided(offer))
    elif standing == Standing.ELIGIBLE:
        employees = employees.filter(eligible_employees(offer, now=now))
    elif standing == Standing.NOT_ELIGIBLE:
        employees = employees.exclude(eligible_employees(offer, now=now))
    return employees.values_list("pk", flat=True)


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
    undecided = (
        Employee.objects.filter(eligible_employees(offer, now=now))
        .exclude(pk__in=_decided(offer))
        .order_by("employee_id")
    )
    return undecided.iterator(chunk_size=2000)
