"""Password-reset emails are limited per account and per address, with the same answer either way."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.test import Client, override_settings
from django.urls import reverse

from soxp_portal.accounts.models import PasswordResetRequest
from soxp_portal.accounts.throttle import email_digest
from soxp_portal.offers.models import Employee

pytestmark = pytest.mark.django_db

RESET = "/accounts/password-reset/"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
DONE = reverse("accounts:password-reset-done")


def ask(email: str, address: str = "198.51.100.7"):
    return Client(REMOTE_ADDR=address).post(RESET, {"email": email})


@override_settings(PASSWORD_RESET_LIMIT_PER_ACCOUNT=3)
def test_an_account_gets_at_most_its_limit_of_emails_an_hour(alice: Employee) -> None:
    with time_machine.travel(NOW, tick=False):
        answers = [ask(alice.email, address=f"198.51.100.{n}") for n in range(5)]
    assert [(answer.status_code, answer["Location"]) for answer in answers] == [(302, DONE)] * 5
    assert len(mail.outbox) == 3


@override_settings(PASSWORD_RESET_LIMIT_PER_ADDRESS=4)
def test_an_address_gets_at_most_its_limit_whatever_the_accounts(alice: Employee, bob: Employee) -> None:
    with time_machine.travel(NOW, tick=False):
        for email in [alice.email, bob.email, "nobody@example.com", alice.email, bob.email, alice.email]:
            assert ask(email)["Location"] == DONE
    assert len(mail.outbox) == 3  # alice, bob, alice: the unknown address counted but had no email


@override_settings(PASSWORD_RESET_LIMIT_PER_ACCOUNT=1)
def test_the_limit_rolls_over_after_an_hour(alice: Employee) -> None:
    with time_machine.travel(NOW, tick=False):
        ask(alice.email)
        ask(alice.email)
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        ask(alice.email)
    assert len(mail.outbox) == 2
    assert PasswordResetRequest.objects.count() == 1, "requests older than the hour are forgotten"


@override_settings(PASSWORD_RESET_LIMIT_PER_ACCOUNT=1)
def test_the_answer_is_the_same_page_either_way(alice: Employee) -> None:
    with time_machine.travel(NOW, tick=False):
        sent = Client().post(RESET, {"email": alice.email}, follow=True)
        held = Client().post(RESET, {"email": alice.email}, follow=True)
        unknown = Client().post(RESET, {"email": "nobody@example.com"}, follow=True)
    assert sent.content == held.content == unknown.content
    assert len(mail.outbox) == 1


def test_the_address_asked_for_is_kept_only_as_a_digest(alice: Employee) -> None:
    ask(alice.email.upper())
    stored = PasswordResetRequest.objects.get()
    assert stored.email_digest == email_digest(alice.email)
    assert alice.email not in str(PasswordResetRequest.objects.values().get())
    assert stored.ip_address == "198.51.100.7"
