"""The console's read-only terms (``templates/console/setup/_terms.html``) for what only offers since 2009
have: price bands per award type, other awards by work country, the grant at the close, the ratio stage.
A flat offer's summary stays as it was."""

from __future__ import annotations

from typing import Any

from django import template

from soxp_portal.offers.models import Offer
from soxp_portal.rules.eligibility import band_in_words
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
