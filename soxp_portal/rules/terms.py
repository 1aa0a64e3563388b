"""The terms of one offer, as the rules read them (OFFER.md, "Terms of soxp-2003").

Where the offer's documents disagree (OFFER.md, "Where the offer's own documents
disagree") the reading is a term of its own: inclusive or exclusive hire cut-off
and price threshold, pricing basis, lookback start and optional end.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo


class PricingBasis(enum.StrEnum):
    """Which day's price sets the new exercise price."""

    #: Closing price on the last trading day before the new grant date (the presentation, slide 10).
    CLOSE_BEFORE_GRANT_DATE = "close_before_grant_date"
    #: Fair market value on the new grant date itself (the Offer to Exchange).
    FMV_ON_GRANT_DATE = "fmv_on_grant_date"


@dataclass(frozen=True, slots=True)
class OfferTerms:
    """Everything the rules need to know about an offer. All times are aware datetimes."""

    opens_at: datetime
    expires_at: datetime
    time_zone: str
    eligible_countries: frozenset[str]
    hire_cutoff_date: date
    #: False: hired strictly before the cut-off (presentation); True: on or before (Offer to Exchange).
    hire_cutoff_inclusive: bool
    price_threshold: Decimal
    #: True: price >= threshold (presentation, "$3.01 or higher"); False: price > threshold.
    price_threshold_inclusive: bool
    #: First day of the lookback window, inclusive; None when the offer has no lookback rule.
    lookback_start: date | None
    #: Last day of the lookback window, inclusive; None for "on or after lookback_start".
    lookback_end: date | None
    exchange_ratio: Decimal
    new_grant_delay_months: int
    new_grant_delay_days: int
    pricing_basis: PricingBasis
    new_term_years: int
    vesting_cliff_months: int
    #: Share of the new option vesting at the cliff, e.g. Decimal("0.5"); rounded down to whole shares.
    vesting_cliff_fraction: Decimal
    vesting_monthly_installments: int
    #: Names of the old plans whose grants may be tendered; empty means every plan.
    covered_plans: frozenset[str] = field(default_factory=frozenset)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
