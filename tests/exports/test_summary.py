"""The final report's figures, checked against numbers worked out by hand from conftest.py's close.

Eligible at expiration (employment judged on 2003-01-20):
  Sam     G-1001 800, G-1002 1,000, G-1004 500 (G-1003 at $2.18 is not)   3 grants  2,300 shares
  Bob     G-BOB-1 1,000, G-BOB-2 400 (he leaves only on 2003-03-01)       2 grants  1,400 shares
  Carol   G-CAROL-1 1,000                                                 1 grant   1,000 shares
  Erin    G-ERIN-1 1,000                                                  1 grant   1,000 shares
  Mallory G-MAL-1 333                                                     1 grant     333 shares
  (Dave left on 2003-01-15; Oscar is an executive officer)
  = 5 holders, 8 grants, 6,033 shares.
Tendered in final elections: Sam 3 grants / 2,300, Bob 1 / 1,000, Dave 1 / 1,000, Mallory 1 / 333
  = 4 participants, 6 grants, 4,633 shares. Dave's is not accepted: 1 grant, 1,000 shares.
Accepted: 5 grants, 2,300 + 1,000 + 333 = 3,633 shares, 60.2% of 6,033;
  new shares promised 1,725 + 750 + 250 = 2,725.
Bob's promise forfeited: 750. Granted: Sam and Mallory, 4 grants, 1,725 + 250 = 1,975 shares.
Net reduction: 3,633 - 1,975 = 1,658 (before Bob left and before the grant: 3,633 - 2,725 = 908).
"""

from datetime import date
from decimal import Decimal

from soxp_portal.closing.exports.summary import close_summary, eligible_at_expiration, summary_table
from soxp_portal.closing.models import Closing


def summary_of(scenario):
    return close_summary(scenario.offer, Closing.objects.get(offer=scenario.offer))


def test_figures_after_acceptance(scenario):
    scenario.accept()
    summary = summary_of(scenario)
    assert (summary.eligible.holders, summary.eligible.grants, summary.eligible.shares) == (5, 8, 6033)
    assert (summary.participants, summary.participants_accepted, summary.participants_not_accepted) == (
        4,
        3,
        1,
    )
    assert (summary.grants_tendered, summary.shares_tendered) == (6, 4633)
    assert (summary.grants_accepted, summary.shares_accepted) == (5, 3633)
    assert (summary.grants_not_accepted, summary.shares_not_accepted) == (1, 1000)
    assert summary.accepted_percent_of_eligible == Decimal("60.2")
    assert summary.new_shares_promised == 2725
    assert (summary.participants_forfeited, summary.new_shares_forfeited) == (0, 0)
    assert summary.new_grants_made is False
    assert summary.cancellation_date is None
    assert summary.net_reduction == 3633 - 2725 == 908


def test_eligible_figures_are_as_at_expiration_after_the_cancellation(scenario):
    scenario.accept()
    before = eligible_at_expiration(scenario.offer)
    scenario.cancel()
    assert eligible_at_expiration(scenario.offer) == before
    assert (before.holders, before.grants, before.shares) == (5, 8, 6033)


def test_figures_after_the_whole_close(closed):
    summary = summary_of(closed)
    assert summary.cancellation_date == date(2003, 1, 20)
    assert summary.new_grant_date == date(2003, 7, 21)
    assert summary.new_exercise_price == Decimal("1.25")
    assert (summary.eligible.holders, summary.eligible.grants, summary.eligible.shares) == (5, 8, 6033)
    assert (summary.participants_forfeited, summary.new_shares_forfeited) == (1, 750)
    assert (summary.participants_granted, summary.new_grants, summary.new_shares_granted) == (2, 4, 1975)
    assert summary.net_reduction == 3633 - 1975 == 1658


def test_summary_rows_are_ints_decimals_and_dates_never_floats(closed):
    table = summary_table(closed.offer, Closing.objects.get(offer=closed.offer))
    figures = {figure: value for figure, value, _ in table.rows}
    assert table.count == len(figures)
    assert figures["eligible_shares"] == 6033
    assert figures["shares_accepted"] == 3633
    assert figures["accepted_percent_of_eligible"] == Decimal("60.2")
    assert figures["new_shares_granted"] == 1975
    assert figures["net_reduction"] == 1658
    assert not any(isinstance(value, float) for value in figures.values())
    assert all(description for _, _, description in table.rows)


def test_granted_figures_are_empty_until_the_new_grants_are_made(scenario):
    scenario.accept()
    table = summary_table(scenario.offer, Closing.objects.get(offer=scenario.offer))
    figures = {figure: value for figure, value, _ in table.rows}
    assert figures["new_grants"] is None
    assert figures["new_shares_granted"] is None
    assert figures["new_exercise_price"] is None
