"""What a tender gives in new shares, and what makes an election invalid (OFFER.md decision 1).

An election is a mapping from grant id to the shares tendered. The rules check it against the
employee's grants and return every problem at once, so the employee can fix them in one go.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from soxp_portal.rules.eligibility import GrantEligibility, lookback_window_in_words
from soxp_portal.rules.terms import AwardType, OfferTerms, Rounding
from soxp_portal.rules.wording import format_shares, join_in_words

EMPTY_ELECTION_MESSAGE = "Choose at least one grant to exchange, or withdraw your election."


@dataclass(frozen=True, slots=True)
class ElectionProblem:
    """One reason an election cannot be accepted; `grant_id` is None for the election as a whole."""

    grant_id: str | None
    message: str


@dataclass(frozen=True, slots=True)
class ExchangeLine:
    """One tendered grant and the new shares it gives."""

    grant_id: str
    tendered_shares: int
    new_shares: int


@dataclass(frozen=True, slots=True)
class ExchangeSummary:
    """The new shares of a whole election: per grant, then in total (the sum of the rounded lines)."""

    lines: tuple[ExchangeLine, ...]
    total_tendered: int
    total_new: int


def new_shares(
    tendered: int,
    ratio: Decimal,
    rounding: Rounding = Rounding.UP,
    *,
    for_tendered: Decimal = Decimal(1),
) -> int:
    """New shares for one tendered grant: tendered x ratio / for_tendered, rounded to a whole share.

    Rounding is per grant, never per employee, as slide 9 does: 333 at 0.75 gives 250 rounded up (the
    offer's `rounding`; soxp-2003 rounds up, decision 1). A band's ratio "1 new for 1.88 tendered" is
    `ratio` 1 `for_tendered` 1.88. The result is computed over integers (each decimal's exact fraction),
    so no precision is ever lost and an exact whole number is never rounded in any mode.
    """
    if tendered < 0:
        raise ValueError(f"Tendered shares cannot be negative, got {tendered}.")
    ratio_numerator, ratio_denominator = ratio.as_integer_ratio()
    per_numerator, per_denominator = for_tendered.as_integer_ratio()
    numerator = tendered * ratio_numerator * per_denominator
    denominator = ratio_denominator * per_numerator
    if rounding is Rounding.UP:
        return -(-numerator // denominator)
    if rounding is Rounding.DOWN:
        return numerator // denominator
    # Nearest, a half rounding up: floor(x + 1/2).
    return (2 * numerator + denominator) // (2 * denominator)


def grant_new_shares(
    terms: OfferTerms, tendered: int, exercise_price: Decimal, award: AwardType | None = None
) -> int:
    """New shares (or units) for tendering `tendered` shares of a grant at `exercise_price`: its band's
    ratio for the employee's `award` (`terms.award_for(work_country)`; None: the offer's own award), the
    offer's rounding. Every page, document and export asks this, never the ratio directly.

    A price in no band cannot be tendered (`grant_eligibility` says so); asking for it is a bug.
    """
    band = terms.band_for(exercise_price, award)
    if band is None:
        raise ValueError(f"Exercise price {exercise_price} falls in none of the offer's price bands.")
    return new_shares(tendered, band.new_shares, terms.rounding, for_tendered=band.for_tendered)


def unrounded_new_shares(tendered: int, ratio: Decimal) -> Decimal:
    """ratio x tendered before the rounding of decision 1, exactly: 249.75 for 333 at 0.75.

    Only for explaining the rounding to employees; what a tender gives is always `new_shares`.
    """
    if tendered < 0:
        raise ValueError(f"Tendered shares cannot be negative, got {tendered}.")
    return tendered * ratio


def required_grant_ids(grants: Sequence[GrantEligibility]) -> frozenset[str]:
    """The lookback grants that must come with any tender (decision 2)."""
    return frozenset(grant.grant_id for grant in grants if grant.is_required)


def _tendered_only(tendered: Mapping[str, int]) -> dict[str, int]:
    """The grants actually tendered: a grant entered with 0 shares is a grant left out."""
    return {grant_id: shares for grant_id, shares in tendered.items() if shares != 0}


def tenders_nothing(tendered: Mapping[str, int]) -> bool:
    """Keep for every grant: that is not taking part, not an election (decision 10), so there is
    nothing to submit, and an election in force is ended by withdrawing it."""
    return not _tendered_only(tendered)


def _grant_problem(
    grant: GrantEligibility | None, grant_id: str, shares: int, outstanding: int
) -> str | None:
    """The one problem with tendering `shares` of one grant, or None; the most basic problem wins."""
    if grant is None:
        return f"Grant {grant_id} is not one of your grants."
    if not grant.is_eligible:
        return f"Grant {grant_id} cannot be exchanged: {grant.reason}"
    if shares != outstanding:
        # All or none: a grant is tendered whole.
        return (
            f"Grant {grant_id} must be tendered whole: all {format_shares(outstanding)} outstanding shares "
            f"or none (you entered {format_shares(shares)})."
        )
    return None


def validate_election(
    terms: OfferTerms,
    grants: Sequence[GrantEligibility],
    outstanding: Mapping[str, int],
    tendered: Mapping[str, int],
) -> list[ElectionProblem]:
    """Every problem with an election; an empty list means it can be submitted.

    `grants` are the employee's own grants as judged by `grant_eligibility`, `outstanding` their
    outstanding shares by grant id, and `tendered` the shares the employee entered by grant id (0 or
    absent for a grant left out). Each tendered grant gets at most one problem, the most basic: not
    the employee's, not eligible, or not tendered whole. Then each lookback grant left out while
    something else is tendered is a problem (decision 2). Tendering nothing is a problem too: that is
    a withdrawal, made with its own button (decision 10).
    """
    if tenders_nothing(tendered):
        return [ElectionProblem(grant_id=None, message=EMPTY_ELECTION_MESSAGE)]
    chosen = _tendered_only(tendered)
    return _problems_with_tendered(grants, outstanding, chosen) + _required_left_out(terms, grants, chosen)


def _problems_with_tendered(
    grants: Sequence[GrantEligibility], outstanding: Mapping[str, int], chosen: Mapping[str, int]
) -> list[ElectionProblem]:
    by_id = {grant.grant_id: grant for grant in grants}
    problems: list[ElectionProblem] = []
    for grant_id, shares in chosen.items():
        message = _grant_problem(by_id.get(grant_id), grant_id, shares, outstanding.get(grant_id, 0))
        if message is not None:
            problems.append(ElectionProblem(grant_id=grant_id, message=message))
    return problems


def _required_left_out(
    terms: OfferTerms, grants: Sequence[GrantEligibility], chosen: Mapping[str, int]
) -> list[ElectionProblem]:
    """Decision 2: once anything is tendered, every lookback grant must be tendered with it.

    Each message names the grants that bring the lookback grant along, and both ways out: the rules
    never tender a grant on the employee's behalf.
    """
    window = lookback_window_in_words(terms)
    tendering = join_in_words(list(chosen))
    grants_word = "grant" if len(chosen) == 1 else "grants"
    return [
        ElectionProblem(
            grant_id=grant.grant_id,
            message=(
                f"Grant {grant.grant_id} was granted in {window} and must be tendered too, because you are "
                f"tendering {grants_word} {tendering}: every lookback grant goes with any tender. Choose "
                f"Exchange for {grant.grant_id} as well, or Keep for {tendering}."
            ),
        )
        for grant in grants
        if grant.is_required and grant.grant_id not in chosen
    ]


def exchange_summary(
    terms: OfferTerms,
    tendered: Mapping[str, int],
    prices: Mapping[str, Decimal],
    award: AwardType | None = None,
) -> ExchangeSummary:
    """The new shares per tendered grant and in total, each grant at its price band's ratio and the
    offer's rounding (decision 1); `prices` are the grants' exercise prices by grant id, `award` the
    employee's (`terms.award_for`; None: the offer's own).

    The total is the sum of the per-grant rounded figures, never the ratio applied to the total.
    Grants entered with 0 shares are left out.
    """
    lines = tuple(
        ExchangeLine(
            grant_id=grant_id,
            tendered_shares=shares,
            new_shares=grant_new_shares(terms, shares, prices[grant_id], award),
        )
        for grant_id, shares in _tendered_only(tendered).items()
    )
    return ExchangeSummary(
        lines=lines,
        total_tendered=sum(line.tendered_shares for line in lines),
        total_new=sum(line.new_shares for line in lines),
    )
