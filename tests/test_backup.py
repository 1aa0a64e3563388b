"""The backup routine (README, "Backups"): scripts/pg-backup dumps the database, scripts/pg-restore
restores it into an empty one and runs verify_audit there, which finds the chain intact with the same
count and last hash, and every record matching its event."""

import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from soxp_portal.audit.verify import verify_chain
from soxp_portal.offers.actions import submit_election, withdraw_election
from soxp_portal.offers.models import Employee, Offer

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="pg_dump and pg_restore need PostgreSQL"),
    # The routine reads what is committed, as it does from a running portal.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]
ROOT = Path(__file__).resolve().parent.parent


def url_of(name: str) -> str:
    settings = connection.settings_dict
    return (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{name}"
    )


def run(script: str, *args: str, database: str) -> str:
    result = subprocess.run(  # noqa: S603  # the project's own scripts, with fixed arguments
        [str(ROOT / "scripts" / script), *args],
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "DATABASE_URL": url_of(database), "PYTHON": sys.executable},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def empty_database() -> str:
    name = f"restore_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield name
    with psycopg.connect(url_of("postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_a_restored_backup_has_the_same_chain_and_records(
    soxp_2003: Offer, slide_9_employee: Employee, empty_database: str, tmp_path: Path
) -> None:
    now = soxp_2003.opens_at + (soxp_2003.expires_at - soxp_2003.opens_at) / 2
    for version, action in enumerate((submit_election, withdraw_election)):
        args = ({"G-1001": 800, "G-1002": 1000, "G-1004": 500},) if action is submit_election else ()
        action(
            soxp_2003,
            slide_9_employee,
            *args,
            actor=slide_9_employee.user,
            signature=slide_9_employee.full_name,
            expected_version=version,
            submission_token=uuid.uuid4(),
            now=now,
        )
    report = verify_chain()
    assert report.intact
    assert report.count >= 2

    dump = tmp_path / "soxp.dump"
    run("pg-backup", str(dump), database=connection.settings_dict["NAME"])
    restored = run("pg-restore", str(dump), database=empty_database)

    assert f"Audit chain intact: {report.count} events, last hash {report.last_hash}." in restored
    assert "Records match their audit events" in restored
