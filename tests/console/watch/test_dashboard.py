"""The dashboard: the participation figures, exact on a small census, and the elections per day."""

import re
from datetime import date, datetime, timedelta

import pytest
from django.test import Client

from soxp_portal.offers.models import Election, Offer
from soxp_portal.offers.participation import elections_per_day, participation_summary
from tests.console.watch.conftest import DURING_OFFER, Census, url

pytestmark = pytest.mark.django_db


def figure(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}">([^<]*)<', html)
    assert match, element_id
    return match.group(1)


def test_summary_counts_employees_and_shares_exactly(offer: Offer, census: Census) -> None:
    summary = participation_summary(offer, now=DURING_OFFER)
    assert summary.employees == 8
    assert summary.eligible_employees == 5  # Sam, Alice, Bob, Dave, Erin
    assert (summary.participants, summary.withdrawn, summary.not_decided) == (2, 1, 2)
    assert summary.eligible_shares == 2300 + 1000 + 1000 + 400 + 1000  # Sam's G-1003 is not eligible
    assert summary.tendered_shares == 2300 + 1000  # Sam, and Bob's version in force only
    assert summary.new_shares == 1725 + 750
    assert summary.tendered_percent == "58%"


def test_dashboard_shows_the_figures(admin_client: Client, offer: Offer, census: Census) -> None:
    html = admin_client.get(url("dashboard", offer)).content.decode()
    assert figure(html, "count-eligible") == "5"
    assert figure(html, "count-participating") == "2"
    assert figure(html, "count-withdrawn") == "1"
    assert figure(html, "count-not-decided") == "2"
    assert figure(html, "shares-eligible") == "5,700"
    assert figure(html, "shares-tendered") == "3,300"
    assert figure(html, "shares-new") == "2,475"
    # One zone on the administrator's pages: the offer's, named; elections received to the second.
    assert "deadline January 20, 2003 at 9:00 PM PST" in html
    assert '<td data-label="Received">January 9, 2003 at 11:30:00 PM PST</td>' in html  # Alice withdraws
    assert "UTC" not in html


def test_empty_offer_shows_zeros(admin_client: Client, offer: Offer) -> None:
    html = admin_client.get(url("dashboard", offer)).content.decode()
    assert figure(html, "count-eligible") == "0"
    assert "No election has been received yet." in html


def test_elections_per_day_counts_every_version_on_its_pacific_day(offer: Offer, census: Census) -> None:
    days = {day.day: (day.elections, day.withdrawals) for day in elections_per_day(offer, now=DURING_OFFER)}
    assert min(days) == date(2002, 12, 19)  # the opening day
    assert max(days) == date(2003, 1, 10)  # today
    assert days[date(2003, 1, 6)] == (1, 0)
    assert days[date(2003, 1, 8)] == (1, 0)
    # Alice's withdrawal at 07:30 UTC on Jan 10 is 23:30 on Jan 9 in Pacific time; Bob elected twice.
    assert days[date(2003, 1, 9)] == (2, 1)
    assert days[date(2003, 1, 10)] == (0, 0)
    assert sum(e + w for e, w in days.values()) == 5


def test_elections_per_day_stop_at_the_deadline(offer: Offer) -> None:
    days = elections_per_day(offer, now=offer.expires_at + timedelta(days=30))
    assert days[-1].day == date(2003, 1, 20)
    assert len(days) == 33


def test_the_chart_is_an_svg_with_a_bar_per_day_and_a_table(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    html = admin_client.get(url("dashboard", offer)).content.decode()
    assert html.count('<svg class="d-') == 2  # wide and narrow
    assert 'role="img"' in html
    assert "Thu Jan 9: 2 elections, 1 withdrawal" in html
    assert "Thu, Jan 9, 2003" in html  # the table behind the chart
    assert "style=" not in html, "the content security policy forbids inline styles"


def test_latest_elections_are_listed_newest_first(admin_client: Client, offer: Offer, census: Census) -> None:
    html = admin_client.get(url("dashboard", offer)).content.decode()
    latest = html[html.index("Latest elections received") :]
    assert latest.index("Alice Able") < latest.index("Bob Baker") < latest.index("Sam Slide")


def test_reminder_button_only_while_open(
    admin_client: Client, admin, offer: Offer, census: Census, during_offer
) -> None:
    assert "Email a reminder" in admin_client.get(url("dashboard", offer)).content.decode()
    during_offer.move_to(datetime(2003, 1, 22, 12, 0, tzinfo=offer.zone))
    admin_client.force_login(admin)  # the idle session has expired meanwhile
    html = admin_client.get(url("dashboard", offer)).content.decode()
    assert "Email a reminder" not in html
    assert "Reminders can be sent only while the offer is open." in html


def test_chart_bars_are_scaled_to_a_round_top_and_stacked() -> None:
    from soxp_portal.console.watch import PLOT_BOTTOM, PLOT_TOP, day_chart
    from soxp_portal.offers.participation import DayCount

    days = [
        DayCount(date(2003, 1, 6), 3, 0),
        DayCount(date(2003, 1, 7), 1, 1),
        DayCount(date(2003, 1, 8), 0, 0),
    ]
    chart = day_chart(days, width=360, key="test")
    assert [line.value for line in chart.grid] == [0, 5]  # the busiest day (3) on a scale to 5
    full = PLOT_BOTTOM - PLOT_TOP
    first, second, empty = chart.bars
    assert first.election_height == round(full * 3 / 5, 2)
    assert second.withdrawal_y + second.withdrawal_height == second.election_y  # stacked on the elections
    assert empty.election_height == empty.withdrawal_height == 0
    assert first.label == "Jan 6"  # the first day and Mondays are labelled


def test_confirmation_numbers_link_to_the_employees_versions(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    """A confirmation number opens the employee's page at that version's row, not the PDF."""
    html = admin_client.get(url("dashboard", offer)).content.decode()
    elections = Election.objects.filter(offer=offer).select_related("employee")
    assert len(elections) == 5
    for election in elections:
        page = url("employee", offer, election.employee.employee_id)
        anchor = f"election-{election.confirmation_number}"
        assert f'<a href="{page}#{anchor}">{election.confirmation_number}</a>' in html
        assert f'<tr id="{anchor}">' in admin_client.get(page).content.decode()
    assert "/pdf/" not in html
