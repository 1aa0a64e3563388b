"""set_decision_support: the reference price and volatility of the Compare page. They illustrate and do
not bind, so they may change until the deadline, one audit event each time, and never after it."""

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


def stored(offer: Offer) -> tuple[Decimal | None, Decimal | None]:
    return tuple(Offer.objects.filter(pk=offer.pk).values_list("reference_price", "volatility").get())


@pytest.mark.parametrize("now", [BEFORE_OPENING, DURING, LAST_MOMENT])
def test_set_until_the_deadline(soxp_2003: Offer, admin: User, now: datetime) -> None:
    changed = set_decision_support(
        soxp_2003,
        reference_price=Decimal("2"),
        volatility=Decimal("0.65"),
        risk_free_rate=Decimal("0.035"),
        actor=admin,
        now=now,
    )
    assert changed is True
    assert stored(soxp_2003) == (Decimal("2"), Decimal("0.65"))
    event = AuditEvent.objects.get()
    assert (event.event_type, event.actor, event.offer, event.at) == ("offer.edited", admin, soxp_2003, now)
    assert event.data["decision_support"] == {
        "reference_price": {"before": "1.5000", "after": "2.0000"},
        "volatility": {"before": "0.8000", "after": "0.6500"},
        "risk_free_rate": {"before": "0.0400", "after": "0.0350"},
    }


def test_unchanged_values_write_nothing(soxp_2003: Offer, admin: User) -> None:
    changed = set_decision_support(
        soxp_2003,
        reference_price=Decimal("1.5"),
        volatility=Decimal("0.80"),
        risk_free_rate=Decimal("0.04"),
        actor=admin,
        now=DURING,
    )
    assert changed is False
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize("closed", [False, True], ids=["expired", "closed"])
def test_refused_from_the_deadline(soxp_2003: Offer, admin: User, closed: bool) -> None:
    now = AT_THE_DEADLINE
    if closed:
        Offer.objects.filter(pk=soxp_2003.pk).update(closed_at=now + timedelta(hours=1))
        now += timedelta(days=1)
    with pytest.raises(
        OfferError, match="is closed" if closed else "deadline, January 20, 2003 at 9:00 PM PST"
    ):
        set_decision_support(
            soxp_2003, reference_price=Decimal(2), volatility=None, risk_free_rate=None, actor=admin, now=now
        )
    assert stored(soxp_2003) == (Decimal("1.5"), Decimal("0.8"))
    assert not AuditEvent.objects.exists()


@pytest.mark.parametrize(
    ("price", "volatility", "words", "rate"),
    [
        (Decimal(0), None, "more than \\$0", None),
        (Decimal("1.23456"), None, "at most 4 decimal places", None),
        (Decimal("Infinity"), None, "must be a number", None),
        (Decimal("99999999999"), None, "at most \\$1,000,000.00 a share", None),
        (None, Decimal(0), "more than 0% and at most 500%", None),
        (None, Decimal("5.01"), "more than 0% and at most 500%", None),
        (None, None, "risk-free rate must be from 0% to 25%", Decimal("-0.01")),
        (None, None, "risk-free rate must be from 0% to 25%", Decimal("0.2501")),
        (None, None, "risk-free rate can have at most 4 decimal places", Decimal("0.04001")),
    ],
)
def test_values_outside_the_limits_are_refused(
    soxp_2003: Offer,
    admin: User,
    price: Decimal | None,
    volatility: Decimal | None,
    words: str,
    rate: Decimal | None,
) -> None:
    with pytest.raises(OfferError, match=words):
        set_decision_support(
            soxp_2003,
            reference_price=price,
            volatility=volatility,
            risk_free_rate=rate,
            actor=admin,
            now=DURING,
        )
    assert stored(soxp_2003) == (Decimal("1.5"), Decimal("0.8"))
    assert not AuditEvent.objects.exists()
