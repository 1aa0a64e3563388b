"""The Compare page's figures: keeping the eligible grants against exchanging them (slides 11 and 15).

Everything is worked out by ``rules.decision_support`` (profits), ``rules.valuation`` (model values and
probabilities), ``rules.corporate_actions`` (a reverse split) and ``rules.vesting`` from the employee's
status, already loaded by ``offers.queries.employee_status``: nothing here runs a query, so the page
costs the same for one grant as for fifty. What is left is presentation: which rows a table shows and
why, and the chart's coordinates.

One `ComparePage` is computed per request and both the page and its PDF (``documents.compare``)
render that same object, so they cannot show different figures.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from soxp_portal.offers.models import Offer
from soxp_portal.offers.queries import EmployeeStatus, GrantStatus
from soxp_portal.rules import valuation
from soxp_portal.rules.calendar import add_months
from soxp_portal.rules.corporate_actions import ReverseSplit
from soxp_portal.rules.decision_support import (
    BreakevenRow,
    GrowthYear,
    Holding,
    comparison_prices,
    exchange_crossover,
    exchange_ever_yields_more,
    growth_table,
    holdings_breakeven_table,
    holdings_profit,
    option_profit,
    price_step,
)
from soxp_portal.rules.terms import AwardType
from soxp_portal.rules.vesting import (
    AssumedVesting,
    award_schedule,
    award_vesting,
    current_grant_vested,
    new_option_expiration,
    vested_shares,
)
from soxp_portal.rules.wording import format_money, format_round_money


class PriceSource(enum.StrEnum):
    """Where the assumed new exercise price comes from, so the page can say so."""

    EMPLOYEE = "employee"  # typed on the page
    NEW_EXERCISE_PRICE = "new_exercise_price"  # the real one, once the administrator has entered it
    REFERENCE = "reference"  # the administrator's illustration
    NONE = "none"  # nothing yet: the employee must type one


def default_price(offer: Offer) -> tuple[Decimal | None, PriceSource]:
    """The real new exercise price once known, else the administrator's reference price, else none."""
    if offer.new_exercise_price is not None:
        return offer.new_exercise_price, PriceSource.NEW_EXERCISE_PRICE
    if offer.reference_price is not None:
        return offer.reference_price, PriceSource.REFERENCE
    return None, PriceSource.NONE


class _Verdict:
    """Which yields more, and by how much, from a figure's ``exchange_advantage`` (negative when keeping
    yields more), in the words of the tables: "exchange", "keep" or "same"."""

    #: Each figure gives it (a property of its own); declared here for the verdicts below.
    exchange_advantage: Decimal

    @property
    def better(self) -> str:
        if self.exchange_advantage > 0:
            return "exchange"
        return "keep" if self.exchange_advantage < 0 else "same"

    @property
    def margin(self) -> Decimal:
        return abs(self.exchange_advantage)


@dataclass(frozen=True)
class TableRow(_Verdict):
    """A breakeven table's row and why the price is there (the assumed price, a strike, the crossover)."""

    row: BreakevenRow
    marks: tuple[str, ...]

    @property
    def exchange_advantage(self) -> Decimal:
        return self.row.exchange_advantage


@dataclass(frozen=True)
class Comparison:
    """Keeping some grants against exchanging them all, as slide 11 sets one grant against its new option."""

    kept: tuple[Holding, ...]
    new: Holding
    crossover: Decimal | None
    exchange_ever_yields_more: bool
    rows: tuple[TableRow, ...]

    @property
    def kept_shares(self) -> int:
        return sum(holding.shares for holding in self.kept)


@dataclass(frozen=True)
class GrantComparison:
    status: GrantStatus
    comparison: Comparison


@dataclass(frozen=True)
class PathYear(_Verdict):
    """A year of the growth path, with the new options' shares vested by then."""

    year: GrowthYear
    vested: int

    @property
    def exchange_advantage(self) -> Decimal:
        return self.year.exchange_advantage


@dataclass(frozen=True)
class ChartTick:
    at: str  # the coordinate, in the chart's units
    label: str
    #: Which side of the coordinate a label sits: "start" (right of it) or "end" (left of it).
    anchor: str = "middle"


@dataclass(frozen=True)
class ProfitChart:
    """Profit against share price, keep and exchange, in SVG coordinates (drawn by the template)."""

    width: int
    height: int
    left: int  # the plot's edges
    right: int
    top: int
    bottom: int
    keep_points: str
    exchange_points: str
    x_ticks: tuple[ChartTick, ...]
    y_ticks: tuple[ChartTick, ...]
    crossover: ChartTick | None
    assumed: ChartTick


@dataclass(frozen=True)
class ComparePage:
    assumptions: Assumptions
    total: Comparison
    grants: tuple[GrantComparison, ...]
    path: tuple[PathYear, ...]
    chart: ProfitChart
    fully_vested_on: date | None
    #: Eligible grants that expire before the path's last date: from then on they count nothing.
    expiring: tuple[GrantStatus, ...]
    split_rows: tuple[SplitRow, ...]
    #: None when no volatility is set: the model needs one.
    valuation: Valuation | None
    outlook: GapOutlook | None
    holdings: tuple[GapHolding, ...]
    #: The schedule the administrator assumes for the current grants; None: no vested counts are shown.
    current_vesting: AssumedVesting | None
    cancellation_date: date
    new_grant_date: date
    #: The employee's award is restricted stock units: the new award has no exercise price, and the
    #: assumed price is the share price on the new grant date.
    is_rsu: bool = False
    #: The assumed price after any split: the new exercise price, or for RSUs the share price on the
    #: new grant date (where the growth path starts).
    assumed_price: Decimal = Decimal(0)

    @property
    def new_shares(self) -> int:
        return self.total.new.shares

    @property
    def has_gap(self) -> bool:
        """Whether the employee holds nothing between the cancellation and the new grant."""
        return self.new_grant_date > self.cancellation_date


def _new_award(shares: int, price: Decimal, offer: Offer, new_grant_date: date, *, is_rsu: bool) -> Holding:
    """The new award as a holding: options at the assumed new exercise price, expiring after the new
    term; restricted stock units as options at $0.00 (each pays the share price) that never expire."""
    if is_rsu:
        return Holding(Decimal(0), shares)
    return Holding(price, shares, expires_on=new_option_expiration(new_grant_date, offer.new_term_years))


def _holding(status: GrantStatus) -> Holding:
    grant = status.grant
    return Holding(grant.exercise_price, grant.outstanding_shares, expires_on=grant.expiration_date)


def _rows(
    kept: Sequence[Holding],
    new: Holding,
    crossover: Decimal | None,
    strike_names: dict[Decimal, list[str]],
    assumed: Decimal,
    is_rsu: bool,
) -> tuple[TableRow, ...]:
    prices = comparison_prices(assumed, (holding.strike for holding in kept), crossover)
    rows = []
    for row in holdings_breakeven_table(kept, new, prices):
        marks = []
        if row.price == assumed:
            marks.append("assumed share price at grant" if is_rsu else "assumed new price")
        if row.price in strike_names:
            marks.append(f"exercise price of {', '.join(strike_names[row.price])}")
        if row.price == crossover:
            marks.append("crossover")
        rows.append(TableRow(row=row, marks=tuple(marks)))
    return tuple(rows)


def _comparison(
    kept: Sequence[Holding],
    new: Holding,
    strike_names: dict[Decimal, list[str]],
    *,
    assumed: Decimal,
    is_rsu: bool = False,
) -> Comparison:
    crossover = exchange_crossover(kept, new)
    return Comparison(
        kept=tuple(kept),
        new=new,
        crossover=crossover,
        exchange_ever_yields_more=exchange_ever_yields_more(kept, new),
        rows=_rows(kept, new, crossover, strike_names, assumed, is_rsu),
    )


class SpotSource(enum.StrEnum):
    """Where today's share price comes from: typed by the employee, or the page's assumed price."""

    EMPLOYEE = "employee"
    ASSUMED = "assumed"


@dataclass(frozen=True)
class Assumptions:
    """Everything the employee can set, before any split, and where each default came from."""

    price: Decimal
    source: PriceSource
    growth: Decimal
    #: The share price today, for the model values and probabilities.
    spot: Decimal
    spot_source: SpotSource
    volatility: Decimal | None
    volatility_is_offers: bool
    rate: Decimal
    rate_is_offers: bool
    split: ReverseSplit


@dataclass(frozen=True)
class SplitRow:
    """One grant before and after the reverse split, both sides (the real offer's 1-for-3 slide)."""

    grant_id: str
    shares: tuple[int, int]
    strike: tuple[Decimal, Decimal]
    new_shares: tuple[int, int]


@dataclass(frozen=True)
class GrantValue(_Verdict):
    """A grant's model value kept (its strike, its remaining term) against its new option's."""

    grant_id: str
    shares: int
    strike: Decimal
    years_left: Decimal
    keep: Decimal
    new_shares: int
    exchange: Decimal
    #: The grant judged for the offer, for its price band.
    status: GrantStatus | None = None

    @property
    def exchange_advantage(self) -> Decimal:
        return self.exchange - self.keep


@dataclass(frozen=True)
class Valuation(_Verdict):
    """Black-Scholes values on `valued_on`, in cents for display (the model works in floats)."""

    valued_on: date
    spot: Decimal
    new_term_years: int
    #: The value today of one new option, granted at the money on the new grant date.
    per_new_option: Decimal
    grants: tuple[GrantValue, ...]
    #: True once the cancellation date has passed: the values are as of that date, not today.
    as_of_cancellation: bool

    @property
    def keep(self) -> Decimal:
        return sum((item.keep for item in self.grants), Decimal(0))

    @property
    def exchange(self) -> Decimal:
        return sum((item.exchange for item in self.grants), Decimal(0))

    @property
    def exchange_advantage(self) -> Decimal:
        return self.exchange - self.keep


@dataclass(frozen=True)
class Percentile:
    percentile: int
    price: Decimal


@dataclass(frozen=True)
class GrantChance:
    """The probability (in percent, to 0.1) that exchanging this grant alone beats keeping it."""

    grant_id: str
    percent: Decimal
    expires_before_horizon: bool


@dataclass(frozen=True)
class GapOutlook:
    """The six-month gap as probabilities: where the new exercise price may land, and how often
    exchanging ends up worth more than keeping when the new option has fully vested."""

    new_grant_date: date
    horizon: date
    percentiles: tuple[Percentile, ...]
    grants: tuple[GrantChance, ...]
    total_percent: Decimal
    #: Half the width of a 95% confidence interval of the total, in percentage points.
    total_margin: Decimal
    paths: int
    seed: int
    #: None for restricted stock units: they have no exercise price to land anywhere.
    chart: PercentileChart | None


@dataclass(frozen=True)
class GapHolding:
    """What keeping a grant would have vested by the cancellation date and by the new grant date, under
    the offer's assumed schedule for the current grants; None for both when the offer states none."""

    grant_id: str
    outstanding: int
    vested_at_cancellation: int | None
    vested_at_new_grant: int | None


_TENTH = Decimal("0.1")


def _percent(probability: float) -> Decimal:
    return (Decimal(repr(probability)) * 100).quantize(_TENTH, rounding=ROUND_HALF_UP)


def _split_holdings(
    eligible: Sequence[GrantStatus], split: ReverseSplit
) -> tuple[list[Holding], list[int], tuple[SplitRow, ...]]:
    """Each grant's holding and new shares after the split (as before it when there is none)."""
    kept, new, rows = [], [], []
    for item in eligible:
        grant, shares = item.grant, item.new_shares or 0
        holding = Holding(
            split.price(grant.exercise_price),
            split.shares(grant.outstanding_shares),
            expires_on=grant.expiration_date,
        )
        kept.append(holding)
        new.append(split.shares(shares))
        rows.append(
            SplitRow(
                grant_id=grant.grant_id,
                shares=(grant.outstanding_shares, holding.shares),
                strike=(grant.exercise_price, holding.strike),
                new_shares=(shares, new[-1]),
            )
        )
    return kept, new, tuple(rows)


def _valuation(
    eligible: Sequence[GrantStatus],
    kept: Sequence[Holding],
    new: Sequence[int],
    *,
    spot: Decimal,
    volatility: float,
    rate: float,
    valued_on: date,
    new_term_years: int,
    as_of_cancellation: bool,
    is_rsu: bool = False,
) -> Valuation:
    if is_rsu:
        per_new = valuation.restricted_stock_unit(float(spot))
    else:
        per_new = valuation.forward_start_call(float(spot), rate, volatility, new_term_years)
    grants = []
    for item, holding, shares in zip(eligible, kept, new, strict=True):
        years = valuation.years_between(valued_on, holding.expires_on or valued_on)
        call = valuation.black_scholes_call(float(spot), float(holding.strike), rate, volatility, years)
        grants.append(
            GrantValue(
                grant_id=item.grant.grant_id,
                shares=holding.shares,
                strike=holding.strike,
                years_left=Decimal(repr(years)).quantize(_TENTH, rounding=ROUND_HALF_UP),
                keep=valuation.to_cents(holding.shares * call),
                new_shares=shares,
                exchange=valuation.to_cents(shares * per_new),
                status=item,
            )
        )
    return Valuation(
        valued_on=valued_on,
        spot=spot,
        new_term_years=new_term_years,
        per_new_option=valuation.to_cents(per_new),
        grants=tuple(grants),
        as_of_cancellation=as_of_cancellation,
    )


def _gap_outlook(
    eligible: Sequence[GrantStatus],
    kept: Sequence[Holding],
    new: Sequence[int],
    *,
    spot: Decimal,
    volatility: float,
    rate: float,
    valued_on: date,
    new_grant_date: date,
    horizon: date,
    assumed: Decimal,
    is_rsu: bool = False,
) -> GapOutlook:
    to_grant = valuation.LognormalStep(rate, volatility, valuation.years_between(valued_on, new_grant_date))
    to_horizon = valuation.LognormalStep(rate, volatility, valuation.years_between(new_grant_date, horizon))
    grants = [
        valuation.KeptGrant(
            strike=float(holding.strike),
            shares=holding.shares,
            new_shares=shares,
            alive_at_horizon=holding.is_alive_on(horizon),
        )
        for holding, shares in zip(kept, new, strict=True)
    ]
    if is_rsu:
        whole = valuation.LognormalStep(rate, volatility, valuation.years_between(valued_on, horizon))
        each = valuation.rsu_wins_probabilities(float(spot), whole, grants)
        percentiles: tuple[Percentile, ...] = ()
    else:
        each = valuation.exchange_wins_probabilities(float(spot), to_grant, to_horizon, grants)
        percentiles = tuple(
            Percentile(p, valuation.to_cents(price))
            for p, price in zip(
                valuation.PRICE_PERCENTILES, valuation.price_percentiles(float(spot), to_grant), strict=True
            )
        )
    total = valuation.simulate_exchange_wins(float(spot), to_grant, to_horizon, grants, units=is_rsu)
    return GapOutlook(
        new_grant_date=new_grant_date,
        horizon=horizon,
        percentiles=percentiles,
        chart=percentile_chart(percentiles, spot=spot, assumed=assumed) if percentiles else None,
        grants=tuple(
            GrantChance(item.grant.grant_id, _percent(chance), not grant.alive_at_horizon)
            for item, grant, chance in zip(eligible, grants, each, strict=True)
        ),
        total_percent=_percent(total.probability),
        total_margin=_percent(valuation.normal_quantile(0.975) * total.standard_error),
        paths=total.paths,
        seed=total.seed,
    )


def _gap_holdings(
    eligible: Sequence[GrantStatus],
    split: ReverseSplit,
    schedule: AssumedVesting | None,
    cancellation: date,
    new_grant_date: date,
) -> tuple[GapHolding, ...]:
    def vested(item: GrantStatus, on: date) -> int | None:
        if schedule is None:
            return None
        grant = item.grant
        return split.shares(
            current_grant_vested(
                schedule,
                grant.shares_granted,
                grant.shares_exercised,
                grant.outstanding_shares,
                grant.grant_date,
                on,
            )
        )

    return tuple(
        GapHolding(
            grant_id=item.grant.grant_id,
            outstanding=split.shares(item.grant.outstanding_shares),
            vested_at_cancellation=vested(item, cancellation),
            vested_at_new_grant=vested(item, new_grant_date),
        )
        for item in eligible
    )


def compare_page(status: EmployeeStatus, assumptions: Assumptions, *, today: date) -> ComparePage:
    """Keep against exchange for every eligible grant together and for each alone, at the assumed
    price for the new options, the growth path from it, the model values on `today` (or the
    cancellation date, once past), the gap's probabilities and holdings, all after the reverse split
    the employee applies (none by default). Call only when the employee can take part
    (``status.can_take_part``)."""
    offer, eligible, split = status.offer, status.eligible_grants, assumptions.split
    terms = offer.terms
    is_rsu = status.award is AwardType.RSU
    price = split.price(assumptions.price)
    kept, new_each, split_rows = _split_holdings(eligible, split)
    names: dict[Decimal, list[str]] = {}
    for item, holding in zip(eligible, kept, strict=True):
        names.setdefault(holding.strike, []).append(item.grant.grant_id)
    new = _new_award(sum(new_each), price, offer, status.new_grant_date, is_rsu=is_rsu)
    total = _comparison(kept, new, names, assumed=price, is_rsu=is_rsu)
    grants = tuple(
        GrantComparison(
            status=item,
            comparison=_comparison(
                [holding],
                _new_award(shares, price, offer, status.new_grant_date, is_rsu=is_rsu),
                {holding.strike: [item.grant.grant_id]},
                assumed=price,
                is_rsu=is_rsu,
            ),
        )
        for item, holding, shares in zip(eligible, kept, new_each, strict=True)
    )
    # Each grant's new award vests as its band says (the band's own vesting or the offer's).
    vestings = [award_vesting(terms, item.grant.exercise_price, status.award) for item in eligible]
    schedules = [
        award_schedule(vesting, shares, status.new_grant_date)
        for vesting, shares in zip(vestings, new_each, strict=True)
        if shares
    ]
    volatility = assumptions.volatility
    path = tuple(
        PathYear(year=year, vested=sum(vested_shares(schedule, year.on) for schedule in schedules))
        for year in growth_table(
            kept,
            new,
            start_on=status.new_grant_date,
            yearly_growth=assumptions.growth,
            volatility=volatility,
            start=price,
        )
    )
    cancellation = offer.cancellation_date()
    valued_on = min(today, cancellation)
    horizon = max(
        add_months(status.new_grant_date, vesting.cliff_months + vesting.monthly_installments)
        for vesting in vestings
    )
    model = None
    outlook = None
    if volatility is not None:
        spot = split.price(assumptions.spot)
        given = {"spot": spot, "volatility": float(volatility), "rate": float(assumptions.rate)}
        model = _valuation(
            eligible,
            kept,
            new_each,
            **given,
            valued_on=valued_on,
            new_term_years=offer.new_term_years,
            as_of_cancellation=valued_on < today,
            is_rsu=is_rsu,
        )
        outlook = _gap_outlook(
            eligible,
            kept,
            new_each,
            **given,
            valued_on=valued_on,
            new_grant_date=status.new_grant_date,
            horizon=horizon,
            assumed=price,
            is_rsu=is_rsu,
        )
    return ComparePage(
        assumptions=assumptions,
        total=total,
        grants=grants,
        path=path,
        chart=profit_chart(kept, new, [row.row.price for row in total.rows], total.crossover, assumed=price),
        fully_vested_on=max((schedule[-1].vest_date for schedule in schedules), default=None),
        expiring=tuple(item for item in eligible if item.grant.expiration_date <= path[-1].year.on),
        split_rows=split_rows,
        valuation=model,
        outlook=outlook,
        holdings=_gap_holdings(
            eligible, split, offer.current_grant_vesting, cancellation, status.new_grant_date
        ),
        current_vesting=offer.current_grant_vesting,
        cancellation_date=cancellation,
        new_grant_date=status.new_grant_date,
        is_rsu=is_rsu,
        assumed_price=price,
    )


# The chart: profit against share price ------------------------------------------------------------

#: The chart's size in SVG units; it is scaled to the page's width (about 0.85 on a 375 px phone).
CHART_WIDTH, CHART_HEIGHT = 400, 300
#: Margins: the profits' labels on the left, the legend above the plot, the prices below it.
_LEFT, _RIGHT, _TOP, _BOTTOM = 58, 14, 52, 40
_PLOT_HEIGHT = CHART_HEIGHT - _TOP - _BOTTOM
#: A profit label's width per character at the labels' font size (12), and its gap to the axis: "$75,000"
#: fits the left margin; "$100,000" and longer widen it rather than be cut at the chart's edge.
_LABEL_CHARACTER, _LABEL_GAP = 7, 6
_UNIT = Decimal("0.1")
_PROFIT_TICKS = 4


def _coordinate(value: Decimal) -> str:
    return f"{value.quantize(_UNIT):f}"


def _multiples(step: Decimal, top: Decimal) -> list[Decimal]:
    count = int((top / step).to_integral_value(rounding=ROUND_CEILING))
    return [step * n for n in range(count + 1)]


def profit_chart(
    kept: Sequence[Holding],
    new: Holding,
    prices: Iterable[Decimal],
    crossover: Decimal | None,
    *,
    assumed: Decimal | None = None,
) -> ProfitChart:
    """Both profits from $0 to the table's highest price. Each is straight between strikes, so a point
    at every strike draws it exactly. `assumed` marks the assumed price (the new exercise price unless
    given: restricted stock units have none, and mark the share price assumed on the new grant date)."""
    assumed = new.strike if assumed is None else assumed
    x_top = max(prices)
    profit_top = max(holdings_profit(kept, x_top), option_profit(new.strike, new.shares, x_top), Decimal(1))
    profit_step = price_step(profit_top, _PROFIT_TICKS)
    profits = _multiples(profit_step, profit_top)
    y_top = profits[-1]
    profit_labels = [format_round_money(profit) for profit in profits]
    left = max(_LEFT, _LABEL_GAP + _LABEL_CHARACTER * max(map(len, profit_labels)))
    plot_width = CHART_WIDTH - left - _RIGHT

    def x(price: Decimal) -> str:
        return _coordinate(left + price / x_top * plot_width)

    def y(profit: Decimal) -> str:
        return _coordinate(_TOP + _PLOT_HEIGHT - profit / y_top * _PLOT_HEIGHT)

    def line(points: Iterable[Decimal], profit: Callable[[Decimal], Decimal]) -> str:
        return " ".join(f"{x(price)},{y(profit(price))}" for price in sorted(set(points)))

    strikes = [holding.strike for holding in kept if holding.strike < x_top]
    side = "start" if crossover is not None and crossover < x_top / 2 else "end"  # the label faces the middle
    return ProfitChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=left,
        right=CHART_WIDTH - _RIGHT,
        top=_TOP,
        bottom=_TOP + _PLOT_HEIGHT,
        keep_points=line([Decimal(0), *strikes, x_top], lambda price: holdings_profit(kept, price)),
        exchange_points=line(
            [Decimal(0), *([new.strike] if new.strike < x_top else []), x_top],
            lambda price: option_profit(new.strike, new.shares, price),
        ),
        x_ticks=tuple(
            ChartTick(x(price), format_round_money(price))
            for price in _multiples(price_step(x_top), x_top)
            if price <= x_top
        ),
        y_ticks=tuple(
            ChartTick(y(profit), label) for profit, label in zip(profits, profit_labels, strict=True)
        ),
        crossover=None if crossover is None else ChartTick(x(crossover), format_round_money(crossover), side),
        assumed=ChartTick(x(assumed), format_round_money(assumed)),
    )


# The chart: where the new exercise price may land -------------------------------------------------

#: Its size in SVG units, scaled to the page's width as the profit chart is.
RANGE_WIDTH, RANGE_HEIGHT = 400, 150
_RANGE_LEFT, _RANGE_RIGHT, _RANGE_AXIS = 20, 20, 96


@dataclass(frozen=True)
class PercentileChart:
    """The 5th to 95th percentile of the new exercise price as a bar on a price axis, the median
    marked, with today's price and the assumed new exercise price for reference (SVG coordinates)."""

    width: int
    height: int
    left: int
    right: int
    axis: int
    low: ChartTick
    median: ChartTick
    high: ChartTick
    spot: ChartTick
    assumed: ChartTick
    x_ticks: tuple[ChartTick, ...]


def percentile_chart(
    percentiles: Sequence[Percentile], *, spot: Decimal, assumed: Decimal
) -> PercentileChart:
    """From $0 to the highest of the 95th percentile, today's price and the assumed price."""
    low, median, high = (item.price for item in percentiles)
    top = max(high, spot, assumed, Decimal("0.01"))
    step = price_step(top, 5)
    x_top = _multiples(step, top)[-1]
    plot = RANGE_WIDTH - _RANGE_LEFT - _RANGE_RIGHT

    def x(price: Decimal) -> str:
        return _coordinate(_RANGE_LEFT + price / x_top * plot)

    return PercentileChart(
        width=RANGE_WIDTH,
        height=RANGE_HEIGHT,
        left=_RANGE_LEFT,
        right=RANGE_WIDTH - _RANGE_RIGHT,
        axis=_RANGE_AXIS,
        low=ChartTick(x(low), format_money(low)),
        median=ChartTick(x(median), format_money(median)),
        high=ChartTick(x(high), format_money(high)),
        spot=ChartTick(x(spot), format_money(spot)),
        assumed=ChartTick(x(assumed), format_money(assumed)),
        x_ticks=tuple(ChartTick(x(price), format_round_money(price)) for price in _multiples(step, x_top)),
    )
