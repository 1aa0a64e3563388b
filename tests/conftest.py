"""Shared fixtures: the people of the tests and the 2003 offer."""

import pytest
from django.core.management import call_command

from soxp_portal.offers.models import Employee, Offer
from tests.factories import EmployeeFactory


@pytest.fixture
def soxp_2003(db: None) -> Offer:
    """The seed offer, loaded from fixtures/soxp-2003.json exactly as `make run` loads it."""
    call_command("loaddata", "soxp-2003", verbosity=0)
    return Offer.objects.get(slug="soxp-2003")


@pytest.fixture
def alice(db: None) -> Employee:
    """An eligible employee."""
    return EmployeeFactory(first_name="Alice", last_name="Able", employee_id="E-ALICE")


@pytest.fixture
def bob(db: None) -> Employee:
    """Another employee."""
    return EmployeeFactory(first_name="Bob", last_name="Baker", employee_id="E-BOB")
