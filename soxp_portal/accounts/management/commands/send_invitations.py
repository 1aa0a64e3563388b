from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soxp_portal.accounts.invitations import invite, users_awaiting_invitation
from soxp_portal.accounts.models import User


class Command(BaseCommand):
    help = (
        "Email invitations (a link that sets the password and signs in). By default every employee "
        "who has never signed in and has no password yet; --email limits it to the people named."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--email",
            action="extend",
            nargs="+",
            default=[],
            metavar="EMAIL",
            help="Invite only these employees (their login email addresses).",
        )
        parser.add_argument(
            "--all",
            action="store_true",
            dest="invite_all",
            help="Also invite employees who have signed in or set a password before "
            "(the link then lets them choose a new password).",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help="The portal's address for the links, such as https://soxp.example.com "
            "(default: the PORTAL_BASE_URL setting).",
        )

    def handle(
        self, *args: Any, email: list[str], invite_all: bool, base_url: str | None, **options: Any
    ) -> None:
        employees = User.objects.filter(is_active=True, employee__isnull=False)
        users = employees if invite_all else users_awaiting_invitation()
        if email:
            wanted = {address.strip().lower() for address in email}
            unknown = wanted - set(employees.filter(email__in=wanted).values_list("email", flat=True))
            if unknown:
                raise CommandError(
                    f"No active employee login has the email {', '.join(sorted(unknown))}; "
                    "nothing was sent. Check the address against the census."
                )
            users = users.filter(email__in=wanted)
            skipped = sorted(wanted - set(users.values_list("email", flat=True)))
            for address in skipped:
                self.stdout.write(
                    f"Skipped {address}: has signed in or set a password before (use --all to invite anyway)."
                )
        sent = invite(users, actor=None, base_url=base_url)
        self.stdout.write(self.style.SUCCESS(f"Sent {sent} invitation(s)."))
