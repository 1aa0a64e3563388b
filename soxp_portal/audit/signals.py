"""Sign-ins in the audit trail: success, failure and lock-out, each written by ``record``.

Connected from ``AuditConfig.ready``. Django's sign-in view runs in autocommit (``ATOMIC_REQUESTS``
is off), so each event commits on its own as soon as it is written. A failure and a lock-out must
survive whatever the request does next, so they are written in a *durable* transaction: if a
future change ever ran sign-in inside a transaction that could roll them back, writing them fails
loudly instead of losing them quietly. A successful sign-in joins the caller's transaction like any
other event: if the sign-in were rolled back, so would be its session.

The attempted email is recorded lower-cased; the password never is (Django passes it masked, and
``record`` refuses any key naming a password).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditChannel, AuditEventType


def record_sign_in(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    """The user signed in. The event is about their login, and their employee record if they have one."""
    record(
        AuditEventType.AUTH_SIGNED_IN,
        actor=user,
        at=timezone.now(),
        subject=user,
        channel=AuditChannel.WEB,
        request=request,
    )


def record_sign_in_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A refused attempt (wrong password, unknown email, or any attempt during a lock-out): no actor."""
    with transaction.atomic(durable=True):
        record(
            AuditEventType.AUTH_SIGN_IN_FAILED,
            actor=None,
            at=timezone.now(),
            channel=AuditChannel.WEB,
            data={"email": _attempted_email(credentials.get("username"))},
            request=request,
        )


def record_lockout(
    sender: Any, request: HttpRequest | None, username: str | None = None, **kwargs: Any
) -> None:
    """django-axes locked the email out from this address (sent on the attempt that reaches the limit,
    and again on each attempt refused while the lock-out lasts)."""
    failures = getattr(request, "axes_failures_since_start", None)
    with transaction.atomic(durable=True):
        record(
            AuditEventType.AUTH_LOCKED_OUT,
            actor=None,
            at=timezone.now(),
            channel=AuditChannel.WEB,
            data={"email": _attempted_email(username), "failures": failures},
            request=request,
        )


def _attempted_email(value: object) -> str:
    return str(value or "").strip().lower()


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(record_sign_in, dispatch_uid="soxp_audit_signed_in")
    user_login_failed.connect(record_sign_in_failure, dispatch_uid="soxp_audit_sign_in_failed")
    user_locked_out.connect(record_lockout, dispatch_uid="soxp_audit_locked_out")
