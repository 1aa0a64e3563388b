"""Award types by work country, bands per award type and a new grant at the close (issue 15)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from soxp_portal.rules import window
from soxp_portal.rules.exchange import exchange_summary, grant_new_shares
from soxp_portal.rules.terms import (
    AwardType,
    AwardVesting,
    GrantDateRule,
    OfferTerms,
    PriceBand,
    award_problems,
    band_problems,
)
from soxp_portal.rules.vesting import award_vesting
from tests.rules.terms_2003 import pacific

D = Decimal
OPTION, RSU = AwardType.OPTION, AwardType.RSU

OPTION_BANDS = (
    PriceBand(D("3.01"), True, D("10.00"), False, new_shares=D(1), for_tendered=D("1.5")),
    PriceBand(D("10.00"), True, None, False, new_shares=D(1), for_tendered=D(3)),
)
RSU_BANDS = (
    PriceBand(D("3.01"), True, D("10.00"), False, new_shares=D(1), for_tendered=D(4), award_type=RSU),
    PriceBand(
        D("10.00"),
        True,
        None,
        False,
        new_shares=D(1),
        for_tendered=D(9),
        award_type=RSU,
        vesting=AwardVesting(12, D("0.25"), 36),
    ),
)


@pytest.fixture
def two_awards(terms: OfferTerms) -> OfferTerms:
    return replace(
        terms, price_bands=OPTION_BANDS + RSU_BANDS, award_by_country=(("GB", RSU), ("US", OPTION))
    )


def test_the_award_follows_the_work_country(two_awards: OfferTerms) -> None:
    assert two_awards.award_for("GB") is RSU
    assert two_awards.award_for("US") is OPTION
    assert two_awards.award_for("FR") is OPTION  # not named: the offer's own
    assert two_awards.award_for(None) is OPTION
    assert two_awards.award_types == (OPTION, RSU)


def test_each_award_reads_its_own_bands(two_awards: OfferTerms) -> None:
    assert two_awards.bands == OPTION_BANDS
    assert two_awards.bands_of(RSU) == RSU_BANDS
    assert two_awards.band_for(D("12.00"), RSU) is RSU_BANDS[1]
    assert two_awards.band_for(D("12.00")) is OPTION_BANDS[1]
    # 900 tendered at $12.00: 300 options, or 100 RSUs.
    assert grant_new_shares(two_awards, 900, D("12.00")) == 300
    assert grant_new_shares(two_awards, 900, D("12.00"), RSU) == 100
    assert grant_new_shares(two_awards, 10, D("4.00"), RSU) == 3  # 2.5 rounded up, as the offer rounds
    summary = exchange_summary(two_awards, {"A": 900, "B": 10}, {"A": D("12.00"), "B": D("4.00")}, RSU)
    assert summary.total_new == 103


def test_a_bands_vesting_is_read_for_its_award(two_awards: OfferTerms) -> None:
    assert award_vesting(two_awards, D("12.00"), RSU) == AwardVesting(12, D("0.25"), 36)
    assert award_vesting(two_awards, D("12.00")) == AwardVesting(6, D("0.5"), 24)


def test_a_flat_offer_gives_only_its_own_award(terms: OfferTerms) -> None:
    assert terms.bands_of(RSU) == ()
    rsu_offer = replace(terms, award_type=RSU)
    assert grant_new_shares(rsu_offer, 333, D("4.00"), RSU) == 250
    assert rsu_offer.bands_of(OPTION) == ()


def test_bands_are_checked_per_award_each_message_naming_it() -> None:
    broken = (OPTION_BANDS[0], replace(OPTION_BANDS[1], lower=D("11.00")), *RSU_BANDS)
    assert band_problems(broken) == [
        "Option bands: Band 2 leaves a gap after band 1: $10.00 to $11.00 is in no band."
    ]
    assert band_problems(OPTION_BANDS + RSU_BANDS) == []
    # One award only: the messages are as before bands had award types.
    assert band_problems(broken[:2]) == ["Band 2 leaves a gap after band 1: $10.00 to $11.00 is in no band."]


@pytest.mark.parametrize(
    ("award_type", "by_country", "bands", "problem"),
    [
        pytest.param(
            OPTION,
            (("GB", RSU),),
            (),
            "Employees working in GB receive restricted stock units (RSUs), which needs price bands of its "
            "own: add bands giving restricted stock units (RSUs).",
            id="a country's award without bands",
        ),
        pytest.param(
            RSU,
            (),
            OPTION_BANDS,
            "The offer grants restricted stock units (RSUs), but no price band gives them: with price "
            "bands, every award needs its own.",
            id="the offer's own award without bands",
        ),
        pytest.param(
            OPTION,
            (),
            OPTION_BANDS + RSU_BANDS,
            "Some price bands give restricted stock units (RSUs), which no employee receives: remove them "
            "or name the countries that receive them.",
            id="bands nobody receives",
        ),
        pytest.param(
            OPTION,
            (("GB", RSU),),
            (*OPTION_BANDS, replace(RSU_BANDS[0], lower=D("2.00")), RSU_BANDS[1]),
            "Each award's price bands must span the same prices, from the same lowest price to the same "
            "highest, so that which grants can be tendered does not depend on the award: Option bands "
            "from $3.01 up; RSU bands from $2.00 up.",
            id="awards spanning different prices",
        ),
    ],
)
def test_awards_and_bands_must_agree(
    award_type: AwardType,
    by_country: tuple[tuple[str, AwardType], ...],
    bands: tuple[PriceBand, ...],
    problem: str,
) -> None:
    assert problem in award_problems(award_type, by_country, bands)


def test_awards_and_bands_that_agree_have_no_problem() -> None:
    assert award_problems(OPTION, (("GB", RSU),), OPTION_BANDS + RSU_BANDS) == []
    assert award_problems(OPTION, (), ()) == []
    assert award_problems(RSU, (), ()) == []  # a flat ratio giving RSUs to everyone


def test_a_grant_at_the_close_is_dated_the_cancellation_date(terms: OfferTerms) -> None:
    at_close = replace(terms, grant_date_rule=GrantDateRule.AT_CLOSE)
    assert window.new_grant_date(terms) == date(2003, 7, 21)  # six months and a day, as in 2003
    wednesday = replace(at_close, expires_at=pacific(2003, 1, 22, 21, 0))
    assert window.new_grant_date(wednesday) == window.cancellation_date(wednesday) == date(2003, 1, 22)
    # On a holiday (Martin Luther King Day, 2003-01-20) or a Saturday: the next business day.
    assert window.new_grant_date(at_close) == date(2003, 1, 21)
    saturday = replace(at_close, expires_at=pacific(2003, 1, 25, 21, 0))
    assert window.new_grant_date(saturday) == date(2003, 1, 27)
