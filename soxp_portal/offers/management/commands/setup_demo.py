from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from soxp_portal.offers.census import CensusImportError
from soxp_portal.offers.demo import BANDED_SOURCE, DEMO_PASSWORD, DemoSetup, set_up_banded_demo, set_up_demo
from soxp_portal.offers.models import Offer
from soxp_portal.rules.wording import format_instant


class Command(BaseCommand):
    help = (
        "Create or refresh the open demo offers, their censuses and logins: `demo` (the 2003 terms moved "
        "to today) and `demo-2009` (exchange-2009's price bands and RSUs moved to today)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--source", default="soxp-2003", help="Offer whose terms `demo` copies (default soxp-2003)."
        )

    def handle(self, *args: Any, source: str, **options: Any) -> None:
        today = timezone.localdate()
        demos = []
        for slug, set_up in (
            (source, lambda: set_up_demo(today=today, source_slug=source)),
            (BANDED_SOURCE, lambda: set_up_banded_demo(today=today)),
        ):
            try:
                demos.append(("2003" if slug == source else slug, set_up()))
            except Offer.DoesNotExist:
                raise CommandError(
                    f"There is no offer {slug!r}: run `manage.py loaddata {slug}` first."
                ) from None
            except CensusImportError as error:
                raise CommandError("\n".join(str(e) for e in error.errors)) from error
        printed: set[str] = set()
        for slug, demo in demos:
            self._describe(slug, demo, printed)
        self.stdout.write(
            "The stock administrator and the auditor also type a code from an authenticator app: they set "
            "one up at their first sign-in (a QR code)."
        )

    def _describe(self, source: str, demo: DemoSetup, printed: set[str]) -> None:
        """The offer and its logins; the administrator and the auditor, who work on both, once."""
        offer = demo.offer
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo offer '{offer.slug}' (the {source} terms moved {demo.weeks} weeks): "
                f"open {format_instant(offer.opens_at, offer.zone)} "
                f"until {format_instant(offer.expires_at, offer.zone)}."
            )
        )
        self.stdout.write(f"Demo logins of '{offer.slug}' (password for all: {DEMO_PASSWORD}):")
        for email, role in demo.logins:
            if email not in printed:
                self.stdout.write(f"  {email:<34} {role}")
            printed.add(email)
