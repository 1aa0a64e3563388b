"""The console's read-only terms (``templates/console/setup/_terms.html``) for what only offers since 2009
have: price bands per award type, other awards by work country, the grant at the close, the ratio stage.
A flat offer's summary stays as it was."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from soxp_portal.offers.models import Offer
from soxp_portal.rules.eligibility import band_in_words
from soxp_portal.rules.offer_wording import AWARD_SHORT, TermsWords, terms_in_words
from soxp_portal.rules.ratios import ratio_in_words
from soxp_portal.rules.terms import AWARD_PLURALS, AwardType, GrantDateRule
from soxp_portal.rules.wording import format_percent

register = template.Library()


def _vesting_words(band: Any) -> str:
    vesting = band.vesting
    if vesting is None:
        return "the offer's vesting"
    return (
        f"{format_percent(vesting.cliff_fraction)} after {vesting.cliff_months} months, the rest in "
        f"{vesting.monthly_installments} monthly instalments"
    )


@register.simple_tag
def banded_terms(offer: Offer) -> dict[str, Any]:
    """The bands grouped by award, each with its prices, ratio and vesting, and the terms beside them."""
    terms = offer.terms
    groups = [
        (
            AWARD_PLURALS[award],
            [
                (
                    band_in_words(band),
                    ratio_in_words(band.new_shares, band.for_tendered),
                    _vesting_words(band),
                )
                for band in terms.bands_of(award)
            ],
        )
        for award in terms.award_types
    ]
    return {
        "banded": bool(terms.price_bands),
        "groups": groups,
        "award": AWARD_PLURALS[terms.award_type] if terms.award_type is not AwardType.OPTION else "",
        "by_country": [(country, AWARD_PLURALS[award]) for country, award in terms.award_by_country],
        "at_close": terms.grant_date_rule is GrantDateRule.AT_CLOSE,
        "stage": offer.get_ratio_stage_display(),
    }


@register.simple_tag
def terms_words(offer: Offer) -> TermsWords:
    """The offer's exchange terms in words (``rules.offer_wording``), for a page to place."""
    return terms_in_words(offer.terms)


@register.inclusion_tag("console/_ratio_terms.html")
def ratio_terms(offer: Offer, per: str = "") -> dict[str, Any]:
    """What follows a count of new shares: a flat offer's "at 0.75{per}, rounded up per grant", as the
    pages always said; a banded offer's "by price band", its rounding, ratio stage, awards by country and
    a grant at the close, with every band one click away. Reads ``offer.terms``, which the page has read
    already: no query of its own."""
    return {"words": terms_in_words(offer.terms), "per": per}


@register.simple_tag
def grant_award(offer: Offer, work_country: str, price: Decimal) -> str:
    """For a banded offer or one whose award depends on the work country, what one grant at `price`
    would bring its holder: "RSUs at 1 new for 6 tendered"; "" for a flat offer of options (soxp-2003),
    whose one ratio the page states already, and for a price in no band."""
    terms = offer.terms
    award = terms.award_for(work_country)
    if not terms.price_bands and not terms.award_by_country:
        return ""
    band = terms.band_for(price, award)
    if band is None:
        return ""
    short = AWARD_SHORT[award]
    return f"{short[0].upper()}{short[1:]} at {ratio_in_words(band.new_shares, band.for_tendered)}"
