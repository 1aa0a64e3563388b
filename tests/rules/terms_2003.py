"""The soxp-2003 offer terms, exactly as OFFER.md's table gives them (the presentation's reading)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from soxp_portal.rules.terms import OfferTerms, PricingBasis

PACIFIC = ZoneInfo("America/Los_Angeles")

SOXP_2003_PLANS = frozenset(
    {
        "2000 Stock Option Plan",
        "1994 Non Statutory Option Plan",
        "1993 Incentive Stock Option Plan",
        "Lightwave Communications, Inc. 2001 Stock Plan",
        "Premise Systems, Inc. 2001 Stock Plan",
    }
)


def pacific(*args: int) -> datetime:
    """An instant given in Pacific time, stored in UTC as the database stores it."""
    return datetime(*args, tzinfo=PACIFIC).astimezone(UTC)


SOXP_2003 = OfferTerms(
    opens_at=pacific(2002, 12, 19, 0, 0),
    expires_at=pacific(2003, 1, 20, 21, 0),
    time_zone="America/Los_Angeles",
    eligible_countries=frozenset({"US"}),
    hire_cutoff_date=date(2002, 12, 19),
    hire_cutoff_inclusive=False,
    price_threshold=Decimal("3.01"),
    price_threshold_inclusive=True,
    lookback_start=date(2002, 6, 19),
    lookback_end=date(2002, 12, 19),
    exchange_ratio=Decimal("0.75"),
    new_grant_delay_months=6,
    new_grant_delay_days=1,
    pricing_basis=PricingBasis.CLOSE_BEFORE_GRANT_DATE,
    new_term_years=10,
    vesting_cliff_months=6,
    vesting_cliff_fraction=Decimal("0.5"),
    vesting_monthly_installments=24,
    covered_plans=SOXP_2003_PLANS,
)
