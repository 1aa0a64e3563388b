"""The portal's roles. Employees are people with an Employee record; the two staff roles are groups.

Views check roles with the decorators below, never by reading groups themselves:

- :func:`employee_required` for employee pages: it also puts the signed-in person's Employee on
  ``request.employee``, so views never take an employee id from the URL or a form;
- :func:`role_required` for the console (stock administrators, auditors).

Anonymous visitors are sent to sign in and come back afterwards; a signed-in person without the
role gets 403. A staff page first sends a session signed in by password alone to the second factor
(``accounts.two_factor``). Superusers hold every staff role (but are employees only if they have a record).

What a login may do is its :class:`Roles`: its role groups and Django's ``is_staff`` and
``is_superuser`` flags. Every change to them is audited as ``role.changed`` (``audit.signals``),
however it is made: the admin, ``create_administrator``, ``createsuperuser`` or code.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.contrib.auth.models import AnonymousUser, Group
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

if TYPE_CHECKING:
    from soxp_portal.accounts.models import User
    from soxp_portal.offers.models import Employee


class Role(enum.StrEnum):
    STOCK_ADMINISTRATOR = "Stock administrators"
    AUDITOR = "Auditors"


ROLE_GROUP_NAMES = frozenset(role.value for role in Role)

View = Callable[..., HttpResponse]


@dataclass(frozen=True)
class Roles:
    """What a login may do, as stored: its role groups and the two flags of Django's admin.

    Being an employee is not a role here: it is having an Employee record, which the census creates.
    """

    groups: frozenset[str] = frozenset()
    is_staff: bool = False
    is_superuser: bool = False

    def as_data(self) -> dict[str, Any]:
        return {"groups": sorted(self.groups), "is_staff": self.is_staff, "is_superuser": self.is_superuser}


def roles_of(user_pk: int | None) -> Roles:
    """The login's roles as the database holds them now (no roles for an unsaved or unknown login)."""
    from soxp_portal.accounts.models import User

    if user_pk is None:
        return Roles()
    flags = User.objects.filter(pk=user_pk).values_list("is_staff", "is_superuser").first()
    if flags is None:
        return Roles()
    groups = Group.objects.filter(user=user_pk, name__in=ROLE_GROUP_NAMES).values_list("name", flat=True)
    return Roles(groups=frozenset(groups), is_staff=flags[0], is_superuser=flags[1])


def forget_roles(user: User) -> None:
    """Drops the role names :func:`has_role` cached on this user object, after they changed."""
    user.__dict__.pop("_soxp_role_names", None)


class EmployeeRequest(HttpRequest):
    """For type hints only: the request a view decorated with :func:`employee_required` receives."""

    user: User
    employee: Employee


def _role_names(user: User) -> set[str]:
    """The user's role group names, read once per user object (one query per request)."""
    cached: set[str] | None = getattr(user, "_soxp_role_names", None)
    if cached is None:
        cached = set(user.groups.filter(name__in=list(Role)).values_list("name", flat=True))
        user._soxp_role_names = cached  # type: ignore[attr-defined]
    return cached


def has_role(user: User | AnonymousUser, role: Role) -> bool:
    """True for an active, signed-in member of the role's group, and for every active superuser."""
    if not (user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or role.value in _role_names(user)  # type: ignore[arg-type]


def is_stock_administrator(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.STOCK_ADMINISTRATOR)


def is_auditor(user: User | AnonymousUser) -> bool:
    return has_role(user, Role.AUDITOR)


def employee_of(user: User | AnonymousUser) -> Employee | None:
    """The signed-in user's Employee record, or None (anonymous, or a staff login with no record)."""
    if not user.is_authenticated:
        return None
    try:
        return user.employee  # type: ignore[union-attr]
    except ObjectDoesNotExist:
        return None


def employee_required(view: View) -> View:
    """Signed in and an employee: sets ``request.employee``.

    Anonymous visitors are redirected to sign in (``?next=`` brings them back); a signed-in person
    without an Employee record gets 403.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        employee = employee_of(request.user)
        if employee is None:
            raise PermissionDenied("This page is for employees; your login has no employee record.")
        request.employee = employee  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def role_required(*roles: Role) -> Callable[[View], View]:
    """Signed in and holding at least one of ``roles`` (superusers always pass).

    Anonymous visitors are redirected to sign in; anyone else without the role gets 403.
    """
    if not roles:
        raise ValueError("role_required needs at least one role.")
    for role in roles:
        if not isinstance(role, Role):
            raise TypeError(f"{role!r} is not a Role; use Role.STOCK_ADMINISTRATOR or Role.AUDITOR.")

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not any(has_role(request.user, role) for role in roles):
                raise PermissionDenied("Your login does not have the role this page needs.")
            from soxp_portal.accounts.two_factor import session_lacks_second_factor

            if session_lacks_second_factor(request):
                return redirect_to_login(request.get_full_path(), reverse("accounts:second-factor"))
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
