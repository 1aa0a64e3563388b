"""Sign-in, a failed sign-in and a lock-out each write an audit event, through the real sign-in page."""

import pytest
from django.test import Client

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Employee
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def types() -> list[str]:
    return list(AuditEvent.objects.order_by("sequence").values_list("event_type", flat=True))


def test_a_sign_in_is_recorded_with_the_actor_and_the_employee(client: Client, alice: Employee) -> None:
    response = client.post(
        LOGIN, {"username": alice.user.email, "password": PASSWORD}, HTTP_USER_AGENT="Test/1"
    )

    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert event.event_type == AuditEventType.AUTH_SIGNED_IN
    assert (event.actor, event.actor_email, event.employee) == (alice.user, alice.user.email, alice)
    assert (event.subject_type, event.subject_id) == ("accounts.User", str(alice.user.pk))
    assert (event.ip_address, event.user_agent, event.channel) == ("127.0.0.1", "Test/1", "web")
    assert event.request_id


def test_a_staff_sign_in_has_no_employee(client: Client) -> None:
    user = UserFactory(email="staff@example.com")
    client.post(LOGIN, {"username": "staff@example.com", "password": PASSWORD})
    event = AuditEvent.objects.get()
    assert (event.actor, event.employee) == (user, None)


def test_a_failed_sign_in_has_no_actor_and_records_the_email_lower_cased_never_the_password(
    client: Client, alice: Employee
) -> None:
    response = client.post(LOGIN, {"username": "  E-Alice@Example.COM ", "password": "wrong-secret-123"})

    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.event_type == AuditEventType.AUTH_SIGN_IN_FAILED
    assert (event.actor, event.actor_email, event.employee) == (None, "", None)
    assert event.data == {"email": "e-alice@example.com"}
    assert "wrong-secret-123" not in str(event.data) + event.user_agent
    assert event.ip_address == "127.0.0.1"


def test_an_unknown_email_is_recorded_too(client: Client, db: None) -> None:
    client.post(LOGIN, {"username": "nobody@example.com", "password": "guess"})
    assert AuditEvent.objects.get().data == {"email": "nobody@example.com"}


def test_reaching_the_failure_limit_records_the_lockout(client: Client, alice: Employee, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        response = client.post(LOGIN, {"username": alice.user.email, "password": "wrong-password"})

    assert response.status_code == 429
    assert sorted(types()) == sorted(["auth.sign_in_failed"] * 3 + ["auth.locked_out"])
    lockout = AuditEvent.objects.get(event_type=AuditEventType.AUTH_LOCKED_OUT)
    assert lockout.actor is None
    assert lockout.data == {"email": alice.user.email, "failures": 3}
    assert lockout.ip_address == "127.0.0.1"


def test_each_attempt_while_locked_out_is_recorded(client: Client, alice: Employee, settings) -> None:
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        client.post(LOGIN, {"username": alice.user.email, "password": "wrong-password"})

    response = client.post(LOGIN, {"username": alice.user.email, "password": PASSWORD})

    assert response.status_code == 429
    assert types().count("auth.locked_out") == 2
    assert types().count("auth.sign_in_failed") == 4
    assert "auth.signed_in" not in types()
