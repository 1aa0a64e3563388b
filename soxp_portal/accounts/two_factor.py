"""The second factor of those who can change the record: a TOTP app, with recovery codes (django-otp).

Who needs it: stock administrators, auditors, superusers and Django staff (:func:`needs_second_factor`)
signing in by password. (Signing in through the company's identity provider leaves the factors to it.)

How a password sign-in of such a person goes: the password form does not sign them in. It keeps a
*pending* sign-in in the session (who, for :data:`PENDING_SECONDS`), and the second step signs them in
once a code from their app, or one of their recovery codes, is right. At their first sign-in there is
no confirmed app yet, so the second step is the enrolment: a QR code, then a code from the app, then
ten recovery codes shown once. A wrong code counts as a failed sign-in for django-axes (the same count
as wrong passwords), so the lock-out holds for the second step too; django-otp also slows repeated
wrong codes on the device itself.

How a session is known to have passed: ``SIGN_IN_METHOD`` in the session says "password" (no second
factor), "second_factor" or "oidc". A staff page (``roles.role_required``) sends a session marked
"password" to the second step first: a person promoted while signed in, or one who signed in through
an invitation link. Nothing here runs on an employee's page, so their requests cost no extra query.
"""

from __future__ import annotations

import time
from base64 import b32encode
from dataclasses import dataclass

import segno
from django.contrib.auth import login
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role, has_role

SIGN_IN_METHOD = "_soxp_sign_in_method"
PENDING = "_soxp_pending_sign_in"
RECOVERY_CODES_TO_SHOW = "_soxp_recovery_codes"
#: How long the second step waits after the right password.
PENDING_SECONDS = 5 * 60
RECOVERY_CODE_COUNT = 10
DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"


class Method:
    PASSWORD = "password"  # noqa: S105 (how the session was signed in)
    SECOND_FACTOR = "second_factor"
    OIDC = "oidc"


def needs_second_factor(user: User) -> bool:
    """Those who can change or read the whole record: the staff roles, superusers and Django staff."""
    return (
        user.is_superuser
        or user.is_staff
        or has_role(user, Role.STOCK_ADMINISTRATOR)
        or has_role(user, Role.AUDITOR)
    )


def session_lacks_second_factor(request: HttpRequest) -> bool:
    """True for a session whose person needs the second factor and that has not passed it: signed in by
    password alone, or made some other way that recorded no method (it fails closed)."""
    session = getattr(request, "session", None)
    return (
        session is not None
        and session.get(SIGN_IN_METHOD) not in (Method.SECOND_FACTOR, Method.OIDC)
        and needs_second_factor(request.user)  # type: ignore[arg-type]
    )


# The pending sign-in -------------------------------------------------------------------------------


def begin_pending(request: HttpRequest, user: User, *, backend: str, next_url: str) -> None:
    request.session[PENDING] = {
        "user": user.pk,
        "backend": backend,
        "next": next_url,
        "until": int(time.time()) + PENDING_SECONDS,
    }


@dataclass(frozen=True)
class Pending:
    user: User
    backend: str
    next_url: str
    signed_in: bool  # already signed in (by password alone): the second step only marks the session


def pending_of(request: HttpRequest) -> Pending | None:
    """Who the second step is for: the pending sign-in, else a session signed in by password alone
    whose person needs the second factor; None for anyone else (or a pending sign-in gone stale)."""
    pending = request.session.get(PENDING)
    if pending is not None:
        if pending["until"] < time.time():
            del request.session[PENDING]
            return None
        user = User.objects.filter(pk=pending["user"], is_active=True).first()
        if user is None:
            return None
        return Pending(user=user, backend=pending["backend"], next_url=pending["next"], signed_in=False)
    if request.user.is_authenticated and session_lacks_second_factor(request):
        next_url = request.GET.get("next", "")
        if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
            next_url = ""
        return Pending(user=request.user, backend="", next_url=next_url, signed_in=True)  # type: ignore[arg-type]
    return None


def complete_sign_in(request: HttpRequest, pending: Pending) -> None:
    """Signs the person in (or marks their session), with a new session key either way."""
    request.session.pop(PENDING, None)
    if pending.signed_in:
        request.session.cycle_key()
    else:
        request._soxp_sign_in_method = Method.SECOND_FACTOR  # type: ignore[attr-defined]
        login(request, pending.user, backend=pending.backend)
    request.session[SIGN_IN_METHOD] = Method.SECOND_FACTOR


# Devices ------------------------------------------------------------------------------------------


def confirmed_app(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed app device being enrolled (the same one across reloads of the page)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)


def secret_of(device: TOTPDevice) -> str:
    """The key as people type it into an app: base32, in groups of four."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as an inline SVG QR code (no image request, nothing outside the page)."""
    return str(segno.make(device.config_url, error="m").svg_inline(scale=5, dark="#000", light="#fff"))


def _clean(code: str) -> str:
    return "".join(code.split()).lower()


class CodeRefused(Exception):
    pass


def confirm_enrolment(user: User, device_pk: int, code: str) -> list[str]:
    """Confirms the app with a code it shows; replaces any recovery codes with ten new ones and returns
    them (the only time they are shown). Raises :class:`CodeRefused` for a wrong code."""
    from soxp_portal.audit.log import record
    from soxp_portal.audit.models import AuditChannel, AuditEventType

    now = timezone.now()
    with transaction.atomic():
        device = (
            TOTPDevice.objects.select_for_update().filter(pk=device_pk, user=user, confirmed=False).first()
        )
        if device is None or not device.verify_token(_clean(code)):
            raise CodeRefused
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        recovery = StaticDevice.objects.create(user=user, name=RECOVERY_DEVICE_NAME, confirmed=True)
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
        record(
            AuditEventType.SECOND_FACTOR_ENROLLED,
            actor=user,
            at=now,
            subject=user,
            channel=AuditChannel.WEB,
            data={"email": user.email, "recovery_codes": RECOVERY_CODE_COUNT},
        )
    return codes


def verify_code(user: User, code: str, *, request: HttpRequest) -> Device | None:
    """The device that accepts the code: the app's six digits, else one recovery code (used up, and
    audited with how many are left). None for a wrong code, or while django-otp slows the device."""
    from soxp_portal.audit.log import record
    from soxp_portal.audit.models import AuditChannel, AuditEventType

    code = _clean(code)
    with transaction.atomic():
        app = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if app is not None and code.isdigit() and len(code) == app.digits:
            return app if app.verify_token(code) else None
        recovery = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
        if recovery is None or not recovery.verify_token(code):
            return None
        record(
            AuditEventType.SECOND_FACTOR_RECOVERY_CODE_USED,
            actor=user,
            at=timezone.now(),
            subject=user,
            channel=AuditChannel.WEB,
            data={"email": user.email, "recovery_codes_left": recovery.token_set.count()},
            request=request,
        )
        return recovery


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def reset_second_factor(user: User, *, actor: User, request: HttpRequest | None) -> int:
    """Removes the login's app and recovery codes: at their next password sign-in they enrol again.
    Audited as ``second_factor.reset``; returns how many devices were removed."""
    from soxp_portal.audit.log import record
    from soxp_portal.audit.middleware import channel_of
    from soxp_portal.audit.models import AuditEventType

    if actor.pk == user.pk:
        raise ValueError("An administrator cannot reset their own second factor; ask another one.")
    now = timezone.now()
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        removed = TOTPDevice.objects.filter(user=user).delete()[1].get("otp_totp.TOTPDevice", 0)
        removed += StaticDevice.objects.filter(user=user).delete()[1].get("otp_static.StaticDevice", 0)
        record(
            AuditEventType.SECOND_FACTOR_RESET,
            actor=actor,
            at=now,
            subject=user,
            channel=channel_of(request),
            data={"email": user.email, "devices_removed": removed},
            request=request,
        )
    return removed


def throttled_for(user: User) -> int:
    """Seconds until django-otp lets the app's device try another code (0: it may now)."""
    app = confirmed_app(user)
    if app is None or app.throttling_failure_timestamp is None or app.throttling_failure_count == 0:
        return 0
    delay = app.get_throttle_factor() * (2 ** (app.throttling_failure_count - 1))
    left = delay - (timezone.now() - app.throttling_failure_timestamp).total_seconds()
    return max(0, int(left + 0.999))
