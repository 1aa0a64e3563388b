"""Invitations: an employee's first sign-in goes through an emailed link that sets their password.

The census import creates each employee's login with no usable password. The invitation link carries
a token from :class:`InvitationTokenGenerator`, which works like a password-reset token with two
differences: its own key salt, so a reset token is never accepted as an invitation (nor the other
way round), and its own validity, ``settings.INVITATION_VALID_DAYS`` (14 days unless set). The token
hashes the password and the last sign-in, so it stops working as soon as the password is set.

Invitations are sent by :func:`invite`, which writes the ``invitation.sent`` audit event naming
everyone invited in the transaction that decides who they are, and emails them once it has committed.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from itertools import batched

from django.conf import settings
from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.mail import EmailMessage, mailers
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.encoding import force_bytes
from django.utils.http import base36_to_int, urlsafe_base64_encode

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.middleware import channel_of
from soxp_portal.audit.models import AuditEventType

DEFAULT_VALID_DAYS = 14
DEFAULT_PORTAL_BASE_URL = "http://127.0.0.1:8000"
SUBJECT_TEMPLATE = "emails/accounts/invitation_subject.txt"
BODY_TEMPLATE = "emails/accounts/invitation.txt"
BATCH_SIZE = 500  # messages rendered and handed to the mailer at a time, over one connection


def valid_days() -> int:
    return int(getattr(settings, "INVITATION_VALID_DAYS", DEFAULT_VALID_DAYS))


class InvitationTokenGenerator(PasswordResetTokenGenerator):
    key_salt = "soxp_portal.accounts.invitations.InvitationTokenGenerator"

    def check_token(self, user: User | None, token: str | None) -> bool:  # type: ignore[override]
        """The parent's check, with the invitation's validity instead of PASSWORD_RESET_TIMEOUT."""
        if not (user and token):
            return False
        try:
            timestamp_b36, _ = token.split("-")
            timestamp = base36_to_int(timestamp_b36)
        except ValueError:
            return False
        if not any(
            constant_time_compare(self._make_token_with_timestamp(user, timestamp, secret), token)
            for secret in [self.secret, *self.secret_fallbacks]
        ):
            return False
        age = self._num_seconds(self._now()) - timestamp
        return age <= timedelta(days=valid_days()).total_seconds()


invitation_token_generator = InvitationTokenGenerator()


def users_awaiting_invitation() -> QuerySet[User]:
    """Active employee logins that have never signed in and have no usable password yet.
    A terminated employee is not invited."""
    return User.objects.filter(
        is_active=True,
        employee__isnull=False,
        last_login__isnull=True,
        password__startswith=UNUSABLE_PASSWORD_PREFIX,
    ).exclude(employee__status="terminated")


def _absolute_url(path: str, *, request: HttpRequest | None, base_url: str | None) -> str:
    """From the request when there is one, else ``base_url``, else settings.PORTAL_BASE_URL."""
    if request is not None:
        return request.build_absolute_uri(path)
    base = base_url or getattr(settings, "PORTAL_BASE_URL", DEFAULT_PORTAL_BASE_URL)
    return base.rstrip("/") + path


def invitation_url(user: User, *, request: HttpRequest | None = None, base_url: str | None = None) -> str:
    path = reverse(
        "accounts:invitation",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": invitation_token_generator.make_token(user),
        },
    )
    return _absolute_url(path, request=request, base_url=base_url)


def invitation_message(
    user: User, *, request: HttpRequest | None = None, base_url: str | None = None
) -> EmailMessage:
    context = {
        "user": user,
        "name": user.first_name or user.email,
        "link": invitation_url(user, request=request, base_url=base_url),
        "sign_in_url": _absolute_url(reverse("accounts:login"), request=request, base_url=base_url),
        "valid_days": valid_days(),
    }
    subject = "".join(render_to_string(SUBJECT_TEMPLATE, context).splitlines())
    return EmailMessage(subject, render_to_string(BODY_TEMPLATE, context), to=[user.email])


def send_invitation(user: User, *, request: HttpRequest | None = None, base_url: str | None = None) -> None:
    """Emails ``user`` a link that sets their password and signs them in."""
    invitation_message(user, request=request, base_url=base_url).send()


def send_invitations(users: Iterable[User], *, base_url: str | None = None) -> int:
    """Emails an invitation to each of ``users`` over one mail connection; returns how many were sent."""
    sent = 0
    with mailers.default as mailer:
        for batch in batched(users, BATCH_SIZE):
            messages = [invitation_message(user, base_url=base_url) for user in batch]
            sent += mailer.send_messages(messages) or 0
    return sent


def _users_by_pk(pks: Sequence[int]) -> Iterator[User]:
    """The logins of ``pks`` in that order, read a batch at a time (SQLite caps query parameters)."""
    for chunk in batched(pks, BATCH_SIZE):
        users = User.objects.in_bulk(chunk)
        yield from (users[pk] for pk in chunk if pk in users)


def invite(
    users: QuerySet[User],
    *,
    actor: User | None,
    base_url: str | None = None,
    employee_ids: Collection[str] | None = None,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> int:
    """Invites the employee logins of ``users`` (only those of ``employee_ids``, census ids, if given);
    returns how many are invited. ``actor`` is None from the command line.

    Mail cannot be rolled back, so the order is: decide who is invited and write one ``invitation.sent``
    event naming them, in a transaction; then, once it has committed, send. The transaction is
    durable (never inside another), so "after the block" is "after the commit". The ids are filtered
    in Python, not with ``IN (...)``: SQLite caps the number of query parameters and a census has
    100,000 employees.
    """
    now = now or timezone.now()
    with transaction.atomic(durable=True):
        invited = [
            (pk, employee_id)
            for pk, employee_id in users.filter(employee__isnull=False)
            .order_by("pk")
            .values_list("pk", "employee__employee_id")
            .iterator(chunk_size=5000)
            if employee_ids is None or employee_id in employee_ids
        ]
        if not invited:
            return 0
        record(
            AuditEventType.INVITATION_SENT,
            actor=actor,
            at=now,
            channel=channel_of(request),
            data={
                "count": len(invited),
                "employee_ids": [employee_id for _, employee_id in invited],
                "base_url": base_url or "",
            },
            request=request,
        )
    send_invitations(_users_by_pk([pk for pk, _ in invited]), base_url=base_url)
    return len(invited)


def invite_employees(
    employee_ids: Collection[str], *, actor: User | None = None, base_url: str | None = None
) -> int:
    """Invites those of the given employees (census ids) who await an invitation; returns how many."""
    return invite(users_awaiting_invitation(), actor=actor, base_url=base_url, employee_ids=employee_ids)
