"""factory-boy factories with valid defaults. The default offer has the terms of soxp-2003."""

from datetime import UTC, date, datetime
from decimal import Decimal

import factory
from factory.django import DjangoModelFactory

from soxp_portal.accounts.models import User
from soxp_portal.offers.models import Election, Employee, Grant, Offer, Plan, PriceBand, TenderedGrant
from soxp_portal.rules.exchange import new_shares

PLAN_2000 = "2000 Stock Option Plan"


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("email",)

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"User{n}")
    password = factory.django.Password("correct-horse-battery")


class PlanFactory(DjangoModelFactory[Plan]):
    class Meta:
        model = Plan
        django_get_or_create = ("name",)

    name = PLAN_2000


class OfferFactory(DjangoModelFactory[Offer]):
    class Meta:
        model = Offer
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    slug = factory.Sequence(lambda n: f"offer-{n}")
    name = "2003 Stock Option Exchange Program"
    company_name = "Lantronix, Inc."
    opens_at = datetime(2002, 12, 19, 8, 0, tzinfo=UTC)  # midnight Pacific
    expires_at = datetime(2003, 1, 21, 5, 0, tzinfo=UTC)  # 2003-01-20 21:00 Pacific
    original_expires_at = factory.SelfAttribute("expires_at")
    time_zone = "America/Los_Angeles"
    eligible_countries = "US"
    hire_cutoff_date = date(2002, 12, 19)
    hire_cutoff_inclusive = False
    price_threshold = Decimal("3.01")
    price_threshold_inclusive = True
    lookback_start = date(2002, 6, 19)
    lookback_end = date(2002, 12, 19)
    exchange_ratio = Decimal("0.75")
    new_option_plan = factory.SubFactory(PlanFactory)

    @factory.post_generation
    def covered_plans(self, create: bool, extracted: list[Plan] | None, **kwargs: object) -> None:
        if create:
            self.covered_plans.set(extracted if extracted is not None else [self.new_option_plan])


class EmployeeFactory(DjangoModelFactory[Employee]):
    """An eligible US employee, hired well before the cut-off, with a login."""

    class Meta:
        model = Employee

    employee_id = factory.Sequence(lambda n: f"E{n:05d}")
    first_name = "Alex"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.employee_id.lower()}@example.com")
    user = factory.SubFactory(
        UserFactory,
        email=factory.SelfAttribute("..email"),
        first_name=factory.SelfAttribute("..first_name"),
        last_name=factory.SelfAttribute("..last_name"),
    )
    hire_date = date(2000, 1, 3)
    work_country = "US"
    status = Employee.Status.ACTIVE


class GrantFactory(DjangoModelFactory[Grant]):
    """An outstanding 1,000-share grant at $6.00, eligible under the soxp-2003 terms."""

    class Meta:
        model = Grant

    grant_id = factory.Sequence(lambda n: f"G-{n:06d}")
    employee = factory.SubFactory(EmployeeFactory)
    plan = factory.SubFactory(PlanFactory)
    option_type = Grant.OptionType.ISO
    grant_date = date(2000, 5, 20)
    shares_granted = 1000
    exercise_price = Decimal("6.00")
    expiration_date = factory.LazyAttribute(lambda o: o.grant_date.replace(year=o.grant_date.year + 10))


class ElectionFactory(DjangoModelFactory[Election]):
    class Meta:
        model = Election

    offer = factory.SubFactory(OfferFactory)
    employee = factory.SubFactory(EmployeeFactory)
    version = 1
    kind = Election.Kind.ELECTION
    received_at = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
    recorded_at = factory.SelfAttribute("received_at")
    entered_by = factory.LazyAttribute(lambda o: o.employee.user)
    confirmation_number = factory.Sequence(lambda n: f"TEST-{n:06d}")
    signature = factory.LazyAttribute(lambda o: o.employee.full_name)


class TenderedGrantFactory(DjangoModelFactory[TenderedGrant]):
    class Meta:
        model = TenderedGrant

    election = factory.SubFactory(ElectionFactory)
    grant = factory.SubFactory(GrantFactory, employee=factory.SelfAttribute("..election.employee"))
    shares_tendered = factory.LazyAttribute(lambda o: o.grant.outstanding_shares)
    new_shares = factory.LazyAttribute(
        lambda o: new_shares(o.shares_tendered, o.election.offer.exchange_ratio)
    )


class PriceBandFactory(DjangoModelFactory[PriceBand]):
    """A band from $0.00 up at 1 new for 1.88 tendered; give each band of an offer its own `position`."""

    class Meta:
        model = PriceBand

    offer = factory.SubFactory(OfferFactory)
    position = factory.Sequence(lambda n: n + 1)
    lower = Decimal(0)
    upper = None
    ratio_new = Decimal(1)
    ratio_tendered = Decimal("1.88")


#: The bands of `banded_offer`, per award: (lower, upper, new, for tendered, own vesting or None).
#: Grants at $4.50, $6.00 and $12.00 fall in bands 1, 2 and 3.
BANDS_2009 = {
    "option": [
        ("0", "5.00", "1", "1.5", None),
        ("5.00", "10.00", "1", "1.88", None),
        ("10.00", None, "1", "3", (12, Decimal("0.25"), 36)),
    ],
    "rsu": [
        ("0", "5.00", "1", "3", None),
        ("5.00", "10.00", "1", "4", None),
        ("10.00", None, "1", "6", (12, Decimal("0.25"), 36)),
    ],
}


def banded_offer(**values: object) -> Offer:
    """An offer as companies have run them since 2009, on soxp-2003's dates: value-for-value ratios in
    three price bands for options and for RSUs (employees working in GB receive RSUs), the new award
    granted at the close. Pass `grant_date_rule`, `ratio_stage`, `award_by_country` to change them."""
    values = {
        "slug": "exchange-test-2009",
        "award_by_country": {"GB": "rsu"},
        "grant_date_rule": "at_close",
        "eligible_countries": "US,GB",
        **values,
    }
    offer = OfferFactory(**values)
    for award, bands in BANDS_2009.items():
        for position, (lower, upper, new, tendered, vesting) in enumerate(bands, start=1):
            months, fraction, installments = vesting or (None, None, None)
            PriceBandFactory(
                offer=offer,
                award_type=award,
                position=position,
                lower=Decimal(lower),
                upper=None if upper is None else Decimal(upper),
                ratio_new=Decimal(new),
                ratio_tendered=Decimal(tendered),
                vesting_cliff_months=months,
                vesting_cliff_fraction=fraction,
                vesting_monthly_installments=installments,
            )
    offer.refresh_from_db()
    return offer
