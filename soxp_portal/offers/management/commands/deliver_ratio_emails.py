"""The sweep of the ratio change emails' outbox (offers.ratio_emails), run from cron with the
confirmations' sweep: it delivers what a dead worker, a retry or a lost queue left."""

from typing import Any

from django.core.management.base import BaseCommand

from soxp_portal.offers.ratio_emails import deliver_due, owed


class Command(BaseCommand):
    help = "Deliver every ratio change email that is due, in this process; then say how many are owed."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = deliver_due()
        self.stdout.write(f"Sent {sent} ratio change email(s); {owed().count()} still owed.")
