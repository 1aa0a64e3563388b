"""Settings for the accounts tests.

The tests run against a small URLConf of their own (accounts URLs, a stand-in home page and a few
pages behind the role decorators), so they do not depend on other apps' views. The other settings
are the ones settings.py needs for the sign-in pages (LOGIN_URL, LOGIN_REDIRECT_URL,
AXES_LOCKOUT_TEMPLATE); setting them here keeps the tests meaningful whether or not settings.py has them.
"""

import pytest
from pytest_django import Settings

from soxp_portal.offers.models import Employee
from tests.factories import EmployeeFactory


@pytest.fixture(autouse=True)
def accounts_settings(settings: Settings) -> None:
    settings.ROOT_URLCONF = "tests.accounts.urls"
    settings.LOGIN_URL = "accounts:login"
    settings.LOGIN_REDIRECT_URL = "home"
    settings.AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"


@pytest.fixture
def awaiting(db: None) -> Employee:
    """An employee whose login has no password yet and has never signed in: invitation pending."""
    employee = EmployeeFactory(first_name="Wendy", last_name="Waiting", employee_id="E-WAIT")
    employee.user.set_unusable_password()
    employee.user.save(update_fields=["password"])
    return employee
