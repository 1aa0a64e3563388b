"""Decision support on the contacts and documents page: the reference price and volatility employees'
Compare page illustrates with. Not terms: they change while the offer is open, never after it."""

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


def post(client, offer: Offer, price: str = "1.75", volatility: str = "60", rate: str = "4"):
    data = {
        "form": "decision-support",
        "reference_price": price,
        "volatility_percent": volatility,
        "risk_free_rate_percent": rate,
    }
    return client.post(documents_url(offer), data)


def stored(offer: Offer) -> tuple[Decimal | None, Decimal | None]:
    return tuple(Offer.objects.filter(pk=offer.pk).values_list("reference_price", "volatility").get())


FIXTURE = (Decimal("1.5"), Decimal("0.8"))  # soxp-2003: $1.50 and 80%


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


def test_the_administrator_saves_them_with_one_audit_event(
    staff_client, admin, soxp_2003, extension_day
) -> None:
    response = post(staff_client, soxp_2003, "1.75", "62.5", "3.25")
    assert response.status_code == 302
    assert stored(soxp_2003) == (Decimal("1.75"), Decimal("0.625"))
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
        }
    }
    follow = staff_client.get(response["Location"]).content.decode()
    assert "The decision support is saved" in follow


def test_all_may_be_cleared(staff_client, soxp_2003, extension_day) -> None:
    assert post(staff_client, soxp_2003, "", "", "").status_code == 302
    assert stored(soxp_2003) == (None, None)
    assert Offer.objects.get(pk=soxp_2003.pk).risk_free_rate is None
    assert edits().get().data["decision_support"]["reference_price"] == {
        "before": "1.5000",
        "after": None,
    }


def test_saving_the_same_values_writes_nothing(staff_client, soxp_2003, extension_day) -> None:
    response = post(staff_client, soxp_2003, "1.50", "80")
    assert response.status_code == 302
    assert not edits().exists()
    assert "already so" in staff_client.get(response["Location"]).content.decode()


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
    assert stored(soxp_2003) == (Decimal("1.75"), Decimal("0.6"))


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
