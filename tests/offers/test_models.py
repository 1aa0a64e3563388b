"""The data model: database constraints, append-only elections, the offer's derived status and dates."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from soxp_portal.offers.models import Election, Offer, OfferPhase, TenderedGrant
from soxp_portal.rules.terms import PricingBasis
from soxp_portal.rules.vesting import AssumedVesting
from tests.factories import ElectionFactory, EmployeeFactory, GrantFactory, OfferFactory, TenderedGrantFactory

pytestmark = pytest.mark.django_db


def refused(factory, **kwargs) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_soxp_2003_fixture_holds_the_terms_of_offer_md(soxp_2003: Offer) -> None:
    terms = soxp_2003.terms
    zone = soxp_2003.zone
    assert soxp_2003.opens_at.astimezone(zone).date() == date(2002, 12, 19)
    assert soxp_2003.expires_at.astimezone(zone).replace(tzinfo=None) == datetime(2003, 1, 20, 21, 0)
    assert (terms.hire_cutoff_date, terms.hire_cutoff_inclusive) == (date(2002, 12, 19), False)
    assert (terms.price_threshold, terms.price_threshold_inclusive) == (Decimal("3.01"), True)
    assert (terms.lookback_start, terms.lookback_end) == (date(2002, 6, 19), date(2002, 12, 19))
    assert terms.exchange_ratio == Decimal("0.75")
    assert terms.pricing_basis is PricingBasis.CLOSE_BEFORE_GRANT_DATE
    assert terms.eligible_countries == frozenset({"US"})
    assert len(terms.covered_plans) == 5
    assert "Premise Systems, Inc. 2001 Stock Plan" in terms.covered_plans
    assert (soxp_2003.new_option_type, soxp_2003.new_option_plan.name) == ("NSO", "2000 Stock Option Plan")
    # Decision support: slides 11 and 15 illustrate with $1.50; the 80% volatility is an assumption.
    assert (soxp_2003.reference_price, soxp_2003.volatility) == (Decimal("1.50"), Decimal("0.80"))
    # Assumptions too: a Treasury yield of early 2003, and the usual four-year schedule for the current
    # grants, whose own schedules the census does not hold.
    assert soxp_2003.risk_free_rate == Decimal("0.04")
    assert soxp_2003.current_grant_vesting == AssumedVesting(
        cliff_months=12, cliff_fraction=Decimal("0.25"), installments=36
    )
    assert (soxp_2003.cancellation_date(), soxp_2003.new_grant_date(), soxp_2003.pricing_date()) == (
        date(2003, 1, 20),
        date(2003, 7, 21),
        date(2003, 7, 18),
    )


def test_loading_the_fixture_twice_keeps_one_offer(soxp_2003: Offer) -> None:
    from django.core.management import call_command

    call_command("loaddata", "soxp-2003", verbosity=0)
    assert Offer.objects.filter(slug="soxp-2003").count() == 1


def test_a_second_offer_with_other_terms_needs_no_code_change() -> None:
    offer = OfferFactory(
        expires_at=datetime(2003, 1, 25, 5, 0, tzinfo=UTC),  # 2003-01-24 21:00 Pacific, the real extension
        exchange_ratio=Decimal("0.5"),
        pricing_basis=PricingBasis.FMV_ON_GRANT_DATE,
        new_grant_delay_months=12,
        new_grant_delay_days=0,
    )
    assert offer.cancellation_date() == date(2003, 1, 24)
    assert offer.new_grant_date() == date(2004, 1, 26)  # 2004-01-24 is a Saturday
    assert offer.pricing_date() == date(2004, 1, 26)
    assert offer.terms.exchange_ratio == Decimal("0.5")


def test_offer_phase_is_derived_from_time() -> None:
    offer = OfferFactory()
    assert offer.phase(offer.opens_at - timedelta(microseconds=1)) is OfferPhase.UPCOMING
    assert offer.phase(offer.opens_at) is OfferPhase.OPEN
    assert offer.phase(offer.expires_at - timedelta(microseconds=1)) is OfferPhase.OPEN
    assert offer.phase(offer.expires_at) is OfferPhase.EXPIRED
    offer.closed_at = offer.expires_at + timedelta(days=1)
    assert offer.phase(offer.expires_at) is OfferPhase.CLOSED


def test_offer_constraints() -> None:
    opens = datetime(2002, 12, 19, 8, tzinfo=UTC)
    refused(OfferFactory, opens_at=opens, expires_at=opens, original_expires_at=opens + timedelta(days=1))
    refused(OfferFactory, exchange_ratio=Decimal("1.5"))
    refused(OfferFactory, exchange_ratio=Decimal("0"))
    refused(OfferFactory, lookback_start=date(2002, 6, 19), lookback_end=date(2002, 6, 18))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("reference_price", Decimal(0)),
        ("reference_price", Decimal("-1.50")),
        ("volatility", Decimal(0)),
        ("volatility", Decimal("5.0001")),
        ("risk_free_rate", Decimal("-0.0001")),
        ("risk_free_rate", Decimal("0.2501")),
    ],
)
def test_decision_support_constraints(field: str, value: Decimal) -> None:
    refused(OfferFactory, **{field: value})


SCHEDULE = {
    "current_vesting_cliff_months": 12,
    "current_vesting_cliff_fraction": Decimal("0.25"),
    "current_vesting_installments": 36,
}


@pytest.mark.parametrize(
    "changes",
    [
        {"current_vesting_cliff_months": None},
        {"current_vesting_cliff_fraction": None},
        {"current_vesting_installments": None},
        {"current_vesting_cliff_months": 61},
        {"current_vesting_cliff_fraction": Decimal("1.0001")},
        {"current_vesting_cliff_fraction": Decimal("-0.0001")},
        {"current_vesting_installments": 121},
        {"current_vesting_installments": 0},
    ],
)
def test_the_current_grants_schedule_constraints(changes: dict[str, object]) -> None:
    """All three parts or none, each within the form's limits, and adding up."""
    refused(OfferFactory, **{**SCHEDULE, **changes})


def test_the_current_grants_schedule_may_be_unset_or_at_its_limits() -> None:
    assert OfferFactory().current_grant_vesting is None
    OfferFactory(**SCHEDULE).full_clean()
    whole = OfferFactory(
        current_vesting_cliff_months=60,
        current_vesting_cliff_fraction=Decimal(1),
        current_vesting_installments=0,
    )
    whole.full_clean()
    assert whole.current_grant_vesting == AssumedVesting(60, Decimal(1), 0)
    OfferFactory(
        current_vesting_cliff_months=0,
        current_vesting_cliff_fraction=Decimal(0),
        current_vesting_installments=120,
    ).full_clean()


def test_decision_support_may_be_unset_or_at_its_limits() -> None:
    assert OfferFactory().reference_price is None
    offer = OfferFactory(
        reference_price=Decimal("0.0001"), volatility=Decimal(5), risk_free_rate=Decimal("0.25")
    )
    offer.full_clean()


def test_offer_slug_is_unique() -> None:
    copy = OfferFactory(slug="same")
    copy.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        copy.save()


def test_grant_constraints() -> None:
    employee = EmployeeFactory()
    refused(GrantFactory, employee=employee, shares_granted=1000, shares_exercised=600, shares_cancelled=401)
    refused(GrantFactory, employee=employee, shares_granted=0)
    refused(GrantFactory, employee=employee, shares_exercised=-1)
    refused(GrantFactory, employee=employee, exercise_price=Decimal("-0.01"))
    refused(GrantFactory, employee=employee, grant_date=date(2000, 1, 1), expiration_date=date(2000, 1, 1))
    GrantFactory(employee=employee, grant_id="G-1")
    refused(GrantFactory, employee=employee, grant_id="G-1")


def test_outstanding_shares_are_derived() -> None:
    grant = GrantFactory(shares_granted=1000, shares_exercised=150, shares_cancelled=50)
    assert grant.outstanding_shares == 800


def test_employee_constraints() -> None:
    EmployeeFactory(employee_id="E-1", email="one@example.com")
    refused(EmployeeFactory, employee_id="E-1")
    refused(EmployeeFactory, email="one@example.com")
    refused(EmployeeFactory, status="terminated", termination_date=None)


def test_election_versions_are_unique_per_offer_and_employee() -> None:
    first = ElectionFactory()
    refused(ElectionFactory, offer=first.offer, employee=first.employee, version=1)
    assert ElectionFactory(offer=first.offer, employee=first.employee, version=2).version == 2


def test_elections_are_append_only() -> None:
    election = ElectionFactory()
    election.signature = "Someone Else"
    with pytest.raises(TypeError, match="append-only"):
        election.save()
    with pytest.raises(TypeError, match="append-only"):
        election.delete()
    with pytest.raises(TypeError, match="append-only"):
        Election.objects.filter(pk=election.pk).update(signature="x")
    with pytest.raises(TypeError, match="append-only"):
        Election.objects.all().delete()
    assert Election.objects.get(pk=election.pk).signature != "Someone Else"


def test_tendered_grants_are_append_only_and_unique_per_election() -> None:
    line = TenderedGrantFactory()
    assert (line.shares_tendered, line.new_shares) == (1000, 750)
    with pytest.raises(TypeError, match="append-only"):
        TenderedGrant.objects.filter(pk=line.pk).delete()
    refused(TenderedGrantFactory, election=line.election, grant=line.grant)


def test_employee_with_elections_cannot_be_deleted() -> None:
    from django.db.models import ProtectedError

    election = ElectionFactory()
    with pytest.raises(ProtectedError):
        election.employee.delete()
