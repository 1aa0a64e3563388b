"""Decision support on the contacts and documents page: the reference price, volatility and risk-free
rate employees' Compare page illustrates with, and the vesting schedule it assumes for the current grants.
Not terms: they change while the offer is open, never after it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Offer
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db


def documents_url(offer: Offer) -> str:
    return reverse("console:offer-documents", args=[offer.slug])


#: The fixture's schedule for the current grants as the form shows it: 12 months, 25%, 36 instalments.
FOUR_YEARS = {
    "current_vesting_cliff_months": "12",
    "current_vesting_cliff_percent": "25",
    "current_vesting_installments": "36",
}


def post(client, offer: Offer, price: str = "1.75", volatility: str = "60", rate: str = "4", **schedule: str):
    data = {
        "form": "decision-support",
        "reference_price": price,
        "volatility_percent": volatility,
        "risk_free_rate_percent": rate,
        **FOUR_YEARS,
        **schedule,
    }
    return client.post(documents_url(offer), data)


def stored(offer: Offer) -> tuple[Decimal | int | None, ...]:
    fields = (
        "reference_price",
        "volatility",
        "risk_free_rate",
        "current_vesting_cliff_months",
        "current_vesting_cliff_fraction",
        "current_vesting_installments",
    )
    return tuple(Offer.objects.filter(pk=offer.pk).values_list(*fields).get())


#: soxp-2003: $1.50, 80%, 4% and the four-year schedule.
FIXTURE = (Decimal("1.5"), Decimal("0.8"), Decimal("0.04"), 12, Decimal("0.25"), 36)


def edits():
    """The offer's audit events (signing in writes events of its own)."""
    return AuditEvent.objects.filter(event_type="offer.edited")


def test_the_section_shows_the_values_and_what_employees_see(staff_client, soxp_2003, extension_day) -> None:
    html = staff_client.get(documents_url(soxp_2003)).content.decode()
    assert "Decision support" in html
    assert 'Reference price now</dt><dd class="col-sm-7">$1.50' in html
    assert "80% a year" in html
    assert "Compare page" in html
    assert 'name="reference_price" value="1.50"' in html
    assert 'name="volatility_percent" value="80"' in html
    assert 'Risk-free rate now</dt><dd class="col-sm-7">4% a year' in html
    assert 'name="risk_free_rate_percent" value="4"' in html
    assert (
        'Current grants\' vesting now</dt><dd class="col-sm-7">25% vests 12 months after the grant date, '
        "the rest in 36 equal monthly parts after that" in html
    )
    assert 'name="current_vesting_cliff_months" value="12"' in html
    assert 'name="current_vesting_cliff_percent" value="25"' in html
    assert 'name="current_vesting_installments" value="36"' in html


def test_the_administrator_saves_them_with_one_audit_event(
    staff_client, admin, soxp_2003, extension_day
) -> None:
    schedule = {
        "current_vesting_cliff_months": "6",
        "current_vesting_cliff_percent": "12.5",
        "current_vesting_installments": "42",
    }
    response = post(staff_client, soxp_2003, "1.75", "62.5", "3.25", **schedule)
    assert response.status_code == 302
    assert stored(soxp_2003) == (
        Decimal("1.75"),
        Decimal("0.625"),
        Decimal("0.0325"),
        6,
        Decimal("0.125"),
        42,
    )
    event = edits().get()
    assert (event.event_type, event.actor, event.offer, event.channel) == (
        "offer.edited",
        admin,
        soxp_2003,
        "web",
    )
    assert (event.subject_type, event.subject_id) == ("offers.Offer", str(soxp_2003.pk))
    assert event.data == {
        "decision_support": {
            "reference_price": {"before": "1.5000", "after": "1.7500"},
            "volatility": {"before": "0.8000", "after": "0.6250"},
            "risk_free_rate": {"before": "0.0400", "after": "0.0325"},
            "current_vesting_cliff_months": {"before": 12, "after": 6},
            "current_vesting_cliff_fraction": {"before": "0.2500", "after": "0.1250"},
            "current_vesting_installments": {"before": 36, "after": 42},
        }
    }
    follow = staff_client.get(response["Location"]).content.decode()
    assert "The decision support is saved" in follow


def test_all_may_be_cleared(staff_client, soxp_2003, extension_day) -> None:
    empty = dict.fromkeys(FOUR_YEARS, "")
    assert post(staff_client, soxp_2003, "", "", "", **empty).status_code == 302
    assert stored(soxp_2003) == (None,) * 6
    page = staff_client.get(documents_url(soxp_2003)).content.decode()
    assert 'vesting now</dt><dd class="col-sm-7">not set: no vested shares are shown' in page
    assert edits().get().data["decision_support"]["reference_price"] == {
        "before": "1.5000",
        "after": None,
    }


def test_saving_the_same_values_writes_nothing(staff_client, soxp_2003, extension_day) -> None:
    response = post(staff_client, soxp_2003, "1.50", "80", "4.00", current_vesting_cliff_percent="25.00")
    assert response.status_code == 302
    assert not edits().exists()
    assert "already so" in staff_client.get(response["Location"]).content.decode()


M, P, N = "current_vesting_cliff_months", "current_vesting_cliff_percent", "current_vesting_installments"
ALL_THREE = "Give the current grants&#x27; vesting cliff, the share vesting at it and the monthly instalments"


@pytest.mark.parametrize(
    ("schedule", "words"),
    [
        ({M: ""}, ALL_THREE),
        ({P: ""}, ALL_THREE),
        ({N: ""}, ALL_THREE),
        ({M: "", P: ""}, ALL_THREE),
        ({M: "-1"}, "greater than or equal to 0"),
        ({M: "61"}, "less than or equal to 60"),
        ({M: "12.5"}, "Enter a whole number"),
        ({P: "100.01"}, "less than or equal to 100"),
        ({P: "-5"}, "greater than or equal to 0"),
        ({P: "25.125"}, "no more than 2 decimal places"),
        ({P: "a quarter"}, "Enter a number"),
        ({N: "121"}, "less than or equal to 120"),
        ({N: "-1"}, "greater than or equal to 0"),
        ({N: "0"}, "Without monthly instalments a current grant vests whole at the cliff"),
    ],
)
def test_a_bad_schedule_is_refused_and_changes_nothing(
    staff_client, soxp_2003, extension_day, schedule, words
) -> None:
    response = post(staff_client, soxp_2003, **schedule)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert stored(soxp_2003) == FIXTURE
    assert not edits().exists()


def test_the_whole_grant_may_vest_at_the_cliff(staff_client, soxp_2003, extension_day) -> None:
    response = post(staff_client, soxp_2003, **{M: "36", P: "100", N: "0"})
    assert response.status_code == 302
    assert stored(soxp_2003)[3:] == (36, Decimal(1), 0)
    page = staff_client.get(documents_url(soxp_2003)).content.decode()
    assert "The whole grant vests 36 months after the grant date" in page


@pytest.mark.parametrize(
    ("price", "volatility", "words", "rate"),
    [
        ("0", "60", "must be more than $0", "4"),
        ("-1.00", "60", "must be more than $0", "4"),
        ("abc", "60", "Enter a number", "4"),
        ("1.23456", "60", "no more than 4 decimal places", "4"),
        ("1.75", "0.5", "greater than or equal to 1", "4"),
        ("1.75", "501", "less than or equal to 500", "4"),
        ("1.75", "80.125", "no more than 2 decimal places", "4"),
        ("1.75", "eighty", "Enter a number", "4"),
        ("99999999999", "60", "The reference price must be at most $1,000,000.00 a share.", "4"),
        ("1000000.0001", "60", "The reference price must be at most $1,000,000.00 a share.", "4"),
        ("1e9", "60", "The reference price must be at most $1,000,000.00 a share.", "4"),
        ("1.75", "60", "greater than or equal to 0", "-1"),
        ("1.75", "60", "less than or equal to 25", "26"),
        ("1.75", "60", "no more than 2 decimal places", "4.125"),
        ("1.75", "60", "Enter a number", "four"),
    ],
)
def test_bad_values_are_refused_and_change_nothing(
    staff_client, soxp_2003, extension_day, price, volatility, words, rate
) -> None:
    response = post(staff_client, soxp_2003, price, volatility, rate)
    assert response.status_code == 200
    assert words in response.content.decode()
    assert stored(soxp_2003) == FIXTURE
    assert not edits().exists()


@pytest.mark.parametrize("state", ["expired", "closed"])
def test_refused_once_the_deadline_has_passed(staff_client, soxp_2003, state) -> None:
    if state == "closed":
        Offer.objects.filter(pk=soxp_2003.pk).update(closed_at=soxp_2003.expires_at + timedelta(hours=1))
    with time_machine.travel(soxp_2003.expires_at + timedelta(days=2), tick=False):
        page = staff_client.get(documents_url(soxp_2003)).content.decode()
        response = post(staff_client, soxp_2003)
    assert 'value="decision-support"' not in page
    words = "is closed; its decision support" if state == "closed" else "has passed: no one can elect"
    assert words in page
    assert response.status_code == 200
    assert words in response.content.decode()
    assert stored(soxp_2003) == FIXTURE
    assert not edits().exists()


def test_allowed_before_the_offer_opens(staff_client, soxp_2003, before_opening) -> None:
    assert post(staff_client, soxp_2003).status_code == 302
    assert stored(soxp_2003) == (Decimal("1.75"), Decimal("0.6"), *FIXTURE[2:])


@pytest.mark.parametrize("who", ["employee", "auditor"])
def test_other_roles_are_refused_and_change_nothing(client, auditor, soxp_2003, extension_day, who) -> None:
    client.force_login(EmployeeFactory().user if who == "employee" else auditor)
    assert post(client, soxp_2003).status_code == 403
    assert stored(soxp_2003) == FIXTURE
    assert not edits().exists()


def test_anonymous_users_are_sent_to_sign_in(client, soxp_2003, extension_day) -> None:
    response = post(client, soxp_2003)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert stored(soxp_2003) == FIXTURE
