"""The arithmetic behind the presentation's decision support (slides 11 and 15).

An employee compares keeping an option with exchanging it for fewer shares at a new, unknown price.
Profits are the options' intrinsic value at an assumed share price, in exact decimals; nothing here
predicts a price.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Context, Decimal
from itertools import pairwise

from soxp_portal.rules.calendar import add_months

_CENT = Decimal("0.01")
_ZERO = Decimal(0)
_MONTHS_PER_YEAR = 12
#: exp() and sqrt() in a context of their own, so a caller's decimal context cannot change a band.
_MATH = Context(prec=28)

#: Yearly growth rates the Compare page offers at a click (0%, 25%, 50%). Slide 15 used 50%; none of
#: them is a forecast.
ILLUSTRATIVE_GROWTH_RATES = (Decimal(0), Decimal("0.25"), Decimal("0.50"))
#: The growth rate shown until the employee picks another: the presentation's own (slide 15).
DEFAULT_GROWTH_RATE = Decimal("0.50")
#: Prices on the growth path, the new grant date's year and four more, as slide 15 shows (2003 to 2007).
PATH_YEARS = 5
#: Round share prices a breakeven table aims for, besides its marked prices (slide 11 shows six).
ROUND_PRICES = 6
#: The round prices go this far past the highest marked price, so the table shows what happens beyond it.
_HEADROOM = Decimal("1.25")
_NICE_STEPS = (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))


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


@dataclass(frozen=True, slots=True)
class Holding:
    """Options on `shares` shares at one exercise price, expiring on `expires_on` (None: not in view)."""

    strike: Decimal
    shares: int
    expires_on: date | None = None

    def is_alive_on(self, day: date) -> bool:
        """Nothing is left of an option on its expiration date (decision 9), so it is worth nothing then."""
        return self.expires_on is None or day < self.expires_on


@dataclass(frozen=True, slots=True)
class PriceBand:
    """The prices one standard deviation below and above a path's price (lognormal model)."""

    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class GrowthYear:
    """One year of a growth path: the date, the path's price, its band, and both profits at that price."""

    year: int
    on: date
    price: Decimal
    band: PriceBand | None
    keep_profit: Decimal
    exchange_profit: Decimal

    @property
    def exchange_advantage(self) -> Decimal:
        return self.exchange_profit - self.keep_profit


def option_profit(strike: Decimal, shares: int, price: Decimal) -> Decimal:
    """Profit from exercising at `price` and selling: (price - strike) x shares, never below zero.

    An option under water is simply not exercised, so its profit is 0, not a loss (slide 11).
    """
    return max(_ZERO, price - strike) * shares


def holdings_profit(holdings: Iterable[Holding], price: Decimal) -> Decimal:
    """The profit of several options at one share price: each is exercised only if it is in the money."""
    return sum((option_profit(holding.strike, holding.shares, price) for holding in holdings), _ZERO)


def round_to_cent(price: Decimal) -> Decimal:
    """A price as shares are quoted: to the cent, half up ($7.59375 is $7.59, $3.375 is $3.38)."""
    return price.quantize(_CENT, rounding=ROUND_HALF_UP)


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


def exchange_crossover(kept: Sequence[Holding], new: Holding) -> Decimal | None:
    """The share price above which keeping `kept` yields more than the `new` option, to the cent.

    This is slide 15's crossover for several grants at once: below it exchanging yields at least as
    much, above it keeping yields more (for one grant it is `crossover_price`, rounded). Both profits
    are straight between strikes, so the advantage of exchanging is read at each strike and the last
    point where it is not negative is found on the segment where it turns negative. None when there
    is no such price: exchanging never yields more (a new price at or above the old ones), or keeping
    never yields more at high prices (as many new shares as old).
    """
    strikes = sorted({holding.strike for holding in kept} | {new.strike})
    top = strikes[-1]
    slope = new.shares - sum(holding.shares for holding in kept)  # of the advantage, above every strike

    def advantage(price: Decimal) -> Decimal:
        return option_profit(new.strike, new.shares, price) - holdings_profit(kept, price)

    if not exchange_ever_yields_more(kept, new):
        return None
    points = [(price, advantage(price)) for price in strikes]
    at_top = points[-1][1]
    if slope > 0 or (slope == 0 and at_top >= 0):
        return None
    if at_top >= 0:
        return round_to_cent(top + at_top / -slope)
    # The advantage is negative at the top strike: its zero lies below, on the highest segment that
    # starts at or above zero. The lowest strike always does, since both profits are zero there.
    (lower, at_lower), (upper, at_upper) = next(
        (start, end) for start, end in reversed(list(pairwise(points))) if start[1] >= 0
    )
    return round_to_cent(lower + at_lower * (upper - lower) / (at_lower - at_upper))


def exchange_ever_yields_more(kept: Sequence[Holding], new: Holding) -> bool:
    """Whether exchanging yields more than keeping at some share price.

    The advantage is straight between strikes and zero below the lowest, so it is positive somewhere
    exactly when it is at a strike, or when it keeps growing above the highest one.
    """
    strikes = {holding.strike for holding in kept} | {new.strike}
    if new.shares > sum(holding.shares for holding in kept):
        return True
    return any(
        option_profit(new.strike, new.shares, price) > holdings_profit(kept, price) for price in strikes
    )


def price_path(start: Decimal, yearly_growth: Decimal, years: int) -> list[Decimal]:
    """`years` yearly prices from `start`, growing by `yearly_growth` a year, each rounded to the cent.

    Each year k is start x (1 + growth)^k, computed from the start and rounded half up on its own, so
    rounding never compounds: from $1.50 at 50% a year, 1.50, 2.25, 3.38, 5.06, 7.59 (slide 15).
    """
    factor = 1 + yearly_growth
    return [round_to_cent(start * factor**year) for year in range(years)]


def volatility_band(central: Decimal, volatility: Decimal, years: int) -> PriceBand:
    """The prices one standard deviation below and above `central` after `years` years, to the cent.

    In a lognormal model with a yearly volatility sigma, the logarithm of the price after t years
    spreads by sigma x sqrt(t), so one standard deviation either side of the path's price P is
    low = P x exp(-sigma x sqrt(t)) and high = P x exp(sigma x sqrt(t)); about two outcomes in three fall
    between them if prices move as the model assumes around the path. At 80% a year, $2.25 one year on
    spans $1.01 to $5.01. Year 0 is the price itself. Each bound is rounded half up on its own.
    """
    if central < 0 or volatility < 0 or years < 0:
        raise ValueError("The price, the volatility and the years cannot be negative.")
    spread = _MATH.multiply(volatility, _MATH.sqrt(Decimal(years)))
    return PriceBand(
        low=round_to_cent(_MATH.multiply(central, _MATH.exp(-spread))),
        high=round_to_cent(_MATH.multiply(central, _MATH.exp(spread))),
    )


def holdings_breakeven_table(
    kept: Sequence[Holding], new: Holding, prices: Iterable[Decimal]
) -> list[BreakevenRow]:
    """Keep every grant in `kept` against exchanging them all for `new`, at each assumed price."""
    return [
        BreakevenRow(
            price=price,
            keep_profit=holdings_profit(kept, price),
            exchange_profit=option_profit(new.strike, new.shares, price),
        )
        for price in prices
    ]


def breakeven_table(
    strike: Decimal, shares: int, new_strike: Decimal, new_shares: int, prices: Iterable[Decimal]
) -> list[BreakevenRow]:
    """Keep against exchange at each assumed price: at $10, $4,000 against $6,375 (slide 11)."""
    return holdings_breakeven_table([Holding(strike, shares)], Holding(new_strike, new_shares), prices)


def price_step(top: Decimal, count: int = ROUND_PRICES) -> Decimal:
    """The smallest round step (1, 2, 2.5 or 5 times a power of ten) with at most `count` steps to `top`."""
    if top <= 0:
        raise ValueError(f"The top price must be more than 0, got {top}.")
    rough = top / count
    power = Decimal(10) ** rough.adjusted()
    return next(power * step for step in _NICE_STEPS if power * step >= rough)


def comparison_prices(
    assumed: Decimal, strikes: Iterable[Decimal], crossover: Decimal | None = None
) -> list[Decimal]:
    """The share prices a breakeven table shows, lowest first.

    The marked prices (the assumed new exercise price, every strike and the crossover, where each
    option starts to pay or the two change places) and round multiples of `price_step` up to a quarter
    past the highest mark: for $6.00 against $1.50, crossing at $19.50, that is 1.50, 5, 6, 10, 15,
    19.50, 20 and 25, which holds slide 11's $10 and $20.
    """
    marks = {assumed, *strikes, *([crossover] if crossover is not None else [])}
    top = max(marks) * _HEADROOM
    step = price_step(top)
    count = int((top / step).to_integral_value(rounding=ROUND_CEILING))
    prices = marks | {step * multiple for multiple in range(1, count + 1)}
    return sorted(prices)


def growth_table(
    kept: Sequence[Holding],
    new: Holding,
    *,
    start_on: date,
    yearly_growth: Decimal,
    volatility: Decimal | None = None,
    years: int = PATH_YEARS,
    start: Decimal | None = None,
) -> list[GrowthYear]:
    """Slide 15 year by year: the price path from the new exercise price (or `start`, the share price
    assumed on the new grant date, for restricted stock units, whose `new` has no exercise price),
    starting on the new grant date, with both profits at the path's price on each anniversary and,
    given a volatility, its band.

    An option that has expired by a date counts nothing from then on (an old grant may end within the
    path); the profits are otherwise the intrinsic value of every share, vested or not.
    """
    rows = []
    for year, price in enumerate(price_path(new.strike if start is None else start, yearly_growth, years)):
        on = add_months(start_on, year * _MONTHS_PER_YEAR)
        alive = [holding for holding in kept if holding.is_alive_on(on)]
        rows.append(
            GrowthYear(
                year=year,
                on=on,
                price=price,
                band=volatility_band(price, volatility, year) if volatility is not None else None,
                keep_profit=holdings_profit(alive, price),
                exchange_profit=option_profit(new.strike, new.shares, price)
                if new.is_alive_on(on)
                else _ZERO,
            )
        )
    return rows
