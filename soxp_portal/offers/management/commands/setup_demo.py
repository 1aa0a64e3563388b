from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from soxp_portal.offers.census import CensusImportError
from soxp_portal.offers.demo import DEMO_PASSWORD, set_up_demo
from soxp_portal.offers.models import Offer
from soxp_portal.rules.wording import format_instant


class Command(BaseCommand):
    help = "Create or refresh the open `demo` offer (the 2003 terms moved to today), its census and logins."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", default="soxp-2003", help="Offer whose terms are copied (default soxp-2003)."
        )

    def handle(self, *args: Any, source: str, **options: Any) -> None:
        try:
            demo = set_up_demo(today=timezone.localdate(), source_slug=source)
        except Offer.DoesNotExist:
            raise CommandError(
                f"There is no offer {source!r}: run `manage.py loaddata {source}` first."
            ) from None
        except CensusImportError as error:
            raise CommandError("\n".join(str(e) for e in error.errors)) from error
        offer = demo.offer
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo offer '{offer.slug}' (the 2003 terms moved {demo.weeks} weeks): "
                f"open {format_instant(offer.opens_at, offer.zone)} "
                f"until {format_instant(offer.expires_at, offer.zone)}."
            )
        )
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in demo.logins:
            self.stdout.write(f"  {email:<34} {role}")
        self.stdout.write(
            "The stock administrator and the auditor also type a code from an authenticator app: they set "
            "one up at their first sign-in (a QR code)."
        )
