"""Creating and editing an offer's terms: times read in the offer's zone, every validation error,
the 20-business-day warning, the audit, and the lock once the offer is open."""

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Offer, Plan

pytestmark = pytest.mark.django_db
CREATE = reverse("console:offer-create")


def edit_url(offer: Offer) -> str:
    return reverse("console:offer-edit", args=[offer.slug])


def terms_data(**overrides: object) -> dict[str, object]:
    plans = list(Plan.objects.order_by("name").values_list("pk", flat=True))
    data: dict[str, object] = {
        "slug": "soxp-2004",
        "name": "2004 Stock Option Exchange Program",
        "company_name": "Lantronix, Inc.",
        "time_zone": "America/Los_Angeles",
        "opens_at": "2002-12-19T00:00",
        "expires_at": "2003-01-20T21:00",
        "eligible_countries": "us",
        "hire_cutoff_date": "2002-12-19",
        "hire_cutoff_inclusive": "False",
        "price_threshold": "3.01",
        "price_threshold_inclusive": "True",
        "lookback_start": "2002-06-19",
        "lookback_end": "2002-12-19",
        "covered_plans": plans,
        "exchange_ratio": "0.75",
        "rounding": "up",
        "award_type": "option",
        "award_by_country": "",
        "grant_date_rule": "after_gap",
        "new_grant_delay_months": "6",
        "new_grant_delay_days": "1",
        "pricing_basis": "close_before_grant_date",
        "new_option_type": "NSO",
        "new_option_plan": Plan.objects.get(name="2000 Stock Option Plan").pk,
        "new_term_years": "10",
        "vesting_cliff_months": "6",
        "vesting_cliff_fraction": "0.5",
        "vesting_monthly_installments": "24",
        "bands-TOTAL_FORMS": "0",  # no price bands: the flat exchange ratio
        "bands-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def offer_events():
    """Signing in is audited too; these tests look at the offer's own events."""
    return AuditEvent.objects.filter(event_type__startswith="offer.")


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_a_new_offer_is_stored_in_utc_from_times_typed_in_its_zone(
    staff_client, soxp_2003, before_opening
) -> None:
    response = staff_client.post(CREATE, terms_data(), follow=True)
    offer = Offer.objects.get(slug="soxp-2004")
    assert response.redirect_chain[-1][0] == edit_url(offer)
    assert offer.opens_at == datetime(2002, 12, 19, 8, 0, tzinfo=UTC)
    assert offer.expires_at == offer.original_expires_at == datetime(2003, 1, 21, 5, 0, tzinfo=UTC)
    assert offer.eligible_countries == "US"
    assert offer.exchange_ratio == Decimal("0.75")
    assert offer.covered_plans.count() == 5
    assert "Fewer than 20 business days" not in response.content.decode()
    event = offer_events().get()
    assert event.event_type == "offer.created"
    assert event.offer == offer
    assert event.data["terms"]["expires_at"] == "2003-01-21T05:00:00.000000Z"
    assert event.data["terms"]["exchange_ratio"] == "0.75"
    assert len(event.data["covered_plans"]) == 5


def test_an_offer_open_fewer_than_20_business_days_is_saved_with_a_warning(
    staff_client, soxp_2003, before_opening
) -> None:
    response = staff_client.post(CREATE, terms_data(expires_at="2003-01-16T21:00"), follow=True)
    assert Offer.objects.filter(slug="soxp-2004").exists()
    html = response.content.decode()
    assert "Fewer than 20 business days." in html
    assert "The offer would be open for 19 business days" in html


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"expires_at": "2002-12-18T21:00"}, "expires_at", "The deadline must be after the opening."),
        ({"expires_at": "2002-12-19T00:00"}, "expires_at", "The deadline must be after the opening."),
        ({"exchange_ratio": "0"}, "exchange_ratio", "more than 0 and at most 1"),
        ({"exchange_ratio": "-0.5"}, "exchange_ratio", "more than 0 and at most 1"),
        ({"exchange_ratio": "1.01"}, "exchange_ratio", "more than 0 and at most 1"),
        ({"lookback_end": "2002-06-18"}, "lookback_end", "must end on or after its first date"),
        ({"lookback_start": None}, "lookback_start", "needs a first date"),
        ({"lookback_end": "2002-12-20"}, "lookback_end", "is after the opening date, December 19, 2002"),
        (
            {"lookback_start": "2002-12-20", "lookback_end": None},
            "lookback_start",
            "is after the opening date",
        ),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone", "Select a valid choice"),
        ({"opens_at": "2003-04-06T02:30", "expires_at": "2003-05-06T21:00"}, "opens_at", "does not exist"),
        ({"opens_at": "not a time"}, "opens_at", "Enter a valid date/time"),
        ({"eligible_countries": "USA"}, "eligible_countries", "not a two-letter country code"),
        ({"slug": "soxp-2003"}, "slug", "already exists"),
        ({"price_threshold": "-1"}, "price_threshold", "The price threshold must be $0 or more."),
        ({"hire_cutoff_inclusive": "maybe"}, "hire_cutoff_inclusive", "Select a valid choice"),
        ({"opens_at": "2002-11-30T00:00", "lookback_end": "2002-11-01"}, "__all__", "is already past"),
        ({"award_by_country": "GB rsu"}, "award_by_country", '"GB rsu" is not a country and an award'),
        ({"award_by_country": "GB: shares"}, "award_by_country", "an award is option or rsu"),
        ({"award_by_country": "GB: rsu, gb: option"}, "award_by_country", "GB is named twice."),
    ],
)
def test_invalid_terms_are_refused_with_the_reason(
    staff_client, soxp_2003, before_opening, overrides, field, error
) -> None:
    response = staff_client.post(CREATE, terms_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(error in message for message in errors), errors
    assert not Offer.objects.filter(slug="soxp-2004").exists()
    assert not offer_events().exists()


RANGE = "must be from January 1, 1990 to December 31, 2100"


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"opens_at": "9999-12-31T23:59"}, "opens_at", f"Opens {RANGE}; December 31, 9999 is outside"),
        ({"expires_at": "9999-12-31T23:59"}, "expires_at", f"Deadline {RANGE}"),
        ({"opens_at": "0001-01-01T00:00", "time_zone": "Asia/Tokyo"}, "opens_at", f"Opens {RANGE}"),
        ({"opens_at": "0000-01-01T00:00"}, "opens_at", "Enter a valid date/time"),
        ({"expires_at": "2003-12-20T00:01"}, "expires_at", "so no later than December 20, 2003"),
        ({"hire_cutoff_date": "9999-12-31"}, "hire_cutoff_date", f"Hire cut-off date {RANGE}"),
        ({"hire_cutoff_date": "1989-12-31"}, "hire_cutoff_date", f"Hire cut-off date {RANGE}"),
        (
            {"hire_cutoff_date": "2003-01-21"},
            "hire_cutoff_date",
            "on or before the deadline's date, January 20",
        ),
        ({"lookback_start": "0001-01-01"}, "lookback_start", f"Lookback window: first grant date {RANGE}"),
        ({"price_threshold": "99999999999"}, "price_threshold", "at most $1,000,000.00 a share"),
        ({"price_threshold": "1000000.01"}, "price_threshold", "at most $1,000,000.00 a share"),
        ({"price_threshold": "NaN"}, "price_threshold", "Enter a number"),
        ({"covered_plans": ["99999999999999999999"]}, "covered_plans", "Select a valid choice"),
        (
            {"new_grant_delay_months": "32767"},
            "new_grant_delay_months",
            "from 0 to 24 months; 32767 is outside",
        ),
        ({"new_grant_delay_days": "32"}, "new_grant_delay_days", "from 0 to 31 days"),
        ({"new_term_years": "0"}, "new_term_years", "New option term must be from 1 to 15 years"),
        ({"new_term_years": "16"}, "new_term_years", "New option term must be from 1 to 15 years"),
        ({"vesting_cliff_months": "61"}, "vesting_cliff_months", "Vesting cliff must be from 0 to 60 months"),
        (
            {"vesting_monthly_installments": "121"},
            "vesting_monthly_installments",
            "from 0 to 120 instalments",
        ),
        (
            {"vesting_monthly_installments": "0"},
            "vesting_monthly_installments",
            "Without monthly instalments the whole option vests at the cliff",
        ),
        (
            {"new_term_years": "2", "vesting_monthly_installments": "18"},
            "vesting_monthly_installments",
            "would vest over 24 months (the cliff and the instalments), but they expire after 2 years",
        ),
    ],
)
def test_out_of_range_terms_are_refused_with_the_bound(
    staff_client, soxp_2003, before_opening, overrides, field, error
) -> None:
    response = staff_client.post(CREATE, terms_data(**overrides))
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(error in message for message in errors), errors
    assert not Offer.objects.filter(slug="soxp-2004").exists()
    assert not offer_events().exists()


def test_an_edit_out_of_range_is_refused_and_changes_nothing(staff_client, soxp_2003, before_opening) -> None:
    response = staff_client.post(edit_url(soxp_2003), terms_data(slug=None, expires_at="9999-12-31T23:59"))
    assert response.status_code == 200
    assert f"Deadline {RANGE}" in response.content.decode()
    soxp_2003.refresh_from_db()
    assert soxp_2003.expires_at == datetime(2003, 1, 21, 5, 0, tzinfo=UTC)
    assert not offer_events().exists()


@pytest.mark.parametrize(
    ("values", "words"),
    [
        ({"price_threshold": Decimal("99999999999")}, "The price threshold must be at most $1,000,000.00"),
        ({"new_term_years": 0}, "New option term must be from 1 to 15 years"),
        ({"expires_at": datetime(2100, 12, 31, 20, 0, tzinfo=UTC)}, "at most 366 days after the opening"),
    ],
)
def test_the_actions_refuse_out_of_range_terms_too(admin, soxp_2003, before_opening, values, words) -> None:
    """A caller other than the form (a command, the shell) gets the same refusal, and nothing is written."""
    from soxp_portal.offers.actions import OfferError, update_offer_terms

    with pytest.raises(OfferError, match=re.escape(words)):
        update_offer_terms(soxp_2003, values, covered_plans=soxp_2003.covered_plans.all(), actor=admin)
    soxp_2003.refresh_from_db()
    assert (soxp_2003.price_threshold, soxp_2003.new_term_years) == (Decimal("3.01"), 10)
    assert not offer_events().exists()


def test_the_form_words_each_reading_where_the_documents_disagree(
    staff_client, soxp_2003, before_opening
) -> None:
    html = staff_client.get(CREATE).content.decode()
    assert "Hired strictly before the cut-off date (the presentation&#x27;s reading)" in html
    assert "Hired on or before the cut-off date (the Offer to Exchange&#x27;s reading)" in html
    assert "A price equal to the threshold is eligible" in html
    assert "Fair market value on the new grant date" in html
    assert "Empty: every grant on or after the first date" in html


def test_editing_before_opening_audits_only_what_changed(staff_client, soxp_2003, before_opening) -> None:
    html = staff_client.get(edit_url(soxp_2003)).content.decode()
    assert 'value="2003-01-20T21:00"' in html  # shown in Pacific time, as typed
    assert 'name="exchange_ratio" value="0.75"' in html
    data = terms_data(exchange_ratio="0.8", expires_at="2003-01-24T21:00", slug=None)
    data["covered_plans"] = data["covered_plans"][:2]  # type: ignore[index]
    response = staff_client.post(edit_url(soxp_2003), data, follow=True)
    soxp_2003.refresh_from_db()
    assert soxp_2003.exchange_ratio == Decimal("0.8")
    assert soxp_2003.expires_at == soxp_2003.original_expires_at == datetime(2003, 1, 25, 5, 0, tzinfo=UTC)
    assert soxp_2003.name == "2004 Stock Option Exchange Program"
    assert soxp_2003.covered_plans.count() == 2
    assert any(message.startswith("Saved:") for message in messages_of(response))
    event = offer_events().get()
    assert event.event_type == "offer.edited"
    assert set(event.data) == {"exchange_ratio", "expires_at", "name", "covered_plans"}
    assert event.data["exchange_ratio"] == {"before": "0.750000", "after": "0.8"}
    assert event.data["expires_at"]["before"] == "2003-01-21T05:00:00.000000Z"


def test_saving_unchanged_terms_writes_nothing(staff_client, soxp_2003, before_opening) -> None:
    data = terms_data(slug=None, name=soxp_2003.name)
    response = staff_client.post(edit_url(soxp_2003), data, follow=True)
    assert "Nothing was changed." in messages_of(response)
    assert not offer_events().exists()


def test_editing_shows_invalid_terms_again_without_saving(staff_client, soxp_2003, before_opening) -> None:
    response = staff_client.post(edit_url(soxp_2003), terms_data(slug=None, exchange_ratio="2"))
    assert "more than 0 and at most 1" in response.content.decode()
    soxp_2003.refresh_from_db()
    assert soxp_2003.exchange_ratio == Decimal("0.75")


def test_once_open_the_terms_are_locked_with_a_clear_message(staff_client, soxp_2003) -> None:
    with time_machine.travel(datetime(2003, 1, 10, 18, 0, tzinfo=UTC), tick=False):
        html = staff_client.get(edit_url(soxp_2003)).content.decode()
        assert "The terms are locked." in html
        assert "The offer opened on December 19, 2002 at 12:00 AM PST" in html
        assert reverse("console:offer-extend", args=[soxp_2003.slug]) in html
        assert "Hired strictly before December 19, 2002 (the presentation's reading)" in html
        response = staff_client.post(
            edit_url(soxp_2003), terms_data(slug=None, exchange_ratio="0.5"), follow=True
        )
    assert any("its terms are locked" in message for message in messages_of(response))
    soxp_2003.refresh_from_db()
    assert soxp_2003.exchange_ratio == Decimal("0.75")
    assert not offer_events().exists()


def test_an_edit_that_races_the_opening_is_refused(admin, soxp_2003, before_opening) -> None:
    """The page was loaded before the opening; the save arrives after it: the action refuses."""
    from soxp_portal.offers.actions import OfferError, update_offer_terms

    with time_machine.travel(datetime(2002, 12, 20, tzinfo=UTC), tick=False), pytest.raises(OfferError):
        update_offer_terms(soxp_2003, {"exchange_ratio": Decimal("0.5")}, covered_plans=[], actor=admin)
    soxp_2003.refresh_from_db()
    assert soxp_2003.exchange_ratio == Decimal("0.75")
