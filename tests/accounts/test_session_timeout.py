"""The session is an idle time-out: SESSION_COOKIE_AGE after its last renewal, renewed by a request at
most once every SESSION_RENEW_SECONDS, so that reading pages in between writes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from soxp_portal.offers.models import Employee

pytestmark = pytest.mark.django_db

PAGE = "/test/employee/"
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _session_writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"]
        for q in queries.captured_queries
        if "django_session" in q["sql"] and "SELECT" not in q["sql"]
    ]


@override_settings(SESSION_COOKIE_AGE=60, SESSION_RENEW_SECONDS=10)
def test_session_expires_after_the_idle_time(client: Client, alice: Employee) -> None:
    with time_machine.travel(START, tick=False) as traveller:
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


@override_settings(SESSION_COOKIE_AGE=60, SESSION_RENEW_SECONDS=10)
def test_a_session_renewed_within_the_interval_is_not_written_again(client: Client, alice: Employee) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(alice.user)
        client.get(PAGE)  # the first page after sign-in renews the session
        expires = Session.objects.get().expire_date
        traveller.shift(timedelta(seconds=9))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(PAGE).status_code == 200
        assert _session_writes(queries) == []
        assert Session.objects.get().expire_date == expires
        traveller.shift(timedelta(seconds=1))  # 10 s since the renewal
        with CaptureQueriesContext(connection) as queries:
            response = client.get(PAGE)
        assert len(_session_writes(queries)) == 1
    assert Session.objects.get().expire_date == expires + timedelta(seconds=10)
    assert response.cookies["sessionid"]["max-age"] == 60


@override_settings(SESSION_COOKIE_AGE=60, SESSION_RENEW_SECONDS=10)
def test_a_session_idle_past_its_age_ends_even_just_after_a_read(client: Client, alice: Employee) -> None:
    """Renewed at 0 s, read at 9 s (not renewed): it ends 60 s after the renewal, 51 s after that read."""
    with time_machine.travel(START, tick=False) as traveller:
        client.force_login(alice.user)
        client.get(PAGE)
        traveller.shift(timedelta(seconds=9))
        client.get(PAGE)
        traveller.shift(timedelta(seconds=52))
        response = client.get(PAGE)
    assert response.status_code == 302
