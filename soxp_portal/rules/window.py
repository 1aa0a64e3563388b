"""When the offer is open and the dates that follow from its deadline (OFFER.md decisions 3, 4 and 5).

Everything here is computed from the offer's terms and an explicit `now`: the rules never read the
clock, so an action reads it once and a test can stand on either side of the deadline instant.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, timedelta

from soxp_portal.rules.calendar import (
    add_months,
    business_days_between,
    is_trading_day,
    last_trading_day_before,
    next_business_day_on_or_after,
)
from soxp_portal.rules.terms import GrantDateRule, OfferTerms, PricingBasis
from soxp_portal.rules.wording import format_instant

#: Tender-offer rules (Rule 14e-1(b)): after a change of the consideration, here the exchange ratios, the
#: offer stays open at least this many business days.
BUSINESS_DAYS_AFTER_RATIO_CHANGE = 10


class OfferPhase(enum.StrEnum):
    """Where an offer stands at a given instant."""

    UPCOMING = "upcoming"
    OPEN = "open"
    EXPIRED = "expired"


def _require_aware(instant: datetime, name: str) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime (times are stored in UTC), got {instant!r}.")


def cancellation_date(terms: OfferTerms) -> date:
    """The expiration date in the offer's time zone: tendered options are cancelled right after it.

    The deadline is stored in UTC, so it is converted first: 2003-01-20 21:00 Pacific is already
    2003-01-21 in UTC, but the cancellation date is 2003-01-20. It follows every extension (decision 4).
    """
    return terms.expires_at.astimezone(terms.zone).date()


def new_grant_date_after(cancellation: date, months: int, days: int) -> date:
    """The first business day at least `months` months and `days` days after the cancellation date.

    Months are calendar months, clamped at a month's end, and the days are added after them; the result
    moves forward to a business day (decision 5): 2003-01-20 plus 6 months and 1 day is Monday
    2003-07-21, and 2003-01-24 gives 2003-07-25.
    """
    earliest = add_months(cancellation, months) + timedelta(days=days)
    return next_business_day_on_or_after(earliest)


def new_grant_date(terms: OfferTerms) -> date:
    """The new grant date of this offer, recomputed from its current deadline (decision 4): after the
    offer's gap (soxp-2003), or for an offer granting at the close the cancellation date itself (the next
    business day when the offer expires on a weekend or holiday)."""
    if terms.grant_date_rule is GrantDateRule.AT_CLOSE:
        return next_business_day_on_or_after(cancellation_date(terms))
    return new_grant_date_after(
        cancellation_date(terms), terms.new_grant_delay_months, terms.new_grant_delay_days
    )


def pricing_date(terms: OfferTerms) -> date:
    """The trading day whose price becomes the new exercise price, by the offer's pricing basis.

    CLOSE_BEFORE_GRANT_DATE (the presentation, slide 10): the last trading day strictly before the new
    grant date, 2003-07-18 for 2003-07-21. FMV_ON_GRANT_DATE (the Offer to Exchange): the new grant date
    itself. A new grant date is a business day but can still be an exchange holiday (Good Friday); there
    is no price that day, so fair market value is then taken on the last trading day before it.
    """
    grant_date = new_grant_date(terms)
    if terms.pricing_basis is PricingBasis.FMV_ON_GRANT_DATE and is_trading_day(grant_date):
        return grant_date
    return last_trading_day_before(grant_date)


def phase(terms: OfferTerms, now: datetime) -> OfferPhase:
    """UPCOMING before the offer opens, OPEN from opens_at until just before expires_at, then EXPIRED.

    An election counts only if received strictly before the deadline instant (decision 3): at the
    deadline itself the offer is already expired.
    """
    _require_aware(now, "now")
    if now < terms.opens_at:
        return OfferPhase.UPCOMING
    if now < terms.expires_at:
        return OfferPhase.OPEN
    return OfferPhase.EXPIRED


def is_open(terms: OfferTerms, now: datetime) -> bool:
    """Whether an election (submit, modify or withdraw) received at `now` counts (decisions 3 and 10)."""
    return phase(terms, now) is OfferPhase.OPEN


def business_days_open(terms: OfferTerms) -> int:
    """Business days from the opening date through the expiration date, both counted.

    Tender-offer rules count the day an offer opens, and the administrator must keep an offer open at
    least 20 business days: soxp-2003, 2002-12-19 to 2003-01-20 (a holiday), was open exactly 20.
    """
    opening_date = terms.opens_at.astimezone(terms.zone).date()
    return business_days_between(opening_date - timedelta(days=1), cancellation_date(terms))


def can_move_deadline(terms: OfferTerms, new_expires_at: datetime, now: datetime) -> list[str]:
    """Every reason the deadline cannot move to `new_expires_at` at `now`; empty when it can (decision 4).

    Once the offer is open the deadline may only move later: employees have planned around it. Once it
    has passed, the tendered options are cancelled and it cannot move at all. A deadline must also be
    after the opening and still ahead; moving it to where it already is would announce a change that
    is none.
    """
    _require_aware(new_expires_at, "new_expires_at")
    zone = terms.zone
    current_phase = phase(terms, now)
    wanted = format_instant(new_expires_at, zone)
    problems: list[str] = []
    if current_phase is OfferPhase.EXPIRED:
        problems.append(
            f"The offer expired on {format_instant(terms.expires_at, zone)} and tendered options are "
            "cancelled after the deadline, so it can no longer be moved."
        )
    if new_expires_at == terms.expires_at:
        problems.append(f"The deadline is already {wanted}; choose a different time.")
    if new_expires_at <= now:
        problems.append(f"The new deadline, {wanted}, is in the past. Choose a time still to come.")
    if new_expires_at <= terms.opens_at:
        problems.append(
            f"The new deadline, {wanted}, must be after the offer opens "
            f"({format_instant(terms.opens_at, zone)})."
        )
    if current_phase is OfferPhase.OPEN and new_expires_at < terms.expires_at:
        problems.append(
            f"The offer is open, so its deadline can only be extended: {wanted} is earlier than the "
            f"current deadline, {format_instant(terms.expires_at, zone)}."
        )
    return problems
