"""The arithmetic behind the presentation's decision support (slides 11 and 15).

An employee compares keeping an option with exchanging it for fewer shares at a new, unknown price.
Profits are the options' intrinsic value at an assumed share price, in exact decimals; nothing here
predicts a price.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

_CENT = Decimal("0.01")
_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class BreakevenRow:
    """The profit of keeping and of exchanging at one assumed share price."""

    price: Decimal
    keep_profit: Decimal
    exchange_profit: Decimal

    @property
    def exchange_advantage(self) -> Decimal:
        """How much more the exchange yields at this price (negative when keeping yields more)."""
        return self.exchange_profit - self.keep_profit


def option_profit(strike: Decimal, shares: int, price: Decimal) -> Decimal:
    """Profit from exercising at `price` and selling: (price - strike) x shares, never below zero.

    An option under water is simply not exercised, so its profit is 0, not a loss (slide 11).
    """
    return max(_ZERO, price - strike) * shares


def crossover_price(strike_a: Decimal, shares_a: int, strike_b: Decimal, shares_b: int) -> Decimal | None:
    """The share price above both strikes at which both options yield the same profit, if there is one.

    Above both strikes the profits are straight lines, equal where
    price = (strike_a x shares_a - strike_b x shares_b) / (shares_a - shares_b): $19.50 for 1,000 at
    $6.00 against 750 at $1.50 (slide 15). None when the share counts are equal (the lines never meet)
    or when they would meet only at or below a strike, where one profit is already zero.
    """
    if shares_a == shares_b:
        return None
    price = (strike_a * shares_a - strike_b * shares_b) / (shares_a - shares_b)
    if price <= max(strike_a, strike_b):
        return None
    return price


def price_path(start: Decimal, yearly_growth: Decimal, years: int) -> list[Decimal]:
    """`years` yearly prices from `start`, growing by `yearly_growth` a year, each rounded to the cent.

    Each year k is start x (1 + growth)^k, computed from the start and rounded half up on its own, so
    rounding never compounds: from $1.50 at 50% a year, 1.50, 2.25, 3.38, 5.06, 7.59 (slide 15).
    """
    factor = 1 + yearly_growth
    return [(start * factor**year).quantize(_CENT, rounding=ROUND_HALF_UP) for year in range(years)]


def breakeven_table(
    strike: Decimal, shares: int, new_strike: Decimal, new_shares: int, prices: Iterable[Decimal]
) -> list[BreakevenRow]:
    """Keep against exchange at each assumed price: at $10, $4,000 against $6,375 (slide 11)."""
    return [
        BreakevenRow(
            price=price,
            keep_profit=option_profit(strike, shares, price),
            exchange_profit=option_profit(new_strike, new_shares, price),
        )
        for price in prices
    ]
