"""A reverse split before the new grant date, applied to both sides of the comparison.

During the real offer a 1-for-3 reverse split was proposed and employees were shown the breakeven
table again with it applied to both sides: 1,000 options at $6.00 became 334 at $18.00, and 750 new
options at $1.50 became 250 at $4.50. Neither OFFER.md nor the presentation states how a split
treats a fraction of a share; that example rounds 333 1/3 up to 334, as the offer rounds its own new
shares up per grant (decision 1), so the rule here is the same: **per grant, up to a whole share**.
Prices are multiplied by the ratio exactly (no rounding: $6.00 x 3 is $18.00). The plan's own
adjustment clause governs a real split.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

#: The largest reverse split the Compare page accepts: one new share for every 100.
MAX_SPLIT_RATIO = 100


@dataclass(frozen=True, slots=True)
class ReverseSplit:
    """One new share for every `ratio` shares held (1-for-3: ratio 3); a ratio of 1 is no split."""

    ratio: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.ratio <= MAX_SPLIT_RATIO:
            raise ValueError(
                f"A reverse split's ratio must be from 1 to {MAX_SPLIT_RATIO}, got {self.ratio}."
            )

    @property
    def is_applied(self) -> bool:
        return self.ratio > 1

    def shares(self, shares: int) -> int:
        """The shares of one grant after the split, rounded up: 1,000 at 1-for-3 is 334, 750 is 250."""
        return -(-shares // self.ratio)

    def price(self, price: Decimal) -> Decimal:
        """A price per share after the split, exactly: $6.00 at 1-for-3 is $18.00, $1.50 is $4.50."""
        return price * self.ratio
