"""The terms of one offer, as the rules read them (OFFER.md, "Terms of soxp-2003").

Where the offer's documents disagree (OFFER.md, "Where the offer's own documents
disagree") the reading is a term of its own: inclusive or exclusive hire cut-off
and price threshold, pricing basis, lookback start and optional end.
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from soxp_portal.rules.wording import format_money


class Rounding(enum.StrEnum):
    """How a grant's new shares are rounded to a whole share; always per grant, never per employee."""

    #: Up to the next whole share (soxp-2003, decision 1: 333 at 0.75 gives 250).
    UP = "up"
    #: Down to the whole share below: 249.75 gives 249.
    DOWN = "down"
    #: To the nearer whole share, a half rounding up (249.5 gives 250): the way a reader rounds by
    #: hand, and the tie goes to the employee as UP does; banker's rounding would send 248.5 and 249.5
    #: both to 248 and 250, which no employee could check in their head.
    NEAREST = "nearest"


class AwardType(enum.StrEnum):
    """What an employee receives for tendered options (issue 15)."""

    #: A new stock option, with an exercise price set on its pricing date (soxp-2003).
    OPTION = "option"
    #: Restricted stock units: shares delivered as they vest, with no exercise price.
    RSU = "rsu"


class GrantDateRule(enum.StrEnum):
    """When the new award is granted."""

    #: The first business day at least `new_grant_delay_months` and `_days` after the cancellation date
    #: (soxp-2003: six months and a day, so the new options are not variable accounting).
    AFTER_GAP = "after_gap"
    #: On the cancellation date itself, the day the offer expires (exchanges since 2006).
    AT_CLOSE = "at_close"


class RatioStage(enum.StrEnum):
    """Whether the offer's ratios are settled. Preliminary ratios are announced and may still change;
    final ones are those the exchange is made at (Intel, 2009)."""

    PRELIMINARY = "preliminary"
    FINAL = "final"


@dataclass(frozen=True, slots=True)
class AwardVesting:
    """A new award's vesting, when a price band sets its own rather than the offer's."""

    cliff_months: int
    #: Share vesting at the cliff, e.g. Decimal("0.5"); rounded down to whole shares.
    cliff_fraction: Decimal
    monthly_installments: int


@dataclass(frozen=True, slots=True)
class PriceBand:
    """One band of exercise prices and its ratio: `new_shares` new shares for `for_tendered` tendered.

    The ends are stated as the price threshold is: `lower_inclusive` True reads "$3.01 or higher",
    False "above $3.01"; `upper` None is a band with no top ("$10.00 and above"). The ratio is kept as
    the offer states it ("1 new for 1.88 tendered", "0.75 new for 1 tendered") because 1/1.88 has no
    exact decimal: 188 tendered must give exactly 100, whatever the rounding.
    """

    lower: Decimal
    lower_inclusive: bool
    upper: Decimal | None
    upper_inclusive: bool
    new_shares: Decimal
    for_tendered: Decimal = Decimal(1)
    #: The new award's vesting for grants of this band; None means the offer's.
    vesting: AwardVesting | None = None
    #: The award this band's ratio gives: an offer with RSUs in some countries states a set of bands
    #: for each award type it grants.
    award_type: AwardType = AwardType.OPTION

    def contains(self, price: Decimal) -> bool:
        """Whether an exercise price falls in this band, each end read as stated."""
        above_lower = price >= self.lower if self.lower_inclusive else price > self.lower
        if not above_lower:
            return False
        if self.upper is None:
            return True
        return price <= self.upper if self.upper_inclusive else price < self.upper


def band_problems(bands: Sequence[PriceBand]) -> list[str]:
    """Every problem with an offer's bands: each award type's set checked on its own
    (`set_problems`), a set's messages naming its award type when the offer has more than one.
    """
    types = list(dict.fromkeys(band.award_type for band in bands))
    if len(types) <= 1:
        return set_problems(bands)
    return [
        f"{AWARD_NAMES[award]} bands: {problem}"
        for award in types
        for problem in set_problems([band for band in bands if band.award_type is award])
    ]


#: How the pages name an award type in a sentence's subject.
AWARD_NAMES = {AwardType.OPTION: "Option", AwardType.RSU: "RSU"}
#: An award type's plural as a sentence's object: "receive new options", "receive RSUs".
AWARD_PLURALS = {AwardType.OPTION: "new options", AwardType.RSU: "restricted stock units (RSUs)"}


def award_problems(
    award_type: AwardType, award_by_country: Sequence[tuple[str, AwardType]], bands: Sequence[PriceBand]
) -> list[str]:
    """Every award the offer grants has a ratio at each eligible price, and no band gives an award nobody
    receives. Without bands the flat ratio gives the offer's own award only, so a country receiving
    another award needs bands for it. Empty means the awards and bands agree."""
    problems = []
    countries: dict[AwardType, list[str]] = {}
    for country, award in award_by_country:
        if award is not award_type:
            countries.setdefault(award, []).append(country)
    banded = {band.award_type for band in bands}
    for award, codes in countries.items():
        if award not in banded:
            problems.append(
                f"Employees working in {', '.join(codes)} receive {AWARD_PLURALS[award]}, which needs price "
                f"bands of its own: add bands giving {AWARD_PLURALS[award]}."
            )
    if bands and award_type not in banded:
        problems.append(
            f"The offer grants {AWARD_PLURALS[award_type]}, but no price band gives them: with price bands, "
            "every award needs its own."
        )
    for award in sorted(banded - {award_type} - set(countries)):
        problems.append(
            f"Some price bands give {AWARD_PLURALS[award]}, which no employee receives: remove them or name "
            "the countries that receive them."
        )
    return problems + _span_problems(bands)


def _span_problems(bands: Sequence[PriceBand]) -> list[str]:
    """Each award's bands span the same prices, so whether a grant can be tendered never depends on
    the award its holder would receive (eligibility reads the offer's own award's bands)."""
    spans: dict[AwardType, tuple[Decimal, bool, Decimal | None, bool]] = {}
    for award in dict.fromkeys(band.award_type for band in bands):
        own = [band for band in bands if band.award_type is award]
        spans[award] = (own[0].lower, own[0].lower_inclusive, own[-1].upper, own[-1].upper_inclusive)
    if len(set(spans.values())) <= 1:
        return []
    return [
        "Each award's price bands must span the same prices, from the same lowest price to the same "
        "highest, so that which grants can be tendered does not depend on the award: "
        + "; ".join(f"{AWARD_NAMES[award]} bands {_span_in_words(*span)}" for award, span in spans.items())
        + "."
    ]


def _span_in_words(
    lower: Decimal, lower_inclusive: bool, upper: Decimal | None, upper_inclusive: bool
) -> str:
    start = f"from {format_money(lower)}" + ("" if lower_inclusive else " (excluded)")
    if upper is None:
        return f"{start} up"
    return f"{start} to {format_money(upper)}" + ("" if upper_inclusive else " (excluded)")


def set_problems(bands: Sequence[PriceBand]) -> list[str]:
    """Every problem with an offer's bands, in price order, each naming its band ("Band 2 ..."): they
    must follow one another without overlap or gap, each from where the one below ends (the same price,
    included by exactly one of the two), and only the last may have no top. Empty means they are sound.
    """
    problems = [
        f"Band {number} ends at {format_money(band.upper)}, which is not above its start, "
        f"{format_money(band.lower)}."
        for number, band in enumerate(bands, start=1)
        if band.upper is not None and band.upper <= band.lower
    ]
    for number, (below, above) in enumerate(itertools.pairwise(bands), start=2):
        previous = number - 1
        if below.upper is None:
            problems.append(f"Band {previous} has no top, so band {number} cannot come after it.")
            continue
        top, start = format_money(below.upper), format_money(above.lower)
        if above.lower < below.upper:
            problems.append(f"Band {number} overlaps band {previous}: it starts at {start}, below {top}.")
        elif above.lower > below.upper:
            problems.append(
                f"Band {number} leaves a gap after band {previous}: {top} to {start} is in no band."
            )
        elif below.upper_inclusive and above.lower_inclusive:
            problems.append(f"Band {number} overlaps band {previous}: both include {top}.")
        elif not (below.upper_inclusive or above.lower_inclusive):
            problems.append(f"Band {number} leaves a gap after band {previous}: neither includes {top}.")
    return problems


@lru_cache(maxsize=64)  # a census's report asks 400,000 times
def _flat(ratio: Decimal, award_type: AwardType) -> tuple[PriceBand, ...]:
    """A flat ratio as its one band: every price from $0.00 up."""
    return (
        PriceBand(
            lower=Decimal(0),
            lower_inclusive=True,
            upper=None,
            upper_inclusive=False,
            new_shares=ratio,
            award_type=award_type,
        ),
    )


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
    #: The offer's price bands in price order; empty for a flat ratio (`exchange_ratio` at every price).
    price_bands: tuple[PriceBand, ...] = ()
    rounding: Rounding = Rounding.UP
    #: The award the offer grants, unless `award_by_country` names another for the work country.
    award_type: AwardType = AwardType.OPTION
    #: Countries whose employees receive another award, as (country, award type) pairs in code order
    #: (eBay, 2009: RSUs in some countries); the bands of that award type give their ratios.
    award_by_country: tuple[tuple[str, AwardType], ...] = ()
    grant_date_rule: GrantDateRule = GrantDateRule.AFTER_GAP
    ratio_stage: RatioStage = RatioStage.FINAL

    @property
    def bands(self) -> tuple[PriceBand, ...]:
        """The bands of the offer's own award type: the flat ratio is the one band covering every price."""
        return self.bands_of(self.award_type)

    def bands_of(self, award: AwardType) -> tuple[PriceBand, ...]:
        """The bands giving `award`, in price order. Without bands the flat ratio gives the offer's own
        award; another award type always has bands of its own (the offer's checks see to it)."""
        if not self.price_bands:
            return _flat(self.exchange_ratio, self.award_type) if award is self.award_type else ()
        return tuple(band for band in self.price_bands if band.award_type is award)

    @property
    def award_types(self) -> tuple[AwardType, ...]:
        """Every award type the offer grants, its own first."""
        others = (award for _, award in self.award_by_country if award is not self.award_type)
        return tuple(dict.fromkeys((self.award_type, *others)))

    def award_for(self, work_country: str | None) -> AwardType:
        """The award an employee working in `work_country` receives; None means the offer's own."""
        for country, award in self.award_by_country:
            if country == work_country:
                return award
        return self.award_type

    def band_for(self, price: Decimal, award: AwardType | None = None) -> PriceBand | None:
        """The band an exercise price falls in for `award` (None: the offer's own award), or None when
        it falls in none (it cannot be tendered)."""
        for band in self.bands_of(award or self.award_type):
            if band.contains(price):
                return band
        return None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)
