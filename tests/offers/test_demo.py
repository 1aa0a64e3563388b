"""setup_demo: an open offer with the 2003 terms moved by whole weeks, its census and the logins."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from soxp_portal.accounts.models import User
from soxp_portal.offers.demo import DEMO_PASSWORD, OPENED_DAYS_AGO, set_up_demo, shift_instant, weeks_to_shift
from soxp_portal.offers.models import Employee, Grant, Offer, OfferPhase
from soxp_portal.offers.reports import write_eligibility_report

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 25)


@pytest.fixture
def demo(soxp_2003: Offer):
    return set_up_demo(today=TODAY)


def test_demo_offer_opened_about_ten_days_ago_and_closes_about_twenty_days_ahead(
    demo, soxp_2003: Offer
) -> None:
    offer = demo.offer
    opened = offer.opens_at.astimezone(offer.zone).date()
    closes = offer.expires_at.astimezone(offer.zone)
    assert abs((TODAY - opened).days - OPENED_DAYS_AGO) <= 3
    assert 17 <= (closes.date() - TODAY).days <= 25
    assert (closes.hour, closes.minute) == (21, 0), "9:00 pm Pacific, whatever daylight saving does"
    assert opened.weekday() == soxp_2003.opens_at.astimezone(soxp_2003.zone).date().weekday()
    assert offer.phase(offer.opens_at + timedelta(days=OPENED_DAYS_AGO)) is OfferPhase.OPEN


def test_demo_keeps_the_2003_terms(demo, soxp_2003: Offer) -> None:
    offer, weeks = demo.offer, timedelta(weeks=demo.weeks)
    assert offer.hire_cutoff_date == soxp_2003.hire_cutoff_date + weeks
    assert offer.lookback_start == soxp_2003.lookback_start + weeks
    assert offer.exchange_ratio == soxp_2003.exchange_ratio
    assert offer.price_threshold == soxp_2003.price_threshold
    assert set(offer.covered_plans.all()) == set(soxp_2003.covered_plans.all())
    assert (offer.reference_price, offer.volatility) == (Decimal("1.50"), Decimal("0.80"))
    # The decision support too: the rate and the schedule assumed for the current grants.
    assert offer.risk_free_rate == Decimal("0.04")
    assert offer.current_grant_vesting == soxp_2003.current_grant_vesting is not None
    assert offer.new_grant_date() >= offer.cancellation_date() + timedelta(days=181)


def test_demo_census_shows_every_case(demo) -> None:
    offer = demo.offer
    out = io.StringIO()
    write_eligibility_report(offer, out, on=offer.cancellation_date() - timedelta(days=1))
    rows = {row["grant_id"]: row for row in csv.DictReader(io.StringIO(out.getvalue()))}

    def verdict(grant_id: str) -> tuple[str, str, str]:
        return (
            rows[grant_id]["eligible"],
            rows[grant_id]["required"],
            rows[grant_id]["new_shares_if_exchanged"],
        )

    # Slide 9, exactly.
    assert [verdict(g) for g in ("G-1001", "G-1002", "G-1003", "G-1004")] == [
        ("true", "false", "600"),
        ("true", "false", "750"),
        ("false", "false", ""),
        ("true", "true", "375"),
    ]
    assert verdict("G-2002") == ("true", "true", "900")  # a lookback grant below the threshold
    assert verdict("G-2003") == ("true", "true", "250")  # on the lookback window's last day; 333 -> 250
    for grant_id, words in [
        ("G-3001", "executive officer"),
        ("G-4001", "director"),
        ("G-5001", "works in gb"),
        ("G-6001", "hired on"),
        ("G-7001", "not employed"),
        ("G-10001", "below"),
        ("G-10002", "below"),
        ("G-11001", "on or before the cancellation date"),
        ("G-11002", "no outstanding shares"),
    ]:
        assert rows[grant_id]["eligible"] == "false", grant_id
        assert words in rows[grant_id]["reason"].lower(), (grant_id, rows[grant_id]["reason"])
    assert verdict("G-8001")[0] == "true", "an employee on leave is still employed"
    assert verdict("G-9001")[0] == "true"
    assert Grant.objects.get(grant_id="G-9001").performance_condition
    assert verdict("G-9002")[0] == "true", "$3.01 is at the threshold, which the presentation includes"
    assert verdict("G-12001")[0] == "true", "an assumed Lightwave grant dated before the hire date"


def test_demo_accounts_sign_in(demo, rf) -> None:
    for email, _role in demo.logins:
        assert authenticate(rf.post("/"), username=email, password=DEMO_PASSWORD) is not None, email
    assert len(demo.logins) == 14
    assert Employee.objects.get(employee_id="E1001").user.email == "sam.slide@example.com"


def test_demo_administrator_and_auditor_work_in_the_console_not_the_admin_site(demo, client) -> None:
    for email in ("admin@example.com", "auditor@example.com"):
        user = User.objects.get(email=email)
        assert not user.is_staff
        assert not user.is_superuser
        client.force_login(user)
        response = client.get("/admin/")
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/")
    client.force_login(User.objects.get(email="admin@example.com"))
    assert client.get("/console/").status_code == 200
    assert client.get(f"/console/offers/{demo.offer.slug}/").status_code == 200
    client.force_login(User.objects.get(email="auditor@example.com"))
    assert client.get("/console/audit/").status_code == 200
    assert client.get("/console/").status_code == 403, "an auditor only audits"


def test_setting_up_the_demo_again_changes_nothing(demo) -> None:
    before = list(Grant.objects.order_by("pk").values_list("grant_id", "grant_date", "employee_id"))
    again = set_up_demo(today=TODAY)
    assert again.offer.pk == demo.offer.pk
    assert again.census.summary()["grants_unchanged"] == len(before)
    assert list(Grant.objects.order_by("pk").values_list("grant_id", "grant_date", "employee_id")) == before
    assert Offer.objects.filter(slug="demo").count() == 1


def test_weeks_to_shift_is_whole_weeks_nearest_the_target() -> None:
    assert weeks_to_shift(date(2002, 12, 19), date(2002, 12, 29)) == 0
    weeks = weeks_to_shift(date(2002, 12, 19), TODAY)
    assert abs((date(2002, 12, 19) + timedelta(weeks=weeks) - (TODAY - timedelta(days=10))).days) <= 3


def test_shift_keeps_the_wall_clock_across_daylight_saving(soxp_2003: Offer) -> None:
    # 2003-01-20 21:00 PST moved 26 weeks lands in July (PDT): still 21:00 local.
    moved = shift_instant(soxp_2003.expires_at, 26, soxp_2003.zone).astimezone(soxp_2003.zone)
    assert (moved.date(), moved.hour) == (date(2003, 7, 21), 21)


def test_command_needs_the_source_offer(db) -> None:
    with pytest.raises(CommandError, match=r"run `manage\.py loaddata soxp-2003` first"):
        call_command("setup_demo")


def test_command_prints_the_logins(soxp_2003: Offer, capsys) -> None:
    call_command("loaddata", "exchange-2009", verbosity=0)
    call_command("setup_demo")
    out = capsys.readouterr().out
    assert f"password for all: {DEMO_PASSWORD}" in out
    assert "sam.slide@example.com" in out
    assert "admin@example.com" in out


def test_command_prints_when_the_demo_opens_and_closes_in_the_offers_zone(soxp_2003: Offer, capsys) -> None:
    call_command("loaddata", "exchange-2009", verbosity=0)
    with time_machine.travel(datetime(2026, 11, 25, 20, 0, tzinfo=UTC), tick=False):
        call_command("setup_demo")
    out = capsys.readouterr().out
    assert (
        "(the 2003 terms moved 1247 weeks): open November 12, 2026 at 12:00 AM PST "
        "until December 14, 2026 at 9:00 PM PST." in out
    )
