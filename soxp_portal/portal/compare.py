"""The Compare page's figures: keeping the eligible grants against exchanging them (slides 11 and 15).

Everything is worked out by ``rules.decision_support`` from the employee's status, already loaded by
``offers.queries.employee_status``: nothing here runs a query, so the page costs the same for one
grant as for fifty. What is left is presentation: which rows a table shows and why, and the chart's
coordinates.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal

from soxp_portal.offers.models import Offer
from soxp_portal.offers.queries import EmployeeStatus, GrantStatus
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
from soxp_portal.rules.vesting import new_option_expiration, vested_shares
from soxp_portal.rules.wording import format_round_money


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


def _better(exchange_advantage: Decimal) -> str:
    """Which yields more, in the words of the tables: "exchange", "keep" or "same"."""
    if exchange_advantage > 0:
        return "exchange"
    return "keep" if exchange_advantage < 0 else "same"


@dataclass(frozen=True)
class TableRow:
    """A breakeven table's row and why the price is there (the assumed price, a strike, the crossover)."""

    row: BreakevenRow
    marks: tuple[str, ...]

    @property
    def better(self) -> str:
        return _better(self.row.exchange_advantage)

    @property
    def margin(self) -> Decimal:
        return abs(self.row.exchange_advantage)


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
class PathYear:
    """A year of the growth path, with the new options' shares vested by then."""

    year: GrowthYear
    vested: int

    @property
    def better(self) -> str:
        return _better(self.year.exchange_advantage)

    @property
    def margin(self) -> Decimal:
        return abs(self.year.exchange_advantage)


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
    total: Comparison
    grants: tuple[GrantComparison, ...]
    path: tuple[PathYear, ...]
    chart: ProfitChart
    fully_vested_on: date | None
    #: Eligible grants that expire before the path's last date: from then on they count nothing.
    expiring: tuple[GrantStatus, ...]

    @property
    def new_shares(self) -> int:
        return self.total.new.shares


def _new_option(shares: int, price: Decimal, offer: Offer, new_grant_date: date) -> Holding:
    return Holding(price, shares, expires_on=new_option_expiration(new_grant_date, offer.new_term_years))


def _holding(status: GrantStatus) -> Holding:
    grant = status.grant
    return Holding(grant.exercise_price, grant.outstanding_shares, expires_on=grant.expiration_date)


def _rows(
    kept: Sequence[Holding],
    new: Holding,
    crossover: Decimal | None,
    strike_names: dict[Decimal, list[str]],
) -> tuple[TableRow, ...]:
    prices = comparison_prices(new.strike, (holding.strike for holding in kept), crossover)
    rows = []
    for row in holdings_breakeven_table(kept, new, prices):
        marks = []
        if row.price == new.strike:
            marks.append("assumed new price")
        if row.price in strike_names:
            marks.append(f"exercise price of {', '.join(strike_names[row.price])}")
        if row.price == crossover:
            marks.append("crossover")
        rows.append(TableRow(row=row, marks=tuple(marks)))
    return tuple(rows)


def _comparison(kept: Sequence[Holding], new: Holding, strike_names: dict[Decimal, list[str]]) -> Comparison:
    crossover = exchange_crossover(kept, new)
    return Comparison(
        kept=tuple(kept),
        new=new,
        crossover=crossover,
        exchange_ever_yields_more=exchange_ever_yields_more(kept, new),
        rows=_rows(kept, new, crossover, strike_names),
    )


def compare_page(
    status: EmployeeStatus, *, price: Decimal, growth: Decimal, volatility: Decimal | None
) -> ComparePage:
    """Keep against exchange for every eligible grant together and for each alone, at `price` for the
    new options, and the growth path from `price` at `growth` a year. Call only when the employee can
    take part (``status.can_take_part``)."""
    offer, eligible = status.offer, status.eligible_grants
    names: dict[Decimal, list[str]] = {}
    for item in eligible:
        names.setdefault(item.grant.exercise_price, []).append(item.grant.grant_id)
    kept = [_holding(item) for item in eligible]
    new_shares = sum(item.new_shares or 0 for item in eligible)
    new = _new_option(new_shares, price, offer, status.new_grant_date)
    total = _comparison(kept, new, names)
    grants = tuple(
        GrantComparison(
            status=item,
            comparison=_comparison(
                [holding],
                _new_option(item.new_shares or 0, price, offer, status.new_grant_date),
                {holding.strike: [item.grant.grant_id]},
            ),
        )
        for item, holding in zip(eligible, kept, strict=True)
    )
    path = tuple(
        PathYear(year=year, vested=sum(vested_shares(item.vesting, year.on) for item in eligible))
        for year in growth_table(
            kept, new, start_on=status.new_grant_date, yearly_growth=growth, volatility=volatility
        )
    )
    schedules = [item.vesting for item in eligible if item.vesting]
    return ComparePage(
        total=total,
        grants=grants,
        path=path,
        chart=profit_chart(kept, new, [row.row.price for row in total.rows], total.crossover),
        fully_vested_on=max((schedule[-1].vest_date for schedule in schedules), default=None),
        expiring=tuple(item for item in eligible if item.grant.expiration_date <= path[-1].year.on),
    )


# The chart: profit against share price ------------------------------------------------------------

#: The chart's size in SVG units; it is scaled to the page's width (about 0.85 on a 375 px phone).
CHART_WIDTH, CHART_HEIGHT = 400, 300
#: Margins: the profits' labels on the left, the legend above the plot, the prices below it.
_LEFT, _RIGHT, _TOP, _BOTTOM = 58, 14, 52, 40
_PLOT_WIDTH, _PLOT_HEIGHT = CHART_WIDTH - _LEFT - _RIGHT, CHART_HEIGHT - _TOP - _BOTTOM
_UNIT = Decimal("0.1")
_PROFIT_TICKS = 4


def _coordinate(value: Decimal) -> str:
    return f"{value.quantize(_UNIT):f}"


def _multiples(step: Decimal, top: Decimal) -> list[Decimal]:
    count = int((top / step).to_integral_value(rounding=ROUND_CEILING))
    return [step * n for n in range(count + 1)]


def profit_chart(
    kept: Sequence[Holding], new: Holding, prices: Iterable[Decimal], crossover: Decimal | None
) -> ProfitChart:
    """Both profits from $0 to the table's highest price. Each is straight between strikes, so a point
    at every strike draws it exactly."""
    x_top = max(prices)
    profit_top = max(holdings_profit(kept, x_top), option_profit(new.strike, new.shares, x_top), Decimal(1))
    profit_step = price_step(profit_top, _PROFIT_TICKS)
    y_top = _multiples(profit_step, profit_top)[-1]

    def x(price: Decimal) -> str:
        return _coordinate(_LEFT + price / x_top * _PLOT_WIDTH)

    def y(profit: Decimal) -> str:
        return _coordinate(_TOP + _PLOT_HEIGHT - profit / y_top * _PLOT_HEIGHT)

    def line(points: Iterable[Decimal], profit: Callable[[Decimal], Decimal]) -> str:
        return " ".join(f"{x(price)},{y(profit(price))}" for price in sorted(set(points)))

    strikes = [holding.strike for holding in kept if holding.strike < x_top]
    side = "start" if crossover is not None and crossover < x_top / 2 else "end"  # the label faces the middle
    return ProfitChart(
        width=CHART_WIDTH,
        height=CHART_HEIGHT,
        left=_LEFT,
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
            ChartTick(y(profit), format_round_money(profit)) for profit in _multiples(profit_step, y_top)
        ),
        crossover=None if crossover is None else ChartTick(x(crossover), format_round_money(crossover), side),
        assumed=ChartTick(x(new.strike), format_round_money(new.strike)),
    )
