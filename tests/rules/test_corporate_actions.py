"""A reverse split applied to both sides (rules.corporate_actions)."""

from decimal import Decimal

import pytest

from soxp_portal.rules.corporate_actions import MAX_SPLIT_RATIO, ReverseSplit
from soxp_portal.rules.decision_support import breakeven_table


def test_the_real_offers_one_for_three_table_to_the_share_and_the_cent() -> None:
    """1,000 at $6.00 becomes 334 at $18.00; 750 at $1.50 becomes 250 at $4.50."""
    split = ReverseSplit(3)
    assert (split.shares(1000), split.price(Decimal("6.00"))) == (334, Decimal("18.00"))
    assert (split.shares(750), split.price(Decimal("1.50"))) == (250, Decimal("4.50"))
    rows = breakeven_table(Decimal("18.00"), 334, Decimal("4.50"), 250, [Decimal(30), Decimal(60)])
    assert [(row.keep_profit, row.exchange_profit) for row in rows] == [
        (Decimal("4008.00"), Decimal("6375.00")),
        (Decimal("14028.00"), Decimal("13875.00")),
    ]


@pytest.mark.parametrize(("shares", "after"), [(333, 111), (1, 1), (2, 1), (3, 1), (4, 2), (0, 0)])
def test_shares_round_up_per_grant(shares, after) -> None:
    assert ReverseSplit(3).shares(shares) == after


def test_no_split_changes_nothing() -> None:
    assert not ReverseSplit().is_applied
    assert (ReverseSplit().shares(1000), ReverseSplit().price(Decimal("6.00"))) == (1000, Decimal("6.00"))


@pytest.mark.parametrize("ratio", [0, -3, MAX_SPLIT_RATIO + 1])
def test_a_ratio_out_of_range_is_refused(ratio) -> None:
    with pytest.raises(ValueError):
        ReverseSplit(ratio)
