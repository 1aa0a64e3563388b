"""A flood of refusals cannot bloat the chain (audit.repeats).

Per source (the kind of event, the signed-in user or else the client address, the URL pattern), the
first AUDIT_REPEAT_LIMIT events of a window are recorded one by one; the rest are counted and, once
the window has ended, summarised in one ``audit.repeats_summarised`` event. The chain stays intact.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.db import transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.audit.models import AuditEvent, AuditEventType, RepeatWindow
from soxp_portal.audit.repeats import record_repeatable
from soxp_portal.audit.verify import verify_chain
from soxp_portal.offers.models import Employee
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db

START = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
FLOOD = 100


@pytest.fixture(autouse=True)
def limits(settings) -> None:
    """The defaults of settings.py, named here so the tests read without it."""
    settings.AUDIT_REPEAT_LIMIT = 5
    settings.AUDIT_REPEAT_WINDOW_SECONDS = 15 * 60


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def signed_in(user: User, address: str = "198.51.100.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client


def refused(kind: AuditEventType = AuditEventType.ACCESS_REFUSED):
    return AuditEvent.objects.filter(event_type=kind).order_by("sequence")


def summaries():
    return refused(AuditEventType.REPEATS_SUMMARISED)


def test_a_flood_of_100_refusals_writes_the_limit_and_counts_the_rest(clock, alice: Employee) -> None:
    client = signed_in(alice.user)
    before = AuditEvent.objects.count()

    for _ in range(FLOOD):
        assert client.get("/console/").status_code == 403

    assert AuditEvent.objects.count() - before == 5
    events = list(refused())
    assert len(events) == 5
    assert all("repeats" not in event.data for event in events[:4])
    assert events[4].data["repeats"]["limit"] == 5
    assert events[4].data["repeats"]["counted_until"] == "2003-01-10T18:15:00.000000Z"
    window = RepeatWindow.objects.get()
    assert (window.recorded, window.suppressed, window.route) == (5, 95, "console/")
    assert verify_chain().intact


def test_after_the_window_the_next_event_summarises_what_was_counted(
    clock, alice: Employee, bob: Employee
) -> None:
    for _ in range(FLOOD):
        signed_in(alice.user).get("/console/")
    clock.shift(timedelta(minutes=16))

    assert signed_in(bob.user).get("/console/").status_code == 403  # anyone's next refusal

    summary = summaries().get()
    assert summary.actor == alice.user
    assert summary.ip_address == "198.51.100.1"
    assert summary.at == START + timedelta(minutes=15)
    assert summary.data == {
        "event_type": "access.refused",
        "route": "console/",
        "count": 95,
        "first_at": "2003-01-10T18:00:00.000000Z",
        "last_at": "2003-01-10T18:00:00.000000Z",
        "recorded_one_by_one": 5,
        "limit": 5,
        "window_seconds": 900,
    }
    assert refused().last().actor == bob.user
    assert refused().last().sequence == summary.sequence + 1, "the summary first, then the new event"
    assert list(RepeatWindow.objects.values_list("user", flat=True)) == [bob.user.pk]
    assert verify_chain().intact


def test_a_source_whose_window_ended_starts_a_new_one_after_its_summary(clock, alice: Employee) -> None:
    client = signed_in(alice.user)
    for _ in range(8):
        client.get("/console/")
    clock.shift(timedelta(minutes=15))
    client = signed_in(alice.user)
    for _ in range(8):
        client.get("/console/")

    assert refused().count() == 10
    assert summaries().get().data["count"] == 3
    assert RepeatWindow.objects.get().suppressed == 3
    assert verify_chain().intact


def test_one_url_pattern_is_one_source_whatever_the_slug(clock, alice: Employee) -> None:
    client = signed_in(alice.user)
    for number in range(FLOOD):
        assert client.get(f"/console/offers/offer-{number}/").status_code == 403

    assert refused().count() == 5
    assert [event.data["path"] for event in refused()] == [f"/console/offers/offer-{n}/" for n in range(5)]
    assert RepeatWindow.objects.get().route == "console/offers/<slug:slug>/"


def test_each_user_each_kind_and_each_pattern_has_its_own_limit(
    clock, alice: Employee, bob: Employee
) -> None:
    for user in (alice.user, bob.user):
        client = signed_in(user)
        for _ in range(10):
            client.get("/console/")
            client.get("/console/audit/")

    assert refused().filter(actor=alice.user).count() == 10
    assert refused().filter(actor=bob.user).count() == 10
    assert RepeatWindow.objects.count() == 4


def test_nobody_signed_in_is_limited_per_client_address(clock, alice: Employee) -> None:
    for address in ("192.0.2.1", "192.0.2.2"):
        client = Client(enforce_csrf_checks=True, REMOTE_ADDR=address)
        for _ in range(FLOOD):
            assert (
                client.post(reverse("accounts:login"), {"username": "x", "password": "y"}).status_code == 403
            )

    failures = refused(AuditEventType.CSRF_FAILED)
    assert failures.count() == 10
    assert sorted({event.ip_address for event in failures}) == ["192.0.2.1", "192.0.2.2"]
    assert set(failures.values_list("actor", flat=True)) == {None}
    assert verify_chain().intact


def test_a_flood_of_password_reset_requests_is_limited_like_the_emails(clock, alice: Employee) -> None:
    client = Client(REMOTE_ADDR="192.0.2.9")
    for _ in range(FLOOD):
        client.post(reverse("accounts:password-reset"), {"email": alice.user.email})

    requests = refused(AuditEventType.PASSWORD_RESET_REQUESTED)
    assert requests.count() == 5
    assert [event.data["within_limits"] for event in requests] == [True, True, True, False, False]


def test_a_flood_of_console_refusals_is_limited(clock, soxp_2003) -> None:
    admin = UserFactory(email="ada@example.com")
    admin.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    client = signed_in(admin)
    for _ in range(FLOOD):
        client.post(reverse("console:close-cancel", args=[soxp_2003.slug]))

    assert refused(AuditEventType.CONSOLE_REFUSED).count() == 5


def test_ended_windows_that_counted_nothing_are_cleared_without_an_event(clock, alice: Employee) -> None:
    signed_in(alice.user).get("/console/")
    clock.shift(timedelta(hours=1))
    other = EmployeeFactory(employee_id="E-OTHER")
    signed_in(other.user).get("/console/")

    assert not summaries().exists()
    assert list(RepeatWindow.objects.values_list("user", flat=True)) == [other.user.pk]


def test_the_limit_and_the_window_are_settings(clock, alice: Employee, settings) -> None:
    settings.AUDIT_REPEAT_LIMIT = 2
    settings.AUDIT_REPEAT_WINDOW_SECONDS = 60
    client = signed_in(alice.user)
    for _ in range(10):
        client.get("/console/")
    clock.shift(timedelta(seconds=61))
    signed_in(alice.user).get("/console/")

    assert refused().count() == 3
    assert summaries().get().data["count"] == 8


def test_the_path_method_and_reason_are_recorded_with_what_the_caller_adds(clock, alice: Employee) -> None:
    request = RequestFactory().put("/somewhere/?secret-looking=1", REMOTE_ADDR="192.0.2.77")
    request.user = alice.user

    event = record_repeatable(AuditEventType.ACCESS_REFUSED, request, data={"reason": "because"})

    assert event is not None
    assert event.data == {"path": "/somewhere/", "method": "PUT", "reason": "because"}
    assert (event.actor, event.ip_address) == (alice.user, "192.0.2.77")


@pytest.mark.django_db(transaction=True)
def test_it_refuses_to_run_inside_another_transaction(alice: Employee) -> None:
    """Durable: the event commits whatever the request does next, and no chain lock is held before its
    row lock (rows first, the chain last)."""
    request = RequestFactory().get("/console/")
    request.user = alice.user
    with pytest.raises(RuntimeError, match="durable"), transaction.atomic():
        record_repeatable(AuditEventType.ACCESS_REFUSED, request, data={"reason": "r"})
