"""Creates the first stock administrator, or promotes an existing login to the role.

    python manage.py create_administrator ada@example.com
    ADMIN_PASSWORD=... python manage.py create_administrator ada@example.com \
        --password-from-env ADMIN_PASSWORD

    python manage.py create_administrator root@example.com --superuser

A new login needs a password: it is asked for twice (never echoed), or read from the environment
variable named by ``--password-from-env`` for scripts, and checked by the password validators. An
existing login keeps its password unless it has none or ``--password-from-env`` is given.

Stock administrators work in the console (``/console/``), not in Django's admin site, so the role
alone gives no staff status: ``/admin/`` stays closed to them. ``--superuser`` makes the login a
superuser as well (staff status and every permission), for the person who is to run ``/admin/`` on
purpose. The command only grants: an existing login keeps the flags it has. The change of role (the
group and any flags together) is audited as one ``role.changed`` event, with no actor.
"""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role
from soxp_portal.audit.signals import role_change


class Command(BaseCommand):
    help = (
        "Create (or promote) a stock administrator: the role's group, an audited change. The role works in "
        "the console and gives no access to Django's admin site (/admin/) unless --superuser is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The administrator's login email address.")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of asking (for scripts).",
        )
        parser.add_argument(
            "--superuser",
            action="store_true",
            help="Also make the login a superuser (staff status, every permission): it opens Django's "
            "admin site at /admin/. Only for the person who is to run it.",
        )

    def handle(
        self, *args: Any, email: str, password_from_env: str | None, superuser: bool, **options: Any
    ) -> None:
        email = email.strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise CommandError(f"{email!r} is not a valid email address.") from None
        user = User.objects.filter(email=email).first()
        created = user is None
        if user is None:
            user = User(email=email)
        password = None
        if password_from_env or created or not user.has_usable_password():
            password = self._password(user, password_from_env)
        group, _ = Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)
        had_role = not created and user.groups.filter(pk=group.pk).exists()
        has_flags_asked = not superuser or (user.is_superuser and user.is_staff)
        if had_role and has_flags_asked and password is None:
            self.stdout.write(f"{email} is already a stock administrator; nothing was changed.")
            return
        details = {
            "role": Role.STOCK_ADMINISTRATOR.value,
            "account_created": created,
            "sign_in_changed": password is not None,
            "superuser_asked": superuser,
        }
        via = "command: manage.py create_administrator"
        with role_change(user, via=via, data=details, always=password is not None):
            if password is not None:
                user.set_password(password)
            if superuser:
                user.is_staff = user.is_superuser = True
            user.save()
            user.groups.add(group)
        verb = "Created" if created else "Promoted"
        if user.is_superuser:
            where = "a superuser too, with Django's admin site at /admin/"
        elif user.is_staff:
            where = "it keeps the staff status it had"
        else:
            where = "working in the console; /admin/ stays closed (--superuser opens it)"
        self.stdout.write(self.style.SUCCESS(f"{verb} {email}: a stock administrator, {where}."))

    def _password(self, user: User, variable: str | None) -> str:
        if variable:
            password = os.environ.get(variable)
            if not password:
                raise CommandError(f"The environment variable {variable} is not set or is empty.")
        else:
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ; nothing was changed.")
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages) + " Nothing was changed.") from None
        return password
