"""set_decision_support: the reference price, volatility and risk-free rate of the Compare page and the
vesting schedule it assumes for the current grants. They illustrate and do not bind, so they may change
until the deadline, one audit event each time, and never after it."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from soxp_portal.accounts.models import User
from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.actions import OfferError, set_decision_support
from soxp_portal.offers.models import Offer
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BEFORE_OPENING = datetime(2002, 12, 1, 18, 0, tzinfo=UTC)
DURING = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
LAST_MOMENT = datetime(2003, 1, 21, 4, 59, 59, 999999, tzinfo=UTC)  # just before 9:00 PM Pacific
AT_THE_DEADLINE = datetime(2003, 1, 21, 5, 0, tzinfo=UTC)


@pytest.fixture
def admin(db: None) -> User:
    return UserFactory(email="admin@example.com")


FIELDS = (
    "reference_price",
    "volatility",
    "risk_free_rate",
    "current_vesting_cliff_months",
    "current_vesting_cliff_fraction",
    "current_vesting_installments",
)
#: What fixtures/soxp-2003.json sets: $1.50, 80%, 4% and the four-year schedule (12 months, 25%, 36).
FIXTURE = (Decimal("1.5"), Decimal("0.8"), Decimal("0.04"), 12, Decimal("0.25"), 36)


def stored(offer: Offer) -> tuple[Decimal | int | None, ...]:
    return tuple(Offer.objects.filter(pk=offer.pk).values_list(*FIELDS).get())


def values(**changes: Decimal | int | None) -> dict[str, Decimal | int | None]:
    """The fixture's values, with `changes`: every argument of set_decision_support but the actor."""
    return {**dict(zip(FIELDS, FIXTURE, strict=True)), **changes}


@pytest.mark.parametrize("now", [BEFORE_OPENING, DURING, LAST_MOMENT])
def test_set_until_the_deadline(soxp_2003: Offer, admin: User, now: datetime) -> None:
    changed = set_decision_support(
        soxp_2003,
        **values(
            reference_price=Decimal("2"),
            volatility=Decimal("0.65"),
            risk_free_rate=Decimal("0.035"),
            current_vesting_cliff_months=6,
            current_vesting_cliff_fraction=Decimal("0.5"),
            current_vesting_installments=30,
        ),
        actor=admin,
        now=now,
    )
    assert changed is True
    assert stored(soxp_2003) == (Decimal("2"), Decimal("0.65"), Decimal("0.035"), 6, Decimal("0.5"), 30)
    event = AuditEvent.objects.get()
    assert (event.event_type, event.actor, event.subject_id) == ("offer.edited", admin, str(soxp_2003.pk))
    assert event.data["decision_support"] == {
        "reference_price": {"before": "1.5000", "after": "2.0000"},
        "volatility": {"before": "0.8000", "after": "0.6500"},
        "risk_free_rate": {"before": "0.0400", "after": "0.0350"},
        "current_vesting_cliff_months": {"before": 12, "after": 6},
        "current_vesting_cliff_fraction": {"before": "0.2500", "after": "0.5000"},
        "current_vesting_installments": {"before": 36, "after": 30},
    }
    assert Offer.objects.get(pk=soxp_2003.pk).current_grant_vesting.cliff_months == 6


def test_the_schedule_may_be_cleared_and_the_whole_grant_may_vest_at_the_cliff(
    soxp_2003: Offer, admin: User
) -> None:
    cleared = values(
        current_vesting_cliff_months=None,
        current_vesting_cliff_fraction=None,
        current_vesting_installments=None,
    )
    assert set_decision_support(soxp_2003, **cleared, actor=admin, now=DURING) is True
    assert stored(soxp_2003)[3:] == (None, None, None)
    assert Offer.objects.get(pk=soxp_2003.pk).current_grant_vesting is None
    whole = values(
        current_vesting_cliff_months=36,
        current_vesting_cliff_fraction=Decimal(1),
        current_vesting_installments=0,
    )
    assert set_decision_support(soxp_2003, **whole, actor=admin, now=DURING) is True
    assert stored(soxp_2003)[3:] == (36, Decimal(1), 0)


def test_unchanged_values_write_nothing(soxp_2003: Offer, admin: User) -> None:
    changed = set_decision_support(
        soxp_2003, **values(current_vesting_cliff_fraction=Decimal("0.250")), actor=admin, now=DURING
    )
    assert changed is False
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("closed", [False, True])
def test_refused_from_the_deadline(soxp_2003: Offer, admin: User, closed: bool) -> None:
    now = AT_THE_DEADLINE
    if closed:
        Offer.objects.filter(pk=soxp_2003.pk).update(closed_at=now - timedelta(hours=1))
    with pytest.raises(
        OfferError, match="is closed" if closed else "deadline, January 20, 2003 at 9:00 PM PST"
    ):
        set_decision_support(
            soxp_2003, **values(reference_price=Decimal(2), volatility=None), actor=admin, now=now
        )
    assert stored(soxp_2003) == FIXTURE
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"reference_price": Decimal(0)}, "more than \\$0"),
        ({"reference_price": Decimal("1.23456")}, "at most 4 decimal places"),
        ({"reference_price": Decimal("Infinity")}, "must be a number"),
        ({"reference_price": Decimal("99999999999")}, "at most \\$1,000,000.00 a share"),
        ({"volatility": Decimal(0)}, "more than 0% and at most 500%"),
        ({"volatility": Decimal("5.01")}, "more than 0% and at most 500%"),
        ({"risk_free_rate": Decimal("-0.01")}, "risk-free rate must be from 0% to 25%"),
        ({"risk_free_rate": Decimal("0.2501")}, "risk-free rate must be from 0% to 25%"),
        ({"risk_free_rate": Decimal("0.04001")}, "risk-free rate can have at most 4 decimal places"),
        ({"current_vesting_cliff_months": None}, "needs the cliff, the share vesting at the cliff and the"),
        ({"current_vesting_cliff_fraction": None}, "needs the cliff, the share vesting at the cliff and the"),
        ({"current_vesting_installments": None}, "needs the cliff, the share vesting at the cliff and the"),
        ({"current_vesting_cliff_months": -1}, "cliff must be from 0 to 60 months"),
        ({"current_vesting_cliff_months": 61}, "cliff must be from 0 to 60 months"),
        ({"current_vesting_installments": -1}, "instalments must be from 0 to 120 instalments"),
        ({"current_vesting_installments": 121}, "instalments must be from 0 to 120 instalments"),
        ({"current_vesting_cliff_fraction": Decimal("1.0001")}, "must be from 0% to 100%"),
        ({"current_vesting_cliff_fraction": Decimal("-0.25")}, "must be from 0% to 100%"),
        ({"current_vesting_cliff_fraction": Decimal("NaN")}, "must be from 0% to 100%"),
        ({"current_vesting_cliff_fraction": Decimal("0.25001")}, "at most 4 decimal places"),
        ({"current_vesting_installments": 0}, "Without monthly instalments a current grant vests whole"),
    ],
)
def test_values_outside_the_limits_are_refused(
    soxp_2003: Offer, admin: User, changes: dict[str, Decimal | int | None], words: str
) -> None:
    with pytest.raises(OfferError, match=words):
        set_decision_support(soxp_2003, **values(**changes), actor=admin, now=DURING)
    assert stored(soxp_2003) == FIXTURE
    assert not AuditEvent.objects.exists()
