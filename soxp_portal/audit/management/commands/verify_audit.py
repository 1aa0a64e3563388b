from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soxp_portal.audit.records import verify_records
from soxp_portal.audit.verify import DEFAULT_CHUNK_SIZE, verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit chain and check that no event was changed, removed, inserted or reordered; then "
        "check every election, tendered grant, tender, accepted grant, promise-to-grant letter and new "
        "grant against the audit event that recorded it, and list every row that differs. Exits with "
        "status 1 when the chain is broken or any row differs. Keep the printed count and last hash: "
        "a later run should extend them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--chunk-size",
            type=int,
            default=DEFAULT_CHUNK_SIZE,
            help=f"Events or rows fetched per round trip (default {DEFAULT_CHUNK_SIZE}).",
        )

    def handle(self, *args: Any, chunk_size: int, **options: Any) -> None:
        if chunk_size < 1:
            raise CommandError("--chunk-size must be at least 1.")
        chain = verify_chain(chunk_size=chunk_size)
        if chain.intact:
            noun = "event" if chain.count == 1 else "events"
            self.stdout.write(f"Audit chain intact: {chain.count} {noun}, last hash {chain.last_hash}.")
        records = verify_records(chunk_size=chunk_size)
        if records.consistent:
            self.stdout.write(f"Records match their audit events: {records.checked_in_words} checked.")
        else:
            count = len(records.differences)
            self.stdout.write(
                f"Records DIFFER from their audit events: {_differences(count)} in "
                f"{records.rows_checked:,} rows checked ({records.checked_in_words}):"
            )
            for difference in records.differences:
                self.stdout.write(f"  {difference}")
        failures = []
        if not chain.intact:
            failures.append(f"Audit chain BROKEN at event #{chain.first_bad_sequence}: {chain.problem}")
        if not records.consistent:
            failures.append(f"Audit records DIFFER: {_differences(len(records.differences))}, listed above.")
        if failures:
            raise CommandError("\n".join(failures))


def _differences(count: int) -> str:
    return f"{count:,} difference" if count == 1 else f"{count:,} differences"
