"""The price bands on the console's terms page: a formset beside the terms, kept by award type and lower
end, passed to create_offer/update_offer_terms and audited with them; overlaps, gaps and awards without
bands refused beside the bands, naming the band, with nothing changed; a flat offer as before."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.urls import reverse

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Offer, PriceBand
from tests.console.setup.test_offer_terms_views import CREATE, edit_url, messages_of, offer_events, terms_data

pytestmark = pytest.mark.django_db
D = Decimal


def band(
    lower: str,
    upper: str | None,
    tendered: str,
    *,
    award: str = "option",
    new: str = "1",
    lower_inclusive: bool = False,
    upper_inclusive: bool = True,
    vesting: tuple[str, str, str] | None = None,
    **more: str,
) -> dict[str, str]:
    """One row as the browser posts it: an unticked box is not posted at all."""
    row = {
        "award_type": award,
        "lower": lower,
        "upper": upper or "",
        "ratio_new": new,
        "ratio_tendered": tendered,
    }
    if lower_inclusive:
        row["lower_inclusive"] = "on"
    if upper_inclusive:
        row["upper_inclusive"] = "on"
    if vesting:
        names = ("vesting_cliff_months", "vesting_cliff_fraction", "vesting_monthly_installments")
        row.update(zip(names, vesting, strict=True))
    return {**row, **more}


#: An extra row left alone, as the page renders it: the award, the ticked lower end and 1 new share.
UNTOUCHED = {"award_type": "option", "lower_inclusive": "on", "ratio_new": "1"}


def bands_post(*rows: dict[str, str], initial: int = 0) -> dict[str, str]:
    data = {"bands-TOTAL_FORMS": str(len(rows)), "bands-INITIAL_FORMS": str(initial)}
    for index, row in enumerate(rows):
        data.update({f"bands-{index}-{name}": value for name, value in row.items()})
    return data


def with_bands(*rows: dict[str, str], initial: int = 0, **terms: Any) -> dict[str, Any]:
    return {**terms_data(**terms), **bands_post(*rows, initial=initial)}


def stored(offer: Offer) -> list[tuple[Any, ...]]:
    return list(
        PriceBand.objects.filter(offer=offer)
        .order_by("award_type", "position")
        .values_list("award_type", "position", "lower", "upper", "ratio_new", "ratio_tendered")
    )


#: Options for every country but GB, RSUs there; each award's bands over the same prices, typed out of
#: order (the page keeps them by award, then lower end).
TWO_AWARDS = (
    band("5.00", None, "1.88", lower_inclusive=True, upper_inclusive=False),
    band("0", "5.00", "6", award="rsu", lower_inclusive=True, upper_inclusive=False),
    band("5.00", None, "9.25", award="rsu", lower_inclusive=True, upper_inclusive=False),
    band("0", "5.00", "2.01", lower_inclusive=True, upper_inclusive=False),
)


def test_a_banded_offer_with_two_awards_is_created_with_its_bands_in_order_and_audited(
    staff_client, soxp_2003, before_opening
) -> None:
    response = staff_client.post(
        CREATE, with_bands(*TWO_AWARDS, eligible_countries="US, GB", award_by_country="GB: rsu"), follow=True
    )
    offer = Offer.objects.get(slug="soxp-2004")
    assert response.redirect_chain[-1][0] == edit_url(offer)
    assert stored(offer) == [
        ("option", 1, D(0), D(5), D(1), D("2.01")),
        ("option", 2, D(5), None, D(1), D("1.88")),
        ("rsu", 1, D(0), D(5), D(1), D(6)),
        ("rsu", 2, D(5), None, D(1), D("9.25")),
    ]
    assert offer.award_by_country == {"GB": "rsu"}
    event = offer_events().get()
    assert event.event_type == "offer.created"
    recorded = [(row["award_type"], row["lower"], row["ratio_tendered"]) for row in event.data["price_bands"]]
    assert recorded == [
        ("option", "0", "2.01"),
        ("option", "5.00", "1.88"),
        ("rsu", "0", "6"),
        ("rsu", "5.00", "9.25"),
    ]
    terms = offer.terms
    assert terms.band_for(D("4.99")).for_tendered == D("2.01")
    assert terms.band_for(D("5.00"), award=terms.award_for("GB")).for_tendered == D("9.25")


def test_editing_a_banded_offer_shows_its_bands_as_typed(staff_client, soxp_2003, before_opening) -> None:
    PriceBand.objects.create(
        offer=soxp_2003, position=1, lower=D("3.01"), upper=D(5), upper_inclusive=False, ratio_new=D(1),
        ratio_tendered=D("1.88"), vesting_cliff_months=12, vesting_cliff_fraction=D("0.5"),
        vesting_monthly_installments=12,
    )  # fmt: skip
    PriceBand.objects.create(offer=soxp_2003, position=2, lower=D(5), ratio_new=D("0.5"), ratio_tendered=D(1))
    response = staff_client.get(edit_url(soxp_2003))
    page = response.content.decode()
    for name, value in (
        ("0-lower", "3.01"),
        ("0-upper", "5.00"),
        ("0-ratio_new", "1"),
        ("0-ratio_tendered", "1.88"),
        ("0-vesting_cliff_months", "12"),
        ("0-vesting_cliff_fraction", "0.5"),
        ("0-vesting_monthly_installments", "12"),
        ("1-lower", "5.00"),
        ("1-ratio_new", "0.5"),
        ("1-ratio_tendered", "1"),
    ):
        assert f'name="bands-{name}" value="{value}"' in page, name
    assert 'name="bands-1-upper" value' not in page  # no top
    assert 'name="bands-TOTAL_FORMS" value="4"' in page  # two bands and two empty rows
    assert "Row 1: Band 1" in page
    assert "Unused: this offer has price bands" in page
    assert reverse("console:offer-ratios", args=[soxp_2003.slug]) in page


def test_editing_the_bands_replaces_them_and_audits_before_and_after(
    staff_client, soxp_2003, before_opening
) -> None:
    PriceBand.objects.create(offer=soxp_2003, position=1, lower=D(0), ratio_new=D(1), ratio_tendered=D(2))
    rows = (
        band("0", "4.00", "2", lower_inclusive=True, DELETE=""),
        band("4.00", None, "1.5", upper_inclusive=False, vesting=("12", "0.25", "36")),
        UNTOUCHED,
    )
    response = staff_client.post(
        edit_url(soxp_2003), with_bands(*rows, initial=1, slug=None, name=soxp_2003.name), follow=True
    )
    assert messages_of(response) == ["Saved: price bands."]
    assert stored(soxp_2003) == [
        ("option", 1, D(0), D(4), D(1), D(2)),
        ("option", 2, D(4), None, D(1), D("1.5")),
    ]
    assert PriceBand.objects.get(offer=soxp_2003, position=2).vesting_monthly_installments == 36
    event = offer_events().get()
    assert event.event_type == "offer.edited"
    assert set(event.data) == {"price_bands"}
    assert [row["upper"] for row in event.data["price_bands"]["before"]] == [None]
    assert [row["upper"] for row in event.data["price_bands"]["after"]] == ["4.00", None]
    assert event.data["price_bands"]["after"][1]["vesting"] == [12, "0.25", 36]


def test_the_same_bands_again_write_nothing(staff_client, soxp_2003, before_opening) -> None:
    PriceBand.objects.create(
        offer=soxp_2003, position=1, lower=D(0), upper=D(4), ratio_new=D(1), ratio_tendered=D(2)
    )
    PriceBand.objects.create(
        offer=soxp_2003,
        position=2,
        lower=D(4),
        upper_inclusive=False,
        ratio_new=D(1),
        ratio_tendered=D("1.5"),
    )
    rows = (
        band("0.00", "4.00", "2.000", lower_inclusive=True, upper_inclusive=False),
        band("4.00", None, "1.50", lower_inclusive=True, upper_inclusive=False),
    )
    response = staff_client.post(
        edit_url(soxp_2003), with_bands(*rows, initial=2, slug=None, name=soxp_2003.name), follow=True
    )
    assert messages_of(response) == ["Nothing was changed."]
    assert not offer_events().exists()


def test_removing_every_band_makes_the_offer_flat_again(staff_client, soxp_2003, before_opening) -> None:
    PriceBand.objects.create(
        offer=soxp_2003,
        position=1,
        lower=D(0),
        upper=D(4),
        upper_inclusive=False,
        ratio_new=D(1),
        ratio_tendered=D(2),
    )
    PriceBand.objects.create(offer=soxp_2003, position=2, lower=D(4), ratio_new=D(1), ratio_tendered=D("1.5"))
    removed = band("0", "4.00", "2", lower_inclusive=True, upper_inclusive=False, DELETE="on")
    cleared = {"award_type": "option", "lower_inclusive": "on", "ratio_new": "1"}  # its fields emptied
    response = staff_client.post(
        edit_url(soxp_2003),
        with_bands(removed, cleared, initial=2, slug=None, name=soxp_2003.name),
        follow=True,
    )
    assert messages_of(response) == ["Saved: price bands."]
    assert not PriceBand.objects.filter(offer=soxp_2003).exists()
    assert offer_events().get().data["price_bands"]["after"] == []


@pytest.mark.parametrize(
    ("rows", "terms", "problem"),
    [
        (
            (band("0", "5.00", "2", lower_inclusive=True), band("4.50", None, "1.5", lower_inclusive=True)),
            {},
            "Band 2 overlaps band 1: it starts at $4.50, below $5.00.",
        ),
        (
            (band("0", "5.00", "2", lower_inclusive=True), band("5.00", None, "1.5", lower_inclusive=True)),
            {},
            "Band 2 overlaps band 1: both include $5.00.",
        ),
        (
            (band("0", "5.00", "2", lower_inclusive=True), band("6.00", None, "1.5")),
            {},
            "Band 2 leaves a gap after band 1: $5.00 to $6.00 is in no band.",
        ),
        (
            (
                band("0", None, "2", lower_inclusive=True),
                band("0", None, "6", award="rsu", lower_inclusive=True, upper_inclusive=False),
                band("5.00", None, "7", award="rsu"),
            ),
            {"award_by_country": "GB: rsu"},
            "RSU bands: Band 1 has no top, so band 2 cannot come after it.",
        ),
        (
            (),
            {"award_by_country": "GB: rsu"},
            "Employees working in GB receive restricted stock units (RSUs), which needs price bands of its own",
        ),
        (
            (
                band("0", None, "2", lower_inclusive=True, upper_inclusive=False),
                band("0", None, "6", award="rsu", lower_inclusive=True, upper_inclusive=False),
            ),
            {},
            "Some price bands give restricted stock units (RSUs), which no employee receives",
        ),
        (
            (band("0", None, "6", award="rsu", lower_inclusive=True, upper_inclusive=False),),
            {"award_by_country": "GB: rsu"},
            "The offer grants new options, but no price band gives them",
        ),
    ],
)
def test_band_problems_are_shown_beside_the_bands_and_nothing_is_created(
    staff_client, soxp_2003, before_opening, rows, terms, problem
) -> None:
    response = staff_client.post(CREATE, with_bands(*rows, **terms))
    assert response.status_code == 200
    errors = response.context["bands"].non_form_errors()
    assert any(problem in error for error in errors), errors
    assert not response.context["form"].non_field_errors()
    assert problem in response.content.decode()
    assert not Offer.objects.filter(slug="soxp-2004").exists()
    assert not PriceBand.objects.exists()
    assert not offer_events().exists()


def test_an_overlap_in_an_edit_changes_nothing(staff_client, soxp_2003, before_opening) -> None:
    PriceBand.objects.create(offer=soxp_2003, position=1, lower=D(0), ratio_new=D(1), ratio_tendered=D(2))
    rows = (
        band("0", "5.00", "2", lower_inclusive=True, DELETE=""),
        band("4.50", None, "1.5", lower_inclusive=True),
    )
    response = staff_client.post(
        edit_url(soxp_2003), with_bands(*rows, initial=1, slug=None, exchange_ratio="0.8")
    )
    assert (
        "Band 2 overlaps band 1: it starts at $4.50, below $5.00."
        in response.context["bands"].non_form_errors()
    )
    assert stored(soxp_2003) == [("option", 1, D(0), None, D(1), D(2))]
    soxp_2003.refresh_from_db()
    assert soxp_2003.exchange_ratio == D("0.75")
    assert not offer_events().exists()


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (band("0", "abc", "2", lower_inclusive=True), "Row 2, Upper end ($): Enter a number."),
        (band("", None, "2"), "Row 2, Lower end ($): This field is required."),
        (band("-1", None, "2"), "Row 2, Lower end ($): The lower end must be $0 or more."),
        (
            band("5.00", "4.00", "2"),
            "Row 2, Upper end ($): The upper end must be above the lower end, $5.00.",
        ),
        (
            band("5.00", None, "0"),
            "Row 2, For tendered shares: The tendered shares of the ratio must be more than 0.",
        ),
        (
            band("5.00", None, "1", new="11"),
            "Row 2, New shares: At most 10 new shares for each tendered share.",
        ),
        (
            band("5.00", None, "2", award="cash"),
            "Row 2, Award: Select a valid choice. cash is not one of the available choices.",
        ),
        (
            band("5.00", None, "2", vesting=("12", "", "")),
            "Row 2: Give the band's own vesting whole (the cliff in months",
        ),
        (band("5.00", None, "2", vesting=("", "0.5", "12")), "Row 2: Give the band's own vesting whole"),
        (
            band("5.00", None, "2", vesting=("12", "0.5", "0")),
            "Row 2, Own vesting: monthly instalments: Without monthly instalments the whole award vests at the cliff",
        ),
        (
            band("5.00", None, "2", vesting=("12", "1.5", "12")),
            "Row 2, Own vesting: share at the cliff: Ensure this value is less than or equal to 1.",
        ),
        (
            band("5.00", None, "2", vesting=("61", "0.5", "12")),
            "Row 2, Own vesting: cliff (months): Ensure this value is less than or equal to 60.",
        ),
    ],
)
def test_a_bad_row_is_refused_naming_the_row_and_the_field(
    staff_client, soxp_2003, before_opening, row, message
) -> None:
    first = band("0", "5.00", "2", lower_inclusive=True, upper_inclusive=False)
    response = staff_client.post(CREATE, with_bands(first, row))
    assert response.status_code == 200
    errors = response.context["bands"].row_errors()
    assert any(error.startswith(message) for error in errors), errors
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert not Offer.objects.filter(slug="soxp-2004").exists()
    assert not offer_events().exists()


def test_a_bands_own_vesting_is_stored_whole(staff_client, soxp_2003, before_opening) -> None:
    rows = (band("0", None, "2", lower_inclusive=True, upper_inclusive=False, vesting=("12", "0.5", "12")),)
    staff_client.post(CREATE, with_bands(*rows))
    saved = PriceBand.objects.get(offer__slug="soxp-2004")
    assert (saved.vesting_cliff_months, saved.vesting_cliff_fraction, saved.vesting_monthly_installments) == (
        12,
        D("0.5"),
        12,
    )


def test_the_flat_ratio_stays_required_with_bands(staff_client, soxp_2003, before_opening) -> None:
    rows = (band("0", None, "2", lower_inclusive=True, upper_inclusive=False),)
    response = staff_client.post(CREATE, with_bands(*rows, exchange_ratio=""))
    assert response.context["form"].errors["exchange_ratio"] == ["This field is required."]
    assert not Offer.objects.filter(slug="soxp-2004").exists()


def test_a_flat_offer_saved_as_the_page_shows_it_writes_nothing(
    staff_client, soxp_2003, before_opening
) -> None:
    """The two empty rows come back as a browser sends them (the award chosen, the lower end ticked,
    1 new share): they are no band, and soxp-2003 stays flat and unchanged."""
    page = staff_client.get(edit_url(soxp_2003)).content.decode()
    assert 'name="bands-TOTAL_FORMS" value="2"' in page
    assert (
        "New shares per tendered share, such as 0.75, at every price. Unused for an offer with price bands"
        in page
    )
    ticks_only = {"award_type": "rsu", "upper_inclusive": "on", "ratio_new": "2"}  # nothing typed: no band
    data = with_bands(UNTOUCHED, ticks_only, slug=None, name=soxp_2003.name)
    response = staff_client.post(edit_url(soxp_2003), data, follow=True)
    assert messages_of(response) == ["Nothing was changed."]
    assert not PriceBand.objects.exists()
    assert not offer_events().exists()


def test_too_many_rows_are_refused(staff_client, soxp_2003, before_opening) -> None:
    data = {**terms_data(), "bands-TOTAL_FORMS": "1000", "bands-INITIAL_FORMS": "0"}
    response = staff_client.post(CREATE, data)
    assert "Please submit at most 24 forms." in response.context["bands"].non_form_errors()
    assert len(response.context["bands"].forms) == 24
    assert not Offer.objects.filter(slug="soxp-2004").exists()


def test_the_actions_band_refusal_is_shown_beside_the_bands(
    staff_client, soxp_2003, before_opening, monkeypatch
) -> None:
    """The form's check and the action's are the same; should the form's miss one (a change of rules
    between them), the action's guard refuses and its message is shown beside the bands."""
    monkeypatch.setattr("soxp_portal.console.forms_setup.band_problems", lambda bands: [])
    rows = (band("0", "5.00", "2", lower_inclusive=True), band("4.50", None, "1.5", lower_inclusive=True))
    response = staff_client.post(CREATE, with_bands(*rows))
    assert response.status_code == 200
    assert response.context["bands"].non_form_errors() == [
        "Band 2 overlaps band 1: it starts at $4.50, below $5.00."
    ]
    assert not response.context["form"].non_field_errors()
    assert not Offer.objects.filter(slug="soxp-2004").exists()
    refusal = AuditEvent.objects.get(event_type="console.refused")
    assert "Band 2 overlaps band 1" in refusal.data["reason"]


def test_once_open_the_bands_are_locked_and_the_ratios_page_is_linked(staff_client, soxp_2003) -> None:
    PriceBand.objects.create(offer=soxp_2003, position=1, lower=D(0), ratio_new=D(1), ratio_tendered=D(2))
    rows = (band("0", "4.00", "2", lower_inclusive=True, DELETE=""), band("4.00", None, "1.5"))
    with time_machine.travel(datetime(2003, 1, 10, 18, 0, tzinfo=UTC), tick=False):
        page = staff_client.get(edit_url(soxp_2003)).content.decode()
        response = staff_client.post(
            edit_url(soxp_2003), with_bands(*rows, initial=1, slug=None, name=soxp_2003.name), follow=True
        )
    assert "The terms are locked." in page
    assert reverse("console:offer-ratios", args=[soxp_2003.slug]) in page
    assert any("its terms are locked" in message for message in messages_of(response))
    assert stored(soxp_2003) == [("option", 1, D(0), None, D(1), D(2))]
    assert not offer_events().exists()
