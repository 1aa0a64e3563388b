"""The Compare page's chart: profit against share price, in SVG coordinates (portal/compare.py)."""

from decimal import Decimal

from soxp_portal.portal.compare import profit_chart
from soxp_portal.rules.decision_support import Holding, comparison_prices


def test_slide_11_chart() -> None:
    kept, new = [Holding(Decimal("6.00"), 1000)], Holding(Decimal("1.50"), 750)
    prices = comparison_prices(new.strike, [Decimal("6.00")], Decimal("19.50"))  # up to $25
    chart = profit_chart(kept, new, prices, Decimal("19.50"))
    # The plot runs from x 58 to 386 ($0 to $25) and from y 260 down to 52 ($0 to $20,000, the round
    # step above keep's $19,000 at $25). Each line bends at its strike.
    assert chart.keep_points == "58.0,260.0 136.7,260.0 386.0,62.4"
    assert chart.exchange_points == "58.0,260.0 77.7,260.0 386.0,76.7"
    assert [tick.label for tick in chart.x_ticks] == ["$0", "$5", "$10", "$15", "$20", "$25"]
    assert [tick.label for tick in chart.y_ticks] == ["$0", "$5,000", "$10,000", "$15,000", "$20,000"]
    assert (chart.crossover.at, chart.crossover.label, chart.crossover.anchor) == ("313.8", "$19.50", "end")


def test_a_chart_without_a_crossover() -> None:
    kept, new = [Holding(Decimal("0.40"), 500)], Holding(Decimal("1.50"), 375)
    chart = profit_chart(kept, new, comparison_prices(new.strike, [kept[0].strike]), None)
    assert chart.crossover is None
    assert chart.x_ticks[-1].label == "$2"


def test_profits_of_six_figures_widen_the_left_margin_so_their_labels_fit() -> None:
    kept, new = [Holding(Decimal("25.45"), 2000)], Holding(Decimal("15.00"), 769)
    prices = comparison_prices(new.strike, [kept[0].strike], Decimal("50.00"))
    chart = profit_chart(kept, new, prices, None)
    widest = max(len(tick.label) for tick in chart.y_ticks)
    assert widest >= len("$100,000")
    # Each label ends 6 units left of the axis and takes about 7 units a character: it starts inside.
    assert chart.left - 6 - 7 * widest >= 0
    assert chart.keep_points.startswith(f"{chart.left}.0,")
    assert chart.right == 386  # the plot's right edge does not move
