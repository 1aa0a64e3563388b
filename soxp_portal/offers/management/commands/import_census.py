from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from soxp_portal.accounts.invitations import invite_employees
from soxp_portal.offers.census import CensusImportError, import_census

SHOWN_ERRORS = 200


class Command(BaseCommand):
    help = "Import the census (employees.csv and grants.csv), all or nothing; a re-import updates in place."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("employees_csv", type=Path)
        parser.add_argument("grants_csv", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Check and compare, but write nothing.")
        parser.add_argument(
            "--invite",
            action="store_true",
            help="After the import, email an invitation to each employee of the file who has never "
            "signed in and has no password yet.",
        )

    def handle(
        self,
        *args: Any,
        employees_csv: Path,
        grants_csv: Path,
        dry_run: bool,
        invite: bool,
        **options: Any,
    ) -> None:
        try:
            with employees_csv.open("rb") as employees, grants_csv.open("rb") as grants:
                plan = import_census(
                    employees,
                    grants,
                    employees_name=str(employees_csv),
                    grants_name=str(grants_csv),
                    dry_run=dry_run,
                    actor=None,
                )
        except OSError as error:
            raise CommandError(f"Cannot read {error.filename}: {error.strerror}.") from error
        except CensusImportError as error:
            lines = [str(e) for e in error.errors[:SHOWN_ERRORS]]
            if len(error.errors) > SHOWN_ERRORS:
                lines.append(f"... and {len(error.errors) - SHOWN_ERRORS} more error(s).")
            raise CommandError(f"{error}\n" + "\n".join(lines)) from error
        counts = plan.summary()
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(
            self.style.SUCCESS(
                f"{verb}: employees {counts['employees_new']} new, {counts['employees_changed']} changed, "
                f"{counts['employees_unchanged']} unchanged; grants {counts['grants_new']} new, "
                f"{counts['grants_changed']} changed, {counts['grants_unchanged']} unchanged; "
                f"{counts['plans_new']} new plan(s)."
            )
        )
        if invite and not dry_run:
            sent = invite_employees(set(plan.employee_ids))
            self.stdout.write(self.style.SUCCESS(f"Sent {sent} invitation(s)."))
        elif invite:
            self.stdout.write("Dry run: no invitations were sent.")
