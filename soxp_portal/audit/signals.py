"""Sign-ins, changes of role and changes of password in the audit trail, each written by ``record``.

Sign-ins: success, failure and lock-out.

Passwords: every change of a login's stored password (a reset link completed, an invitation's first
password, Django's admin site, a command) writes one ``password.changed`` event about the login, in
the transaction of the change, with who did it (the signed-in user; none for an emailed link) and
how. A new login's first password and the rehashing of a password at sign-in are not changes. The
password itself is never recorded. These are not limited like refusals (``audit.repeats``): every
change needs an emailed link (itself limited per account), an invitation, the admin site or a shell,
so no one can flood them, and the trail should hold every change of a credential.

Connected from ``AuditConfig.ready``. Requests run in autocommit (``ATOMIC_REQUESTS`` is off). A
failure and a lock-out must survive whatever the request does next, so they are written in a
*durable* transaction: if a future change ever ran sign-in inside a transaction that could roll them
back, writing them fails loudly instead of losing them quietly. A successful sign-in joins the
caller's transaction like any other event: the sign-in and invitation views sign in atomically
(``accounts.views``), so the new session, the last sign-in time and the event commit together.

The attempted email is recorded lower-cased; the password never is (Django passes it masked, and
``record`` refuses any key naming a password).

Roles (``accounts.roles.Roles``: the role groups, ``is_staff`` and ``is_superuser``): every change
writes one ``role.changed`` event holding the roles before and after, in the transaction of the
change, whoever makes it. Receivers catch the changes made one at a time: saving a User whose flags
changed (``User.save`` is atomic so that its event commits with it) and adding or removing role
groups on either side of ``User.groups``. Code that changes several things at once (an admin form,
``create_administrator``) wraps them in :func:`role_change`, which writes one event for the whole
change instead. Who acted comes from the request being handled (``audit.middleware.current_request``);
outside a request the actor is None and ``via`` names the command or says "system". A queryset
``update()`` or ``bulk_create`` sends no signal and is not audited: do not change roles that way.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db import transaction
from django.db.models.signals import m2m_changed, post_save, pre_save
from django.http import HttpRequest
from django.utils import timezone

from soxp_portal.accounts.roles import ROLE_GROUP_NAMES, Roles, forget_roles, roles_of
from soxp_portal.audit.log import record
from soxp_portal.audit.middleware import channel_of, current_request
from soxp_portal.audit.models import AuditChannel, AuditEvent, AuditEventType

#: True inside :func:`role_change`, which writes the event itself.
_one_change: ContextVar[bool] = ContextVar("soxp_role_change", default=False)
_FLAGS = ("is_staff", "is_superuser")


def record_sign_in(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **kwargs: Any) -> None:
    """The user signed in. The event is about their login, and their employee record if they have one.
    A sign-in through the identity provider or with a second factor says so in ``data["method"]``."""
    method = getattr(request, "_soxp_sign_in_method", None)
    record(
        AuditEventType.AUTH_SIGNED_IN,
        actor=user,
        at=timezone.now(),
        subject=user,
        channel=AuditChannel.WEB,
        data={"method": method} if method else None,
        request=request,
    )


def record_sign_in_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A refused attempt (wrong password, unknown email, a wrong code at the second step, or any attempt
    during a lock-out): no actor. A wrong code says so in ``data["step"]``."""
    data = {"email": _attempted_email(credentials.get("username"))}
    if credentials.get("step"):
        data["step"] = str(credentials["step"])
    with transaction.atomic(durable=True):
        record(
            AuditEventType.AUTH_SIGN_IN_FAILED,
            actor=None,
            at=timezone.now(),
            channel=AuditChannel.WEB,
            data=data,
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


def record_role_change(
    user: AbstractBaseUser,
    before: Roles,
    after: Roles,
    *,
    actor: AbstractBaseUser | None,
    request: HttpRequest | None,
    via: str,
    data: Mapping[str, Any] | None = None,
    always: bool = False,
) -> AuditEvent | None:
    """Writes ``role.changed`` for ``user`` when ``after`` differs from ``before`` (or ``always``);
    returns the event.

    ``data`` holds both snapshots, the groups added and removed, and each flag that changed as
    {before, after}, so the event reads on its own.
    """
    forget_roles(user)  # type: ignore[arg-type]
    if after == before and not always:
        return None
    changes: dict[str, Any] = {
        "email": getattr(user, "email", ""),
        "roles": {"before": before.as_data(), "after": after.as_data()},
        "groups_added": sorted(after.groups - before.groups),
        "groups_removed": sorted(before.groups - after.groups),
    }
    for flag in _FLAGS:
        if getattr(before, flag) != getattr(after, flag):
            changes[flag] = {"before": getattr(before, flag), "after": getattr(after, flag)}
    return record(
        AuditEventType.ROLE_CHANGED,
        actor=actor,
        at=timezone.now(),
        subject=user,
        channel=channel_of(request),
        data={**changes, "via": via, **(data or {})},
        request=request,
    )


@contextmanager
def role_change(
    user: AbstractBaseUser,
    *,
    actor: AbstractBaseUser | None = None,
    request: HttpRequest | None = None,
    via: str,
    data: Mapping[str, Any] | None = None,
    always: bool = False,
) -> Iterator[None]:
    """Everything done to ``user``'s roles inside the block is one change: one event, written in the
    block's transaction. None if the roles end as they began, unless ``always`` (the block changed
    something else worth the event, such as the password). ``user`` may be unsaved on entry."""
    with transaction.atomic():
        before = roles_of(user.pk)
        token = _one_change.set(True)
        try:
            yield
        finally:
            _one_change.reset(token)
        after = roles_of(user.pk)
        record_role_change(
            user, before, after, actor=actor, request=request, via=via, data=data, always=always
        )


def _origin() -> tuple[AbstractBaseUser | None, HttpRequest | None, str]:
    """Who is acting and how: the request being handled, else the management command, else "system"."""
    request = current_request()
    if request is not None:
        user = getattr(request, "user", None)
        actor = user if user is not None and user.is_authenticated else None
        return actor, request, f"{request.method} {request.path}"
    program = Path(sys.argv[0]).name if sys.argv else ""
    if program in {"manage.py", "django-admin"} and len(sys.argv) > 1:
        return None, None, f"command: {program} {sys.argv[1]}"
    return None, None, "system"


def remember_flags(sender: Any, instance: AbstractBaseUser, raw: bool = False, **kwargs: Any) -> None:
    """Before a User is saved: its roles as stored, when the save may change a flag."""
    update_fields = kwargs.get("update_fields")
    if raw or _one_change.get() or (update_fields is not None and not set(_FLAGS) & set(update_fields)):
        return
    instance._soxp_roles_before = roles_of(instance.pk)  # type: ignore[attr-defined]


def record_flag_change(sender: Any, instance: AbstractBaseUser, raw: bool = False, **kwargs: Any) -> None:
    """After a User is saved: one event if ``is_staff`` or ``is_superuser`` changed (a new login counts
    as having had no role)."""
    before: Roles | None = instance.__dict__.pop("_soxp_roles_before", None)
    if before is None or raw or _one_change.get():
        return
    if all(getattr(before, flag) == getattr(instance, flag) for flag in _FLAGS):
        return
    actor, request, via = _origin()
    record_role_change(instance, before, roles_of(instance.pk), actor=actor, request=request, via=via)


def _members_concerned(instance: Any, action: str, reverse: bool, pk_set: set[int] | None) -> list[int]:
    """The logins whose role groups this change of ``User.groups`` may change."""
    if reverse:  # group.user_set.add(...): the instance is the Group
        if instance.name not in ROLE_GROUP_NAMES:
            return []
        if action == "pre_clear":
            return list(instance.user_set.values_list("pk", flat=True))
        return sorted(pk_set or ())
    if action == "pre_clear" or Group.objects.filter(pk__in=pk_set or (), name__in=ROLE_GROUP_NAMES).exists():
        return [instance.pk]
    return []


def record_group_change(
    sender: Any, instance: Any, action: str, reverse: bool, pk_set: set[int] | None, **kwargs: Any
) -> None:
    """Role groups added to or removed from logins: one event per login whose roles changed. Django
    sends this inside the transaction that changes the membership."""
    if _one_change.get():
        return
    if action in {"pre_add", "pre_remove", "pre_clear"}:
        concerned = _members_concerned(instance, action, reverse, pk_set)
        instance._soxp_group_roles_before = {pk: roles_of(pk) for pk in concerned}
        return
    before: dict[int, Roles] = instance.__dict__.pop("_soxp_group_roles_before", None) or {}
    if not before:
        return
    actor, request, via = _origin()
    users = {instance.pk: instance} if not reverse else get_user_model().objects.in_bulk(list(before))
    for pk, roles in before.items():
        record_role_change(users[pk], roles, roles_of(pk), actor=actor, request=request, via=via)


_PASSWORD_PAGES = {
    "accounts:password-reset-confirm": "password reset completed (the emailed link)",
    "accounts:invitation": "first password chosen (the invitation link)",
}


def _password_how(request: HttpRequest | None) -> str:
    if request is None:
        return "set outside the portal's pages (a command or the system)"
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name in _PASSWORD_PAGES:
        return _PASSWORD_PAGES[match.view_name]
    if match is not None and "admin" in match.namespaces:
        return "set in Django's admin site"
    return f"set at {request.path}"


def record_password_change(
    sender: Any, instance: AbstractBaseUser, created: bool, raw: bool = False, **kwargs: Any
) -> None:
    """After a User is saved with a password ``set_password`` gave it: one ``password.changed``."""
    update_fields = kwargs.get("update_fields")
    if raw or created or getattr(instance, "_password", None) is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    actor, request, via = _origin()
    record(
        AuditEventType.PASSWORD_CHANGED,
        actor=actor,
        at=timezone.now(),
        subject=instance,
        channel=channel_of(request),
        data={"email": getattr(instance, "email", ""), "how": _password_how(request), "via": via},
        request=request,
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_logged_in.connect(record_sign_in, dispatch_uid="soxp_audit_signed_in")
    user_login_failed.connect(record_sign_in_failure, dispatch_uid="soxp_audit_sign_in_failed")
    user_locked_out.connect(record_lockout, dispatch_uid="soxp_audit_locked_out")
    user = get_user_model()
    pre_save.connect(remember_flags, sender=user, dispatch_uid="soxp_audit_role_flags_before")
    post_save.connect(record_flag_change, sender=user, dispatch_uid="soxp_audit_role_flags")
    post_save.connect(record_password_change, sender=user, dispatch_uid="soxp_audit_password_changed")
    m2m_changed.connect(
        record_group_change, sender=user.groups.through, dispatch_uid="soxp_audit_role_groups"
    )
