"""Census benchmark: 100,000 employees and 400,000 grants, on SQLite and on PostgreSQL.

Generates the two CSV files (and a copy of grants.csv with about 10% of the grants changed), then for
each database, in a fresh process per phase so that each phase's peak memory (RSS) is its own:

    setup                    migrate, load soxp-2003, create an administrator
    floor                    the grants file loaded into a bare table, no checks (COPY / executemany)
    import                   the census into an empty database
    dashboard                the console dashboard's first view after the import, then the next view
    reimport                 the same files again (nothing changes)
    reimport_changed         the files with about 10% of the grants changed
    dashboard_changed        the dashboard's first view after that
    terms                    a change of soxp-2003's terms (update_offer_terms, which judges the census)
    dashboard_terms          the dashboard's first view after that, and the employee list's
                             "eligible" filter (its first page)
    report                   the eligibility report of soxp-2003, CSV to a file

Prints the table and, with --write, puts it in docs/performance.md between the census markers.

    .venv/bin/python bench/census.py [--database-url URL ...] [--employees 100000]
                                     [--grants-per-employee 4] [--write]

Without --database-url it runs both databases: SQLite in bench/out/bench.sqlite3, and PostgreSQL in
POSTGRES_URL below (the database is dropped and created again, so its name must contain "bench").
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit

from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BEGIN, END = "<!-- bench/census.py begin -->", "<!-- bench/census.py end -->"
PLANS = ["2000 Stock Option Plan", "1994 Non Statutory Option Plan", "1993 Incentive Stock Option Plan"]
POSTGRES_URL = "postgres://portal:portal@127.0.0.1:5432/portal_census_bench"
SQLITE_URL = f"sqlite:///{OUT / 'bench.sqlite3'}"
ADMIN_EMAIL = "bench.admin@example.com"
BEFORE_OPENING = datetime(2002, 12, 1, 18, 0, tzinfo=UTC)  # soxp-2003's terms may still change


def generate(
    employees: int, per_employee: int, *, changed_share: float = 0.0, seed: int = 2003
) -> tuple[Path, Path]:
    """employees.csv and grants.csv (or grants-changed.csv, the same grants with `changed_share` of
    them having one more share exercised: the changes are drawn from a generator of their own, so every
    other grant is exactly as in grants.csv)."""
    rng = random.Random(seed)
    changes = random.Random(seed + 1)
    OUT.mkdir(parents=True, exist_ok=True)
    suffix = "-changed" if changed_share else ""
    employees_path, grants_path = OUT / "employees.csv", OUT / f"grants{suffix}.csv"
    with employees_path.open("w") as out:
        out.write(
            "employee_id,first_name,last_name,email,hire_date,work_country,status,termination_date,"
            "is_executive_officer,is_director\n"
        )
        for n in range(employees):
            hired = date(1995, 1, 2) + timedelta(days=rng.randrange(8 * 365))
            status = rng.choices(["active", "leave", "terminated"], [90, 3, 7])[0]
            ended = (
                (hired + timedelta(days=rng.randrange(30, 900))).isoformat() if status == "terminated" else ""
            )
            country = rng.choices(["US", "GB", "DE", "JP"], [85, 5, 5, 5])[0]
            officer = "true" if rng.random() < 0.002 else "false"
            out.write(
                f"E{n:07d},First{n},Last{n},e{n}@example.com,{hired},{country},{status},{ended},{officer},false\n"
            )
    with grants_path.open("w") as out:
        out.write(
            "grant_id,employee_id,plan,option_type,grant_date,shares_granted,shares_exercised,"
            "shares_cancelled,exercise_price,expiration_date,performance_condition\n"
        )
        for n in range(employees):
            for k in range(per_employee):
                granted = date(1996, 1, 2) + timedelta(days=rng.randrange(7 * 365))
                shares = rng.randrange(100, 20000)
                exercised = rng.randrange(shares // 2) if rng.random() < 0.2 else 0
                if changed_share and changes.random() < changed_share:
                    exercised = min(shares, exercised + 1)
                price = f"{rng.randrange(10, 2500) / 100:.2f}"
                expires = granted + timedelta(days=3652)
                out.write(
                    f"G{n:07d}-{k},E{n:07d},{rng.choice(PLANS)},{rng.choice(['ISO', 'NSO'])},{granted},"
                    f"{shares},{exercised},0,{price},{expires},\n"
                )
    return employees_path, grants_path


def run_phase(phase: str, *args: str, env: dict[str, str]) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"phase {phase} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


#: CPU seconds of this process in the last timed work: what the work cost, whatever the load of the
#: shared machine stretched its wall time to (the database server's own CPU is not in it).
CPU = {"seconds": 0.0}


def _timed(work) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), _cpu()
    result = work()
    CPU["seconds"] = _cpu() - cpu
    return time.perf_counter() - started, result


def phase(name: str, args: list[str]) -> None:
    """Runs one phase in this process and prints its figures as JSON (the last line)."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soxp_portal.settings")
    django.setup()
    from django.contrib.auth.models import Group
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from soxp_portal.accounts.models import User
    from soxp_portal.accounts.roles import Role
    from soxp_portal.accounts.two_factor import SIGN_IN_METHOD, Method
    from soxp_portal.offers.actions import update_offer_terms
    from soxp_portal.offers.bulk import append_rows, create_temporary_table
    from soxp_portal.offers.census import GRANT_COLUMNS, import_census
    from soxp_portal.offers.models import JudgedCensus, Offer
    from soxp_portal.offers.reports import write_eligibility_report
    from soxp_portal.offers.staged_census import grant_columns
    from soxp_portal.rules.eligibility import judgement_day

    figures: dict[str, object] = {}
    if name == "setup":
        call_command("migrate", verbosity=0)
        call_command("loaddata", "soxp-2003", verbosity=0)
        admin = User.objects.create_user(ADMIN_EMAIL)
        admin.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    elif name == "floor":
        # What loading the rows costs without reading them as a census: csv.reader's text into a bare
        # temporary table with the staged columns' types, COPY on PostgreSQL, executemany on SQLite.
        columns = [
            (column, field) for column, (_, field) in zip(GRANT_COLUMNS, grant_columns()[1:], strict=True)
        ]

        def load() -> None:
            with open(args[0], newline="") as grants:
                rows = csv.reader(grants)
                next(rows)
                create_temporary_table("floor", columns)
                append_rows("floor", GRANT_COLUMNS, rows)

        figures = {"seconds": _timed(load)[0]}
    elif name == "import":
        with open(args[0], "rb") as employees, open(args[1], "rb") as grants:
            seconds, plan = _timed(lambda: import_census(employees, grants))
        figures = {"seconds": seconds, "summary": plan.summary()}  # type: ignore[attr-defined]
    elif name == "terms":
        offer = Offer.objects.get(slug="soxp-2003")
        threshold = Decimal("3.50") if offer.price_threshold != Decimal("3.50") else Decimal("3.01")
        seconds, _ = _timed(
            lambda: update_offer_terms(
                offer,
                {"price_threshold": threshold},
                covered_plans=list(offer.covered_plans.all()),
                actor=User.objects.get(email=ADMIN_EMAIL),
                now=BEFORE_OPENING,
            )
        )
        figures = {"seconds": seconds}
    elif name == "dashboard":
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(User.objects.get(email=ADMIN_EMAIL))
        session = client.session  # past the second factor, which staff pages require
        session[SIGN_IN_METHOD] = Method.SECOND_FACTOR
        session.save()
        dashboard = reverse("console:dashboard", args=["soxp-2003"])
        employees = reverse("console:employees", args=["soxp-2003"])

        def get(url: str, **params: str) -> float:
            seconds, response = _timed(lambda: client.get(url, params))
            assert response.status_code == 200, response  # type: ignore[attr-defined]
            return seconds

        judged_at = JudgedCensus.objects.values_list("judged_at", flat=True).get(offer__slug="soxp-2003")
        # A running server has served other pages: the process loads its templates and URLs on the
        # console's list of offers first, and the NYSE calendar the offer's dates need (half a second
        # the first time a process imports it); neither reads a verdict.
        Offer.objects.get(slug="soxp-2003").pricing_date()
        warm_up = get(reverse("console:home"))
        first = get(dashboard)
        figures = {"seconds": first, "cpu": CPU["seconds"], "warm_up": warm_up, "next": get(dashboard)}
        if "--list" in args:
            figures["list"] = get(employees, standing="eligible")
        # Read from stored verdicts, not judged by the view itself.
        figures["judged_by_view"] = judged_at != JudgedCensus.objects.get(offer__slug="soxp-2003").judged_at
    elif name == "report":
        offer = Offer.objects.get(slug="soxp-2003")
        with open(args[0], "w", newline="") as out:
            seconds, rows = _timed(
                lambda: write_eligibility_report(offer, out, on=judgement_day(offer.terms, timezone.now()))
            )
        figures = {"seconds": seconds, "rows": rows}
    figures.setdefault("cpu", CPU["seconds"])
    figures["peak_mb"] = _peak_mb()
    figures["vendor"] = connection.vendor
    print(json.dumps(figures, default=str))


def fresh_database(url: str) -> None:
    """Deletes the database of `url` and (for PostgreSQL) creates it again, empty."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        Path(parts.path).unlink(missing_ok=True)
        return
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"{url}: the benchmark drops this database; give one whose name contains 'bench'.")
    import psycopg

    maintenance = parts._replace(path="/postgres").geturl()
    try:
        with psycopg.connect(maintenance, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
            admin.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"{url}: {error}\nStart PostgreSQL (scripts/with-postgres does), or run SQLite alone with "
            f"--database-url {SQLITE_URL}."
        ) from error


def run_database(url: str, files: dict[str, Path]) -> dict[str, dict[str, float]]:
    fresh_database(url)
    env = {**os.environ, "DATABASE_URL": url}
    employees, grants, changed = str(files["employees"]), str(files["grants"]), str(files["changed"])
    results = {"setup": run_phase("setup", env=env)}
    for key, phase_name, args in [
        ("floor", "floor", [grants]),
        ("import", "import", [employees, grants]),
        ("dashboard", "dashboard", []),
        ("reimport", "import", [employees, grants]),
        ("reimport_changed", "import", [employees, changed]),
        ("dashboard_changed", "dashboard", []),
        ("terms", "terms", []),
        ("dashboard_terms", "dashboard", ["--list"]),
        ("report", "report", [str(OUT / "eligibility.csv")]),
    ]:
        results[key] = run_phase(phase_name, *args, env=env)
        print(f"  {key}: {results[key]}", file=sys.stderr)
    return results


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ROWS = [
    ("floor", "floor: grants.csv into a bare table, no checks (COPY / `executemany`)", "-"),
    ("import", "import into an empty database", "< 60 s, < 500 MB"),
    ("reimport", "re-import of the same files", "< 60 s, < 500 MB"),
    ("reimport_changed", "re-import with about 10% of the grants changed", "< 60 s, < 500 MB"),
    ("terms", "change of soxp-2003's terms (`update_offer_terms`, judges the census)", "-"),
    ("report", "eligibility report (CSV to a file)", "< 20 s, < 500 MB"),
]
DASHBOARDS = [
    ("dashboard", "seconds", "dashboard page, first view after the import (\\*)", "< 1 s"),
    ("dashboard_changed", "seconds", "dashboard page, first view after the re-import with changes", "< 1 s"),
    ("dashboard_terms", "seconds", "dashboard page, first view after the change of terms", "< 1 s"),
    ("dashboard", "next", "dashboard page, next view", "-"),
    ("dashboard_terms", "list", "employee list filtered on 'eligible', first page", "-"),
]


def markdown(employees: int, grants: int, runs: dict[str, dict[str, dict]], load: tuple) -> str:  # type: ignore[type-arg]
    vendors = list(runs)
    lines = [
        BEGIN,
        f"Census of {employees:,} employees and {grants:,} grants, one process per phase (`bench/census.py`, "
        f"run on {date.today()}, {os.cpu_count()} cores shared with other work: load average "  # noqa: DTZ011
        f"{load[0]:.2f} (1 min) / {load[1]:.2f} (5 min) when the run started, {load[2]:.2f} / {load[3]:.2f} "
        "when it ended). Wall time, then the CPU time of the phase's own process (the database server's "
        "is not in it), then its peak memory.",
        "",
        "| phase | " + " | ".join(f"{NAMES[v]}: wall | CPU | peak RSS" for v in vendors) + " | target |",
        "| --- | " + " | ".join("--- | --- | ---" for _ in vendors) + " | --- |",
    ]
    for key, label, target in ROWS:
        cells = " | ".join(
            f"{runs[v][key]['seconds']:.1f} s | {runs[v][key]['cpu']:.1f} s | {runs[v][key]['peak_mb']} MB"
            for v in vendors
        )
        lines.append(f"| {label} | {cells} | {target} |")
    for key, figure, label, target in DASHBOARDS:
        cells = " | ".join(
            f"{runs[v][key][figure]:.2f} s | "
            + (
                f"{runs[v][key]['cpu']:.2f} s | {runs[v][key]['peak_mb']} MB"
                if figure == "seconds"
                else "- | -"
            )
            for v in vendors
        )
        lines.append(f"| {label} | {cells} | {target} |")
    judged = [
        f"{NAMES[v]} {key}" for v in vendors for key, *_ in DASHBOARDS if runs[v][key].get("judged_by_view")
    ]
    lines += [
        "",
        "(\\*) Each dashboard phase is a new process that first loads the NYSE calendar and serves the "
        "console's list of offers (neither reads a verdict), as a running server has served other pages; "
        "then the dashboard twice and, after "
        "the change of terms, the employee list. Every dashboard view read the verdicts stored by the import "
        "or the change of terms; "
        + ("none judged the census itself." if not judged else f"these judged it themselves: {judged}."),
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        action="append",
        help=f"a database to run on (repeatable); default: both, {SQLITE_URL} and {POSTGRES_URL}",
    )
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--grants-per-employee", type=int, default=4)
    parser.add_argument("--write", action="store_true", help="write the results into docs/performance.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    options, rest = parser.parse_known_args()
    if options.phase:
        phase(options.phase, rest)
        return

    load_before = os.getloadavg()[:2]
    employees, grants = generate(options.employees, options.grants_per_employee)
    _, changed = generate(options.employees, options.grants_per_employee, changed_share=0.1)
    files = {"employees": employees, "grants": grants, "changed": changed}
    runs = {}
    for url in options.database_url or [SQLITE_URL, POSTGRES_URL]:
        print(f"{url}:", file=sys.stderr)
        results = run_database(url, files)
        runs[results["setup"]["vendor"]] = results
    text = markdown(
        options.employees,
        options.employees * options.grants_per_employee,
        runs,
        (*load_before, *os.getloadavg()[:2]),
    )
    print(text)
    if options.write:
        write_section(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
