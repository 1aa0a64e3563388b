"""The session is an idle time-out: SESSION_COOKIE_AGE after the last request, renewed by each request."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, override_settings

from soxp_portal.offers.models import Employee

pytestmark = pytest.mark.django_db

PAGE = "/test/employee/"


@override_settings(SESSION_COOKIE_AGE=60)
def test_session_expires_after_the_idle_time(client: Client, alice: Employee) -> None:
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC), tick=False) as traveller:
        client.force_login(alice.user)
        assert client.get(PAGE).status_code == 200
        traveller.shift(timedelta(seconds=59))
        assert client.get(PAGE).status_code == 200
        traveller.shift(timedelta(seconds=59))  # 118 s after sign-in, but only 59 s idle
        assert client.get(PAGE).status_code == 200
        traveller.shift(timedelta(seconds=61))
        response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url == f"/accounts/login/?next={PAGE}"
