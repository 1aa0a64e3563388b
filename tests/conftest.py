"""Shared fixtures: the people of the tests and the 2003 offer."""

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from soxp_portal import settings as project_settings
from soxp_portal.accounts.two_factor import SIGN_IN_METHOD, Method
from soxp_portal.offers.models import Employee, Offer
from tests.factories import EmployeeFactory, GrantFactory, PlanFactory

SLIDE_9_GRANTS = (  # grant id, grant date, shares granted, exercised, exercise price
    ("G-1001", date(2000, 5, 20), 1000, 200, "6.00"),
    ("G-1002", date(2001, 3, 5), 1000, 0, "4.50"),
    ("G-1003", date(2002, 2, 28), 500, 0, "2.18"),
    ("G-1004", date(2002, 7, 1), 500, 0, "0.40"),
)


#: The hashers settings.py uses: Argon2id (about 26 ms a password here), then PBKDF2 for older hashes.
PRODUCTION_HASHERS = project_settings.PASSWORD_HASHERS


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hasher() -> Iterator[None]:
    """Every user a factory makes gets a password; hashing each with the production hasher cost the
    suite minutes. Tests about passwords ask for ``production_hasher``."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _force_login_is_a_whole_sign_in(monkeypatch) -> None:
    """``Client.force_login`` stands for a finished sign-in: its session is marked as having passed the
    second factor, which staff pages require of every other session (``two_factor``). The tests of the
    second factor itself make their sessions through the sign-in pages, or mark them as they need."""
    force_login = Client.force_login

    def signed_in(client: Client, user, backend=None) -> None:
        force_login(client, user, backend)
        session = client.session
        session[SIGN_IN_METHOD] = Method.SECOND_FACTOR
        session.save()

    monkeypatch.setattr(Client, "force_login", signed_in)


@pytest.fixture
def production_hasher(settings) -> None:
    """The hashers settings.py uses, for the tests that are about how passwords are stored."""
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS


@pytest.fixture(scope="module")
def module_transaction(django_db_setup: None, django_db_blocker) -> Iterator[None]:
    """A transaction around a whole test module, for a set-up that is costly to build for every test.

    A module-scoped fixture that asks for this builds its rows once. Each test's own transaction
    nests inside it as a savepoint and is rolled back after the test, so every test starts from the
    rows as built; after the module's last test the rows are rolled back too. Only for modules
    without transactional tests (``live_server``, ``transaction=True``), which need committed rows.
    Hand each test a copy of the built objects (``copy.deepcopy``), as Django's ``setUpTestData`` does.
    """
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        # As Django's TestCase marks its own: code that opens a durable transaction (an audited
        # refusal, audit.repeats) runs inside it as it does inside a test's transaction.
        atomic._from_testcase = True  # type: ignore[attr-defined]
        atomic.__enter__()
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        atomic.__exit__(None, None, None)


def load_soxp_2003() -> Offer:
    """The seed offer, loaded from fixtures/soxp-2003.json exactly as `make run` loads it."""
    call_command("loaddata", "soxp-2003", verbosity=0)
    return Offer.objects.get(slug="soxp-2003")


@pytest.fixture
def soxp_2003(db: None) -> Offer:
    return load_soxp_2003()


@pytest.fixture
def alice(db: None) -> Employee:
    """An eligible employee."""
    return EmployeeFactory(first_name="Alice", last_name="Able", employee_id="E-ALICE")


@pytest.fixture
def bob(db: None) -> Employee:
    """Another employee."""
    return EmployeeFactory(first_name="Bob", last_name="Baker", employee_id="E-BOB")


def create_slide_9_employee() -> Employee:
    """The employee of slide 9: three eligible grants (G-1004 a lookback grant) and one ineligible (G-1003)."""
    employee = EmployeeFactory(employee_id="E1001", first_name="Sam", last_name="Slide")
    plan = PlanFactory(name="2000 Stock Option Plan")
    for grant_id, granted, shares, exercised, price in SLIDE_9_GRANTS:
        GrantFactory(
            grant_id=grant_id,
            employee=employee,
            plan=plan,
            grant_date=granted,
            shares_granted=shares,
            shares_exercised=exercised,
            exercise_price=Decimal(price),
        )
    return employee


@pytest.fixture
def slide_9_employee(db: None) -> Employee:
    return create_slide_9_employee()


_DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_reset_sequences"}


@pytest.fixture(autouse=True)
def _empty_cache(request: pytest.FixtureRequest) -> None:
    """Each test that has the database starts with an empty cache (the cache is a table of the
    database), so nothing cached outlives the test's data. A transaction's rollback empties it, but a
    transactional test's flush does not touch a table that is not a model's."""
    if request.node.get_closest_marker("django_db") or _DATABASE_FIXTURES & set(request.fixturenames):
        request.getfixturevalue("_django_db_helper")
        cache.clear()


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path) -> None:
    """Uploaded files go to a temporary folder, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"
