"""Confirmation emails benchmark, on PostgreSQL: the confirm request's locks, the form's cost alone and in
batches, and how fast one and two task workers drain a backlog of owed confirmations.

    scripts/with-postgres .venv/bin/python bench/confirmations.py [--owed 5000] [--write]
    scripts/with-postgres .venv/bin/python bench/confirmations.py --quick   # a small run: the script works

It makes a database of its own on the PostgreSQL of DATABASE_URL (``soxp_bench_confirmations``, dropped
first and at the end; ``--database`` names another) and runs in it:

1. **setup**: migrate, load soxp-2003, bulk-create the employees, each with slide 9's three eligible
   grants (one a lookback grant);
2. **submit**: each employee's election through ``submit_election`` (the confirm request's action), one
   after the other, with the database task backend: what a surge leaves, one owed email and one delivery
   task per election. Every statement is timed: the employee's row lock is held from its ``SELECT ...
   FOR NO KEY UPDATE`` to the commit, the audit chain's lock from ``pg_advisory_xact_lock`` to the commit;
3. **render**: the forms of 50 of the elections, each alone and in batches of 5 to 25 (CPU time of
   this process, which other work on the shared cores does not stretch);
4. **drain**: ``manage.py db_worker`` processes on the queue the surge left, one worker and then (the
   emails owed again, the tasks enqueued again) two, until the queue is empty; wall time, the workers' CPU
   time, and that every email was sent once. Mail goes to the file backend, which writes each message
   as SMTP would send it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench/confirmations.py begin -->", "<!-- bench/confirmations.py end -->"
GRANT_SHAPES = (  # grant date, shares, exercise price: slide 9's three eligible grants
    (date(2000, 5, 20), 800, Decimal("6.00")),
    (date(2001, 3, 5), 1000, Decimal("4.50")),
    (date(2002, 7, 1), 500, Decimal("0.40")),
)
BATCH_SIZES = (1, 5, 10, 25)


def database_url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit(parts._replace(path=f"/{name}"))


def admin_sql(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(database_url(base, "postgres"), autocommit=True) as admin:
        admin.execute(sql)


def bench_env(url: str, mail: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail),
        "LOG_LEVEL": "WARNING",
    }


def django_setup() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soxp_portal.settings")
    django.setup()


# Setup and the surge -----------------------------------------------------------------------------


def setup(employees: int) -> dict[str, Any]:
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db import transaction

    from soxp_portal.accounts.models import User
    from soxp_portal.offers.models import Employee, Grant, Plan

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("loaddata", "soxp-2003", verbosity=0)
    plan = Plan.objects.get(name="2000 Stock Option Plan")
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(
                email=f"e{n:06d}@example.com",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                password=make_password(None),  # unusable: nobody signs in here
            )
            for n in range(employees)
        )
        people = Employee.objects.bulk_create(
            Employee(
                employee_id=f"E{n:06d}",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                email=f"e{n:06d}@example.com",
                hire_date=date(1999, 1, 4),
                work_country="US",
                user=user,
            )
            for n, user in enumerate(users)
        )
        Grant.objects.bulk_create(
            Grant(
                grant_id=f"G{n:06d}-{k}",
                employee=person,
                plan=plan,
                option_type=Grant.OptionType.ISO,
                grant_date=granted,
                shares_granted=shares,
                exercise_price=price,
                expiration_date=granted.replace(year=granted.year + 10),
                performance_condition="Revenue above plan for fiscal 2003" if n % 10 == 0 and k == 0 else "",
            )
            for n, person in enumerate(people)
            for k, (granted, shares, price) in enumerate(GRANT_SHAPES)
        )
    return {"seconds": round(time.perf_counter() - started, 1), "employees": employees}


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "median": statistics.median(ordered),
        "p95": ordered[int(len(ordered) * 0.95) - 1] if len(ordered) >= 20 else ordered[-1],
        "max": ordered[-1],
    }


#: How the action's row lock ends its SELECT (FOR NO KEY UPDATE since the lock lets foreign keys be checked).
ROW_LOCKS = ("FOR UPDATE", "FOR NO KEY UPDATE")


def submit() -> dict[str, Any]:
    """Every employee's election through the action, each statement timed; the locks' hold times."""
    from django.db import connection

    from soxp_portal.offers.actions import submit_election
    from soxp_portal.offers.models import Employee, Offer

    offer = Offer.objects.get(slug="soxp-2003")
    now = offer.opens_at + timedelta(days=5)
    people = list(Employee.objects.select_related("user").order_by("pk"))
    log: list[tuple[float, float, str]] = []
    commits: list[float] = []

    def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            log.append((began, time.perf_counter(), sql))

    connection.ensure_connection()
    commit = connection.commit

    def timed_commit() -> None:
        commit()
        commits.append(time.perf_counter())

    connection.commit = timed_commit  # type: ignore[method-assign]
    row_lock, chain_lock, statements, whole = [], [], [], []
    started = time.perf_counter()
    with connection.execute_wrapper(timed):
        for number, person in enumerate(people):
            log.clear()
            commits.clear()
            began = time.perf_counter()
            submit_election(
                offer,
                person,
                {f"G{number:06d}-{k}": shares for k, (_, shares, _) in enumerate(GRANT_SHAPES)},
                actor=person.user,
                signature=person.full_name,
                expected_version=0,
                submission_token=uuid.uuid4(),
                now=now + timedelta(seconds=number),
            )
            whole.append(time.perf_counter() - began)
            locked = next(end for _, end, sql in log if sql.rstrip().endswith(ROW_LOCKS))
            chained = next(end for _, end, sql in log if "pg_advisory_xact_lock" in sql)
            committed = commits[0]
            row_lock.append(committed - locked)
            chain_lock.append(committed - chained)
            statements.append(sum(1 for _, end, _ in log if locked <= end <= committed))
    connection.commit = commit  # type: ignore[method-assign]
    seconds = time.perf_counter() - started
    return {
        "submissions": len(people),
        "seconds": seconds,
        "per_second": len(people) / seconds,
        "whole_ms": {k: v * 1000 for k, v in percentiles(whole).items()},
        "row_lock_ms": {k: v * 1000 for k, v in percentiles(row_lock).items()},
        "chain_lock_ms": {k: v * 1000 for k, v in percentiles(chain_lock).items()},
        "statements": statistics.median(statements),
    }


# The forms' cost ------------------------------------------------------------------------------------


def render(forms: int) -> dict[str, Any]:
    """CPU per form, each alone and in batches, over `forms` forms built as the worker builds them."""
    from soxp_portal.documents.elections import election_document, render_documents
    from soxp_portal.offers.models import Election

    elections = list(
        Election.objects.select_related("offer", "offer__new_option_plan", "employee", "entered_by").order_by(
            "pk"
        )[:forms]
    )
    documents = [election_document(election) for election in elections]
    render_documents(documents[:2])  # warm: fonts found, stylesheet parsed, page counts learnt
    results: dict[str, Any] = {}
    for size in (size for size in BATCH_SIZES if size <= len(documents)):
        cpus, walls, sizes = [], [], []
        for offset in range(0, len(documents) - size + 1, size):
            chunk = documents[offset : offset + size]
            wall, cpu = time.perf_counter(), time.process_time()
            pdfs = render_documents(chunk)
            cpus.append((time.process_time() - cpu) / size)
            walls.append((time.perf_counter() - wall) / size)
            sizes += [len(pdf) for pdf in pdfs]
        results[str(size)] = {
            "cpu_ms": statistics.median(cpus) * 1000,
            "min_cpu_ms": min(cpus) * 1000,
            "wall_ms": statistics.median(walls) * 1000,
            "runs": len(cpus),
            "kb": statistics.mean(sizes) / 1024,
        }
    return results


# Draining the queue --------------------------------------------------------------------------------


def counts() -> dict[str, int]:
    from soxp_portal.offers.confirmations import owed
    from soxp_portal.offers.models import ConfirmationEmail

    return {
        "owed": owed().count(),
        "sent": ConfirmationEmail.objects.filter(sent_at__isnull=False).count(),
        "attempts_over_1": ConfirmationEmail.objects.filter(attempts__gt=1).count(),
    }


def owe_again() -> None:
    """Every email owed again, and one delivery task per election, as the surge left them."""
    from django.db import transaction
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from soxp_portal.offers.models import ConfirmationEmail
    from soxp_portal.offers.tasks import deliver_confirmations

    now = timezone.now()
    with transaction.atomic():
        DBTaskResult.objects.all().delete()
        count = ConfirmationEmail.objects.update(
            sent_at=None, failed_at=None, attempts=0, last_error="", next_attempt_at=now
        )
        for _ in range(count):
            deliver_confirmations.enqueue()


def drain(workers: int, env: dict[str, str], total: int) -> dict[str, Any]:
    """`workers` db_worker processes until the queue is empty; wall and CPU seconds, and a check."""
    from django.db import connections

    connections.close_all()
    command = [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--interval", "0"]
    started = time.perf_counter()
    processes = [
        subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL) for _ in range(workers)
    ]
    half = None
    cpu = 0.0
    pending = {process.pid for process in processes}
    while pending:
        for pid in list(pending):
            done, status, usage = os.wait4(pid, os.WNOHANG)
            if done:
                if status:
                    raise SystemExit(f"a db_worker failed with status {status}")
                pending.discard(pid)
                cpu += usage.ru_utime + usage.ru_stime
        if half is None and counts()["sent"] * 2 >= total:
            half = time.perf_counter() - started
        time.sleep(0.5)
    seconds = time.perf_counter() - started
    after = counts()
    return {
        "workers": workers,
        "seconds": seconds,
        "half_seconds": half,
        "per_second": after["sent"] / seconds,
        "cpu_seconds": cpu,
        "cpu_ms_per_email": cpu / max(after["sent"], 1) * 1000,
        **after,
    }


def run(employees: int, forms: int, base: str, name: str) -> dict[str, Any]:
    admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin_sql(base, f'CREATE DATABASE "{name}"')
    url = database_url(base, name)
    with tempfile.TemporaryDirectory(prefix="soxp-confirmations-") as mail:
        env = bench_env(url, Path(mail))
        os.environ.update(env)
        django_setup()
        try:
            figures: dict[str, Any] = {"setup": setup(employees)}
            print(f"setup: {figures['setup']}", file=sys.stderr)
            figures["submit"] = submit()
            print(f"submit: {figures['submit']}", file=sys.stderr)
            figures["render"] = render(forms)
            print(f"render: {figures['render']}", file=sys.stderr)
            figures["queued_tasks"] = _queued()
            figures["one"] = drain(1, env, employees)
            print(f"one worker: {figures['one']}", file=sys.stderr)
            owe_again()
            figures["two"] = drain(2, env, employees)
            print(f"two workers: {figures['two']}", file=sys.stderr)
            figures["emails_written"] = len(list(Path(mail).iterdir()))
        finally:
            from django.db import connections

            connections.close_all()
            admin_sql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return figures


def _queued() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.count()


# The report ----------------------------------------------------------------------------------------


def report(figures: dict[str, Any], employees: int) -> str:
    load = os.getloadavg()
    sub, ren, one, two = figures["submit"], figures["render"], figures["one"], figures["two"]
    alone = ren["1"]["cpu_ms"]
    rows = [
        f"| the confirm request's action, one at a time (`submit_election`, {sub['submissions']:,}) | "
        f"{sub['whole_ms']['median']:.1f} ms median, {sub['whole_ms']['p95']:.1f} ms p95 | - |",
        f"| the employee's row held (from `SELECT ... FOR NO KEY UPDATE` to the commit) | "
        f"{sub['row_lock_ms']['median']:.1f} ms median, {sub['row_lock_ms']['p95']:.1f} ms p95, "
        f"{sub['statements']:.0f} statements | - |",
        f"| the audit chain's lock held (from `pg_advisory_xact_lock` to the commit) | "
        f"{sub['chain_lock_ms']['median']:.2f} ms median, {sub['chain_lock_ms']['p95']:.2f} ms p95 | - |",
    ]
    for size, result in ren.items():
        what = "a form rendered alone" if size == "1" else f"a form in a batch of {size}"
        against = "" if size == "1" else f" ({result['cpu_ms'] / alone:.2f}x alone)"
        rows.append(
            f"| {what} ({result['runs']} runs) | {result['cpu_ms']:.1f} ms CPU median{against}, "
            f"{result['min_cpu_ms']:.1f} ms least; {result['wall_ms']:.1f} ms wall; "
            f"{result['kb']:.0f} KB | - |"
        )
    for result in (one, two):
        rows.append(
            f"| drain {employees:,} owed emails, {result['workers']} `db_worker`"
            f"{'s' if result['workers'] > 1 else ''} | {result['seconds']:.0f} s "
            f"({result['seconds'] / 60:.1f} min; half sent at {result['half_seconds'] or 0:.0f} s): "
            f"{result['per_second']:.2f} emails/s, "
            f"{result['cpu_ms_per_email']:.0f} ms of worker CPU an email, the workers having "
            f"{result['cpu_seconds'] / result['seconds'] / result['workers']:.0%} of a core each; "
            f"{result['sent']:,} sent, {result['owed']} owed, {result['attempts_over_1']} tried twice | - |"
        )
    scaling = two["per_second"] / one["per_second"]
    five_thousand = 5000 / two["per_second"] / 60
    return f"""{BEGIN}
## Confirmation emails (`bench/confirmations.py`)

`scripts/with-postgres .venv/bin/python bench/confirmations.py --owed {employees} --write` builds a
PostgreSQL database of its own with {employees:,} employees of `soxp-2003` (slide 9's three eligible
grants each), submits each one's election through `submit_election` with the database task backend
(one owed email and one delivery task each, as a surge leaves them), times the forms alone and in
batches, then drains the queue with one `manage.py db_worker` and, the emails owed again, with two.
Mail goes to the file backend. Render costs are medians of the CPU time of the rendering process; the
workers' CPU is their own (`wait4`).

Run on {datetime.now(UTC).date().isoformat()}, PostgreSQL 15, 2 cores shared with other work (four other
sessions' tests and benchmarks); load average {load[0]:.2f} (1 min) / {load[1]:.2f} (5 min) when it ended.

| measure | figure | target |
| --- | --- | --- |
{chr(10).join(rows)}

Two workers sent {scaling:.2f}x the emails a second of one: at their rate 5,000 owed emails take about
{five_thousand:.0f} minutes. {figures["queued_tasks"]:,} delivery tasks were queued by the surge, most of
which find nothing due once an earlier task has taken their email in a batch.
{END}"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--owed", type=int, default=5000, help="employees, elections and owed emails")
    parser.add_argument("--forms", type=int, default=50, help="forms rendered for the per-form costs")
    parser.add_argument(
        "--database", default="soxp_bench_confirmations", help="the database to make and drop"
    )
    parser.add_argument("--write", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument("--quick", action="store_true", help="a small run that only checks the script works")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("Run under scripts/with-postgres: DATABASE_URL must name a PostgreSQL server.")
    employees, forms = (12, 10) if args.quick else (args.owed, args.forms)
    figures = run(employees, forms, base, args.database)
    text = report(figures, employees)
    print(text)
    print(json.dumps(figures, default=str), file=sys.stderr)
    if args.write and not args.quick:
        write_section(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
