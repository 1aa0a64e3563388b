"""import_census --invite: after the import, invite the file's employees who await an invitation."""

from io import StringIO
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.utils import timezone

from soxp_portal.accounts.models import User
from tests.factories import EmployeeFactory
from tests.offers.census_data import EMPLOYEES, GRANTS, employees_csv, grants_csv

pytestmark = pytest.mark.django_db


def write_census(tmp_path: Path, employees: list[str], grants: list[str]) -> tuple[str, str]:
    employees_path, grants_path = tmp_path / "employees.csv", tmp_path / "grants.csv"
    employees_path.write_bytes(employees_csv(employees))
    grants_path.write_bytes(grants_csv(grants))
    return str(employees_path), str(grants_path)


def run(*args: str) -> str:
    out = StringIO()
    call_command("import_census", *args, stdout=out)
    return out.getvalue()


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def test_invites_the_new_employees_only(tmp_path: Path) -> None:
    # E1 (Sam) was imported earlier and has since signed in; E2 and E3 are new in this census,
    # and E3 (Terry) is terminated, so only E2 (Lena) is invited.
    run(*write_census(tmp_path, EMPLOYEES[:1], GRANTS[:2]))
    sam = User.objects.get(email="sam@example.com")
    sam.set_password("stock-option-tender-2003")
    sam.last_login = timezone.now()
    sam.save()
    # Someone awaiting an invitation but not in this file is left alone.
    elsewhere = EmployeeFactory(employee_id="E-ELSEWHERE")
    elsewhere.user.set_unusable_password()
    elsewhere.user.save()

    output = run(*write_census(tmp_path, EMPLOYEES, GRANTS), "--invite")

    assert "Sent 1 invitation(s)." in output
    assert recipients() == ["lena@example.com"]
    assert all("/accounts/invitation/" in message.body for message in mail.outbox)


def test_without_invite_nobody_is_emailed(tmp_path: Path) -> None:
    output = run(*write_census(tmp_path, EMPLOYEES, GRANTS))
    assert "invitation" not in output
    assert mail.outbox == []


def test_dry_run_sends_nothing(tmp_path: Path) -> None:
    output = run(*write_census(tmp_path, EMPLOYEES, GRANTS), "--dry-run", "--invite")
    assert "Dry run: no invitations were sent." in output
    assert mail.outbox == []
    assert not User.objects.exists()


def test_rejected_import_sends_nothing(tmp_path: Path) -> None:
    bad = [EMPLOYEES[0].replace("1999-08-02", "not-a-date")]
    with pytest.raises(CommandError):
        run(*write_census(tmp_path, bad, GRANTS[:2]), "--invite")
    assert mail.outbox == []
