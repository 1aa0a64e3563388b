"""Price bands and rounding as offer data (issue 15): the table's constraints, and the terms built from
it in one query; soxp-2003 has no bands and rounds up, so it computes exactly what it did before."""

import csv
import io
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.actions import TERM_FIELDS, OfferError, create_offer, update_offer_terms
from soxp_portal.offers.models import Offer, PriceBand
from soxp_portal.offers.reports import eligibility_rows, write_eligibility_report
from soxp_portal.rules.terms import AwardType, AwardVesting, Rounding
from soxp_portal.rules.terms import PriceBand as TermsBand
from tests.factories import EmployeeFactory, GrantFactory, OfferFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal


def band(offer: Offer, position: int, lower: str, upper: str | None, **changes: object) -> PriceBand:
    values: dict[str, object] = {
        "offer": offer,
        "position": position,
        "lower": D(lower),
        "upper": None if upper is None else D(upper),
        "ratio_new": D(1),
        "ratio_tendered": D("1.88"),
    }
    values.update(changes)
    return PriceBand.objects.create(**values)


def refused(offer: Offer, **changes: object) -> None:
    values: dict[str, object] = {"lower": "3.01", "upper": "5.00", **changes}
    lower, upper = values.pop("lower"), values.pop("upper")
    with pytest.raises(IntegrityError), transaction.atomic():
        band(offer, 9, str(lower), str(upper), **values)


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"ratio_new": D(0)}, id="ratio zero"),
        pytest.param({"ratio_new": D("-1")}, id="ratio negative"),
        pytest.param({"ratio_new": D("10.000001"), "ratio_tendered": D(1)}, id="ratio above 10"),
        pytest.param({"ratio_tendered": D(0)}, id="for zero tendered"),
        pytest.param({"upper": "3.01"}, id="upper equal to lower"),
        pytest.param({"upper": "2.00"}, id="upper below lower"),
        pytest.param({"lower": "-0.01"}, id="negative lower"),
        pytest.param({"vesting_cliff_months": 12}, id="vesting partly set"),
    ],
)
def test_the_database_refuses_a_band_out_of_its_limits(changes: dict[str, object]) -> None:
    refused(OfferFactory(), **changes)


def test_the_database_accepts_a_band_at_its_limits() -> None:
    offer = OfferFactory()
    band(offer, 1, "0", None, ratio_new=D(10), ratio_tendered=D(1))
    band(
        offer,
        2,
        "3.01",
        "5.00",
        vesting_cliff_months=12,
        vesting_cliff_fraction=D("0.25"),
        vesting_monthly_installments=36,
    )


def test_two_bands_cannot_share_a_position() -> None:
    offer = OfferFactory()
    band(offer, 1, "3.01", "5.00")
    with pytest.raises(IntegrityError), transaction.atomic():
        band(offer, 1, "5.00", None)


def test_the_terms_carry_the_bands_in_order_and_the_rounding() -> None:
    offer = OfferFactory(rounding=Offer.RoundingChoice.NEAREST)
    band(offer, 2, "5.00", None, ratio_tendered=D(4), lower_inclusive=False)
    band(
        offer,
        1,
        "3.01",
        "5.00",
        upper_inclusive=True,
        vesting_cliff_months=12,
        vesting_cliff_fraction=D("0.25"),
        vesting_monthly_installments=36,
    )
    terms = Offer.objects.get(pk=offer.pk).terms
    assert terms.rounding is Rounding.NEAREST
    assert terms.price_bands == (
        TermsBand(D("3.01"), True, D("5.00"), True, D(1), D("1.88"), AwardVesting(12, D("0.25"), 36)),
        TermsBand(D("5.00"), False, None, False, D(1), D(4)),
    )
    assert terms.covered_plans == frozenset(offer.covered_plans.values_list("name", flat=True))


def test_the_terms_cost_one_query_with_plans_and_bands(soxp_2003: Offer) -> None:
    for position, lower in enumerate(("3.01", "5.00", "10.00"), start=1):
        band(soxp_2003, position, lower, None if lower == "10.00" else str(D(lower) * 2))
    offer = Offer.objects.get(pk=soxp_2003.pk)
    with CaptureQueriesContext(connection) as queries:
        terms = offer.terms
    assert len(queries) == 1
    assert len(terms.covered_plans) == 5  # five plans times three bands, each read once
    assert len(terms.price_bands) == 3


def test_soxp_2003_has_no_bands_and_rounds_up(soxp_2003: Offer) -> None:
    assert soxp_2003.rounding == "up"
    assert soxp_2003.terms.price_bands == ()
    assert soxp_2003.terms.rounding is Rounding.UP


def test_the_eligibility_report_uses_each_grants_band_and_the_offers_rounding() -> None:
    offer = OfferFactory(rounding=Offer.RoundingChoice.DOWN, price_threshold=D("3.01"))
    band(offer, 1, "3.01", "5.00", ratio_new=D(1), ratio_tendered=D("1.5"))
    band(offer, 2, "5.00", None, ratio_new=D(1), ratio_tendered=D("1.88"))
    employee = EmployeeFactory(employee_id="E-BAND")
    plan = offer.covered_plans.first()
    GrantFactory(employee=employee, grant_id="G-LOW", shares_granted=301, exercise_price=D("4.00"), plan=plan)
    GrantFactory(
        employee=employee, grant_id="G-HIGH", shares_granted=188, exercise_price=D("7.00"), plan=plan
    )
    offer = Offer.objects.get(pk=offer.pk)
    rows = {row[1]: row for row in eligibility_rows(offer, on=offer.opens_at.date())}
    assert rows["G-LOW"][5] == 200  # 301 / 1.5 = 200.67, rounded down
    assert rows["G-HIGH"][5] == 100  # 188 / 1.88, exactly
    assert rows["G-HIGH"][7:] == ("option", "1 new for 1.88 tendered")


def test_the_eligibility_report_of_an_rsu_country_names_the_award_and_ratio() -> None:
    offer = OfferFactory(
        price_threshold=D("3.01"), eligible_countries="US,GB", award_by_country={"GB": "rsu"}
    )
    band(offer, 1, "3.01", None, ratio_new=D(1), ratio_tendered=D(2))
    band(offer, 1, "3.01", None, ratio_new=D(1), ratio_tendered=D(6), award_type="rsu")
    plan = offer.covered_plans.first()
    gwen = EmployeeFactory(employee_id="E-GB", work_country="GB")
    GrantFactory(employee=gwen, grant_id="G-GB", shares_granted=600, exercise_price=D("7.00"), plan=plan)
    GrantFactory(employee=gwen, grant_id="G-LOW", shares_granted=600, exercise_price=D("1.00"), plan=plan)
    sam = EmployeeFactory(employee_id="E-US", work_country="US")
    GrantFactory(employee=sam, grant_id="G-US", shares_granted=600, exercise_price=D("7.00"), plan=plan)
    offer = Offer.objects.get(pk=offer.pk)
    out = io.StringIO()
    write_eligibility_report(offer, out, on=offer.opens_at.date())
    report = list(csv.reader(io.StringIO(out.getvalue())))
    assert report[0][-3:] == ["reason", "new_award", "ratio"]
    rows = {row[1]: row for row in report[1:]}
    assert (rows["G-GB"][5], *rows["G-GB"][7:]) == ("100", "rsu", "1 new for 6 tendered")
    assert (rows["G-US"][5], *rows["G-US"][7:]) == ("300", "option", "1 new for 2 tendered")
    assert (rows["G-LOW"][2], *rows["G-LOW"][7:]) == ("false", "", "")


def test_a_flat_offer_of_options_keeps_the_seven_columns(soxp_2003: Offer) -> None:
    out = io.StringIO()
    write_eligibility_report(soxp_2003, out, on=soxp_2003.opens_at.date())
    assert out.getvalue().splitlines()[0] == (
        "employee_id,grant_id,eligible,required,outstanding_shares,new_shares_if_exchanged,reason"
    )


def admin_formset(offer: Offer, rows: list[dict[str, str]]):  # type: ignore[no-untyped-def]
    from django.contrib import admin
    from django.test import RequestFactory

    from soxp_portal.offers.admin import PriceBandInline
    from tests.factories import UserFactory

    request = RequestFactory().post("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    formset_class = PriceBandInline(Offer, admin.site).get_formset(request, offer)
    data = {"price_bands-TOTAL_FORMS": str(len(rows)), "price_bands-INITIAL_FORMS": "0"}
    for index, row in enumerate(rows):
        fields = {
            "ratio_new": "1",
            "ratio_tendered": "1.5",
            "lower_inclusive": "on",
            "award_type": "option",
            **row,
        }
        data.update({f"price_bands-{index}-{name}": value for name, value in fields.items()})
    return formset_class(data, instance=offer, prefix="price_bands")


def test_the_admin_refuses_overlapping_bands_naming_the_band() -> None:
    offer = OfferFactory()
    formset = admin_formset(
        offer,
        [
            {"position": "1", "lower": "3.01", "upper": "5.00"},
            {"position": "2", "lower": "4.50", "upper": ""},
        ],
    )
    assert not formset.is_valid()
    assert formset.non_form_errors() == ["Band 2 overlaps band 1: it starts at $4.50, below $5.00."]


def test_the_admin_saves_bands_that_follow_one_another() -> None:
    offer = OfferFactory()
    formset = admin_formset(
        offer,
        [
            {"position": "2", "lower": "5.00", "upper": ""},
            {"position": "1", "lower": "3.01", "upper": "5.00"},
        ],
    )
    assert formset.is_valid(), formset.non_form_errors()
    formset.save()
    assert [band.lower for band in Offer.objects.get(pk=offer.pk).terms.price_bands] == [D("3.01"), D("5.00")]


# The action: bands replaced as a whole, refused when they overlap or leave a gap, audited.

BEFORE_OPENING = datetime(2002, 12, 1, 18, 0, tzinfo=UTC)
SOUND = (
    TermsBand(D("3.01"), True, D("5.00"), False, D(1), D("1.5")),
    TermsBand(D("5.00"), True, None, False, D(1), D("1.88"), AwardVesting(12, D("0.25"), 36)),
)


def set_bands(offer: Offer, bands: tuple[TermsBand, ...], **values: object) -> dict[str, dict[str, object]]:
    return update_offer_terms(
        offer,
        values,
        covered_plans=list(offer.covered_plans.all()),
        price_bands=bands,
        actor=UserFactory(),
        now=BEFORE_OPENING,
    )


def test_update_offer_terms_sets_the_bands_and_the_rounding_and_audits_them(soxp_2003: Offer) -> None:
    changes = set_bands(soxp_2003, SOUND, rounding="nearest")
    offer = Offer.objects.get(pk=soxp_2003.pk)
    assert offer.terms.price_bands == SOUND
    assert offer.terms.rounding is Rounding.NEAREST
    event = AuditEvent.objects.get(event_type="offer.edited")
    assert set(event.data) == set(changes) == {"price_bands", "rounding"}
    assert event.data["rounding"] == {"before": "up", "after": "nearest"}
    assert event.data["price_bands"]["before"] == []
    assert event.data["price_bands"]["after"][1] == {
        "lower": "5.00",
        "lower_inclusive": True,
        "upper": None,
        "upper_inclusive": False,
        "ratio_new": "1",
        "ratio_tendered": "1.88",
        "award_type": "option",
        "vesting": [12, "0.25", 36],
    }


def test_the_same_bands_again_change_nothing(soxp_2003: Offer) -> None:
    set_bands(soxp_2003, SOUND)
    assert set_bands(Offer.objects.get(pk=soxp_2003.pk), SOUND) == {}
    assert AuditEvent.objects.filter(event_type="offer.edited").count() == 1


def test_overlapping_bands_are_refused_naming_the_band_and_nothing_changes(soxp_2003: Offer) -> None:
    overlapping = (SOUND[0], replace(SOUND[1], lower=D("4.00")))
    with pytest.raises(OfferError, match=r"Band 2 overlaps band 1: it starts at \$4.00, below \$5.00."):
        set_bands(soxp_2003, overlapping, exchange_ratio=D("0.5"))
    offer = Offer.objects.get(pk=soxp_2003.pk)
    assert (offer.terms.price_bands, offer.exchange_ratio) == ((), D("0.75"))
    assert not AuditEvent.objects.filter(event_type="offer.edited").exists()


def test_a_gap_is_refused_when_the_offer_is_created(soxp_2003: Offer) -> None:
    values = {name: getattr(soxp_2003, name) for name in TERM_FIELDS} | {"slug": "gap"}
    values["new_option_plan"] = soxp_2003.new_option_plan
    gap = (SOUND[0], replace(SOUND[1], lower=D("6.00")))
    with pytest.raises(
        OfferError, match=r"Band 2 leaves a gap after band 1: \$5.00 to \$6.00 is in no band."
    ):
        create_offer(values, covered_plans=[], price_bands=gap, actor=UserFactory(), now=BEFORE_OPENING)
    assert not Offer.objects.filter(slug="gap").exists()
    offer = create_offer(
        values | {"slug": "banded"},
        covered_plans=[],
        price_bands=SOUND,
        actor=UserFactory(),
        now=BEFORE_OPENING,
    )
    assert Offer.objects.get(pk=offer.pk).terms.price_bands == SOUND


def test_no_bands_given_leaves_the_bands_as_they_are(soxp_2003: Offer) -> None:
    set_bands(soxp_2003, SOUND)
    update_offer_terms(
        soxp_2003,
        {"exchange_ratio": D("0.5")},
        covered_plans=list(soxp_2003.covered_plans.all()),
        actor=UserFactory(),
        now=BEFORE_OPENING,
    )
    assert Offer.objects.get(pk=soxp_2003.pk).terms.price_bands == SOUND


def test_an_rsu_country_without_rsu_bands_is_refused_and_nothing_changes(soxp_2003: Offer) -> None:
    with pytest.raises(OfferError, match=r"Employees working in GB receive restricted stock units \(RSUs\)"):
        set_bands(soxp_2003, SOUND, award_by_country={"GB": "rsu"})
    offer = Offer.objects.get(pk=soxp_2003.pk)
    assert (offer.terms.price_bands, offer.award_by_country) == ((), {})
    rsu_bands = tuple(replace(band, award_type=AwardType.RSU, for_tendered=D(4)) for band in SOUND)
    changes = set_bands(soxp_2003, SOUND + rsu_bands, award_by_country={"GB": "rsu"})
    assert changes["award_by_country"] == {"before": {}, "after": {"GB": "rsu"}}
    offer = Offer.objects.get(pk=soxp_2003.pk)
    assert offer.terms.price_bands == SOUND + rsu_bands
    assert offer.terms.award_for("GB") is AwardType.RSU
    assert [(band.award_type, band.position) for band in offer.price_bands.all()] == [
        ("option", 1),
        ("option", 2),
        ("rsu", 1),
        ("rsu", 2),
    ]
