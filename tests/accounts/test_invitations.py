"""Invitation tokens and emails: send_invitation, send_invitations."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.test import RequestFactory, override_settings

from soxp_portal.accounts.invitations import (
    InvitationTokenGenerator,
    invitation_token_generator,
    send_invitation,
    send_invitations,
    users_awaiting_invitation,
)
from soxp_portal.offers.models import Employee
from tests.accounts.helpers import invitation_link
from tests.factories import EmployeeFactory

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_send_invitation_emails_a_link_to_the_employee(awaiting: Employee) -> None:
    send_invitation(awaiting.user)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [awaiting.user.email]
    assert message.subject == "Your invitation to the SOXP Portal"
    assert "Hello Wendy," in message.body
    assert "expires in 14 days" in message.body
    assert "http://127.0.0.1:8000/accounts/login/" in message.body
    assert invitation_link(message).startswith("http://127.0.0.1:8000/accounts/invitation/")


def test_link_comes_from_the_request_when_there_is_one(awaiting: Employee) -> None:
    request = RequestFactory().get("/", secure=True)
    send_invitation(awaiting.user, request=request, base_url="https://ignored.example.com")
    assert invitation_link(mail.outbox[0]).startswith("https://testserver/accounts/invitation/")


def test_link_comes_from_base_url_then_the_setting(awaiting: Employee) -> None:
    send_invitation(awaiting.user, base_url="https://portal.example.com/")
    with override_settings(PORTAL_BASE_URL="https://soxp.example.org"):
        send_invitation(awaiting.user)
    assert invitation_link(mail.outbox[0]).startswith("https://portal.example.com/accounts/invitation/")
    assert invitation_link(mail.outbox[1]).startswith("https://soxp.example.org/accounts/invitation/")


def test_send_invitations_counts_what_it_sent(awaiting: Employee, alice: Employee) -> None:
    assert send_invitations([awaiting.user, alice.user]) == 2
    assert sorted(message.to[0] for message in mail.outbox) == sorted([awaiting.user.email, alice.user.email])
    assert send_invitations([]) == 0


def test_users_awaiting_invitation(awaiting: Employee, alice: Employee) -> None:
    signed_in = EmployeeFactory()
    signed_in.user.set_unusable_password()
    signed_in.user.last_login = START
    signed_in.user.save()
    inactive = EmployeeFactory(user__is_active=False)
    inactive.user.set_unusable_password()
    inactive.user.save()
    assert list(users_awaiting_invitation()) == [awaiting.user]


def test_reset_and_invitation_tokens_are_not_interchangeable(awaiting: Employee) -> None:
    reset_token = default_token_generator.make_token(awaiting.user)
    invitation_token = invitation_token_generator.make_token(awaiting.user)
    assert invitation_token_generator.check_token(awaiting.user, invitation_token)
    assert not invitation_token_generator.check_token(awaiting.user, reset_token)
    assert not default_token_generator.check_token(awaiting.user, invitation_token)


@pytest.mark.parametrize("token", ["", "nonsense", "zzzzzzzzzzzzzzzzz-abc", "1-2-3"])
def test_malformed_tokens_are_refused(awaiting: Employee, token: str) -> None:
    assert not invitation_token_generator.check_token(awaiting.user, token)


def test_token_lasts_14_days(awaiting: Employee) -> None:
    with time_machine.travel(START, tick=False) as traveller:
        token = invitation_token_generator.make_token(awaiting.user)
        traveller.shift(timedelta(days=14))
        assert invitation_token_generator.check_token(awaiting.user, token)
        traveller.shift(timedelta(seconds=1))
        assert not invitation_token_generator.check_token(awaiting.user, token)


@override_settings(INVITATION_VALID_DAYS=2)
def test_validity_comes_from_the_setting(awaiting: Employee) -> None:
    generator = InvitationTokenGenerator()
    with time_machine.travel(START, tick=False) as traveller:
        token = generator.make_token(awaiting.user)
        traveller.shift(timedelta(days=2, hours=1))
        assert not generator.check_token(awaiting.user, token)


def test_setting_the_password_kills_the_token(awaiting: Employee) -> None:
    token = invitation_token_generator.make_token(awaiting.user)
    awaiting.user.set_password("stock-option-tender-2003")
    awaiting.user.save()
    assert not invitation_token_generator.check_token(awaiting.user, token)
