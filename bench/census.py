"""Census benchmark: 100,000 employees and 400,000 grants on SQLite.

Generates the two CSV files, then in a fresh process each (so each phase has its own peak memory):
imports them into an empty database, re-imports the same files, re-imports with 10% of the grants
changed, writes the eligibility report of soxp-2003, and times the console dashboard's figures (the
first view, which judges the whole census, and the next, served from the cache). Prints the figures
and, with --write, puts them in docs/performance.md between the census markers.

    .venv/bin/python bench/census.py [--employees 100000] [--grants-per-employee 4] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BEGIN, END = "<!-- bench/census.py begin -->", "<!-- bench/census.py end -->"
PLANS = ["2000 Stock Option Plan", "1994 Non Statutory Option Plan", "1993 Incentive Stock Option Plan"]
TARGETS = {"import": 60.0, "reimport": 60.0, "report": 20.0}


def generate(
    employees: int, per_employee: int, *, changed_share: float = 0.0, seed: int = 2003
) -> tuple[Path, Path]:
    rng = random.Random(seed)
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
                if changed_share and rng.random() < changed_share:
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


def phase(name: str, args: list[str]) -> None:
    """Runs one phase in this process and prints its wall time and peak memory as JSON."""
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soxp_portal.settings")
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from soxp_portal.offers.census import import_census
    from soxp_portal.offers.models import Offer
    from soxp_portal.offers.reports import write_eligibility_report
    from soxp_portal.rules.eligibility import judgement_day

    if name == "setup":
        call_command("migrate", verbosity=0)
        call_command("loaddata", "soxp-2003", verbosity=0)
        print(json.dumps({}))
        return
    started = time.perf_counter()
    rows = 0
    if name == "import":
        with open(args[0], "rb") as employees, open(args[1], "rb") as grants:
            plan = import_census(employees, grants)
        rows = sum(plan.summary().values())
    elif name == "report":
        offer = Offer.objects.get(slug="soxp-2003")
        with open(args[0], "w", newline="") as out:
            rows = write_eligibility_report(offer, out, on=judgement_day(offer.terms, timezone.now()))
    elif name == "dashboard":
        from soxp_portal.offers.participation import participation_summary

        offer = Offer.objects.get(slug="soxp-2003")
        rows = participation_summary(offer, now=timezone.now()).eligible_employees
        cold = time.perf_counter() - started
        warm_started = time.perf_counter()
        participation_summary(offer, now=timezone.now())
        warm = time.perf_counter() - warm_started
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"seconds": round(cold, 1), "warm": round(warm, 3), "peak_mb": round(peak_mb)}))
        return
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": round(seconds, 1), "peak_mb": round(peak_mb), "rows": rows}))


def markdown(employees: int, grants: int, results: dict[str, dict[str, float]]) -> str:
    labels = {
        "import": "import into an empty database",
        "reimport": "re-import of the same files",
        "reimport_changed": "re-import with about 10% of grants changed",
        "report": "eligibility report (CSV to a file)",
    }
    lines = [
        BEGIN,
        f"Census of {employees:,} employees and {grants:,} grants, SQLite, one process per phase "
        f"(`bench/census.py`, run on {date.today()}, {os.cpu_count()} cores).",  # noqa: DTZ011
        "",
        "| phase | wall time | peak memory (RSS) | target |",
        "| --- | --- | --- | --- |",
    ]
    for key, label in labels.items():
        figures = results[key]
        target = TARGETS.get(key.split("_")[0])
        target_text = f"< {target:.0f} s" + (" and < 500 MB" if key == "report" else "") if target else "-"
        lines.append(
            f"| {label} | {figures['seconds']:.1f} s | {figures['peak_mb']:.0f} MB | {target_text} |"
        )
    dashboard = results["dashboard"]
    lines += [
        f"| console dashboard figures, first view after a change of census or terms | "
        f"{dashboard['seconds']:.1f} s | {dashboard['peak_mb']:.0f} MB | - |",
        f"| console dashboard figures, next views (judged census from the cache) | "
        f"{dashboard['warm']:.2f} s | - | < 1 s |",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--grants-per-employee", type=int, default=4)
    parser.add_argument("--write", action="store_true", help="write the results into docs/performance.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    options, rest = parser.parse_known_args()
    if options.phase:
        phase(options.phase, rest)
        return

    employees_path, grants_path = generate(options.employees, options.grants_per_employee)
    _, changed_path = generate(options.employees, options.grants_per_employee, changed_share=0.1)
    database = OUT / "bench.sqlite3"
    database.unlink(missing_ok=True)
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    run_phase("setup", env=env)
    results = {
        "import": run_phase("import", str(employees_path), str(grants_path), env=env),
        "reimport": run_phase("import", str(employees_path), str(grants_path), env=env),
        "reimport_changed": run_phase("import", str(employees_path), str(changed_path), env=env),
        "report": run_phase("report", str(OUT / "eligibility.csv"), env=env),
        "dashboard": run_phase("dashboard", env=env),
    }
    text = markdown(options.employees, options.employees * options.grants_per_employee, results)
    print(text)
    if options.write:
        write_section(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
