"""The new award an employee receives, in the words of their pages and documents (issue 15).

Every employee page and document reads the offer's bands, the employee's award (new options or
restricted stock units), the grant date rule and the ratio stage through :class:`NewAward`, never
`exchange_ratio` or an offer field: a flat offer granting options after a gap with final ratios
(soxp-2003) is worded exactly as before issue 15, and the other wordings appear only for offers that
have them (`is_banded`, `is_rsu`, `at_close`, `is_preliminary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from soxp_portal.rules import ratios
from soxp_portal.rules.eligibility import band_in_words
from soxp_portal.rules.offer_wording import ROUNDING_WORDS
from soxp_portal.rules.terms import (
    AWARD_PLURALS,
    AwardType,
    GrantDateRule,
    OfferTerms,
    PriceBand,
    RatioStage,
)
from soxp_portal.rules.vesting import award_vesting_in_words
from soxp_portal.rules.window import BUSINESS_DAYS_AFTER_RATIO_CHANGE


def ratio_in_words(band: PriceBand) -> str:
    """A band's ratio as the offer states it: "1 new for 1.88 tendered", "0.75 new for 1 tendered"."""
    return ratios.ratio_in_words(band.new_shares, band.for_tendered)


def ratio_as_decimal(band: PriceBand) -> Decimal:
    """The ratio as new shares per tendered share, for a percentage ("53.2%"); never for a figure."""
    return band.new_shares / band.for_tendered


#: When preliminary ratios become final: the portal refuses final ratios with fewer than
#: BUSINESS_DAYS_AFTER_RATIO_CHANGE business days left (``offers.actions.set_band_ratios``), so this holds.
FINAL_RATIOS_PROMISE = (
    f"The final ratios will be announced at least {BUSINESS_DAYS_AFTER_RATIO_CHANGE} business days before "
    "the deadline (the deadline is extended if need be), so there is time to reconsider; an election stays "
    "in force at the final ratios unless you change or withdraw it."
)
#: What every document with figures says while the ratios are preliminary.
PRELIMINARY_RATIOS = f"The exchange ratios are preliminary and may change. {FINAL_RATIOS_PROMISE}"


@dataclass(frozen=True)
class BandTerms:
    """One price band of the employee's award, in words."""

    number: int
    band: PriceBand
    #: "$3.01 or higher and below $5.00"
    prices: str
    #: "1 new for 1.88 tendered"
    ratio: str
    #: The band's own vesting in words; None when it follows the offer's.
    vesting: str | None


@dataclass(frozen=True)
class NewAward:
    """What an employee receives for tendered options under an offer's terms."""

    award: AwardType
    bands: tuple[BandTerms, ...]
    #: The offer states price bands (else one flat ratio, worded as soxp-2003 words it).
    is_banded: bool
    #: The new award is granted on the cancellation date: no gap.
    at_close: bool
    #: The ratios are preliminary: they may change before the close.
    is_preliminary: bool
    #: "rounded up per grant"
    rounding: str

    @property
    def final_ratios_promise(self) -> str:
        return FINAL_RATIOS_PROMISE

    @property
    def is_rsu(self) -> bool:
        return self.award is AwardType.RSU

    @property
    def plural(self) -> str:
        """ "new options" or "restricted stock units (RSUs)"."""
        return AWARD_PLURALS[self.award]

    @property
    def short_plural(self) -> str:
        """ "new options" or "RSUs", after the first mention."""
        return "RSUs" if self.is_rsu else "new options"

    @property
    def units(self) -> str:
        """What the figures count: "new shares" or "RSUs" (one share each)."""
        return "RSUs" if self.is_rsu else "new shares"

    @property
    def is_2003_wording(self) -> bool:
        """Worded exactly as before issue 15: one flat ratio, options, a gap, final ratios."""
        return not (self.is_banded or self.is_rsu or self.at_close or self.is_preliminary)

    def band_of(self, band: PriceBand | None) -> BandTerms | None:
        """The words of one of this award's bands (a grant's ``GrantStatus.band``)."""
        return next((terms for terms in self.bands if terms.band == band), None)


def new_award(terms: OfferTerms, award: AwardType | None = None) -> NewAward:
    """The new award for an employee receiving `award` (``terms.award_for(work_country)``; None: the
    offer's own)."""
    award = award or terms.award_type
    return NewAward(
        award=award,
        bands=tuple(
            BandTerms(
                number=number,
                band=band,
                prices=band_in_words(band),
                ratio=ratio_in_words(band),
                vesting=award_vesting_in_words(band.vesting) if band.vesting is not None else None,
            )
            for number, band in enumerate(terms.bands_of(award), start=1)
        ),
        is_banded=bool(terms.price_bands),
        at_close=terms.grant_date_rule is GrantDateRule.AT_CLOSE,
        is_preliminary=terms.ratio_stage is RatioStage.PRELIMINARY,
        rounding=ROUNDING_WORDS[terms.rounding],
    )
