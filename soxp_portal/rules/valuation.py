"""What keeping and exchanging are worth in a model of the share price, and how likely each wins.

Slides 11 and 15 compare profits at prices the employee picks. Employees of the real offer also asked
what their options were worth today and how likely the six-month wait was to pay off. This module
answers both in the Black-Scholes model: the share price is lognormal, moves with a constant yearly
volatility, grows on average at the risk-free rate (the "risk-neutral" drift that option values use),
pays no dividends, and no one exercises early.

These are model values, not money: they are floats, converted to cents only for display, and the
pages say so. Nothing here predicts a price.

Exactness, per question:

* Black-Scholes values are closed forms (``statistics.NormalDist`` for the normal CDF).
* The new option is granted at the money on the new grant date, so today it is a forward-start
  option: with no dividends, its value is the share price today times the value of an at-the-money
  option of one dollar over its term, whatever the wait (Rubinstein 1991).
* The percentiles of the new exercise price are closed forms of the lognormal.
* The probability that exchanging one grant beats keeping it at the end of the new option's vesting
  is a one-dimensional integral over the new exercise price with the normal CDF inside (the event is
  an interval of the final price for each new exercise price), integrated by Gauss-Legendre
  quadrature; `PROBABILITY_NODES` nodes agree with twice as many to 1e-10 (tests/rules).
* For all grants together the event has a kink at every strike, so it is estimated by a seeded
  simulation of `SIMULATION_PATHS` price paths whose standard error is returned with it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from statistics import NormalDist

import numpy as np
from scipy.special import ndtr, ndtri

_STANDARD = NormalDist()
_CENT = Decimal("0.01")
#: Years are counted as days / 365 (actual/365), as option models usually count them.
DAYS_PER_YEAR = 365
#: Gauss-Legendre nodes for the one-grant probability (agrees with twice as many to 1e-10).
PROBABILITY_NODES = 96
#: The Gauss-Legendre nodes and weights on [-1, 1]: a constant table, worked out once at import.
_LEGENDRE = np.polynomial.legendre.leggauss(PROBABILITY_NODES)
#: Standard normal values beyond this many deviations carry less than 1e-19 of probability: cut off.
_TAIL = 9.0
#: Price paths simulated for all grants together: the standard error of a probability is then at
#: most 0.5 / sqrt(paths) = 0.16 percentage points.
SIMULATION_PATHS = 100_000
#: The simulation's seed, fixed so that the page and its PDF (and every reload) show the same figures.
SIMULATION_SEED = 20030120
#: The percentiles of the new exercise price the page shows.
PRICE_PERCENTILES = (5, 50, 95)


def years_between(start: date, end: date) -> float:
    """The time from `start` to `end` in years, actual/365; never negative."""
    return max(0, (end - start).days) / DAYS_PER_YEAR


def to_cents(value: float) -> Decimal:
    """A model value shown as money: to the cent, half up. Only for display; the model stays in floats."""
    return Decimal(repr(value)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _check(spot: float, strike: float, volatility: float, years: float) -> None:
    if spot <= 0 or strike < 0 or volatility <= 0 or years < 0:
        raise ValueError(
            "The share price and the volatility must be more than 0, the strike and the years not negative."
        )


def black_scholes_call(spot: float, strike: float, rate: float, volatility: float, years: float) -> float:
    """The Black-Scholes value of a call on one share, no dividends: S N(d1) - K e^(-rT) N(d2).

    Hull's example (S = 42, K = 40, r = 10%, sigma = 20%, T = 0.5) gives 4.76. At expiry, and for a
    strike of 0, the value is what exercising gives.
    """
    _check(spot, strike, volatility, years)
    if years == 0 or strike == 0:
        return max(0.0, spot - strike * math.exp(-rate * years))
    spread = volatility * math.sqrt(years)
    d1 = (math.log(spot / strike) + (rate + volatility**2 / 2) * years) / spread
    d2 = d1 - spread
    return spot * _STANDARD.cdf(d1) - strike * math.exp(-rate * years) * _STANDARD.cdf(d2)


@dataclass(frozen=True, slots=True)
class CallWorking:
    """A Black-Scholes call value with every intermediate step, for a page that shows its working.

    `d1` and `d2` are None where the formula does not apply (at expiry, or for a strike of 0): the value is
    then what exercising gives, discounted strike taken off.
    """

    spot: float
    strike: float
    rate: float
    volatility: float
    years: float
    d1: float | None
    d2: float | None
    n_d1: float | None
    n_d2: float | None
    #: e^(-rT), the discount applied to the strike.
    discount: float
    value: float


def black_scholes_working(
    spot: float, strike: float, rate: float, volatility: float, years: float
) -> CallWorking:
    """`black_scholes_call` with its working: d1 = (ln(S/K) + (r + sigma^2/2) T) / (sigma sqrt T),
    d2 = d1 - sigma sqrt T, value = S N(d1) - K e^(-rT) N(d2). Hull's example: d1 = 0.7693,
    d2 = 0.6278, N(d1) = 0.7791, N(d2) = 0.7349, value 4.76."""
    _check(spot, strike, volatility, years)
    discount = math.exp(-rate * years)
    if years == 0 or strike == 0:
        value = max(0.0, spot - strike * discount)
        return CallWorking(spot, strike, rate, volatility, years, None, None, None, None, discount, value)
    spread = volatility * math.sqrt(years)
    d1 = (math.log(spot / strike) + (rate + volatility**2 / 2) * years) / spread
    d2 = d1 - spread
    n_d1, n_d2 = _STANDARD.cdf(d1), _STANDARD.cdf(d2)
    value = spot * n_d1 - strike * discount * n_d2
    return CallWorking(spot, strike, rate, volatility, years, d1, d2, n_d1, n_d2, discount, value)


def black_scholes_put(spot: float, strike: float, rate: float, volatility: float, years: float) -> float:
    """The put by put-call parity, P = C - S + K e^(-rT): 0.81 in Hull's example."""
    call = black_scholes_call(spot, strike, rate, volatility, years)
    return call - spot + strike * math.exp(-rate * years)


def restricted_stock_unit(spot: float) -> float:
    """Today's value of one restricted stock unit, one share delivered as it vests: without dividends,
    the discounted expectation of the share price on any later date is today's price."""
    if spot <= 0:
        raise ValueError("The share price must be more than 0.")
    return spot


def forward_start_call(spot: float, rate: float, volatility: float, term_years: float) -> float:
    """Today's value of a call on one share granted later at the money, for `term_years` from then.

    On its grant date it is worth S_g x c(1, 1, term), c the Black-Scholes value of a one-dollar
    at-the-money call; without dividends the discounted expectation of S_g is today's price, so today
    it is worth S x c(1, 1, term), however long the wait for the grant.
    """
    return spot * black_scholes_call(1.0, 1.0, rate, volatility, term_years)


@dataclass(frozen=True, slots=True)
class LognormalStep:
    """The share price over one stretch of time: log(S_end / S_start) is normal with mean
    (rate - volatility^2 / 2) x years and standard deviation volatility x sqrt(years)."""

    rate: float
    volatility: float
    years: float

    @property
    def mean(self) -> float:
        return (self.rate - self.volatility**2 / 2) * self.years

    @property
    def deviation(self) -> float:
        return self.volatility * math.sqrt(self.years)


def price_percentiles(
    spot: float, step: LognormalStep, percentiles: Sequence[int] = PRICE_PERCENTILES
) -> tuple[float, ...]:
    """The share price after `step` at each percentile: S exp(mean + deviation x z_p)."""
    return tuple(
        spot * math.exp(step.mean + step.deviation * _STANDARD.inv_cdf(p / 100)) for p in percentiles
    )


@dataclass(frozen=True, slots=True)
class KeptGrant:
    """A grant as the probability sees it: `shares` at `strike` kept, or `new_shares` at the new price.
    `alive_at_horizon` is False when it expires before the horizon (keeping it is worth nothing then)."""

    strike: float
    shares: int
    new_shares: int
    alive_at_horizon: bool = True


def _interval(nodes: np.ndarray, low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Legendre nodes and weights mapped onto [low, high] row by row (one row per grant)."""
    half = (high - low)[:, None] / 2
    return (low[:, None] + half * (nodes[0][None, :] + 1)), half * nodes[1][None, :]


def exchange_wins_probabilities(
    spot: float,
    to_grant: LognormalStep,
    to_horizon: LognormalStep,
    grants: Sequence[KeptGrant],
    nodes: int = PROBABILITY_NODES,
) -> list[float]:
    """For each grant alone: the probability that exchanging it is worth more than keeping it at the
    horizon, both valued at what exercising would give then.

    The new exercise price s is the share price after `to_grant`; the final price x follows after
    `to_horizon`. With n shares at K kept against m new shares at s, exchanging wins where
    m (x - s)+ > n (x - K)+. For a given s that is an interval of x: with m < n it is s < x < c(s),
    c(s) = (nK - ms) / (n - m), and empty once s >= K; with m > n it is x > s for s < K and
    x > (ms - nK) / (m - n) above; with m = n, x > s for s < K; a grant that has expired by the horizon
    loses to any new option in the money (x > s). Given s, x/s is lognormal, so the chance of the
    interval is a difference of normal CDFs; that is integrated over s, a normal variable z, by
    Gauss-Legendre quadrature, and the parts with a closed form are added exactly.
    """
    if not grants:
        return []
    strikes = np.array([grant.strike for grant in grants], dtype=float)
    kept = np.array([grant.shares for grant in grants], dtype=float)
    new = np.array([grant.new_shares for grant in grants], dtype=float)
    alive = np.array([grant.alive_at_horizon for grant in grants], dtype=bool)
    up = ndtr(to_horizon.mean / to_horizon.deviation)  # P(x > s), whatever s
    with np.errstate(divide="ignore"):
        z_strike = (np.log(strikes / spot) - to_grant.mean) / to_grant.deviation  # s = K here
    z_strike = np.clip(z_strike, -_TAIL, _TAIL)
    below_strike = ndtr(z_strike)
    legendre = _LEGENDRE if nodes == PROBABILITY_NODES else np.polynomial.legendre.leggauss(nodes)

    def d(upper: np.ndarray, s: np.ndarray) -> np.ndarray:
        """The normal value of x = upper given s."""
        return (np.log(upper / s) - to_horizon.mean) / to_horizon.deviation

    def new_price(z: np.ndarray) -> np.ndarray:
        return spot * np.exp(to_grant.mean + to_grant.deviation * z)

    result = np.where(alive, below_strike * up, up)  # exact for m = n and for expired grants
    fewer = alive & (new < kept)
    if fewer.any():
        z, w = _interval(legendre, np.full(fewer.sum(), -_TAIL), z_strike[fewer])
        s = new_price(z)
        k, n, m = strikes[fewer, None], kept[fewer, None], new[fewer, None]
        crossover = np.maximum((n * k - m * s) / (n - m), s)
        inside = ndtr(d(crossover, s)) - ndtr(-to_horizon.mean / to_horizon.deviation)
        result[fewer] = np.sum(w * np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi) * inside, axis=1)
    more = alive & (new > kept)
    if more.any():
        z, w = _interval(legendre, z_strike[more], np.full(more.sum(), _TAIL))
        s = new_price(z)
        k, n, m = strikes[more, None], kept[more, None], new[more, None]
        crossover = np.maximum((m * s - n * k) / (m - n), s)
        beyond = ndtr(-d(crossover, s))
        result[more] += np.sum(w * np.exp(-(z**2) / 2) / math.sqrt(2 * math.pi) * beyond, axis=1)
    return [float(value) for value in np.clip(result, 0.0, 1.0)]


def rsu_wins_probabilities(
    spot: float, to_horizon: LognormalStep, grants: Sequence[KeptGrant]
) -> list[float]:
    """For each grant alone exchanged for restricted stock units: the probability that the RSUs are worth
    more than the grant kept at the horizon, both valued at what they would give then.

    An RSU has no exercise price: m units give m x at the final price x, against n (x - K)+ kept. So the
    RSUs win wherever m x > n (x - K)+: always (x > 0) when m >= n or the grant has expired by the
    horizon; with m < n exactly below c = nK / (n - m), which lies above K. `to_horizon` runs from the
    valuation date to the horizon (no new exercise price to wait for), so x / spot is lognormal and the
    chance is a closed form, P(x < c).
    """
    result = []
    for grant in grants:
        if not grant.alive_at_horizon or grant.new_shares >= grant.shares:
            result.append(1.0)
            continue
        crossover = grant.shares * grant.strike / (grant.shares - grant.new_shares)
        if crossover <= 0:
            result.append(0.0)
            continue
        result.append(float(ndtr((math.log(crossover / spot) - to_horizon.mean) / to_horizon.deviation)))
    return result


@dataclass(frozen=True, slots=True)
class SimulatedProbability:
    """A probability estimated from `paths` simulated outcomes, with its standard error."""

    probability: float
    standard_error: float
    paths: int
    seed: int


def simulate_exchange_wins(
    spot: float,
    to_grant: LognormalStep,
    to_horizon: LognormalStep,
    grants: Sequence[KeptGrant],
    *,
    paths: int = SIMULATION_PATHS,
    seed: int = SIMULATION_SEED,
    units: bool = False,
) -> SimulatedProbability:
    """The probability that exchanging all `grants` together beats keeping them all, by simulation.

    Each path draws the new exercise price s and the final price x. Keeping pays the sum of
    n_i (x - K_i)+ over the grants alive at the horizon, read for every path at once from the sorted
    strikes' running sums; exchanging pays (the sum of m_i) x (x - s)+, or (the sum of m_i) x for
    restricted stock units (`units`: no exercise price, so s plays no part).
    """
    if not grants or paths <= 0:
        raise ValueError("Simulate at least one path of at least one grant.")
    draws = np.random.default_rng(seed).standard_normal((2, paths))
    s = spot * np.exp(to_grant.mean + to_grant.deviation * draws[0])
    x = s * np.exp(to_horizon.mean + to_horizon.deviation * draws[1])
    kept = sorted((grant.strike, grant.shares) for grant in grants if grant.alive_at_horizon)
    strikes = np.array([strike for strike, _ in kept], dtype=float)
    shares = np.concatenate(([0.0], np.cumsum([shares for _, shares in kept], dtype=float)))
    cost = np.concatenate(([0.0], np.cumsum([strike * shares for strike, shares in kept], dtype=float)))
    in_money = np.searchsorted(strikes, x, side="left")  # how many strikes lie below x
    keep = x * shares[in_money] - cost[in_money]
    exchange = sum(grant.new_shares for grant in grants) * (x if units else np.maximum(x - s, 0.0))
    probability = float(np.mean(exchange > keep))
    return SimulatedProbability(
        probability=probability,
        standard_error=math.sqrt(probability * (1 - probability) / paths),
        paths=paths,
        seed=seed,
    )


def normal_quantile(probability: float) -> float:
    """The standard normal quantile (for a confidence interval's width: 1.96 at 0.975)."""
    return float(ndtri(probability))
