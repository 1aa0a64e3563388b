import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from soxp_portal.offers.models import Offer
from soxp_portal.offers.reports import write_eligibility_report
from soxp_portal.rules.eligibility import judgement_day


class Command(BaseCommand):
    help = "Write the eligibility report of an offer as CSV: one row per grant of every employee."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("offer_slug", help="The offer, by slug (e.g. soxp-2003).")
        parser.add_argument("--output", type=Path, help="Write to this file instead of standard output.")

    def handle(self, *args: Any, offer_slug: str, output: Path | None, **options: Any) -> None:
        try:
            offer = Offer.objects.get(slug=offer_slug)
        except Offer.DoesNotExist:
            known = ", ".join(Offer.objects.values_list("slug", flat=True)) or "none"
            raise CommandError(f"There is no offer {offer_slug!r} (known offers: {known}).") from None
        on = judgement_day(offer.terms, timezone.now())
        if output is None:
            write_eligibility_report(offer, sys.stdout, on=on)
            return
        try:
            with output.open("w", encoding="utf-8", newline="") as out:
                count = write_eligibility_report(offer, out, on=on)
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from error
        self.stderr.write(f"Wrote {count} grant(s) to {output}.")
