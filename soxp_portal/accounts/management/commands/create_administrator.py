"""Creates the first stock administrator, or promotes an existing login to the role.

    python manage.py create_administrator ada@example.com
    ADMIN_PASSWORD=... python manage.py create_administrator ada@example.com \
        --password-from-env ADMIN_PASSWORD

A new login needs a password: it is asked for twice (never echoed), or read from the environment
variable named by ``--password-from-env`` for scripts, and checked by the password validators. An
existing login keeps its password unless it has none or ``--password-from-env`` is given. The change
of role (the group and staff status together) is audited as one ``role.changed`` event, with no actor.
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
    help = "Create (or promote) a stock administrator: the role's group, staff status, an audited change."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", help="The administrator's login email address.")
        parser.add_argument(
            "--password-from-env",
            metavar="VAR",
            help="Read the password from this environment variable instead of asking (for scripts).",
        )

    def handle(self, *args: Any, email: str, password_from_env: str | None, **options: Any) -> None:
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
        was_staff = user.is_staff
        if had_role and was_staff and password is None:
            self.stdout.write(f"{email} is already a stock administrator; nothing was changed.")
            return
        details = {
            "role": Role.STOCK_ADMINISTRATOR.value,
            "account_created": created,
            "sign_in_changed": password is not None,
        }
        via = "command: manage.py create_administrator"
        with role_change(user, via=via, data=details, always=password is not None):
            if password is not None:
                user.set_password(password)
            user.is_staff = True
            user.save()
            user.groups.add(group)
        verb = "Created" if created else "Promoted"
        self.stdout.write(self.style.SUCCESS(f"{verb} {email}: a stock administrator, with staff status."))

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
