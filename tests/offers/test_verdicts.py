"""Eligibility verdicts stored with the census (offers/verdicts.py): judged by the census import and by a
change of terms in their transactions, never read stale, the day applied when they are read, and the
same as the rules judging every grant (the eligibility report)."""

import io
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from unittest import mock

import pytest
import time_machine

from soxp_portal.accounts.models import User
from soxp_portal.offers import verdicts
from soxp_portal.offers.actions import extend_offer, update_offer_terms
from soxp_portal.offers.adapters import employed_on, employee_facts
from soxp_portal.offers.census import CensusImportError, import_census
from soxp_portal.offers.models import Employee, Grant, JudgedCensus, Offer, TenderableHolding
from soxp_portal.offers.participation import eligibility_census, participation_summary
from soxp_portal.offers.reports import eligibility_rows
from soxp_portal.rules.eligibility import judgement_day
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.offers.census_data import EMPLOYEES, EMPLOYEES_HEADER, GRANTS, GRANTS_HEADER, csv_bytes

pytestmark = pytest.mark.django_db

BEFORE_OPENING = datetime(2002, 12, 1, 18, 0, tzinfo=UTC)
DURING_OFFER = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
#: 2003-01-20 12:00 Pacific, the day of the real extension; the new deadline 2003-01-24 21:00 Pacific.
EXTENSION_DAY = datetime(2003, 1, 20, 20, 0, tzinfo=UTC)
NEW_DEADLINE = datetime(2003, 1, 25, 5, 0, tzinfo=UTC)
PLANS = ["2000 Stock Option Plan", "1993 Incentive Stock Option Plan", "Acquired Co. 1999 Plan"]


@pytest.fixture
def judgements() -> Iterator[mock.MagicMock]:
    """Counts the passes that judge the census."""
    with mock.patch.object(verdicts, "_judge", wraps=verdicts._judge) as spy:
        yield spy


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(email="admin@example.com")


def imported(employees: list[str], grants: list[str], **kwargs: object) -> None:
    import_census(
        io.BytesIO(csv_bytes(EMPLOYEES_HEADER, employees)),
        io.BytesIO(csv_bytes(GRANTS_HEADER, grants)),
        **kwargs,  # type: ignore[arg-type]
    )


def by_the_rules(offer: Offer, now: datetime) -> tuple[frozenset[str], int]:
    """The eligible employees and shares as the eligibility report finds them: every grant judged."""
    eligible, shares = set(), 0
    for employee_id, _, is_eligible, _, outstanding, _, _ in eligibility_rows(
        offer, on=judgement_day(offer.terms, now)
    ):
        if is_eligible == "true":
            eligible.add(employee_id)
            shares += outstanding  # type: ignore[operator]
    return frozenset(eligible), shares


def stored(offer: Offer, now: datetime) -> tuple[frozenset[str], int]:
    census = eligibility_census(offer, now=now)
    return census.employee_ids, census.shares


def varied_census(seed: int, size: int = 120) -> tuple[list[str], list[str]]:
    """A census whose facts sit on both sides of every bound of soxp-2003: hire dates at the cut-off,
    work countries, terminations before, during and after the offer (some still active with a date to
    come), officers and directors; prices at the threshold, lookback grants at its ends, plans the offer
    does not cover, grants expiring around the cancellation date, grants fully exercised."""
    rng = random.Random(seed)  # noqa: S311  # test data, repeatable
    employees, grants = [], []
    for n in range(size):
        hired = rng.choice([date(1999, 3, 1), date(2002, 12, 18), date(2002, 12, 19), date(2002, 12, 20)])
        ended = rng.choice(
            [None, None, date(2002, 11, 29), date(2003, 1, 10), date(2003, 1, 15), date(2003, 3, 1)]
        )
        ended = ended if ended and ended > hired else None
        status = "terminated" if ended and rng.random() < 0.5 else rng.choice(["active", "leave"])
        officer, director = rng.random() < 0.1, rng.random() < 0.05
        employees.append(
            f"E{n:04d},First{n},Last{n},e{n}@example.com,{hired},{rng.choice(['US', 'US', 'GB'])},{status},"
            f"{ended or ''},{str(officer).lower()},{str(director).lower()}"
        )
        for k in range(rng.randrange(1, 5)):
            granted = rng.choice(
                [
                    date(2000, 5, 20),
                    date(2002, 6, 18),
                    date(2002, 6, 19),
                    date(2002, 12, 19),
                    date(2002, 12, 20),
                ]
            )
            expires = rng.choice([granted + timedelta(days=3652), date(2003, 1, 20), date(2003, 1, 21)])
            shares = rng.randrange(100, 3000)
            exercised = rng.choice([0, 0, shares // 3, shares])
            price = rng.choice(["3.00", "3.01", "3.0101", "6.00", "0.40"])
            grants.append(
                f"G{n:04d}-{k},E{n:04d},{rng.choice(PLANS)},NSO,{granted},{shares},{exercised},0,{price},{expires},"
            )
    return employees, grants


DAYS = [
    datetime(2002, 12, 20, 18, 0, tzinfo=UTC),
    DURING_OFFER,
    datetime(2003, 1, 16, 18, 0, tzinfo=UTC),
    datetime(2003, 2, 1, 18, 0, tzinfo=UTC),  # after the deadline: judged on the cancellation date
]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_an_import_stores_what_the_rules_find_on_every_day(
    soxp_2003: Offer, judgements: mock.MagicMock, seed: int
) -> None:
    imported(*varied_census(seed))
    assert judgements.call_count == 1, "the import judges the census once, in its transaction"

    for now in DAYS:
        assert stored(soxp_2003, now) == by_the_rules(soxp_2003, now), now
    assert judgements.call_count == 1, (
        "the stored verdicts hold on every day: employment is applied when read"
    )
    assert TenderableHolding.objects.filter(offer=soxp_2003).exists()


def test_the_figures_follow_a_change_of_terms_and_of_the_census(
    soxp_2003: Offer, admin: User, judgements: mock.MagicMock
) -> None:
    """Sam (800 + 500 shares) and Lena (1,600 at $5.60) are eligible; Terry left before the offer."""
    imported(EMPLOYEES, GRANTS)
    summary = participation_summary(soxp_2003, now=DURING_OFFER)
    assert (summary.eligible_employees, summary.eligible_shares, summary.not_decided) == (2, 2900, 2)

    update_offer_terms(
        soxp_2003,
        {"price_threshold": Decimal("6.00")},
        covered_plans=list(soxp_2003.covered_plans.all()),
        actor=admin,
        now=BEFORE_OPENING,
    )
    soxp_2003.refresh_from_db()
    summary = participation_summary(soxp_2003, now=DURING_OFFER)
    assert (summary.eligible_employees, summary.eligible_shares) == (1, 1300)  # Lena's $5.60 is below

    # The next census prices Lena's grant at $7.00 and shows Sam leaving on January 15.
    imported(
        [EMPLOYEES[0].replace(",active,,", ",active,2003-01-15,"), *EMPLOYEES[1:]],
        [*GRANTS[:2], GRANTS[2].replace(",5.60,", ",7.00,")],
    )
    summary = participation_summary(soxp_2003, now=DURING_OFFER)
    assert (summary.eligible_employees, summary.eligible_shares) == (2, 2900)
    summary = participation_summary(soxp_2003, now=datetime(2003, 1, 15, 18, 0, tzinfo=UTC))
    assert (summary.eligible_employees, summary.eligible_shares) == (1, 1600)  # Sam's last day was the 14th
    assert judgements.call_count == 3, "judged by the import, the change of terms and the next import only"


def test_an_extension_judges_grants_that_now_expire_first(soxp_2003: Offer, admin: User) -> None:
    """A grant expiring on January 22 outlives the first cancellation date (January 20) but not the
    extended one (January 24): it may be tendered until the extension, and no longer after it."""
    imported(EMPLOYEES[:1], [GRANTS[0].replace("2010-05-20", "2003-01-22")])
    assert stored(soxp_2003, EXTENSION_DAY) == (frozenset({"E1"}), 800)

    with mock.patch.object(verdicts, "_judge", wraps=verdicts._judge) as judgements:
        extend_offer(
            soxp_2003,
            NEW_DEADLINE,
            reason="More time",
            announcement="Extended.",
            actor=admin,
            now=EXTENSION_DAY,
        )
        soxp_2003.refresh_from_db()
        assert stored(soxp_2003, EXTENSION_DAY) == (frozenset(), 0)
        assert stored(soxp_2003, EXTENSION_DAY) == by_the_rules(soxp_2003, EXTENSION_DAY)
    assert judgements.call_count == 1, "judged by the extension, not by the reader"


def test_a_rejected_import_leaves_the_verdicts_as_they_were(soxp_2003: Offer) -> None:
    imported(EMPLOYEES, GRANTS)
    before = (
        list(TenderableHolding.objects.order_by("pk").values_list("employee", "grants", "shares")),
        list(JudgedCensus.objects.values_list()),
    )
    with pytest.raises(CensusImportError):
        imported(EMPLOYEES, [GRANTS[0].replace(",6.00,", ",9.00,"), GRANTS[1].replace("G2,E1", "G2,E9")])
    after = (
        list(TenderableHolding.objects.order_by("pk").values_list("employee", "grants", "shares")),
        list(JudgedCensus.objects.values_list()),
    )
    assert after == before


def test_writes_made_another_way_are_judged_again_before_they_are_read(
    soxp_2003: Offer, judgements: mock.MagicMock
) -> None:
    """The admin site, the close's cancellation step or a factory change the census without judging it:
    the reader sees the census has moved on and judges it first; a term changed behind the actions'
    back (a queryset update, which does not even touch ``updated_at``) is seen from the terms."""
    with time_machine.travel(DURING_OFFER, tick=False) as clock:
        carol = EmployeeFactory(employee_id="E-CAROL")
        grant = GrantFactory(grant_id="G-CAROL", employee=carol, exercise_price=Decimal("2.00"))
        assert stored(soxp_2003, DURING_OFFER) == (frozenset(), 0)
        assert stored(soxp_2003, DURING_OFFER) == (frozenset(), 0)
        assert judgements.call_count == 1

        clock.shift(timedelta(seconds=1))
        grant.exercise_price = Decimal("7.00")
        grant.save()
        assert stored(soxp_2003, DURING_OFFER) == (frozenset({"E-CAROL"}), 1000)

        Offer.objects.filter(pk=soxp_2003.pk).update(price_threshold=Decimal("7.50"))
        soxp_2003.refresh_from_db()
        assert stored(soxp_2003, DURING_OFFER) == (frozenset(), 0)
        assert judgements.call_count == 3


def test_a_reader_judges_an_offer_never_judged(soxp_2003: Offer) -> None:
    imported(EMPLOYEES, GRANTS)
    JudgedCensus.objects.all().delete()
    TenderableHolding.objects.all().delete()
    assert stored(soxp_2003, DURING_OFFER) == (frozenset({"E1", "E2"}), 2900)


def test_each_offer_is_judged_under_its_own_terms(soxp_2003: Offer, admin: User) -> None:
    imported(EMPLOYEES, GRANTS)
    strict = Offer.objects.get(pk=soxp_2003.pk)
    strict.pk, strict.slug, strict.price_threshold = None, "strict", Decimal("6.00")
    strict.save()
    strict.covered_plans.set(soxp_2003.covered_plans.all())
    imported(EMPLOYEES, [*GRANTS, "G4,E2,2000 Stock Option Plan,NSO,2001-01-02,10,0,0,6.50,2011-01-02,"])
    assert JudgedCensus.objects.count() == 2
    assert stored(soxp_2003, DURING_OFFER) == (frozenset({"E1", "E2"}), 2910)
    assert stored(strict, DURING_OFFER) == (
        frozenset({"E1", "E2"}),
        1310,
    )  # $6.00 and $6.50, the lookback grant


@pytest.mark.parametrize(
    ("status", "ended"),
    [
        ("active", None),
        ("leave", None),
        ("active", date(2003, 1, 10)),
        ("leave", date(2003, 1, 11)),
        ("terminated", date(2003, 1, 9)),
        ("terminated", date(2003, 1, 10)),
        ("terminated", date(2003, 1, 11)),
    ],
)
def test_employed_on_filters_as_the_rules_judge(status: str, ended: date | None) -> None:
    employee = EmployeeFactory(status=status, termination_date=ended)
    for day in (date(2003, 1, 9), date(2003, 1, 10), date(2003, 1, 11)):
        found = Employee.objects.filter(employed_on(day), pk=employee.pk).exists()
        assert found is employee_facts(employee).is_employed_on(day), (status, ended, day)
        through = Grant.objects.filter(employed_on(day, through="employee__"), employee=employee)
        assert through.exists() is found or not Grant.objects.filter(employee=employee).exists()
