"""When the new options vest, in whole shares, and when they expire (OFFER.md decision 6).

The new option vests a fraction at a cliff (half at six months) and the rest in equal monthly parts
after it. Shares are whole, so each month's cumulative total is rounded down and the last month
completes the grant exactly; the monthly amounts then differ by at most one share (20 or 21 of 500).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from soxp_portal.rules.calendar import add_months
from soxp_portal.rules.terms import AwardType, AwardVesting, OfferTerms
from soxp_portal.rules.wording import format_percent, plural

_MONTHS_PER_YEAR = 12


@dataclass(frozen=True, slots=True)
class VestingEvent:
    """Shares vesting on one date, and the running total vested by then."""

    vest_date: date
    shares: int
    cumulative: int


def _floor_fraction(total: int, fraction: Decimal) -> int:
    """floor(total x fraction), exactly: over the fraction's integer ratio, never a float."""
    numerator, denominator = fraction.as_integer_ratio()
    return total * numerator // denominator


def _validate(total: int, cliff_months: int, cliff_fraction: Decimal, installments: int) -> None:
    if total < 0:
        raise ValueError(f"A grant cannot have a negative number of shares, got {total}.")
    if cliff_months < 0 or installments < 0:
        raise ValueError("The cliff and the number of monthly installments cannot be negative.")
    if not Decimal(0) <= cliff_fraction <= Decimal(1):
        raise ValueError(f"The cliff fraction must be between 0 and 1, got {cliff_fraction}.")
    if installments == 0 and cliff_fraction != 1:
        raise ValueError("Without monthly installments the whole grant must vest at the cliff (fraction 1).")


def vesting_schedule(
    total: int, grant_date: date, cliff_months: int, cliff_fraction: Decimal, installments: int
) -> list[VestingEvent]:
    """The vesting events of a grant of `total` shares: the cliff, then one event per monthly installment.

    At grant_date + cliff_months, floor(total x cliff_fraction) vest. After n of the installments the
    cumulative total is that cliff plus floor(remaining x n / installments), so the last one reaches
    `total` exactly (decision 6). Each date is computed from the grant date, clamped to the month's end
    (a grant of 2003-08-31 vests on 2004-02-29, then on 2004-03-31), never from the previous event.
    Every event is kept, even one of 0 shares for a tiny grant, so a schedule always has
    installments + 1 events and the promise-to-grant letter shows the same dates to everyone. A grant of
    0 shares has no schedule.
    """
    _validate(total, cliff_months, cliff_fraction, installments)
    if total == 0:
        return []
    cliff = _floor_fraction(total, cliff_fraction)
    remaining = total - cliff
    events = [VestingEvent(vest_date=add_months(grant_date, cliff_months), shares=cliff, cumulative=cliff)]
    for n in range(1, installments + 1):
        cumulative = cliff + remaining * n // installments
        events.append(
            VestingEvent(
                vest_date=add_months(grant_date, cliff_months + n),
                shares=cumulative - events[-1].cumulative,
                cumulative=cumulative,
            )
        )
    return events


def vesting_schedule_for(terms: OfferTerms, total: int, grant_date: date) -> list[VestingEvent]:
    """The schedule of a new option under the offer's vesting terms (slide 14 for soxp-2003)."""
    return vesting_schedule(
        total,
        grant_date,
        terms.vesting_cliff_months,
        terms.vesting_cliff_fraction,
        terms.vesting_monthly_installments,
    )


def award_vesting(terms: OfferTerms, exercise_price: Decimal, award: AwardType | None = None) -> AwardVesting:
    """The new award's vesting for a grant at `exercise_price` exchanged for `award` (None: the offer's
    own): its price band's own, or the offer's."""
    band = terms.band_for(exercise_price, award)
    if band is not None and band.vesting is not None:
        return band.vesting
    return offer_vesting(terms)


#: How many distinct schedules :func:`new_option_schedule` keeps (a few hundred bytes each).
SCHEDULES_KEPT = 4096


@lru_cache(maxsize=SCHEDULES_KEPT)
def _kept_schedule(
    total: int, grant_date: date, cliff_months: int, cliff_fraction: Decimal, installments: int
) -> tuple[VestingEvent, ...]:
    return tuple(vesting_schedule(total, grant_date, cliff_months, cliff_fraction, installments))


def new_option_schedule(terms: OfferTerms, total: int, grant_date: date) -> tuple[VestingEvent, ...]:
    """:func:`vesting_schedule_for`, as a tuple that is worked out once and kept.

    Every new option of an offer has the same grant date and vesting terms, so a schedule depends only on
    its number of shares, and the same few hundred schedules come back for every employee's pages: each
    is computed the first time and then read from a bounded cache (the events are immutable).
    """
    return _kept_schedule(
        total,
        grant_date,
        terms.vesting_cliff_months,
        terms.vesting_cliff_fraction,
        terms.vesting_monthly_installments,
    )


def award_schedule(vesting: AwardVesting, total: int, grant_date: date) -> tuple[VestingEvent, ...]:
    """The schedule of a new award under `vesting` (``award_vesting``: its band's or the offer's), kept
    as :func:`new_option_schedule` keeps the offer's."""
    return _kept_schedule(
        total, grant_date, vesting.cliff_months, vesting.cliff_fraction, vesting.monthly_installments
    )


def offer_vesting(terms: OfferTerms) -> AwardVesting:
    """The offer's own vesting of new awards, which a band without its own gives."""
    return AwardVesting(
        cliff_months=terms.vesting_cliff_months,
        cliff_fraction=terms.vesting_cliff_fraction,
        monthly_installments=terms.vesting_monthly_installments,
    )


def award_vesting_in_words(vesting: AwardVesting) -> str:
    """A new award's vesting as the offer summary words the offer's: "50% vests 6 months after the new
    grant date; the rest vests in 24 equal monthly parts after that"."""
    cliff = f"{(vesting.cliff_fraction * 100).normalize():f}%"
    if vesting.monthly_installments == 0:
        return f"{cliff} vests {vesting.cliff_months} months after the new grant date"
    return (
        f"{cliff} vests {vesting.cliff_months} months after the new grant date; the rest vests in "
        f"{vesting.monthly_installments} equal monthly parts after that"
    )


@dataclass(frozen=True, slots=True)
class VestingSummary:
    """A schedule in one line, as a page listing many grants states it: what vests at the cliff, the
    smallest and largest monthly part after it, and when the last share vests.

    The monthly parts differ by at most one share (decision 6), so "12 or 13 a month" states them all;
    the full schedule stays one link away.
    """

    first: VestingEvent
    last: VestingEvent
    #: The smallest and largest monthly part after the cliff; None when everything vests at the cliff.
    fewest_monthly: int | None
    most_monthly: int | None

    @property
    def monthly_parts_vary(self) -> bool:
        return self.fewest_monthly != self.most_monthly


def vesting_summary(schedule: Sequence[VestingEvent]) -> VestingSummary | None:
    """The schedule in one line; None for a grant of no shares (no schedule)."""
    if not schedule:
        return None
    monthly = [event.shares for event in schedule[1:]]
    return VestingSummary(
        first=schedule[0],
        last=schedule[-1],
        fewest_monthly=min(monthly) if monthly else None,
        most_monthly=max(monthly) if monthly else None,
    )


def vested_shares(schedule: Sequence[VestingEvent], on: date) -> int:
    """Shares vested by the end of `on`: the cumulative total of the last event on or before it."""
    vested = 0
    for event in schedule:
        if event.vest_date > on:
            break
        vested = event.cumulative
    return vested


def new_option_expiration(grant_date: date, term_years: int) -> date:
    """The new option's expiration, `term_years` after its grant date; a February 29 grant ends on the 28th.

    It ends earlier if employment ends; that is the plan's rule, applied outside the offer.
    """
    return add_months(grant_date, term_years * _MONTHS_PER_YEAR)


@dataclass(frozen=True, slots=True)
class AssumedVesting:
    """The vesting schedule the administrator assumes for the current grants (the census holds none):
    a fraction vests `cliff_months` after the grant date, the rest in `installments` equal monthly parts,
    counted as :func:`vesting_schedule` counts a new option's. An assumption stored on the offer, shown
    as one on the Compare page; the grant's own agreement governs.
    """

    cliff_months: int
    cliff_fraction: Decimal
    installments: int

    def __post_init__(self) -> None:
        _validate(0, self.cliff_months, self.cliff_fraction, self.installments)

    def in_words(self) -> str:
        """The schedule in a clause, e.g. "25% vests 12 months after the grant date, the rest in 36 equal
        monthly parts after that"."""
        when = (
            "on the grant date"
            if self.cliff_months == 0
            else f"{plural(self.cliff_months, 'month')} after the grant date"
        )
        if self.installments == 0:
            return f"the whole grant vests {when}"
        parts = plural(self.installments, "equal monthly part")
        if self.cliff_fraction == 0:
            first = plural(self.cliff_months + 1, "month")
            return f"it vests in {parts}, the first {first} after the grant date"
        return f"{format_percent(self.cliff_fraction)} vests {when}, the rest in {parts} after that"


def _whole_months(start: date, on: date) -> int:
    """The most months k with add_months(start, k) on or before `on` (negative before `start`)."""
    months = (on.year - start.year) * _MONTHS_PER_YEAR + on.month - start.month
    return months - 1 if add_months(start, months) > on else months


def current_grant_vested(
    schedule: AssumedVesting,
    shares_granted: int,
    shares_exercised: int,
    outstanding: int,
    grant_date: date,
    on: date,
) -> int:
    """Outstanding shares of a current grant vested by `on`, under the assumed `schedule`.

    The schedule runs on the shares granted, counted as :func:`vesting_schedule` counts it (without
    building its events: the Compare page asks twice for each of up to hundreds of grants); exercised
    shares had vested first, so they are taken off the vested total, and the result never exceeds what
    is outstanding (a cancelled part was unvested or is gone either way).
    """
    after_cliff = _whole_months(grant_date, on) - schedule.cliff_months
    if shares_granted <= 0 or after_cliff < 0:
        return 0
    cliff = _floor_fraction(shares_granted, schedule.cliff_fraction)
    if schedule.installments == 0:
        vested = shares_granted
    else:
        parts = min(after_cliff, schedule.installments)
        vested = cliff + (shares_granted - cliff) * parts // schedule.installments
    return max(0, min(outstanding, vested - shares_exercised))
