"""Promise-to-grant letters benchmark: 10,000 accepted participants, one PDF each.

The participants are bulk-created in a throw-away SQLite database (bench/out/letters.sqlite3), not
made as unsaved model instances: the letters are built from the same queries the task runs
(tenders, their accepted grants with grants and plans, the offer), so the figures include them,
and the last phase can run the real ``issue_promise_letters`` task, which saves the file, the
``PromiseLetter`` row and the audit event. Every participant tendered three grants shaped like
slide 9's (three grants, one a lookback grant, one in ten with a performance condition).

Measured in one process after the setup (the worker processes are forked from it):

- the floor: WeasyPrint laying out and writing a one-line page, with the same fonts and stylesheet;
- a letter rendered alone (``render_letters`` of one tender), and per letter in batches;
- letters per second through ``render_letters`` in batches with one worker process and with two,
  each worker rendering half of the participants (on the 2 shared cores of this machine);
- letters per second through the real task (render, save, audit; email to a dummy backend) with one
  and with two workers, on a part of the participants.

    .venv/bin/python bench/letters.py [--participants 10000] [--write]
    .venv/bin/python bench/letters.py --quick      # a small run that only checks the script works
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BEGIN, END = "<!-- bench/letters.py begin -->", "<!-- bench/letters.py end -->"
FLOOR_TARGET = 2.0  # a letter costs at most twice the one-line page
SCALING_TARGET = 1.7  # two workers make at least 1.7 times the letters of one
FULL_CORE = 0.85  # a worker with less than this share of a core was held back by other work
GRANT_SHAPES = (  # grant date, shares, exercise price: slide 9's three eligible grants
    (date(2000, 5, 20), 800, Decimal("6.00")),
    (date(2001, 3, 5), 1000, Decimal("4.50")),
    (date(2002, 7, 1), 500, Decimal("0.40")),
)


def django_setup() -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soxp_portal.settings")
    django.setup()


def bench_env(database: Path, media: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "MEDIA_ROOT": str(media),
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "TASKS_BACKEND": "immediate",
    }


# Setup -------------------------------------------------------------------------------------------


def setup(participants: int) -> dict[str, Any]:
    """Migrates a fresh database and bulk-creates the accepted participants of soxp-2003."""
    from django.core.management import call_command
    from django.db import transaction

    from soxp_portal.accounts.models import User
    from soxp_portal.closing.models import AcceptedGrant, Closing, Tender
    from soxp_portal.offers.models import Election, Employee, Grant, Offer, Plan, TenderedGrant

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("loaddata", "soxp-2003", verbosity=0)
    offer = Offer.objects.get(slug="soxp-2003")
    plan = Plan.objects.get(name="2000 Stock Option Plan")
    decided = offer.expires_at + timedelta(hours=1)
    admin = User.objects.create(email="bench-admin@example.com", is_staff=True)
    with transaction.atomic():
        employees = Employee.objects.bulk_create(
            Employee(
                employee_id=f"E{n:06d}",
                first_name=f"First{n}",
                last_name=f"Last{n}",
                email=f"e{n:06d}@example.com",
                hire_date=date(1999, 1, 4),
                work_country="US",
            )
            for n in range(participants)
        )
        grants = Grant.objects.bulk_create(
            Grant(
                grant_id=f"G{n:06d}-{k}",
                employee=employee,
                plan=plan,
                option_type=Grant.OptionType.ISO,
                grant_date=granted,
                shares_granted=shares,
                exercise_price=price,
                expiration_date=granted.replace(year=granted.year + 10),
                performance_condition="Revenue above plan for fiscal 2003" if n % 10 == 0 and k == 0 else "",
            )
            for n, employee in enumerate(employees)
            for k, (granted, shares, price) in enumerate(GRANT_SHAPES)
        )
        received = offer.opens_at + timedelta(days=5)
        elections = Election.objects.bulk_create(
            Election(
                offer=offer,
                employee=employee,
                version=1,
                kind=Election.Kind.ELECTION,
                received_at=received,
                recorded_at=received,
                entered_by=admin,
                confirmation_number=f"BENCH-{n:06d}",
                signature=employee.full_name,
            )
            for n, employee in enumerate(employees)
        )
        new_shares = {shares: offer.exchange_ratio * shares for _, shares, _ in GRANT_SHAPES}
        TenderedGrant.objects.bulk_create(
            TenderedGrant(
                election=elections[index // 3],
                grant=grant,
                shares_tendered=grant.shares_granted,
                new_shares=int(new_shares[grant.shares_granted].to_integral_value(rounding="ROUND_CEILING")),
            )
            for index, grant in enumerate(grants)
        )
        tenders = Tender.objects.bulk_create(
            Tender(
                offer=offer,
                employee=employee,
                election=election,
                outcome=Tender.Outcome.ACCEPTED,
                decided_at=decided,
            )
            for employee, election in zip(employees, elections, strict=True)
        )
        AcceptedGrant.objects.bulk_create(
            AcceptedGrant(
                tender=tenders[index // 3],
                grant=grant,
                shares=grant.shares_granted,
                new_shares=int(new_shares[grant.shares_granted].to_integral_value(rounding="ROUND_CEILING")),
                performance_condition=grant.performance_condition,
            )
            for index, grant in enumerate(grants)
        )
        Offer.objects.filter(pk=offer.pk).update(closed_at=decided)
        Closing.objects.create(offer=offer, accepted_at=decided, accepted_by=admin)
    return {"seconds": round(time.perf_counter() - started, 1), "participants": participants}


# Measurements ------------------------------------------------------------------------------------


def _tender_ids() -> list[int]:
    from soxp_portal.closing.models import Tender

    return list(Tender.objects.order_by("pk").values_list("pk", flat=True))


def _tenders(ids: list[int]) -> list[Any]:
    """The tenders as the task loads them."""
    from soxp_portal.closing.models import Tender

    return list(
        Tender.objects.filter(pk__in=ids)
        .select_related("offer", "offer__new_option_plan", "employee")
        .order_by("pk")
    )


def _timed(function: Any, repeat: int) -> tuple[list[float], list[float]]:
    """Wall and CPU seconds of each call. CPU time (this process only) is what the ratios use: the
    machine's two cores are shared, and other work stretches wall time but not CPU time."""
    walls, cpus = [], []
    for _ in range(repeat):
        wall, cpu = time.perf_counter(), time.process_time()
        function()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return walls, cpus


def floor(repeat: int) -> dict[str, Any]:
    """A one-line page through the same WeasyPrint path: the fixed cost of any PDF page."""
    from weasyprint import HTML

    from soxp_portal.documents.rendering import document_stylesheet, font_config, url_fetcher

    def one_line(stylesheets: list[Any], pages: int = 1) -> None:
        body = "".join('<p style="break-before: page">One line.</p>' for _ in range(pages))
        HTML(string=body, url_fetcher=url_fetcher).write_pdf(stylesheets=stylesheets, font_config=font_config)

    one_line([document_stylesheet()])  # warm: fonts found, stylesheet parsed
    wall, cpu = _timed(lambda: one_line([document_stylesheet()]), repeat)
    _, bare = _timed(lambda: one_line([]), repeat)
    _, batched = _timed(lambda: one_line([document_stylesheet()], 100), max(1, repeat // 20))
    return {
        "cpu": statistics.median(cpu),
        "wall": statistics.median(wall),
        "bare_cpu": statistics.median(bare),
        "batched_cpu": statistics.median(batched) / 100,
        "repeat": repeat,
    }


def per_letter(batch_sizes: list[int], letters: int) -> dict[str, Any]:
    """The median cost per letter of `render_letters` at each batch size, over about `letters` letters."""
    from soxp_portal.closing.letters import render_letters

    ids = _tender_ids()
    render_letters(_tenders(ids[:1]))  # warm
    results: dict[str, Any] = {}
    for size in batch_sizes:
        runs = max(1, min(letters // size, len(ids) // size))
        walls, cpus = [], []
        for run in range(runs):
            chunk = _tenders(ids[run * size : (run + 1) * size])
            wall, cpu = _timed(lambda chunk=chunk: render_letters(chunk), 1)
            walls.append(wall[0] / len(chunk))
            cpus.append(cpu[0] / len(chunk))
        results[str(size)] = {"cpu": statistics.median(cpus), "wall": statistics.median(walls), "runs": runs}
    return results


def _render_worker(ids: list[int], batch: int, barrier: Any, results: Any) -> None:
    from soxp_portal.closing.letters import render_letters

    render_letters(_tenders(ids[:1]))  # warm: fonts, stylesheet, templates
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    count = size = 0
    for offset in range(0, len(ids), batch):
        pdfs = render_letters(_tenders(ids[offset : offset + batch]))
        count += len(pdfs)
        size += sum(len(pdf) for pdf in pdfs)
    ended = time.perf_counter()
    results.put(
        {
            "started": started,
            "ended": ended,
            "cpu": time.process_time() - cpu,
            "letters": count,
            "bytes": size,
        }
    )


def _task_worker(ids: list[int], batch: int, barrier: Any, results: Any) -> None:
    from soxp_portal.closing.letters import render_letters
    from soxp_portal.closing.tasks import issue_promise_letters

    render_letters(_tenders(ids[:1]))  # warm, without issuing a letter
    barrier.wait()
    started, cpu = time.perf_counter(), time.process_time()
    count = 0
    for offset in range(0, len(ids), batch):
        count += issue_promise_letters.call(ids[offset : offset + batch])
    ended = time.perf_counter()
    results.put(
        {"started": started, "ended": ended, "cpu": time.process_time() - cpu, "letters": count, "bytes": 0}
    )


def run_workers(kind: str, ids: list[int], workers: int, batch: int) -> dict[str, Any]:
    """Letters per second of `workers` processes, each given an equal share of `ids`.

    Forked from this process once its database connection is closed, so each opens its own; the
    clock starts when all have rendered a first letter and stops when the last one ends.
    """
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(workers), context.Queue()
    target = _render_worker if kind == "render" else _task_worker
    shares = [ids[index::workers] for index in range(workers)]
    processes = [context.Process(target=target, args=(share, batch, barrier, results)) for share in shares]
    for process in processes:
        process.start()
    reports = [results.get() for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode:
            raise SystemExit(f"a {kind} worker failed with exit code {process.exitcode}")
    seconds = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    letters = sum(r["letters"] for r in reports)
    return {
        "workers": workers,
        "letters": letters,
        "seconds": seconds,
        "per_second": letters / seconds,
        "mean_bytes": sum(r["bytes"] for r in reports) / letters if letters else 0,
        #: The share of a core each worker had: below 1 when other work took the rest.
        "core_share": [round(r["cpu"] / (r["ended"] - r["started"]), 2) for r in reports],
        "cpu_seconds": sum(r["cpu"] for r in reports),
    }


def throughput(kind: str, letters: int, batch: int) -> dict[str, Any]:
    """One worker on `letters` participants, then two workers on `letters` others (the task path
    issues each letter once, so the two runs must not share participants)."""
    ids = _tender_ids()
    one = run_workers(kind, ids[:letters], 1, batch)
    second = ids[letters : 2 * letters] if kind == "task" else ids[:letters]
    two = run_workers(kind, second, 2, batch)
    return {"one": one, "two": two, "scaling": two["per_second"] / one["per_second"]}


def phase(name: str, args: dict[str, Any]) -> None:
    """Runs one phase in this process and prints its figures as JSON on the last line."""
    if "DATABASE_URL" not in os.environ or "MEDIA_ROOT" not in os.environ:
        raise SystemExit("A phase runs only in the throw-away database that main() sets up.")
    django_setup()
    if name == "setup":
        result = setup(args["participants"])
    else:
        result = {
            "floor": floor(args["repeat"]),
            "per_letter": per_letter(args["batch_sizes"], args["per_letter"]),
            "render": throughput("render", args["participants"], args["batch"]),
            "task": throughput("task", args["task_letters"], args["batch"]),
            "load": os.getloadavg()[:2],
            "date": str(date.today()),  # noqa: DTZ011
        }
    print(json.dumps(result))


def run_phase(name: str, env: dict[str, str], **args: Any) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", name, "--args", json.dumps(args)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"phase {name} failed:\n{result.stdout}\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# Report ------------------------------------------------------------------------------------------


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def _load(results: dict[str, Any]) -> str:
    one, five = results.get("load") or os.getloadavg()[:2]
    return f"load average {one:.2f} (1 min) / {five:.2f} (5 min) when the measurements ended"


def _shares(run: dict[str, Any]) -> str:
    shares = run.get("core_share")
    if not shares:
        return "share of a core not recorded"
    return "each worker had " + " and ".join(f"{share:.0%}" for share in shares) + " of a core"


def _scaling_in_words(render: dict[str, Any]) -> str:
    """Why two workers made what they made, from the share of a core each one had."""
    one, two = render["one"], render["two"]
    if "cpu_seconds" not in two:
        return "The shares of a core the workers had were not recorded in this run."
    per_cpu_one = one["letters"] / one["cpu_seconds"]
    per_cpu_two = two["letters"] / two["cpu_seconds"]
    text = (
        f"Letters per CPU-second were {per_cpu_one:.1f} with one worker and {per_cpu_two:.1f} with two: "
        "the rendering workers share nothing but reads from the database."
    )
    if min(two["core_share"]) < FULL_CORE:
        text += (
            f" But the two workers had only {_shares(two).removeprefix('each worker had ')}: the other work "
            "on these two cores (the load average above) took the rest, so scaling on two idle cores could "
            "not be measured in this run."
        )
    return text


def markdown(options: argparse.Namespace, results: dict[str, Any]) -> str:
    floor_ = results["floor"]
    floor_cpu = floor_["cpu"]
    batches = results["per_letter"]
    alone = batches["1"]
    chosen = batches[str(options.batch)]
    render, task = results["render"], results["task"]
    verdict_floor = "met" if chosen["cpu"] <= FLOOR_TARGET * floor_cpu else "missed"
    verdict_scaling = "met" if render["scaling"] >= SCALING_TARGET else "missed"

    def per(figures: dict[str, Any]) -> str:
        return (
            f"{_ms(figures['cpu'])} CPU ({figures['cpu'] / floor_cpu:.1f}x the floor), "
            f"{_ms(figures['wall'])} wall"
        )

    lines = [
        BEGIN,
        "## Promise-to-grant letters (`bench/letters.py`)",
        "",
        f"`.venv/bin/python bench/letters.py --write` bulk-creates {options.participants:,} accepted "
        "participants of `soxp-2003` (three tendered grants each, shaped like slide 9's, one in ten with a "
        "performance condition) in a throw-away SQLite database rather than using unsaved model instances, "
        "so that every figure includes the queries the task runs and the last rows can run the real task. "
        "The setup runs in one process and the measurements in another. Costs per letter are medians of "
        "CPU time of the rendering process, which other work on the shared cores does not stretch; wall "
        "times are beside them.",
        "",
        f"Run on {results.get('date', date.today())}, {os.cpu_count()} cores shared with other work; "  # noqa: DTZ011
        f"{_load(results)}.",
        "",
        "| measure | figure | target |",
        "| --- | --- | --- |",
        f"| **floor**: a one-line page with the print stylesheet, `write_pdf` (median of {floor_['repeat']}) "
        f"| {_ms(floor_cpu)} CPU, {_ms(floor_['wall'])} wall | - |",
        f"| the same page without the stylesheet (no footer) | {_ms(floor_['bare_cpu'])} CPU | - |",
        f"| one page of a 100-page one-line document | {_ms(floor_['batched_cpu'])} CPU | - |",
        f"| a letter rendered alone (`render_letters` of one tender, {alone['runs']} runs) "
        f"| {per(alone)} | - |",
    ]
    for size, figures in batches.items():
        if size == "1":
            continue
        target = f"<= {FLOOR_TARGET:.0f}x the floor: {verdict_floor}" if size == str(options.batch) else "-"
        lines.append(
            f"| a letter in a batch of {size} ({figures['runs']} batches) | {per(figures)} | {target} |"
        )
    lines += [
        f"| `render_letters`, batches of {options.batch}, 1 worker, {render['one']['letters']:,} letters "
        f"| {render['one']['per_second']:.1f} letters/s ({render['one']['seconds']:.0f} s wall; "
        f"{_shares(render['one'])}) | - |",
        f"| the same, 2 workers, each half the letters | {render['two']['per_second']:.1f} letters/s "
        f"({render['two']['seconds']:.0f} s; {_shares(render['two'])}): {render['scaling']:.2f}x one worker "
        f"| >= {SCALING_TARGET}x: {verdict_scaling} |",
        f"| `issue_promise_letters` (render, save file and row, audit, email), 1 worker, "
        f"{task['one']['letters']:,} letters | {task['one']['per_second']:.1f} letters/s "
        f"({_shares(task['one'])}) | - |",
        f"| the same, 2 workers, {task['two']['letters']:,} other letters | {task['two']['per_second']:.1f} "
        f"letters/s ({_shares(task['two'])}): {task['scaling']:.2f}x one worker | - |",
        "",
        f"A letter PDF (its own page and the terms page) is about {render['one']['mean_bytes'] / 1024:.0f} "
        "KB. "
        f"Setting up the database took {results['setup']['seconds']:.0f} s.",
        "",
        f"**Against the targets.** A letter in a batch of {options.batch} costs "
        f"{chosen['cpu'] / floor_cpu:.1f}x the floor: the 2x target is {verdict_floor}. Two workers made "
        f"{render['scaling']:.2f}x the letters of one: the 1.7x target is {verdict_scaling}. "
        f"{_scaling_in_words(render)} The real task adds its writes (the file, the row and the audit "
        "events, one transaction per batch of letters), which SQLite serialises between the workers, and the "
        "emails (here to a dummy backend).",
        "",
        "**How the letters got here.** WeasyPrint's cost is per page and per line laid out and drawn; "
        f"only part of it is per document (a one-line page costs {_ms(floor_['batched_cpu'])} in a long "
        f"document against {_ms(floor_cpu)} alone). So the known way, rendering many letters as one "
        "document, saves that per-document part (and a stylesheet and fonts set up once), and the "
        "content had to get cheaper. Measured the same way (CPU per letter, batches of 20 to 100): the "
        "first letter, laid out with tables like the election form (masthead, facts and a six-column "
        "grants table), cost about 125 ms, 12 to 15 times the floor, a table cell costing about as much "
        "as a paragraph; the same letter with paragraphs instead of the small tables, 85 ms; with what "
        "is the same for every participant of an offer (exercise price, option type, term, vesting, the "
        "blackout, contacts) moved onto a terms page laid out once per batch, and the grants table set "
        "as one preformatted block, 28.6 ms (4.0x the floor, 2026-11-25). Three changes took it from "
        "there to the figure above: (1) the first page's shared text too (masthead, the promise, its "
        "condition) is laid out once per offer on a page of its own and drawn under each letter's first "
        "page as a PDF form XObject, so a letter lays out only its grants table and its header and "
        "footer lines, below the shared text's measured height; (2) the letter pages' margin boxes have "
        "a fixed width, since an auto width made WeasyPrint measure the header's narrowest and widest "
        "layouts on every page, which cost as much as the table; (3) the batch is cut into one file per "
        "letter with pikepdf (qpdf) instead of pypdf, about 1 ms a letter instead of 5. "
        "`Document.copy(pages).write_pdf()` per letter cost more than either, since it draws the shared "
        "pages and subsets the fonts again for each letter.",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--participants", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=100, help="letters per render (the task's batch size)")
    parser.add_argument("--task-letters", type=int, default=1_000, help="letters per run of the real task")
    parser.add_argument("--quick", action="store_true", help="a few letters, to check the script runs")
    parser.add_argument("--write", action="store_true", help="write the results into docs/performance.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument("--args", help=argparse.SUPPRESS)
    parser.add_argument(
        "--from-results", type=Path, help="re-write the report from a run's JSON (its stderr)"
    )
    options = parser.parse_args()
    if options.phase:
        phase(options.phase, json.loads(options.args))
        return
    if options.from_results:
        text = markdown(options, json.loads(options.from_results.read_text()))
        print(text)
        if options.write:
            write_section(text, begin=BEGIN, end=END)
        return
    if options.quick:
        options.participants, options.batch, options.task_letters = 6, 3, 2
    batch_sizes = sorted({1, options.batch} | ({10, 50, 200} if not options.quick else set()))

    with tempfile.TemporaryDirectory(prefix="soxp-letters-") as scratch:
        OUT.mkdir(parents=True, exist_ok=True)
        database = Path(scratch) / "letters.sqlite3" if options.quick else OUT / "letters.sqlite3"
        database.unlink(missing_ok=True)
        env = bench_env(database, Path(scratch) / "media")
        results = {"setup": run_phase("setup", env, participants=options.participants)}
        results |= run_phase(
            "measure",
            env,
            repeat=3 if options.quick else 100,
            batch_sizes=batch_sizes,
            per_letter=3 if options.quick else 400,
            participants=options.participants,
            task_letters=options.task_letters,
            batch=options.batch,
        )
    text = markdown(options, results)
    print(text)
    print(json.dumps(results, indent=1), file=sys.stderr)
    if options.write and not options.quick:
        write_section(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
