"""New shares per tendered grant and the validation of an election (OFFER.md decisions 1, 2, 10)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import ROUND_CEILING, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from soxp_portal.rules.eligibility import EmployeeEligibility, GrantEligibility, grant_eligibility
from soxp_portal.rules.exchange import (
    EMPTY_ELECTION_MESSAGE,
    ElectionProblem,
    ExchangeLine,
    ExchangeSummary,
    exchange_summary,
    new_shares,
    required_grant_ids,
    tenders_nothing,
    unrounded_new_shares,
    validate_election,
)
from soxp_portal.rules.facts import GrantFacts
from soxp_portal.rules.terms import OfferTerms

ELIGIBLE = EmployeeEligibility(is_eligible=True, reasons=())
RATIO = Decimal("0.75")


@pytest.fixture
def slide_9_judged(terms: OfferTerms, slide_9_grants: list[GrantFacts]) -> list[GrantEligibility]:
    return [grant_eligibility(terms, grant, ELIGIBLE) for grant in slide_9_grants]


@pytest.fixture
def slide_9_outstanding(slide_9_grants: list[GrantFacts]) -> dict[str, int]:
    return {grant.grant_id: grant.outstanding_shares for grant in slide_9_grants}


SLIDE_9_TENDER = {"G-1": 800, "G-2": 1000, "G-4": 500}
#: Slide 9's exercise prices by grant id (the conftest's slide_9_grants).
PRICES = {"G-1": Decimal("6.00"), "G-2": Decimal("4.50"), "G-3": Decimal("2.18"), "G-4": Decimal("0.40")}


# Decision 1: per-grant rounding up, exact decimals.


@pytest.mark.parametrize(
    ("tendered", "expected"),
    [
        pytest.param(800, 600, id="slide 9, $6.00 grant"),
        pytest.param(1000, 750, id="slide 9, $4.50 grant"),
        pytest.param(500, 375, id="slide 9, lookback grant"),
        pytest.param(333, 250, id="249.75 rounds up"),
        pytest.param(1, 1, id="one share gives one"),
        pytest.param(0, 0, id="nothing gives nothing"),
    ],
)
def test_decision_1_new_shares_round_up_per_grant(tendered: int, expected: int) -> None:
    assert new_shares(tendered, RATIO) == expected


def test_decision_1_rounding_is_per_grant_not_per_employee(terms: OfferTerms) -> None:
    summary = exchange_summary(terms, {"G-1": 2, "G-2": 2}, PRICES)
    assert [line.new_shares for line in summary.lines] == [2, 2]
    assert summary.total_new == 4  # rounding the employee's 4 shares at once would give 3


def test_new_shares_refuses_a_negative_tender() -> None:
    with pytest.raises(ValueError, match="negative"):
        new_shares(-1, RATIO)


ratios = st.integers(min_value=1, max_value=10_000).map(lambda n: Decimal(n).scaleb(-4))


@given(tendered=st.integers(min_value=0, max_value=10**7), ratio=ratios)
def test_new_shares_is_the_smallest_whole_number_at_least_ratio_times_tendered(
    tendered: int, ratio: Decimal
) -> None:
    exact = ratio * tendered  # at most 12 digits: exact in the default decimal context
    result = new_shares(tendered, ratio)
    assert result >= exact
    assert result - 1 < exact


@pytest.mark.parametrize(
    ("tendered", "ratio", "expected"),
    [
        pytest.param(333, RATIO, Decimal("249.75"), id="333 at 0.75, before rounding up to 250"),
        pytest.param(1000, RATIO, Decimal(750), id="whole"),
        pytest.param(333, Decimal("0.5"), Decimal("166.5"), id="another ratio"),
    ],
)
def test_unrounded_new_shares_is_the_exact_product_the_rounding_starts_from(
    tendered: int, ratio: Decimal, expected: Decimal
) -> None:
    assert unrounded_new_shares(tendered, ratio) == expected


@given(tendered=st.integers(min_value=0, max_value=10**7), ratio=ratios)
def test_new_shares_is_the_unrounded_figure_rounded_up(tendered: int, ratio: Decimal) -> None:
    unrounded = unrounded_new_shares(tendered, ratio)
    assert new_shares(tendered, ratio) == unrounded.to_integral_value(rounding=ROUND_CEILING)


def test_unrounded_new_shares_refuses_a_negative_tender() -> None:
    with pytest.raises(ValueError, match="negative"):
        unrounded_new_shares(-1, RATIO)


def test_slide_9_exchange_summary(terms: OfferTerms) -> None:
    assert exchange_summary(terms, SLIDE_9_TENDER, PRICES) == ExchangeSummary(
        lines=(ExchangeLine("G-1", 800, 600), ExchangeLine("G-2", 1000, 750), ExchangeLine("G-4", 500, 375)),
        total_tendered=2300,
        total_new=1725,
    )


def test_exchange_summary_leaves_out_grants_entered_with_zero(terms: OfferTerms) -> None:
    assert exchange_summary(terms, {"G-1": 800, "G-3": 0}, PRICES).lines == (ExchangeLine("G-1", 800, 600),)


def test_exchange_summary_uses_the_offers_ratio(terms: OfferTerms) -> None:
    one_for_two = replace(terms, exchange_ratio=Decimal("0.5"))
    assert exchange_summary(one_for_two, {"G-1": 333}, PRICES).total_new == 167


# Validation: every problem at once.


def test_slide_9_election_is_valid(
    terms: OfferTerms, slide_9_judged: list[GrantEligibility], slide_9_outstanding: dict[str, int]
) -> None:
    assert validate_election(terms, slide_9_judged, slide_9_outstanding, SLIDE_9_TENDER) == []


def test_required_grant_ids_are_the_lookback_grants(slide_9_judged: list[GrantEligibility]) -> None:
    assert required_grant_ids(slide_9_judged) == frozenset({"G-4"})


def test_decision_2_lookback_grant_left_out_is_a_problem_naming_what_brings_it_along(
    terms: OfferTerms, slide_9_judged: list[GrantEligibility], slide_9_outstanding: dict[str, int]
) -> None:
    problems = validate_election(terms, slide_9_judged, slide_9_outstanding, {"G-1": 800, "G-2": 1000})
    assert problems == [
        ElectionProblem(
            "G-4",
            "Grant G-4 was granted in the lookback window (June 19, 2002 to December 19, 2002) and must be "
            "tendered too, because you are tendering grants G-1 and G-2: every lookback grant goes with any "
            "tender. Choose Exchange for G-4 as well, or Keep for G-1 and G-2.",
        )
    ]


def test_decision_2_one_other_grant_tendered_brings_the_lookback_grant_along(
    terms: OfferTerms, slide_9_judged: list[GrantEligibility], slide_9_outstanding: dict[str, int]
) -> None:
    problems = validate_election(terms, slide_9_judged, slide_9_outstanding, {"G-1": 800, "G-2": 0, "G-4": 0})
    assert [problem.grant_id for problem in problems] == ["G-4"]
    assert "because you are tendering grant G-1: " in problems[0].message
    assert problems[0].message.endswith("Choose Exchange for G-4 as well, or Keep for G-1.")


def test_decision_2_lookback_grants_are_tendered_together(
    terms: OfferTerms, make_grant: Callable[..., GrantFacts]
) -> None:
    """Two lookback grants: either alone is not enough, because each brings the other along."""
    grants = [
        make_grant(grant_id="L-1", grant_date=date(2002, 9, 16), exercise_price=Decimal("1.05")),
        make_grant(grant_id="L-2", grant_date=date(2002, 12, 19), exercise_price=Decimal("0.95")),
    ]
    judged = [grant_eligibility(terms, grant, ELIGIBLE) for grant in grants]
    outstanding = {"L-1": 1000, "L-2": 1000}
    problems = validate_election(terms, judged, outstanding, {"L-1": 1000, "L-2": 0})
    assert [problem.grant_id for problem in problems] == ["L-2"]
    assert "because you are tendering grant L-1" in problems[0].message
    assert validate_election(terms, judged, outstanding, {"L-1": 1000, "L-2": 1000}) == []


def test_decision_2_lookback_grant_alone_is_a_valid_election(
    terms: OfferTerms, slide_9_judged: list[GrantEligibility], slide_9_outstanding: dict[str, int]
) -> None:
    assert validate_election(terms, slide_9_judged, slide_9_outstanding, {"G-4": 500}) == []


@pytest.mark.parametrize("tendered", [{}, {"G-1": 0, "G-4": 0}], ids=["nothing", "only zeros"])
def test_decision_10_tendering_nothing_is_a_withdrawal_not_an_election(
    terms: OfferTerms,
    slide_9_judged: list[GrantEligibility],
    slide_9_outstanding: dict[str, int],
    tendered: dict[str, int],
) -> None:
    problems = validate_election(terms, slide_9_judged, slide_9_outstanding, tendered)
    assert problems == [ElectionProblem(None, EMPTY_ELECTION_MESSAGE)]
    assert EMPTY_ELECTION_MESSAGE == "Choose at least one grant to exchange, or withdraw your election."
    assert tenders_nothing(tendered)


@pytest.mark.parametrize(
    "tendered", [{"G-4": 500}, {"G-1": 0, "G-4": 500}, {"G-1": 800}], ids=["lookback", "with zeros", "other"]
)
def test_any_grant_tendered_is_something_to_submit(tendered: dict[str, int]) -> None:
    assert not tenders_nothing(tendered)


@pytest.mark.parametrize(
    ("tendered", "grant_id", "message"),
    [
        pytest.param(
            {"G-1": 400, "G-4": 500},
            "G-1",
            "Grant G-1 must be tendered whole: all 800 outstanding shares or none (you entered 400).",
            id="partial",
        ),
        pytest.param(
            {"G-1": 1000, "G-4": 500},
            "G-1",
            "Grant G-1 must be tendered whole: all 800 outstanding shares or none (you entered 1,000).",
            id="more than outstanding",
        ),
        pytest.param(
            {"G-3": 500, "G-4": 500},
            "G-3",
            "Grant G-3 cannot be exchanged: Exercise price $2.18 is below the $3.01 threshold.",
            id="ineligible",
        ),
        pytest.param({"G-9": 100, "G-4": 500}, "G-9", "Grant G-9 is not one of your grants.", id="not yours"),
    ],
)
def test_election_problem_for_one_grant(
    terms: OfferTerms,
    slide_9_judged: list[GrantEligibility],
    slide_9_outstanding: dict[str, int],
    tendered: dict[str, int],
    grant_id: str,
    message: str,
) -> None:
    problems = validate_election(terms, slide_9_judged, slide_9_outstanding, tendered)
    assert problems == [ElectionProblem(grant_id, message)]


def test_validation_returns_every_problem_at_once(
    terms: OfferTerms, slide_9_judged: list[GrantEligibility], slide_9_outstanding: dict[str, int]
) -> None:
    tendered = {"G-9": 100, "G-3": 500, "G-1": 700, "G-2": 1000}
    problems = validate_election(terms, slide_9_judged, slide_9_outstanding, tendered)
    assert [problem.grant_id for problem in problems] == ["G-9", "G-3", "G-1", "G-4"]
    assert [problem.message.split(":")[0] for problem in problems[:3]] == [
        "Grant G-9 is not one of your grants.",
        "Grant G-3 cannot be exchanged",
        "Grant G-1 must be tendered whole",
    ]
    assert "lookback window" in problems[3].message
