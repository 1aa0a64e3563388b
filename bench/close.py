"""The close of a large offer driven from the console pages, on PostgreSQL (issue 12, item 6).

For each size: a database of its own on this machine's PostgreSQL (dropped and made again), the census
and elections of bench/exports.py (``--phase prepare``: 4 grants per employee, about 70% of the eligible
employees tendering every eligible grant), then one task worker (``manage.py db_worker``, with
``TASKS_BACKEND=database``, as the README deploys it) and a driver that takes the close as a stock
administrator through the console's pages with Django's test client (in-process, no web server): each
step POSTed as its button does, then its progress fragment fetched every second, as the page's script
does, until the run is done. Then the XLSX files of the new grants and of their vesting, asked for on
the exports page, followed, and downloaded. Before the steps, the close page's first visit, which asks
the worker for the pre-close reconciliation (``closing/preview.py``), the run followed as the page's script
follows it, and the page then showing the stored plan.

For each step: the POST's own time (what the administrator waits for), the wait for the worker to take
the run up, the step's own time in the worker (started to finished, as the run records it), the time
the page saw it done, the progress fragment's time, the close page's time while the step runs, and a
refused sign-in made meanwhile: it writes an audit event, so it waits for the chain's lock, which the
step takes only at its end, to append its participants' events, and holds until it commits.

    .venv/bin/python bench/close.py [--sizes 10000 100000] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from census import OUT, generate
from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench/close.py begin -->", "<!-- bench/close.py end -->"
PG = {"PGHOST": "127.0.0.1", "PGPORT": "5432", "PGUSER": "portal", "PGPASSWORD": "portal"}
DATABASE = "portal_closetasks_bench"
DROPDB = shutil.which("dropdb") or "/usr/bin/dropdb"
CREATEDB = shutil.which("createdb") or "/usr/bin/createdb"
ADMIN = "bench.admin@example.com"  # made by bench/exports.py's elections
CLOSE = "/console/offers/soxp-2003/close/"
EXPORTS = "/console/offers/soxp-2003/exports/"
STEPS = [
    ("accept", "Accept the tenders", "accept/", {"reviewed": "on"}),
    ("cancel", "Cancel the tendered grants", "cancel/", {}),
    ("new_grants", "Make the new grants", "new-grants/", {"closing_price": "1.25", "confirmed": "True"}),
    (
        "price_correction",
        "Correct the exercise price",
        "new-grants/price/",
        {"closing_price": "1.30", "reason": "Benchmark: the price was typed wrong.", "confirmed": "True"},
    ),
]
FILES = [("new-grants", "New grants"), ("vesting", "Vesting of the new grants")]


def run_phase(*args: str, env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, *args], env=env, capture_output=True, text=True, check=False, cwd=ROOT
    )
    if result.returncode:
        raise SystemExit(f"{args} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def _timed(call) -> tuple[object, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


_SIGN_INS = iter(range(1_000_000))


def _refused_sign_in() -> float:
    """A wrong password: the refusal is audited (auth.sign_in_failed), so it waits for the chain. Each
    for another unknown account, so the lock-out (five for one account and address) never answers first."""
    from django.test import Client

    data = {"username": f"nobody{next(_SIGN_INS)}@example.com", "password": "x"}
    response, seconds = _timed(lambda: Client().post("/accounts/login/", data))
    assert response.status_code == 200, response.status_code  # the form again, with its message
    return seconds


def _chain_lock_held(run) -> float | None:
    """How long a step held the audit chain's lock: from its first event's recorded time (the events of one
    append share it, taken under the lock) to the end of its run, recorded just after its commit. None for
    work that appends no events (the export files)."""
    from soxp_portal.audit.models import AuditEvent, AuditEventType

    first = (
        AuditEvent.objects.filter(recorded_at__gte=run.started_at, recorded_at__lte=run.finished_at)
        .exclude(event_type__in=[AuditEventType.AUTH_SIGN_IN_FAILED, AuditEventType.AUTH_SIGNED_IN])
        .order_by("sequence")
        .values_list("recorded_at", flat=True)
        .first()
    )
    return None if first is None else (run.finished_at - first).total_seconds()


def _follow(client, run_model, fragment: str, started: float, page: str) -> dict:
    """Fetches the run's fragment every second until it is done; what a page and a sign-in cost meanwhile."""
    run = run_model.objects.order_by("-pk").first()
    fragment = fragment.format(pk=run.pk)
    polls: list[float] = []
    figures: dict = {}
    while True:
        time.sleep(1)
        response, seconds = _timed(lambda: client.get(fragment))
        assert response.status_code == 200, response.status_code
        polls.append(seconds)
        run.refresh_from_db()
        if run.state == "running" and "page_during_s" not in figures and run.done:
            figures["sign_in_during_s"] = _refused_sign_in()
            figures["page_during_s"] = _timed(lambda: client.get(page))[1]
        if run.state in ("done", "failed"):
            break
    if run.state != "done":
        raise SystemExit(f"{run} failed: {run.error}")
    return figures | {
        "seen_done_s": time.perf_counter() - started,
        "chain_lock_s": _chain_lock_held(run),
        "wait_s": (run.started_at - run.requested_at).total_seconds(),
        "run_s": (run.finished_at - run.started_at).total_seconds(),
        "count": run.total if run.total is not None else run.done,
        "fragment_ms_median": statistics.median(polls) * 1000,
        "fragment_ms_max": max(polls) * 1000,
        "polls": len(polls),
    }


def drive() -> dict:
    """The close as an administrator takes it on the console's pages (see the module's docstring)."""
    from django.contrib.auth.models import Group
    from django.test import Client
    from django.test.utils import setup_test_environment

    from soxp_portal.accounts.models import User
    from soxp_portal.accounts.roles import Role
    from soxp_portal.accounts.two_factor import SIGN_IN_METHOD, Method
    from soxp_portal.closing.models import ClosePreviewRun, ExportFile, StepRun

    setup_test_environment()  # the test client's host name; mail kept in memory
    admin = User.objects.get(email=ADMIN)
    admin.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    client = Client()
    client.force_login(admin)
    session = client.session  # past the second factor, which staff pages require
    session[SIGN_IN_METHOD] = Method.SECOND_FACTOR
    session.save()
    client.get(EXPORTS)  # the process warmed up (imports, templates, connection) before any figure
    _refused_sign_in()
    figures: dict = {"sign_in_idle_s": _refused_sign_in()}  # a refused sign-in with no step running
    # The close page's first visit asks the worker for the plan (the pre-close reconciliation) and follows
    # its run as the page's script does; then the page shows the stored plan, and its second page.
    started = time.perf_counter()
    response, figures["close_page_first_s"] = _timed(lambda: client.get(CLOSE))
    assert response.status_code == 200, response.status_code
    figures["preview"] = _follow(client, ClosePreviewRun, CLOSE + "preview/{pk}/", started, CLOSE)
    plan = ClosePreviewRun.objects.get(state="done")
    figures["preview"] |= {"changed": plan.changed, "accepted": plan.accepted}
    print(f"preview: {figures['preview']}", file=sys.stderr, flush=True)
    response, figures["close_page_before_s"] = _timed(lambda: client.get(CLOSE))
    assert 'id="plan-out-of-date"' not in response.content.decode()
    figures["close_page_before_page_2_s"] = _timed(lambda: client.get(CLOSE, {"page": 2}))[1]
    for key, _title, path, data in STEPS:
        if key == "new_grants":  # the check page first: what the price grants, worked out in the request
            check = CLOSE + path
            figures["new_grants_check_s"] = _timed(
                lambda: client.post(check, {"closing_price": "1.25"})  # noqa: B023
            )[1]
        started = time.perf_counter()
        response, request_s = _timed(lambda: client.post(CLOSE + path, data))  # noqa: B023
        assert response.status_code == 302, (key, response.status_code)
        figures[key] = {"request_s": request_s} | _follow(
            client, StepRun, CLOSE + "runs/{pk}/", started, CLOSE
        )
        print(f"{key}: {figures[key]}", file=sys.stderr, flush=True)
    figures["close_page_after_s"] = _timed(lambda: client.get(CLOSE))[1]
    for key, _title in FILES:
        started = time.perf_counter()
        response, request_s = _timed(lambda: client.post(f"{EXPORTS}{key}.xlsx"))  # noqa: B023
        assert response.status_code == 302, (key, response.status_code)
        followed = _follow(client, ExportFile, EXPORTS + "files/{pk}/", started, EXPORTS)
        made = ExportFile.objects.get(export=key, state="done")
        download, download_s = _timed(
            lambda: b"".join(client.post(f"{EXPORTS}files/{made.pk}/download/").streaming_content)  # noqa: B023
        )
        figures[f"file_{key}"] = {
            "request_s": request_s,
            "download_s": download_s,
            "mb": made.size / 2**20,
        } | (followed)
        assert len(download) == made.size
        print(f"file {key}: {figures[f'file_{key}']}", file=sys.stderr, flush=True)
    return figures


def phase(name: str) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soxp_portal.settings")
    django.setup()
    print(json.dumps({"drive": drive}[name](), default=str))


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def run_size(size: int) -> dict:
    employees_path, grants_path = generate(size, 4)
    database = f"{DATABASE}_{size}"
    env = {
        **os.environ,
        **PG,
        "DATABASE_URL": f"postgres://portal:portal@127.0.0.1:5432/{database}",
        "MEDIA_ROOT": str(OUT / "media"),
        "TASKS_BACKEND": "database",
        "DEBUG": "false",
    }
    subprocess.run([DROPDB, "--if-exists", database], env=env, check=True)
    subprocess.run([CREATEDB, database], env=env, check=True)
    prepared = run_phase(
        "bench/exports.py", "--phase", "prepare", str(employees_path), str(grants_path), env=env
    )
    print(f"{size}: prepared {prepared}", file=sys.stderr, flush=True)
    log = (OUT / f"close-worker-{size}.log").open("w")
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.5", "--no-reload"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        driven = run_phase("bench/close.py", "--phase", "drive", env=env)
        worker_mb = _peak_rss_mb(worker.pid)
    finally:
        worker.terminate()
        worker.wait(60)
        log.close()
    return {"prepared": prepared, "driven": driven, "worker_peak_mb": worker_mb, "load": os.getloadavg()[:2]}


def _seconds(value: float) -> str:
    return f"{value:.1f} s" if value >= 0.1 else f"{value * 1000:.0f} ms"


def _during(step: dict, key: str) -> str:
    """A request made while the step ran, or why there is none: the page polls once a second, and a step
    done before a poll saw it under way leaves no time to measure one."""
    return _seconds(step[key]) if key in step else "none (done within a poll)"


def markdown(results: dict[int, dict], load: str) -> str:
    sizes = sorted(results)
    lines = [
        BEGIN,
        "## The close steps at 100,000 employees (`bench/close.py`)",
        "",
        "`.venv/bin/python bench/close.py --write` builds soxp-2003 with bench/exports.py's census and "
        "elections (`--phase prepare`) in a PostgreSQL database of its own, starts one task worker "
        "(`manage.py db_worker`, `TASKS_BACKEND=database`) and takes the close as a stock administrator "
        "through the console's pages with Django's test client: each step POSTed as its button does, then "
        "its progress fragment fetched every second, as the page's script does, until the run is done "
        f"(run on {date.today()}, {os.cpu_count()} cores shared with other work; {load}).",  # noqa: DTZ011
        "",
    ]
    for size in sizes:
        prepared = results[size]["prepared"]
        lines.append(
            f"- {size:,} employees: {int(prepared['participants']):,} participants tendering "
            f"{int(prepared['grants_tendered']):,} grants (import {prepared['import_s']} s, elections "
            f"{prepared['elect_s']} s). The worker peaked at {results[size]['worker_peak_mb']:.0f} MB."
        )
    header = "| step | " + " | ".join(
        f"{size:,}: the POST | worker's wait | the step | the chain's lock held | seen done | "
        "a sign-in meanwhile"
        for size in sizes
    )
    lines += [
        "",
        header + " |",
        "| --- | " + " | ".join("--- | --- | --- | --- | --- | ---" for _ in sizes) + " |",
    ]
    for key, title, _path, _data in STEPS:
        cells = []
        for size in sizes:
            step = results[size]["driven"][key]
            cells.append(
                f"{_seconds(step['request_s'])} | {_seconds(step['wait_s'])} | "
                f"**{_seconds(step['run_s'])}** | {_seconds(step['chain_lock_s'])} | "
                f"{_seconds(step['seen_done_s'])} | {_during(step, 'sign_in_during_s')}"
            )
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    for key, title in FILES:
        cells = []
        for size in sizes:
            made = results[size]["driven"][f"file_{key}"]
            cells.append(
                f"{_seconds(made['request_s'])} | {_seconds(made['wait_s'])} | **{_seconds(made['run_s'])}** "
                f"({made['count']:,} rows, {made['mb']:.1f} MB; download {_seconds(made['download_s'])}) | "
                f"- | {_seconds(made['seen_done_s'])} | -"
            )
        lines.append(f"| XLSX file: {title} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "The pre-close reconciliation (the plan of the accept, shown on the close page before it), "
        "worked out by the worker:",
        "",
    ]
    for size in sizes:
        driven = results[size]["driven"]
        plan = driven["preview"]
        lines.append(
            f"- {size:,}: the close page's first visit (it asks for the plan) "
            f"{_seconds(driven['close_page_first_s'])}; the worker's wait {_seconds(plan['wait_s'])}, "
            f"the plan worked out in **{_seconds(plan['run_s'])}** ({plan['count']:,} participants, "
            f"{plan['changed']:,} elections whose basis changed, stored), seen done by the page after "
            f"{_seconds(plan['seen_done_s'])}; the close page meanwhile {_during(plan, 'page_during_s')}; "
            f"the close page showing the plan **{_seconds(driven['close_page_before_s'])}**, its second page "
            f"of changed elections {_seconds(driven['close_page_before_page_2_s'])}; the progress fragment "
            f"{plan['fragment_ms_median']:.0f} ms (median)."
        )
    lines += ["", "Pages meanwhile (the administrator's requests, in the driver's process):", ""]
    for size in sizes:
        driven = results[size]["driven"]
        fragments = [driven[key]["fragment_ms_median"] for key, *_ in STEPS]
        during = ", ".join(f"{_during(driven[key], 'page_during_s')} ({key})" for key, *_ in STEPS)
        lines.append(
            f"- {size:,}: a refused sign-in with no step running {_seconds(driven['sign_in_idle_s'])} "
            "(the password hasher's cost, paid for an unknown account too); "
            f"the close page before the accept (the stored plan) "
            f"{_seconds(driven['close_page_before_s'])}, while the steps run {during}, after them "
            f"{_seconds(driven['close_page_after_s'])}; the new grants' check page (what the price grants) "
            f"{_seconds(driven['new_grants_check_s'])}; the progress fragment {min(fragments):.0f}-"
            f"{max(fragments):.0f} ms (medians)."
        )
    lines += [
        "",
        "The POST only checks the step and queues it: it answers in milliseconds at any size, and the page "
        "then follows the step. Before, the POST was the step: on SQLite, at 100,000 employees, 56.4 s to "
        "accept, 36.2 s to cancel and 52.7 s to make the new grants (2026-11-25, a quieter machine), longer "
        "than a web server's usual time-out. The step runs in the worker in one transaction, as it did in "
        "the request, so its own time is what the request's was; on this busy machine (the load above, on "
        "2 cores) PostgreSQL's figures are those of the table. A sign-in, or any other request that writes "
        "to the audit trail, made while a step works through its participants does not wait: the step "
        "builds their events with their rows and appends them all at its end (`actions._append_at_end`), "
        "taking the audit chain's lock then and holding it to the commit, which keeps the chain in commit "
        "order (`soxp_portal/audit/log.py`); only a sign-in made in those last seconds waits, at most "
        "the column 'the chain's lock held' (from the step's first event's recorded time to its end). "
        "The price of it is memory: the worker keeps a step's events until its end, about 8 KB each "
        "(the worker peaked at 209 MB at 100,000 employees when each chunk appended its own, holding the "
        "lock from the first chunk to the commit, 60 to 80 s). "
        "Reads (the close page, the progress) do not wait. The close page "
        "before the accept no longer works out the plan in the request (19.3 s at 100,000 employees on "
        "2026-12-06, on every visit): its first visit asks the worker for it (`closing/preview.py`), the "
        "page follows the run and then reads the stored totals and changed elections, marked out of date "
        "as soon as the census, the elections or the offer's terms change. The accept still plans again in "
        "its own transaction.",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--write", action="store_true", help="write the results into docs/performance.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    parser.add_argument(
        "--again", action="store_true", help="write the table of the last run (bench/out/close.json)"
    )
    options = parser.parse_args()
    if options.phase:
        phase(options.phase)
        return
    results: dict[int, dict] = {}
    if options.again:
        results = {
            int(size): figures for size, figures in json.loads((OUT / "close.json").read_text()).items()
        }
    for size in [] if options.again else options.sizes:
        results[size] = run_size(size)
        (OUT / "close.json").write_text(json.dumps(results, indent=2, default=str))
    one, five = results[max(results)]["load"]
    text = markdown(results, f"load average {one:.2f} (1 min) / {five:.2f} (5 min) at the end")
    print(text)
    if options.write:
        write_section(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
