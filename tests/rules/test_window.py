"""When the offer is open and the dates that follow from its deadline (OFFER.md decisions 3, 4 and 5)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from soxp_portal.rules.terms import OfferTerms, PricingBasis
from soxp_portal.rules.window import (
    OfferPhase,
    business_days_open,
    can_move_deadline,
    cancellation_date,
    is_open,
    new_grant_date,
    new_grant_date_after,
    phase,
    pricing_date,
)
from tests.rules.terms_2003 import pacific

EASTERN = ZoneInfo("America/New_York")
MICROSECOND = timedelta(microseconds=1)


def with_cancellation_on(terms: OfferTerms, day: date) -> OfferTerms:
    """The offer with its deadline at 21:00 Pacific on `day`."""
    return replace(terms, expires_at=pacific(day.year, day.month, day.day, 21, 0))


# The worked example: expiration 2003-01-20, new grant 2003-07-21, priced on 2003-07-18.


def test_cancellation_date_is_the_expiration_date_in_the_offers_time_zone(terms: OfferTerms) -> None:
    assert terms.expires_at.date() == date(2003, 1, 21)  # stored in UTC, already the next day
    assert cancellation_date(terms) == date(2003, 1, 20)


def test_new_grant_date_of_soxp_2003_is_2003_07_21(terms: OfferTerms) -> None:
    assert new_grant_date(terms) == date(2003, 7, 21)


def test_pricing_date_of_soxp_2003_is_the_close_of_2003_07_18(terms: OfferTerms) -> None:
    assert pricing_date(terms) == date(2003, 7, 18)


def test_decision_4_extension_to_2003_01_24_moves_every_date(extended_terms: OfferTerms) -> None:
    assert cancellation_date(extended_terms) == date(2003, 1, 24)
    assert new_grant_date(extended_terms) == date(2003, 7, 25)
    assert pricing_date(extended_terms) == date(2003, 7, 24)


@pytest.mark.parametrize(
    ("cancellation", "expected"),
    [
        pytest.param(
            date(2003, 1, 20), date(2003, 7, 21), id="soxp-2003: 2003-07-20 is a Sunday, plus 1 day"
        ),
        pytest.param(date(2003, 1, 24), date(2003, 7, 25), id="the extension"),
        pytest.param(date(2003, 1, 3), date(2003, 7, 7), id="lands on July 4th"),
        pytest.param(date(2003, 1, 18), date(2003, 7, 21), id="lands on a Saturday"),
        pytest.param(date(2003, 1, 19), date(2003, 7, 21), id="lands on a Sunday"),
        pytest.param(date(2003, 5, 26), date(2003, 11, 28), id="lands on Thanksgiving"),
        pytest.param(date(2002, 8, 31), date(2003, 3, 3), id="clamped to February 28, then a weekend"),
        pytest.param(date(2003, 8, 31), date(2004, 3, 1), id="clamped to the leap day"),
        pytest.param(date(2003, 8, 30), date(2004, 3, 1), id="the 30th also gives the leap day"),
        pytest.param(
            date(2002, 7, 3), date(2003, 1, 6), id="six months to the 3rd, a Friday, then a weekend"
        ),
    ],
)
def test_decision_5_new_grant_date_is_the_first_business_day_6_months_and_1_day_after(
    cancellation: date, expected: date
) -> None:
    assert new_grant_date_after(cancellation, months=6, days=1) == expected


def test_new_grant_date_follows_the_offers_own_delay(terms: OfferTerms) -> None:
    other_offer = replace(terms, new_grant_delay_months=12, new_grant_delay_days=0)
    assert new_grant_date(other_offer) == date(2004, 1, 20)


def test_pricing_basis_switch_to_fair_market_value_on_the_grant_date(
    terms: OfferTerms, offer_to_exchange_terms: OfferTerms
) -> None:
    assert pricing_date(terms) == date(2003, 7, 18)
    assert pricing_date(offer_to_exchange_terms) == date(2003, 7, 21)
    assert pricing_date(replace(terms, pricing_basis=PricingBasis.FMV_ON_GRANT_DATE)) == date(2003, 7, 21)


@pytest.mark.parametrize("basis", list(PricingBasis))
def test_pricing_on_a_grant_date_the_exchange_is_closed_uses_the_last_close(
    terms: OfferTerms, basis: PricingBasis
) -> None:
    # 2002-10-17 + 6 months + 1 day = Good Friday 2003-04-18: a business day, not a trading day.
    good_friday_offer = replace(with_cancellation_on(terms, date(2002, 10, 17)), pricing_basis=basis)
    assert new_grant_date(good_friday_offer) == date(2003, 4, 18)
    assert pricing_date(good_friday_offer) == date(2003, 4, 17)


# Decision 3: an election counts only if received strictly before the deadline instant.


@pytest.mark.parametrize(
    ("offset_from", "offset", "expected"),
    [
        pytest.param("opens_at", -MICROSECOND, OfferPhase.UPCOMING, id="just before opening"),
        pytest.param("opens_at", timedelta(0), OfferPhase.OPEN, id="at opening"),
        pytest.param("expires_at", -MICROSECOND, OfferPhase.OPEN, id="one microsecond before the deadline"),
        pytest.param("expires_at", timedelta(0), OfferPhase.EXPIRED, id="at the deadline"),
        pytest.param("expires_at", timedelta(days=1), OfferPhase.EXPIRED, id="a day later"),
    ],
)
def test_decision_3_election_counts_only_strictly_before_the_deadline(
    terms: OfferTerms, offset_from: str, offset: timedelta, expected: OfferPhase
) -> None:
    now = getattr(terms, offset_from) + offset
    assert phase(terms, now) is expected
    assert is_open(terms, now) is (expected is OfferPhase.OPEN)


def test_deadline_is_one_instant_whatever_the_zone_it_is_read_in(terms: OfferTerms) -> None:
    midnight_eastern = datetime(2003, 1, 21, 0, 0, tzinfo=EASTERN)
    assert midnight_eastern == terms.expires_at
    assert not is_open(terms, midnight_eastern)
    assert is_open(terms, midnight_eastern - MICROSECOND)


def test_naive_now_is_refused(terms: OfferTerms) -> None:
    with pytest.raises(ValueError, match="aware"):
        phase(terms, datetime(2003, 1, 10, 12, 0))


def test_decision_8_paper_election_is_judged_by_when_it_was_received(terms: OfferTerms) -> None:
    # A fax received a minute before the deadline and keyed in the next morning counts; the rule is
    # given the time received, the same rule as an online election.
    received_at = terms.expires_at - timedelta(minutes=1)
    assert is_open(terms, received_at)
    assert not is_open(terms, terms.expires_at + timedelta(hours=12))


def test_decision_10_a_new_election_may_follow_a_withdrawal_until_the_deadline(terms: OfferTerms) -> None:
    withdrawn_at = pacific(2003, 1, 10, 9, 0)
    resubmitted_at = pacific(2003, 1, 20, 20, 59)
    assert is_open(terms, withdrawn_at)
    assert is_open(terms, resubmitted_at)
    assert not is_open(terms, pacific(2003, 1, 20, 21, 0))


# Decision 4: the deadline may move later, never earlier once open.


def test_decision_4_the_real_extension_is_allowed(terms: OfferTerms) -> None:
    assert can_move_deadline(terms, pacific(2003, 1, 24, 21, 0), now=pacific(2003, 1, 20, 10, 0)) == []


def test_decision_4_deadline_cannot_move_earlier_once_open(terms: OfferTerms) -> None:
    problems = can_move_deadline(terms, pacific(2003, 1, 17, 21, 0), now=pacific(2003, 1, 10, 10, 0))
    assert problems == [
        "The offer is open, so its deadline can only be extended: January 17, 2003 at 9:00 PM PST is "
        "earlier than the current deadline, January 20, 2003 at 9:00 PM PST."
    ]


def test_before_opening_the_deadline_may_move_earlier(terms: OfferTerms) -> None:
    assert can_move_deadline(terms, pacific(2003, 1, 17, 21, 0), now=pacific(2002, 12, 1, 10, 0)) == []


@pytest.mark.parametrize(
    ("new_deadline", "now", "expected_words"),
    [
        pytest.param(
            pacific(2002, 12, 19, 0, 0),
            pacific(2002, 12, 1, 0, 0),
            "must be after the offer opens",
            id="at opening",
        ),
        pytest.param(
            pacific(2002, 12, 18, 0, 0),
            pacific(2002, 12, 1, 0, 0),
            "must be after the offer opens",
            id="before",
        ),
        pytest.param(pacific(2003, 1, 20, 21, 0), pacific(2003, 1, 10, 0, 0), "already", id="unchanged"),
        pytest.param(
            pacific(2003, 1, 31, 21, 0), pacific(2003, 1, 21, 8, 0), "no longer be moved", id="expired"
        ),
    ],
)
def test_deadline_move_refused(
    terms: OfferTerms, new_deadline: datetime, now: datetime, expected_words: str
) -> None:
    problems = can_move_deadline(terms, new_deadline, now)
    assert len(problems) == 1
    assert expected_words in problems[0]


def test_deadline_move_in_the_past_reports_every_problem(terms: OfferTerms) -> None:
    problems = can_move_deadline(terms, pacific(2003, 1, 5, 12, 0), now=pacific(2003, 1, 10, 12, 0))
    assert len(problems) == 2
    assert "is in the past" in problems[0]
    assert "can only be extended" in problems[1]


def test_business_days_open_counts_the_opening_day(terms: OfferTerms, extended_terms: OfferTerms) -> None:
    assert business_days_open(terms) == 20
    assert business_days_open(extended_terms) == 24
