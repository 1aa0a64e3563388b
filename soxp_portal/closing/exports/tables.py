"""The tabular exports for the stock plan administrator: one generator of rows per export.

Each reads plain values (``values_list``) through a server-side cursor in chunks, so 100,000 employees
export in the memory of one chunk (docs/performance.md, "Exports"). Rows are in census employee id
order, then grant id: the order a stock plan administration system expects to reconcile against.

What each export holds, and why it is shaped so:

- **Eligibility**: the report of OFFER.md, the same rows as ``eligibility_report`` (one per grant of
  every employee). After the cancellation the census shows the accepted grants with no outstanding
  shares, so they read "No outstanding shares"; the *summary* gives the figures as at expiration.
- **Final elections**: each employee's election in force (an election to exchange, or a withdrawal),
  with the time received in UTC and in the offer's zone, and the totals of what it tendered.
- **Cancellations**: one row per grant taken in an accepted tender, once the cancellation step ran; an
  offer granting RSUs adds ``new_security_type``, the award promised for it.
- **New grants**: one row per new option, with where its vesting starts and ends. An offer granting
  RSUs adds a ``security_type`` column ("Option" or "RSU"); an RSU row has no option type, exercise
  price or expiration. Each grant's vesting is its price band's (``award_vesting``), or the offer's.
- **Vesting of the new grants**: one row per vesting event of every new option, the file a system such
  as Equity Edge loads to give each grant its own schedule (a grant id, a date and the shares vesting
  that day; the cumulative total is there to check the load). Events of 0 shares (a grant of one share
  vests nothing at the cliff) are left out: no system takes a tranche of 0, and the later events still
  add up to the grant exactly (OFFER.md decision 6).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

from django.db.models import Count, QuerySet

from soxp_portal.closing.exports.writers import Cell, Table
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant
from soxp_portal.offers.models import Grant, Offer
from soxp_portal.offers.participation import current_elections, with_totals
from soxp_portal.offers.reports import eligibility_columns, eligibility_rows
from soxp_portal.rules.eligibility import judgement_day
from soxp_portal.rules.terms import AWARD_NAMES, AwardType, AwardVesting
from soxp_portal.rules.vesting import VestingEvent, award_schedule, award_vesting

CHUNK = 2000

ELECTION_COLUMNS = (
    "employee_id",
    "first_name",
    "last_name",
    "email",
    "kind",
    "channel",
    "received_at_utc",
    "received_at_offer_time",
    "confirmation_number",
    "version",
    "grants_tendered",
    "shares_tendered",
    "new_shares",
)
CANCELLATION_COLUMNS = (
    "employee_id",
    "grant_id",
    "plan",
    "option_type",
    "grant_date",
    "exercise_price",
    "shares_cancelled",
    "new_shares_promised",
    "cancellation_date",
)
NEW_GRANT_COLUMNS = (
    "grant_id",
    "employee_id",
    "plan",
    "option_type",
    "grant_date",
    "shares",
    "exercise_price",
    "expiration_date",
    "performance_condition",
    "replaces_grant_id",
    "vesting_start_date",
    "first_vest_date",
    "first_vest_shares",
    "monthly_installments",
    "final_vest_date",
)
#: The columns an offer granting RSUs adds, after the one named: the award each row is about.
CANCELLATION_AWARD_COLUMN = ("new_shares_promised", "new_security_type")
NEW_GRANT_AWARD_COLUMN = ("option_type", "security_type")
VESTING_COLUMNS = ("grant_id", "employee_id", "vest_date", "shares", "cumulative_shares")


def grants_rsus(offer: Offer) -> bool:
    """Whether some of the offer's new awards are RSUs: its files then say which award each row is
    (an offer of options only keeps the files it always had)."""
    return AwardType.RSU in offer.terms.award_types


def _with_column(columns: tuple[str, ...], after_and_new: tuple[str, str]) -> tuple[str, ...]:
    after, new = after_and_new
    at = columns.index(after) + 1
    return (*columns[:at], new, *columns[at:])


def security_type(award: str) -> str:
    """How the files name an award type: "Option" or "RSU"."""
    return AWARD_NAMES[AwardType(award)]


def eligibility_table(offer: Offer, *, now: datetime) -> Table:
    """OFFER.md's eligibility report, employment judged as ``eligibility_report`` judges it."""
    return Table(
        sheet="Eligibility",
        columns=eligibility_columns(offer.terms),
        rows=eligibility_rows(offer, on=judgement_day(offer.terms, now)),
        count=Grant.objects.count(),
    )


def _iso_utc(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _election_rows(offer: Offer) -> Iterator[tuple[Cell, ...]]:
    zone = offer.zone
    elections = (
        with_totals(current_elections(offer))
        .annotate(grants_tendered=Count("tendered_grants"))
        .order_by("employee__employee_id")
        .values_list(
            "employee__employee_id",
            "employee__first_name",
            "employee__last_name",
            "employee__email",
            "kind",
            "channel",
            "received_at",
            "confirmation_number",
            "version",
            "grants_tendered",
            "shares_tendered",
            "new_shares",
        )
    )
    for employee_id, first, last, email, kind, channel, received, *rest in elections.iterator(CHUNK):
        offer_time = received.astimezone(zone).isoformat()
        yield (employee_id, first, last, email, kind, channel, _iso_utc(received), offer_time, *rest)


def elections_table(offer: Offer) -> Table:
    """The election in force of every employee who made one (withdrawals included, with 0 tendered)."""
    return Table(
        sheet="Final elections",
        columns=ELECTION_COLUMNS,
        rows=_election_rows(offer),
        count=current_elections(offer).count(),
    )


def _accepted_grants(offer: Offer) -> QuerySet[AcceptedGrant]:
    return AcceptedGrant.objects.filter(tender__offer=offer).order_by(
        "tender__employee__employee_id", "grant__grant_id"
    )


def _cancellation_rows(offer: Offer, closing: Closing, *, awards: bool) -> Iterator[tuple[Cell, ...]]:
    rows = _accepted_grants(offer).values_list(
        "tender__employee__employee_id",
        "grant__grant_id",
        "grant__plan__name",
        "grant__option_type",
        "grant__grant_date",
        "grant__exercise_price",
        "shares",
        "new_shares",
        "award_type",
    )
    for *row, award in rows.iterator(CHUNK):
        yield (
            (*row, security_type(award), closing.cancellation_date)
            if awards
            else (
                *row,
                closing.cancellation_date,
            )
        )


def cancellations_table(offer: Offer, closing: Closing) -> Table:
    """Every grant taken in an accepted tender and cancelled as of the closing's cancellation date."""
    awards = grants_rsus(offer)
    return Table(
        sheet="Cancellations",
        columns=_with_column(CANCELLATION_COLUMNS, CANCELLATION_AWARD_COLUMN)
        if awards
        else CANCELLATION_COLUMNS,
        rows=_cancellation_rows(offer, closing, awards=awards),
        count=_accepted_grants(offer).count(),
    )


def new_grants_of_offer(offer: Offer) -> QuerySet[NewGrant]:
    return NewGrant.objects.filter(accepted_grant__tender__offer=offer).order_by(
        "employee__employee_id", "grant_id"
    )


def grant_vesting(offer: Offer, award: str, old_price: object) -> AwardVesting:
    """A new grant's vesting: its old grant's price band's for its award, or the offer's."""
    return award_vesting(offer.terms, old_price, AwardType(award))  # type: ignore[arg-type]


def _new_grant_values(offer: Offer) -> QuerySet[NewGrant]:
    return new_grants_of_offer(offer).values_list(  # type: ignore[return-value]
        "grant_id",
        "employee__employee_id",
        "plan__name",
        "option_type",
        "award_type",
        "grant_date",
        "shares",
        "exercise_price",
        "expiration_date",
        "performance_condition",
        "accepted_grant__grant__grant_id",
        "accepted_grant__grant__exercise_price",
    )


def new_grant_schedules(
    offer: Offer,
) -> Iterator[tuple[tuple[object, ...], AwardVesting, tuple[VestingEvent, ...]]]:
    """Each new grant's values (as ``_new_grant_values`` lists them), its vesting and its schedule."""
    for row in _new_grant_values(offer).iterator(CHUNK):
        award, grant_date, shares, old_price = row[4], row[5], row[6], row[11]
        vesting = grant_vesting(offer, award, old_price)
        yield row, vesting, award_schedule(vesting, shares, grant_date)


def _new_grant_rows(offer: Offer, *, awards: bool) -> Iterator[tuple[Cell, ...]]:
    for row, vesting, schedule in new_grant_schedules(offer):
        grant_id, holder, plan, option_type, award, grant_date, shares, price, expires, condition, old, _ = (
            row
        )
        first, last = schedule[0], schedule[-1]
        kind = (security_type(award),) if awards else ()  # type: ignore[arg-type]
        yield (  # type: ignore[misc]
            grant_id,
            holder,
            plan,
            option_type,
            *kind,
            grant_date,
            shares,
            price,
            expires,
            condition,
            old,
            grant_date,
            first.vest_date,
            first.shares,
            vesting.monthly_installments,
            last.vest_date,
        )


def new_grants_table(offer: Offer) -> Table:
    """Every new award granted for an accepted grant, with the outline of its vesting."""
    awards = grants_rsus(offer)
    return Table(
        sheet="New grants",
        columns=_with_column(NEW_GRANT_COLUMNS, NEW_GRANT_AWARD_COLUMN) if awards else NEW_GRANT_COLUMNS,
        rows=_new_grant_rows(offer, awards=awards),
        count=new_grants_of_offer(offer).count(),
    )


def _vesting_rows(offer: Offer) -> Iterator[tuple[Cell, ...]]:
    for row, _, schedule in new_grant_schedules(offer):
        grant_id, employee_id = row[0], row[1]
        for event in schedule:
            if event.shares:
                yield (grant_id, employee_id, event.vest_date, event.shares, event.cumulative)  # type: ignore[misc]


def vesting_table(offer: Offer) -> Table:
    """One row per vesting event of every new award (events of 0 shares left out)."""
    return Table(sheet="Vesting", columns=VESTING_COLUMNS, rows=_vesting_rows(offer))
