"""The offer's exchange terms in words, for the pages that state them beside a figure (the console's
dashboard, close and exports pages): the ratio or the price bands per award, the rounding, the ratio
stage, the award by work country and when the new award is granted.

One place for that wording (issue 15), read from ``OfferTerms`` alone: a flat offer (soxp-2003) keeps
its one ratio, worded by the page exactly as before; a banded offer is worded by its bands, never by the
flat `exchange_ratio` it does not use.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from soxp_portal.rules.eligibility import band_in_words
from soxp_portal.rules.ratios import ratio_in_words
from soxp_portal.rules.terms import AwardType, GrantDateRule, OfferTerms, RatioStage, Rounding

#: An award type in a short phrase: "RSUs in GB", "granting options".
AWARD_SHORT = {AwardType.OPTION: "options", AwardType.RSU: "RSUs"}

ROUNDING_WORDS = {
    Rounding.UP: "rounded up per grant",
    Rounding.DOWN: "rounded down per grant",
    Rounding.NEAREST: "rounded to the nearest whole share per grant (a half up)",
}


@dataclass(frozen=True)
class BandWords:
    """One band: its exercise prices and its ratio ("above $19.00 and up to $22.50", "1 new for 2.01
    tendered")."""

    prices: str
    ratio: str


@dataclass(frozen=True)
class AwardBands:
    """The bands of one award type, in price order."""

    award: AwardType
    name: str
    bands: tuple[BandWords, ...]


@dataclass(frozen=True)
class TermsWords:
    """What a page states beside a count of new shares or a grant's terms."""

    #: A flat offer's one ratio (new shares per tendered share); None for a banded offer.
    flat_ratio: Decimal | None
    rounding: str
    #: "preliminary" while the ratios may still change; "" once final (or for a flat offer).
    stage: str
    awards: tuple[AwardBands, ...]
    #: Awards other than the offer's own, by work country: (("GB", "RSUs"),).
    by_country: tuple[tuple[str, str], ...]
    #: The offer's own award in short ("options", "RSUs").
    award: str
    at_close: bool
    grants_options: bool
    grants_rsus: bool

    @property
    def is_banded(self) -> bool:
        return self.flat_ratio is None

    @property
    def band_count(self) -> int:
        """The number of price bands (every award's set spans the same prices)."""
        return max((len(group.bands) for group in self.awards), default=0)

    @property
    def awards_in_words(self) -> str:
        """Who receives what: "options; RSUs in GB", or "" for an offer of options only to everyone."""
        if not self.by_country and self.award == AWARD_SHORT[AwardType.OPTION]:
            return ""
        others = "; ".join(f"{award} in {country}" for country, award in self.by_country)
        if not others:
            return self.award
        return f"{self.award}; {others}"

    @property
    def bands_in_words(self) -> str:
        """Every band of every award in one line: "Options: above $19.00 and up to $22.50: 1 new for
        2.01 tendered; ...; RSUs: ..."."""
        return " ".join(
            f"{group.name[0].upper()}{group.name[1:]}: "
            + "; ".join(f"{b.prices}: {b.ratio}" for b in group.bands)
            + "."
            for group in self.awards
        )


def terms_in_words(terms: OfferTerms) -> TermsWords:
    """The offer's exchange terms as the console words them (see the module's docstring)."""
    banded = bool(terms.price_bands)
    awards = tuple(
        AwardBands(
            award,
            AWARD_SHORT[award],
            tuple(
                BandWords(band_in_words(band), ratio_in_words(band.new_shares, band.for_tendered))
                for band in terms.bands_of(award)
            ),
        )
        for award in terms.award_types
    )
    return TermsWords(
        flat_ratio=None if banded else terms.exchange_ratio,
        rounding=ROUNDING_WORDS[terms.rounding],
        stage=terms.ratio_stage.value if banded and terms.ratio_stage is RatioStage.PRELIMINARY else "",
        awards=awards if banded else (),
        by_country=tuple(
            (country, AWARD_SHORT[award])
            for country, award in terms.award_by_country
            if award is not terms.award_type
        ),
        award=AWARD_SHORT[terms.award_type],
        at_close=terms.grant_date_rule is GrantDateRule.AT_CLOSE,
        grants_options=AwardType.OPTION in terms.award_types,
        grants_rsus=AwardType.RSU in terms.award_types,
    )
