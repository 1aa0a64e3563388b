"""The guard that makes the SQLite run fail where PostgreSQL would refuse a write (tests/postgres_guard.py)."""

import re
from decimal import Decimal

import pytest
from django.db import connection

from soxp_portal.closing.models import Closing
from soxp_portal.offers.models import Employee, Grant, Offer
from tests.factories import EmployeeFactory, GrantFactory
from tests.postgres_guard import PostgresGuard, PostgresWouldRefuse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("write", "words"),
    [
        (lambda o: Offer.objects.filter(pk=o.pk).update(name="a\x00b"), "NUL character"),
        (lambda o: Offer.objects.filter(pk=o.pk).update(name="x" * 201), "201 characters in a varchar(200)"),
        (
            lambda o: Offer.objects.filter(pk=o.pk).update(new_exercise_price=Decimal("99999999999")),
            "does not fit a numeric(12, 4)",
        ),
        (lambda o: Offer.objects.filter(pk=o.pk).update(new_term_years=40000), "outside the column's range"),
        pytest.param(
            lambda o: Offer.objects.filter(pk=o.pk).update(contacts=[{"name": "a\x00"}]),
            "jsonb refuses",
            # On PostgreSQL the JSON is serialised after the guard looks, and the database refuses it.
            marks=pytest.mark.skipif(
                connection.vendor == "postgresql", reason="PostgreSQL refuses it itself"
            ),
        ),
        (lambda o: GrantFactory(shares_granted=3_000_000_000), "outside the column's range"),
        (lambda o: EmployeeFactory(first_name="x" * 151), "151 characters in a varchar(150)"),
    ],
)
def test_what_postgresql_refuses_is_refused(soxp_2003: Offer, write, words: str) -> None:
    with PostgresGuard(), pytest.raises(PostgresWouldRefuse, match=re.escape(words)):
        write(soxp_2003)


def test_what_postgresql_takes_goes_through(soxp_2003: Offer) -> None:
    with PostgresGuard():
        grant = GrantFactory(exercise_price=Decimal("99999999.9999"), shares_granted=2_147_483_647)
        Grant.objects.bulk_create(
            [
                Grant(
                    grant_id=f"G-BULK-{n}",
                    employee=grant.employee,
                    plan=grant.plan,
                    option_type="NSO",
                    grant_date=grant.grant_date,
                    shares_granted=10,
                    exercise_price=Decimal("1.25"),
                    expiration_date=grant.expiration_date,
                )
                for n in range(3)
            ]
        )
        Offer.objects.filter(pk=soxp_2003.pk).update(name="Ω 🙂 " * 40, contacts=[{"name": "Ω"}])
        Employee.objects.filter(pk=grant.employee.pk).update(first_name="x" * 150)
        Closing.objects.create(offer=soxp_2003)
    assert Grant.objects.filter(grant_id__startswith="G-BULK-").count() == 3
