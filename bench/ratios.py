"""A change of band ratios at scale, on PostgreSQL (issue 15): ``offers.actions.set_band_ratios`` over a
census of 10,000 and 100,000 employees, and what a submission of the offer waits while it runs.

For each size, a database of its own on this machine's PostgreSQL (``portal_benchratios_<size>``,
dropped and made again), in a fresh process per phase so that each phase's peak memory (RSS) is its own:

``prepare``  migrate, load soxp-2003 and give it four price bands: two for options ($0.00 to $5.00,
             $5.00 up) and the same two for RSUs, which employees working in GB receive
             (``award_by_country``); then the census of bench/census.py's generator (4 grants per
             employee) through ``import_census`` (COPY), and every eligible employee's election of all
             their eligible grants inserted in bulk by bench/exports.py's ``_elect_in_bulk`` (5% of them
             withdrawn again), dated Thursday 2003-01-02;
``measure``  on Friday 2003-01-03 (10 business days left, the last day a change is allowed): a reference
             submission with no change running, then ``set_band_ratios`` (preliminary ratios from value
             that differ from the bands' in every band, so every election in force is owed an email),
             each of its parts timed, and one submission (``submit_election`` in another thread, so
             another connection) started once the change holds the offer's locks; its wait, and that it
             was made at the new ratios.

    scripts/with-postgres .venv/bin/python bench/ratios.py [--sizes 10000 100000] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from census import generate
from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench/ratios begin -->", "<!-- bench/ratios end -->"
PG = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "portal", "PGPASSWORD": "portal"}
DATABASE = "portal_benchratios"
DROPDB = shutil.which("dropdb") or "/usr/bin/dropdb"
CREATEDB = shutil.which("createdb") or "/usr/bin/createdb"
ELECTED = datetime(2003, 1, 2, 18, 0, tzinfo=UTC)
FRIDAY_JAN_3 = datetime(2003, 1, 3, 18, 0, tzinfo=UTC)  # 10 business days left: a change is allowed
D = Decimal
#: The bands' ratios before the change: far from what the inputs propose, so every band changes.
BANDS = [  # award, position, lower, upper, tendered per new
    ("option", 1, D(0), D(5), D(3)),
    ("option", 2, D(5), None, D(5)),
    ("rsu", 1, D(0), D(5), D(9)),
    ("rsu", 2, D(5), None, D(15)),
]


def run_phase(*args: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", *args], env=env, capture_output=True, text=True, check=False
    )
    if result.returncode:
        raise SystemExit(f"phase {args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


# Prepare ------------------------------------------------------------------------------------------------


def prepare(employees_csv: str, grants_csv: str) -> dict[str, Any]:
    import exports
    from django.core.management import call_command

    from soxp_portal.offers.census import import_census
    from soxp_portal.offers.models import Offer, PriceBand

    figures: dict[str, Any] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("loaddata", "soxp-2003", verbosity=0)
    offer = Offer.objects.get(slug="soxp-2003")
    for award, position, lower, upper, tendered in BANDS:
        PriceBand.objects.create(
            offer=offer,
            award_type=award,
            position=position,
            lower=lower,
            upper=upper,
            ratio_new=D(1),
            ratio_tendered=tendered,
        )
    Offer.objects.filter(pk=offer.pk).update(award_by_country={"GB": "rsu"})
    with open(employees_csv, "rb") as employees, open(grants_csv, "rb") as grants:
        import_census(employees, grants)  # judges the census under the banded terms
    figures["import_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    exports.PARTICIPATION = 1.0  # every eligible employee elects (5% withdraw again)
    exports.DURING_OFFER = ELECTED  # before the change (election rows are append-only: dated as made)
    offer = Offer.objects.get(slug="soxp-2003")
    figures["participants"], figures["grants_tendered"] = exports._elect_in_bulk(offer, random.Random(2003))
    figures["elect_s"] = round(time.perf_counter() - started, 1)
    return figures


# Measure ------------------------------------------------------------------------------------------------


class Parts:
    """Wall time and statements of each timed part of the change, by wrapping the functions it calls."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.statements: dict[str, int] = {}
        self.count = 0
        self.locked = threading.Event()

    def wrapper(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)

    def timed(self, name: str, call: Any) -> Any:
        def add(began: float, statements: int) -> None:
            self.seconds[name] = self.seconds.get(name, 0.0) + time.perf_counter() - began
            self.statements[name] = self.statements.get(name, 0) + self.count - statements

        def run(*args: Any, **kwargs: Any) -> Any:
            began, statements = time.perf_counter(), self.count
            result = call(*args, **kwargs)
            if threading.current_thread() is not threading.main_thread():
                return result  # the racing submission's own lock and audit event: not the change's
            add(began, statements)
            return result

        def scan(*args: Any, **kwargs: Any) -> Any:  # a generator: the time of each item it yields
            items = iter(call(*args, **kwargs))
            while True:
                began, statements = time.perf_counter(), self.count
                item = next(items, None)
                add(began, statements)
                if item is None:
                    return
                yield item

        return scan if name == "affected_elections" else run


def _submit(offer: Any, person: Any, now: datetime) -> tuple[Any, float]:
    from soxp_portal.offers.actions import submit_election
    from soxp_portal.offers.queries import election_in_force

    in_force = election_in_force(offer, person)
    tendered = {line.grant.grant_id: line.shares_tendered for line in in_force.tendered_grants.all()}
    began = time.perf_counter()
    election = submit_election(
        offer,
        person,
        tendered,
        actor=person.user,
        signature=person.full_name,
        expected_version=in_force.version,
        submission_token=uuid.uuid4(),
        now=now,
    )
    return election, time.perf_counter() - began


def _submitters(offer: Any) -> list[Any]:
    """Two employees (options, band 1 and 2 grants) with an election in force, given an account."""
    from soxp_portal.accounts.models import User
    from soxp_portal.offers.models import Employee
    from soxp_portal.offers.participation import current_elections

    ids = (
        current_elections(offer)
        .filter(kind="election", employee__work_country="US")
        .values_list("employee_id", flat=True)
        .order_by("employee_id")[:2]
    )
    people = list(Employee.objects.filter(pk__in=list(ids)).order_by("pk"))
    for person in people:
        person.user = User.objects.create_user(email=f"bench.{person.employee_id.lower()}@example.com")
        person.save(update_fields=["user"])
    return people


def measure() -> dict[str, Any]:
    from django.db import connection, connections

    from soxp_portal.accounts.models import User
    from soxp_portal.offers import actions, ratios
    from soxp_portal.offers.models import Election, Offer, RatioChangeEmail
    from soxp_portal.offers.participation import current_elections
    from soxp_portal.rules.exchange import grant_new_shares
    from soxp_portal.rules.ratios import ValuationInputs
    from soxp_portal.rules.terms import RatioStage

    offer = Offer.objects.get(slug="soxp-2003")
    admin = User.objects.get(email="bench.admin@example.com")
    reference, racer = _submitters(offer)
    offer.pricing_date()  # the NYSE calendar imported before any figure
    _, reference_s = _submit(offer, reference, FRIDAY_JAN_3)  # the code warmed up, no change running
    _, reference_again_s = _submit(offer, reference, FRIDAY_JAN_3)
    in_force = current_elections(offer).filter(kind="election").count()
    rss_before = _rss_mb()

    parts = Parts()
    originals = {
        (ratios, "eligible_grants_by_band"): ratios.eligible_grants_by_band,
        (ratios, "ratio_proposals"): ratios.ratio_proposals,
        (ratios, "affected_elections"): ratios.affected_elections,
        (actions, "_judge_census"): actions._judge_census,
        (actions, "record"): actions.record,
        (actions, "_hold_ratios"): actions._hold_ratios,
    }
    names = {
        "eligible_grants_by_band": "census_scan",
        "ratio_proposals": "proposal",
        "affected_elections": "affected_elections",
        "_judge_census": "judge_census",
        "record": "audit",
        "_hold_ratios": "locks",
    }
    for (module, attribute), call in originals.items():
        setattr(module, attribute, parts.timed(names[attribute], call))
    manager = RatioChangeEmail.objects
    manager.bulk_create = parts.timed("emails_insert", manager.bulk_create)  # type: ignore[method-assign]

    proposal_started = threading.Event()
    census_scan = ratios.eligible_grants_by_band

    def signalled_scan(*args: Any, **kwargs: Any) -> Any:
        proposal_started.set()  # the offer's row lock and the ratios' lock are held from here
        return census_scan(*args, **kwargs)

    ratios.eligible_grants_by_band = signalled_scan
    race: dict[str, Any] = {}

    def submitter() -> None:
        proposal_started.wait()
        time.sleep(0.05)  # well inside the change
        try:
            race["started"] = time.perf_counter()
            race["election"], race["seconds"] = _submit(offer, racer, FRIDAY_JAN_3)
            race["ended"] = time.perf_counter()
        except BaseException as error:
            race["error"] = repr(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=submitter)
    thread.start()
    inputs = ValuationInputs(
        share_price=D("5.00"),
        volatility=D("0.60"),
        risk_free_rate=D("0.03"),
        new_term_years=D(4),
        old_term_years=D(3),
        target=D("0.9"),
    )
    cpu = time.process_time()
    began = time.perf_counter()
    with connection.execute_wrapper(parts.wrapper):
        setting = actions.set_band_ratios(
            offer, inputs, stage=RatioStage.PRELIMINARY, actor=admin, now=FRIDAY_JAN_3
        )
    committed = time.perf_counter()
    change_cpu = time.process_time() - cpu
    thread.join(600)
    for (module, attribute), call in originals.items():
        setattr(module, attribute, call)
    del manager.bulk_create
    if "error" in race:
        raise SystemExit(f"the racing submission failed: {race['error']}")

    # The racing submission was made at the new ratios (it waited, then read them).
    offer.refresh_from_db()
    terms = offer.terms
    made_at_new = all(
        line.new_shares == grant_new_shares(terms, line.shares_tendered, line.grant.exercise_price)
        for line in race["election"].tendered_grants.select_related("grant")
    )
    emails = RatioChangeEmail.objects.filter(setting=setting).count()
    racer_emailed = RatioChangeEmail.objects.filter(setting=setting, employee=racer).exists()
    parts.seconds["proposal"] -= parts.seconds.get("census_scan", 0.0)
    parts.statements["proposal"] -= parts.statements.get("census_scan", 0)
    return {
        "in_force": in_force,
        "elections": Election.objects.filter(offer=offer).count(),
        "emails": emails,
        "change_s": committed - began,
        "change_cpu_s": change_cpu,
        "statements": parts.count,
        "parts_s": parts.seconds,
        "parts_statements": parts.statements,
        "reference_submit_s": reference_s,
        "reference_again_s": reference_again_s,
        "race_submit_s": race["seconds"],
        "race_started_after_s": race["started"] - began,
        "race_done_after_commit_s": race["ended"] - committed,
        "race_made_at_new_ratios": made_at_new,
        "race_emailed_old_version": racer_emailed,
        "rss_before_mb": rss_before,
        "peak_mb": _peak_mb(),
    }


def phase(name: str, args: list[str]) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soxp_portal.settings")
    django.setup()
    result = prepare(*args) if name == "prepare" else measure()
    result.setdefault("peak_mb", _peak_mb())
    print(json.dumps(result, default=str))


# Driver and report -------------------------------------------------------------------------------------


def run_size(size: int) -> dict[str, Any]:
    employees_path, grants_path = generate(size, 4)
    database = f"{DATABASE}_{size}"
    env = {
        **os.environ,
        **PG,
        "DATABASE_URL": f"postgres://portal:portal@127.0.0.1:5432/{database}",
        "TASKS_BACKEND": "database",  # the emails queued for a worker, not sent in the change
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "DEBUG": "false",
    }
    subprocess.run([DROPDB, "--if-exists", database], env=env, check=True)
    subprocess.run([CREATEDB, database], env=env, check=True)
    try:
        prepared = run_phase("prepare", str(employees_path), str(grants_path), env=env)
        print(f"{size}: prepared {prepared}", file=sys.stderr, flush=True)
        measured = run_phase("measure", env=env)
        print(f"{size}: measured {measured}", file=sys.stderr, flush=True)
    finally:
        subprocess.run([DROPDB, "--if-exists", database], env=env, check=False)
    return {"prepared": prepared, "measured": measured, "load": os.getloadavg()[:2]}


PARTS = [
    ("locks", "offer's row lock and the ratios' advisory lock taken"),
    ("census_scan", "census scan (`eligible_grants_by_band`)"),
    ("proposal", "rest of the proposal (Black-Scholes per band)"),
    ("affected_elections", "elections in force scanned, figures before and after (`affected_elections`)"),
    ("emails_insert", "`RatioChangeEmail` rows inserted (`bulk_create`)"),
    ("judge_census", "census judged again (`_judge_census`)"),
    ("audit", "`offer.ratios_set` appended to the audit chain"),
]


def markdown(results: dict[int, dict[str, Any]]) -> str:
    sizes = sorted(results)
    m = {size: results[size]["measured"] for size in sizes}
    p = {size: results[size]["prepared"] for size in sizes}

    def row(label: str, cell: Any) -> str:
        return f"| {label} | " + " | ".join(cell(size) for size in sizes) + " |"

    def part(key: str) -> Any:
        def cell(size: int) -> str:
            seconds = m[size]["parts_s"].get(key, 0.0)
            share = seconds / m[size]["change_s"]
            count = m[size]["parts_statements"].get(key, 0)
            return f"{seconds:.2f} s ({share:.0%}), {count} statement{'' if count == 1 else 's'}"

        return cell

    header = "| | " + " | ".join(f"{size:,} employees" for size in sizes) + " |"
    lines = [
        header,
        "|---|" + "---|" * len(sizes),
        row(
            "elections in force (of all versions)", lambda s: f"{m[s]['in_force']:,} ({m[s]['elections']:,})"
        ),
        row("emails owed (`RatioChangeEmail` rows)", lambda s: f"{m[s]['emails']:,}"),
        row(
            "**`set_band_ratios`, wall** (offer locked throughout)",
            lambda s: f"**{m[s]['change_s']:.1f} s**, {m[s]['statements']} statements",
        ),
        row("its CPU time in this process", lambda s: f"{m[s]['change_cpu_s']:.1f} s"),
        *(row(f"&nbsp;&nbsp;{label}", part(key)) for key, label in PARTS),
        row(
            "peak memory of the process (RSS before the change)",
            lambda s: f"{m[s]['peak_mb']:.0f} MB ({m[s]['rss_before_mb']:.0f} MB)",
        ),
        row(
            "a submission, no change running (`submit_election`)",
            lambda s: f"{m[s]['reference_again_s'] * 1000:.0f} ms",
        ),
        row(
            "a submission started during the change",
            lambda s: (
                f"{m[s]['race_submit_s']:.1f} s (started {m[s]['race_started_after_s']:.1f} s into "
                f"it, done {m[s]['race_done_after_commit_s'] * 1000:.0f} ms after its commit)"
            ),
        ),
        row(
            "that submission made at the new ratios; its old version emailed",
            lambda s: (
                f"{'yes' if m[s]['race_made_at_new_ratios'] else 'NO'}; "
                f"{'yes' if m[s]['race_emailed_old_version'] else 'no'}"
            ),
        ),
        row(
            "setup (not timed work): census import; elections in bulk",
            lambda s: f"{p[s]['import_s']} s; {p[s]['elect_s']} s",
        ),
    ]
    load = results[sizes[-1]]["load"]
    biggest = m[sizes[-1]]
    dominant = max(biggest["parts_s"], key=biggest["parts_s"].get)
    today = datetime.now(UTC).date().isoformat()
    return f"""{BEGIN}
## A change of band ratios (`bench/ratios.py`)

`scripts/with-postgres .venv/bin/python bench/ratios.py --write` on {today}, on this
machine's PostgreSQL 15 (2 shared cores, other work running: load average {load[0]:.1f} / {load[1]:.1f}
at the end). soxp-2003 with two option bands ($0.00 to $5.00, $5.00 up) and the same two for RSUs,
which GB's employees receive; the census of bench/census.py's generator (4 grants per employee, prices
$0.10 to $25.00); every eligible employee's election of all their eligible grants inserted in bulk (5%
withdrawn again). On Friday 2003-01-03 (10 business days left) `set_band_ratios` saves preliminary
ratios from value that differ in every band, so every election in force is owed an email: the worst
case. Parts are timed by wrapping the functions the change calls; a submission (`submit_election` in
another thread, its own connection) starts once the change holds its locks.

{chr(10).join(lines)}

What it means: the change holds the offer's row lock and the ratios' advisory lock for its whole
transaction, so a submission of that offer made meanwhile waits for it, then is made at the new ratios
(as designed: its old version is among those emailed), while a submission with no change running takes
the row above. Nothing else waits: pages, sign-ins and other offers go on (the audit chain's lock is
taken only by the last part, held to the commit). The largest part at {sizes[-1]:,} employees is
{dict(PARTS)[dominant]}. A change of ratios is allowed only with at least 10 business days before the
deadline, so it never meets the deadline hour's surge: made on an ordinary working day, it holds the
few submissions of those seconds for that long, once, and the administrator's POST takes as long
(within the server's 600 s time-out). The owed emails are delivered afterwards by the task worker
(`deliver_ratio_emails`).

Before (the same day and machine): the change read the elections in force as model instances with
their tendered grants prefetched, and kept every email's figures to write them in one statement; at
100,000 employees it took 43.8 s (the scan of the elections 23.1 s, that statement 9.5 s) and the
process peaked at 1,424 MB; at 10,000, 3.5 s and 286 MB. `affected_elections` now reads plain values in one
streamed query, and the emails are written 2,000 rows at a time as the scan yields them
(`actions.RATIO_EMAILS_BATCH`; `tests/offers/test_set_band_ratios.py` checks the one query and the
batches); the figures written are the same (compared row by row at 10,000 employees). Left as it is:
the census scan reads every eligible holder's grants as model instances (`grant_and_holder_facts`,
shared with the eligibility rules) and writing the rows is mostly the server's work.
{END}"""


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--phase", nargs="+")
    parser.add_argument("--sizes", nargs="+", type=int, default=[10_000, 100_000])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.phase:
        phase(args.phase[0], args.phase[1:])
        return
    results = {size: run_size(size) for size in args.sizes}
    text = markdown(results)
    print(text)
    if args.write:
        write_section(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
