"""The sweep of the confirmation emails' outbox (offers.confirmations), run from cron every few minutes.

Every election enqueues its delivery when it commits, so the sweep only matters after a fault: a worker
that died holding a batch (its rows are due again when their lease ends), a retry that a backend without
deferred tasks could not schedule, or a queue lost with its database. It enqueues one delivery task per
batch of due emails, for the task workers to share; ``--here`` delivers them in this process instead.
"""

import math
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from soxp_portal.offers.confirmations import BATCH_SIZE, deliver_due, due, failed, owed
from soxp_portal.offers.tasks import deliver_confirmations


class Command(BaseCommand):
    help = (
        "Enqueue the delivery of every confirmation email that is due (a dead worker's, a retry's), "
        "or with --here deliver them in this process; then say how many are owed and failed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--here", action="store_true", help="Deliver them in this process, not by the task workers."
        )

    def handle(self, *args: Any, here: bool, **options: Any) -> None:
        if here:
            delivery = deliver_due()
            self.stdout.write(
                f"Sent {delivery.sent}; {delivery.retrying} to be retried; {delivery.failed} failed for good."
            )
        else:
            count = due(timezone.now()).count()
            tasks = math.ceil(count / BATCH_SIZE)
            for _ in range(tasks):
                deliver_confirmations.enqueue()
            self.stdout.write(f"{count} due: enqueued {tasks} delivery task(s).")
        self.stdout.write(
            f"Owed: {owed().count()}. Failed after every attempt: {failed().count()} "
            "(on the console's Confirmation emails page, where they can be sent again)."
        )
