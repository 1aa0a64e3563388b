from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soxp_portal.audit.verify import DEFAULT_CHUNK_SIZE, verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit chain and check that no event was changed, removed, inserted or reordered. "
        "Exits with status 1 at the first broken event. Keep the printed count and last hash: "
        "a later run should extend them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help=f"Events fetched per round trip (default {DEFAULT_CHUNK_SIZE}).",
        )

    def handle(self, *args: Any, chunk_size: int, **options: Any) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        report = verify_chain(chunk_size=chunk_size)
        if not report.intact:
            raise CommandError(f"Audit chain BROKEN at event #{report.first_bad_sequence}: {report.problem}")
        noun = "event" if report.count == 1 else "events"
        self.stdout.write(f"Audit chain intact: {report.count} {noun}, last hash {report.last_hash}.")
