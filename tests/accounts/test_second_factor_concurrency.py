"""One app code signs in once, even when two requests bring it at the same moment (PostgreSQL).

``two_factor.verify_code`` locks the device's row (``select_for_update``) before django-otp checks the
code against the last time step used, so the second request reads the step the first one saved. The
control shows the race without the lock: both requests accept the same code.
"""

import threading
from collections.abc import Callable

import pytest
from django.db import connection, transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from soxp_portal.accounts.models import User
from soxp_portal.accounts.two_factor import verify_code
from tests.accounts.test_second_factor import code_of
from tests.factories import UserFactory

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks exist only on PostgreSQL (scripts/with-postgres)"
)
pytestmark = [on_postgresql, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def race(attempt: Callable[[], bool]) -> list[bool]:
    results: list[bool] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            results.append(attempt())
        except BaseException as error:  # reported by the test, not lost in the thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return sorted(results)


def enrolled() -> tuple[User, TOTPDevice, str]:
    user = UserFactory(email="admin@example.com", is_staff=True)
    device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    return user, device, code_of(device)


def test_two_requests_with_one_code_sign_in_once() -> None:
    user, _device, code = enrolled()
    both_ready = threading.Barrier(2)

    def attempt() -> bool:
        both_ready.wait()
        return verify_code(user, code, request=None) is not None

    assert race(attempt) == [False, True]


def test_control_without_the_lock_both_requests_accept_the_code() -> None:
    _user, device, code = enrolled()
    both_read = threading.Barrier(2)

    def attempt() -> bool:
        with transaction.atomic():
            mine = TOTPDevice.objects.get(pk=device.pk)  # no row lock
            both_read.wait()
            return mine.verify_token(code)

    assert race(attempt) == [True, True]
