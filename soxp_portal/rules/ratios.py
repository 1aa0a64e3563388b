"""Exchange ratios from value (issue 15): each price band's ratio proposed from Black-Scholes values.

Value-for-value exchanges since 2009 (Intel, Starbucks, eBay at about 90% of value) set each band's ratio
so that the new award is worth a target share of the options surrendered for it:

    value of one new award = target x (tendered per new) x value of one surrendered option

so the band's ratio, stated as the offers state it, "1 new for X tendered", is

    X = value_new / (target x value_old)

* **value_old**: a Black-Scholes call on one share (``valuation.black_scholes_working``) at the band's
  representative exercise price (`representative_price`), the share price today, the volatility and
  rate given, over the expected remaining term of the surrendered options (one for all bands, or one
  per band).
* **value_new**: for a new option, an at-the-money call (strike = the share price today) over the new
  option's expected term; for restricted stock units, the share price itself (a unit is one share, no
  exercise price, no dividends assumed).
* **Rounding**: X is rounded to 2 decimals, a half rounding up (ROUND_HALF_UP), from the model's float
  written out exactly (``Decimal(repr(x))``), as published ratios are ("1 new for 1.88 tendered").

These are model values, as ``rules.valuation`` says: floats, shown with their working, never money.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from soxp_portal.rules.terms import AwardType, PriceBand
from soxp_portal.rules.valuation import CallWorking, black_scholes_working
from soxp_portal.rules.wording import format_ratio

#: A band is named by its award type and its place among that award's bands (1 = lowest prices).
BandKey = tuple[AwardType, int]
#: The proposed X of "1 new for X tendered" is rounded to this: 2 decimals, as published ratios are.
RATIO_PLACES = Decimal("0.01")
#: The fewest tendered shares per new one: a band gives at most 10 new shares per tendered share
#: (offers.models.MAX_BAND_RATIO, the database's limit).
MIN_TENDERED_PER_NEW = Decimal("0.10")
#: The most: the band's `ratio_tendered` column holds less than 1,000.
MAX_TENDERED_PER_NEW = Decimal("999.99")
_PRICE_PLACES = Decimal("0.0001")


class PriceBasis(enum.StrEnum):
    """Which exercise price stands for a band's surrendered options."""

    #: The share-weighted average exercise price of the eligible grants in the band (the census's).
    WEIGHTED_AVERAGE = "weighted_average"
    #: No eligible grant in the band: the midpoint of its two ends.
    MIDPOINT = "midpoint"
    #: No eligible grant and no top to the band: its lower end.
    LOWER_END = "lower_end"


#: How the page words each basis.
PRICE_BASIS_WORDS = {
    PriceBasis.WEIGHTED_AVERAGE: "share-weighted average exercise price of the eligible grants in the band",
    PriceBasis.MIDPOINT: "no eligible grant in the band: the midpoint of its ends",
    PriceBasis.LOWER_END: "no eligible grant in the band, which has no top: its lower end",
}


@dataclass(frozen=True, slots=True)
class ValuationInputs:
    """What the administrator assumes; fractions, not percentages (0.55 for 55%)."""

    share_price: Decimal
    volatility: Decimal
    risk_free_rate: Decimal
    #: Expected term of the new option, in years (unused for RSUs).
    new_term_years: Decimal
    #: Expected remaining term of the surrendered options, in years, for every band without its own.
    old_term_years: Decimal
    #: Share of the surrendered options' value the new award is worth: 0.9 for eBay 2009, 1 value for value.
    target: Decimal


@dataclass(frozen=True, slots=True)
class RepresentativePrice:
    price: Decimal
    basis: PriceBasis
    grants: int
    shares: int


def representative_price(band: PriceBand, grants: Iterable[tuple[Decimal, int]]) -> RepresentativePrice:
    """The exercise price that stands for a band: the share-weighted average of its eligible grants'
    prices (`grants`: price and outstanding shares of each), to 4 decimals half up; with none, the
    midpoint of its ends, or its lower end when it has no top."""
    count, shares, weighted = 0, 0, Decimal(0)
    for price, outstanding in grants:
        count += 1
        shares += outstanding
        weighted += price * outstanding
    if shares > 0:
        average = (weighted / shares).quantize(_PRICE_PLACES, rounding=ROUND_HALF_UP)
        return RepresentativePrice(average, PriceBasis.WEIGHTED_AVERAGE, count, shares)
    if band.upper is not None:
        midpoint = ((band.lower + band.upper) / 2).quantize(_PRICE_PLACES, rounding=ROUND_HALF_UP)
        return RepresentativePrice(midpoint, PriceBasis.MIDPOINT, 0, 0)
    return RepresentativePrice(band.lower, PriceBasis.LOWER_END, 0, 0)


@dataclass(frozen=True, slots=True)
class BandProposal:
    """One band's proposed ratio, with the working that gives it."""

    key: BandKey
    band: PriceBand
    representative: RepresentativePrice
    old_term_years: Decimal
    #: The surrendered option's Black-Scholes working at the representative price.
    old: CallWorking
    #: The new option's working (at the money, the new term); None for RSUs, worth the share price.
    new: CallWorking | None
    value_old: float
    value_new: float
    target: Decimal
    #: value_new / (target x value_old), before rounding; None when value_old is 0.
    exact_tendered_per_new: float | None
    #: X of "1 new for X tendered", rounded to 2 decimals half up; None when no ratio can be proposed.
    tendered_per_new: Decimal | None
    #: Why no ratio is proposed (the surrendered options are worth nothing in the model, or the ratio is
    #: beyond what a band can hold); None when one is.
    problem: str | None

    @property
    def award(self) -> AwardType:
        return self.key[0]


def band_keys(bands: Sequence[PriceBand]) -> list[BandKey]:
    """Each band's key in order: its award type and its place among that award's bands, from 1."""
    seen: dict[AwardType, int] = {}
    keys = []
    for band in bands:
        seen[band.award_type] = seen.get(band.award_type, 0) + 1
        keys.append((band.award_type, seen[band.award_type]))
    return keys


def _rounded(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(RATIO_PLACES, rounding=ROUND_HALF_UP)


def propose_band_ratio(
    key: BandKey,
    band: PriceBand,
    inputs: ValuationInputs,
    representative: RepresentativePrice,
    old_term_years: Decimal,
) -> BandProposal:
    """One band's ratio from value (module docstring), with its working."""
    spot, rate, volatility = float(inputs.share_price), float(inputs.risk_free_rate), float(inputs.volatility)
    old = black_scholes_working(spot, float(representative.price), rate, volatility, float(old_term_years))
    new = None
    if band.award_type is AwardType.OPTION:
        new = black_scholes_working(spot, spot, rate, volatility, float(inputs.new_term_years))
    value_new = spot if new is None else new.value
    exact, proposed, problem = None, None, None
    if old.value <= 0 or inputs.target <= 0:
        problem = "The surrendered options are worth nothing in the model at this band's price: no ratio."
    else:
        exact = value_new / (float(inputs.target) * old.value)
        rounded = _rounded(exact)
        if rounded < MIN_TENDERED_PER_NEW:
            problem = (
                f"The ratio would be 1 new for {rounded} tendered, more than 10 new shares per tendered one."
            )
        elif rounded > MAX_TENDERED_PER_NEW:
            problem = f"The ratio would be 1 new for more than {MAX_TENDERED_PER_NEW} tendered."
        else:
            proposed = rounded
    return BandProposal(
        key=key,
        band=band,
        representative=representative,
        old_term_years=old_term_years,
        old=old,
        new=new,
        value_old=old.value,
        value_new=value_new,
        target=inputs.target,
        exact_tendered_per_new=exact,
        tendered_per_new=proposed,
        problem=problem,
    )


def propose_ratios(
    bands: Sequence[PriceBand],
    inputs: ValuationInputs,
    *,
    grants_by_band: Mapping[BandKey, Sequence[tuple[Decimal, int]]],
    old_terms: Mapping[BandKey, Decimal] | None = None,
) -> list[BandProposal]:
    """Every band's proposal, in the bands' order. `grants_by_band` holds each band's eligible grants
    (price, outstanding shares); `old_terms` a band's own expected remaining term, where it has one."""
    old_terms = old_terms or {}
    return [
        propose_band_ratio(
            key,
            band,
            inputs,
            representative_price(band, grants_by_band.get(key, ())),
            old_terms.get(key, inputs.old_term_years),
        )
        for key, band in zip(band_keys(bands), bands, strict=True)
    ]


def ratio_in_words(new_shares: Decimal, for_tendered: Decimal) -> str:
    """A band's ratio as the offers state it: "1 new for 1.88 tendered", "0.75 new for 1 tendered"."""
    return f"{format_ratio(new_shares)} new for {format_ratio(for_tendered)} tendered"
