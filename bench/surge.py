"""The deadline hour on PostgreSQL, measured from outside as a deployment runs it.

Builds a database of its own on this machine's PostgreSQL (started as `make test-postgres` starts it):
the 2003 offer, the open `demo` offer and a census of --employees employees with four grants each,
shifted like the demo's so that most are eligible; every employee signed in (a session row each, as a
sign-in leaves it). Then serves the portal with gunicorn as the README's deployment section says
(PRODUCTION=true behind one TLS-ending proxy, 2 gthread workers x 4 threads, persistent connections,
TASKS_BACKEND=database with one `db_worker`) and, at each concurrency, in rounds, drives in turn:

- A, a bare view (no database, no template), B, one primary-key SELECT and a small template, and C,
  an employee's floor (signed in, the employee's row, the base layout), all served by the same
  gunicorn through the same middleware (bench/surge_urls.py);
- the overview, My options and the election form, each with wrk (bench/surge.lua), rotating over the
  sessions of 2,000 signed-in employees;
- the whole submission (election form GET, review POST, confirm POST, confirmation GET) by a small
  asyncio client, each submission by an employee who has not submitted yet;
- sign-in (login page GET, password POST), with Argon2id as stored.

Then it waits for the task worker to drain the confirmations queued during the surge, and checks that
every election the client saw accepted is in the database and in the audit chain, that the chain is
intact, that no employee has two elections and that nothing was received at or after the deadline.
The queries of each page are counted in-process against the same database and settings.

    scripts/with-postgres .venv/bin/python bench/surge.py [--employees 100000] [--rounds 5]
        [--seconds 8] [--concurrency 8,32,64] [--keep] [--write]

(`make bench-surge` runs it with --write.) It needs wrk (Debian's package, installed if missing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import deque
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
OUT = BENCH / "out"
BEGIN, END = "<!-- bench/surge.py begin -->", "<!-- bench/surge.py end -->"
DATABASE = "portal_surge"
READERS = 2_000
SLUG = "demo"
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}  # as the TLS-ending proxy in front of gunicorn sets it
PASSWORD = "deadline-hour-2003"  # noqa: S105 (the bench's own throw-away employees)
PAGES = {"overview": "/offers/{slug}/", "options": "/offers/{slug}/grants/", "form": "/offers/{slug}/elect/"}
LABELS = {
    "a": "reference A (no database)",
    "b": "reference B (one SELECT, a small template)",
    "c": "reference C (signed in, the employee's row, the base layout)",
    "overview": "overview",
    "options": "My options",
    "form": "election form",
    "submit": "whole submission",
    "signin": "sign-in",
}
#: Share of B's requests/s and p99 each page must reach (issue 12); the submission counts whole
#: submissions a second against B's requests and its p99 is per request.
GOALS = {"overview": (0.5, 250), "options": (0.5, 250), "form": (0.5, 250), "submit": (0.25, 500)}


# ---------------------------------------------------------------------------------------------------
# Phases that run inside Django, each in its own process, against the bench's database.


def django_phase(name: str, args: list[str]) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(BENCH))
    django.setup()
    phases = {
        "setup": setup_phase,
        "migrate": migrate_phase,
        "queries": queries_phase,
        "check": check_phase,
        "queue": queue_phase,
    }
    result = phases[name](*args)
    print("RESULT " + json.dumps(result))


def setup_phase(employees: str) -> dict[str, Any]:
    """Migrates, loads the offers and the census, and signs every eligible employee in."""
    import io

    from census import generate
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.utils import timezone

    from soxp_portal.accounts.models import User
    from soxp_portal.offers.census import EMPLOYEE_COLUMNS, GRANT_COLUMNS, import_census
    from soxp_portal.offers.demo import set_up_demo, shifted_csv
    from soxp_portal.offers.models import Employee
    from soxp_portal.offers.participation import eligibility_census

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    call_command("loaddata", "soxp-2003", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # served from STATIC_ROOT in production
    demo = set_up_demo(today=timezone.localdate())
    employees_csv, grants_csv = generate(int(employees), 4)
    import_census(
        io.BytesIO(shifted_csv(employees_csv, EMPLOYEE_COLUMNS, demo.weeks)),
        io.BytesIO(shifted_csv(grants_csv, GRANT_COLUMNS, demo.weeks)),
        employees_name="bench employees.csv",
        grants_name="bench grants.csv",
    )
    imported = time.perf_counter() - started
    eligible = sorted(eligibility_census(demo.offer, now=timezone.now()).employee_ids)
    people = {
        employee.employee_id: employee
        for employee in Employee.objects.filter(employee_id__in=eligible).select_related("user")
    }
    password = make_password(PASSWORD)  # one Argon2id hash, as a sign-in stores it, for the readers
    readers = min(READERS, len(eligible) // 2)  # a small census keeps half its employees to submit
    User.objects.filter(employee__employee_id__in=eligible[:readers]).update(password=password)
    store = SessionStore()
    expires = timezone.now() + timedelta(days=2)
    sessions, lines = [], []
    for number, employee_id in enumerate(eligible):
        employee = people[employee_id]
        user = employee.user
        if number < readers:
            user.password = password
        key = secrets.token_hex(16)
        data = {
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: "soxp_portal.accounts.backends.ModelBackend",
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        }
        sessions.append(Session(session_key=key, session_data=store.encode(data), expire_date=expires))
        lines.append({"key": key, "name": employee.full_name, "email": user.email})
    Session.objects.bulk_create(sessions, batch_size=5000)
    (OUT / "surge-sessions.json").write_text(
        json.dumps({"offer": demo.offer.pk, "readers": lines[:readers], "others": lines[readers:]})
    )
    return {"imported_seconds": round(imported, 1), "eligible": len(eligible), "offer": demo.offer.pk}


def migrate_phase() -> dict[str, Any]:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return {}


def queries_phase(sessions_file: str) -> dict[str, Any]:
    """Counts the queries of each page and of each step of a submission, in-process."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    sessions = json.loads(Path(sessions_file).read_text())
    counts: dict[str, Any] = {}

    def client_for(key: str) -> Client:
        client = Client(HTTP_HOST="127.0.0.1", HTTP_X_FORWARDED_PROTO="https")
        client.cookies["sessionid"] = key
        return client

    reader = client_for(sessions["readers"][0]["key"])
    reader.get("/")  # the session's first renewal
    for page, url in PAGES.items():
        with CaptureQueriesContext(connection) as queries:
            response = reader.get(url.format(slug=SLUG))
        assert response.status_code == 200, (page, response.status_code)
        counts[page] = len(queries)
    submitter = sessions["others"].pop()
    Path(sessions_file).write_text(json.dumps(sessions))
    client = client_for(submitter["key"])
    client.get("/")
    steps = {}
    with CaptureQueriesContext(connection) as queries:
        form = client.get(f"/offers/{SLUG}/elect/")
    steps["form"] = len(queries)
    fields = form_fields(form.content.decode(), first_choice=True)
    with CaptureQueriesContext(connection) as queries:
        review = client.post(f"/offers/{SLUG}/elect/", fields)
    steps["review"] = len(queries)
    assert review.status_code == 200, review.status_code
    with CaptureQueriesContext(connection) as queries:
        done = client.post(
            f"/offers/{SLUG}/elect/confirm/", confirm_fields(review.content.decode(), submitter["name"])
        )
    steps["confirm"] = len(queries)
    assert done.status_code == 302, done.status_code
    with CaptureQueriesContext(connection) as queries:
        assert client.get(done["Location"]).status_code == 200
    steps["confirmation"] = len(queries)
    counts["submit"] = steps
    return counts


def queue_phase() -> dict[str, Any]:
    """What the task worker still has to do: tasks waiting or running, and confirmation emails owed."""
    from django_tasks_db.models import DBTaskResult

    from soxp_portal.offers.models import ConfirmationEmail

    owed = ConfirmationEmail.objects.filter(sent_at__isnull=True)
    return {
        "tasks": DBTaskResult.objects.ready().count() + DBTaskResult.objects.running().count(),
        "failed": DBTaskResult.objects.failed().count(),
        "emails_owed": owed.count(),
        "emails_failed": owed.filter(failed_at__isnull=False).count(),
        "emails_sent": ConfirmationEmail.objects.filter(sent_at__isnull=False).count(),
    }


def check_phase(confirmations_file: str) -> dict[str, Any]:
    """Every accepted election is in the database and in the audit chain; nothing late, nothing twice."""
    from django.db.models import Count

    from soxp_portal.audit.models import AuditEvent, AuditEventType
    from soxp_portal.audit.verify import verify_chain
    from soxp_portal.offers.models import Election, Offer

    confirmations = set(json.loads(Path(confirmations_file).read_text()))
    offer = Offer.objects.get(slug=SLUG)
    found = dict(
        Election.objects.filter(confirmation_number__in=confirmations).values_list(
            "confirmation_number", "pk"
        )
    )
    audited = set(
        AuditEvent.objects.filter(
            event_type__in=[AuditEventType.ELECTION_SUBMITTED, AuditEventType.ELECTION_MODIFIED],
            subject_id__in=[str(pk) for pk in found.values()],
        ).values_list("subject_id", flat=True)
    )
    chain = verify_chain()
    return {
        "accepted_by_client": len(confirmations),
        "missing_from_database": len(confirmations - found.keys()),
        "missing_from_audit": len({str(pk) for pk in found.values()} - audited),
        "chain_intact": chain.intact,
        "chain_events": chain.count,
        "received_at_or_after_deadline": Election.objects.filter(
            offer=offer, received_at__gte=offer.expires_at
        ).count(),
        "employees_with_two_versions": Election.objects.filter(offer=offer)
        .values("employee")
        .annotate(versions=Count("pk"))
        .filter(versions__gt=1)
        .count(),
    }


# ---------------------------------------------------------------------------------------------------
# The HTML forms, as a browser fills them.

_INPUT = re.compile(r"<input\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def _inputs(html: str) -> list[dict[str, str]]:
    return [dict(_ATTRIBUTE.findall(match.group(1))) for match in _INPUT.finditer(html)]


def form_fields(html: str, *, first_choice: bool) -> dict[str, str]:
    """The election form's hidden fields, and each grant's first choice (Exchange)."""
    fields: dict[str, str] = {}
    for attributes in _inputs(html):
        name, kind = attributes.get("name", ""), attributes.get("type")
        if kind == "hidden" or (first_choice and kind == "radio" and name.startswith("tender-")):
            fields.setdefault(name, attributes.get("value", ""))
    return fields


def confirm_fields(html: str, name: str) -> dict[str, str]:
    """The review's hidden fields, every acknowledgement ticked, and the employee's name as signature."""
    fields = form_fields(html, first_choice=False)
    for attributes in _inputs(html):
        if attributes.get("type") == "checkbox" and attributes.get("name", "").startswith("ack_"):
            fields[attributes["name"]] = "on"
    fields["signature"] = name
    return fields


# ---------------------------------------------------------------------------------------------------
# Load: wrk for single pages, an asyncio client for the submission and the sign-in.


def run_wrk(url: str, cookies: Path | None, connections: int, seconds: int) -> dict[str, float]:
    env = {**os.environ, "SURGE_COOKIES": str(cookies or "")}
    result = subprocess.run(
        [
            shutil.which("wrk") or "/usr/bin/wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(BENCH / "surge.lua"),
            url,
        ],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    line = next(line for line in result.stdout.splitlines() if line.startswith("SURGE "))
    figures = json.loads(line.removeprefix("SURGE "))
    figures["rate"] = figures["requests"] / figures["seconds"]
    return figures


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def _drive(base: str, users: int, seconds: int, scenario) -> dict[str, Any]:
    import aiohttp

    latencies: list[float] = []
    outcome: dict[str, Any] = {"done": 0, "bad": 0, "samples": [], "confirmations": []}
    loop = asyncio.get_running_loop()
    stop = loop.time() + seconds
    host = base.removeprefix("http://")
    headers = {"X-Forwarded-Proto": "https", "Origin": f"https://{host}", "Referer": f"https://{host}/"}
    connector = aiohttp.TCPConnector(limit=users)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base, connector=connector, headers=headers, cookie_jar=aiohttp.DummyCookieJar(), timeout=timeout
    ) as http:

        async def timed(method: str, url: str, cookie: str, data: dict[str, str] | None = None):
            started = time.perf_counter()
            async with http.request(
                method, url, data=data, headers={"Cookie": cookie}, allow_redirects=False
            ) as r:
                body = await r.text()
            latencies.append((time.perf_counter() - started) * 1000)
            return r, body

        async def user() -> None:
            while loop.time() < stop:
                try:
                    ok = await scenario(timed, outcome)
                except (aiohttp.ClientError, TimeoutError, AssertionError, StopIteration) as error:
                    ok = False
                    if len(outcome["samples"]) < 5:
                        outcome["samples"].append(repr(error)[:300])
                if ok is None:  # nobody left to drive
                    return
                outcome["done" if ok else "bad"] += 1

        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(users)))
        elapsed = time.perf_counter() - started
    outcome.update(
        seconds=elapsed,
        rate=outcome["done"] / elapsed,
        requests=len(latencies),
        p50=_percentile(latencies, 0.50),
        p95=_percentile(latencies, 0.95),
        p99=_percentile(latencies, 0.99),
        max=max(latencies, default=float("nan")),
    )
    return outcome


def submission(employees: deque, slug: str):
    """One whole submission by the next employee who has not submitted."""

    async def scenario(timed, outcome) -> bool | None:
        if not employees:
            return None
        employee = employees.popleft()
        cookie = f"sessionid={employee['key']}"
        response, html = await timed("GET", f"/offers/{slug}/elect/", cookie)
        assert response.status == 200, f"form {response.status}"
        cookie += f"; csrftoken={response.cookies['csrftoken'].value}"
        response, html = await timed(
            "POST", f"/offers/{slug}/elect/", cookie, form_fields(html, first_choice=True)
        )
        assert response.status == 200, f"review {response.status}: {html[:200]}"
        response, _ = await timed(
            "POST", f"/offers/{slug}/elect/confirm/", cookie, confirm_fields(html, employee["name"])
        )
        assert response.status == 302, f"confirm {response.status}"
        location = response.headers["Location"]
        response, _ = await timed("GET", location, cookie)
        assert response.status == 200, f"confirmation {response.status}"
        outcome["confirmations"].append(location.rstrip("/").rsplit("/", 1)[-1])
        return True

    return scenario


def sign_in(readers: list[dict[str, str]]):
    """The login page, then the password: a new session for one of the readers."""
    turn = iter(range(10**9))

    async def scenario(timed, outcome) -> bool:
        reader = readers[next(turn) % len(readers)]
        response, html = await timed("GET", "/accounts/login/", "")
        assert response.status == 200, f"login page {response.status}"
        cookie = f"csrftoken={response.cookies['csrftoken'].value}"
        token = form_fields(html, first_choice=False)["csrfmiddlewaretoken"]
        data = {"csrfmiddlewaretoken": token, "username": reader["email"], "password": PASSWORD}
        response, _ = await timed("POST", "/accounts/login/", cookie, data)
        assert response.status == 302, f"sign-in {response.status}"
        return True

    return scenario


# ---------------------------------------------------------------------------------------------------
# The run.


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:  # the process has ended
        return ""


def _cpu_of(pid: str) -> float:
    stat = _read(Path(f"/proc/{pid}/stat"))
    if not stat:
        return 0.0
    fields = stat.rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cpu_between(before: dict[str, float], after: dict[str, float]) -> float:
    """CPU spent between two readings by the processes of the second (a new one counts from its start)."""
    return sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())


class Server:
    """gunicorn and one task worker, as the README deploys them, on the bench's database."""

    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.logs = [(OUT / name).open("w") for name in ("surge-gunicorn.log", "surge-worker.log")]
        python = Path(sys.executable)
        self.gunicorn = subprocess.Popen(
            [
                str(python.parent / "gunicorn"),
                "soxp_portal.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--worker-class",
                "gthread",
                "--threads",
                "4",
                "--timeout",
                "600",
                "--no-control-socket",
                "--pythonpath",
                str(BENCH),
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.logs[0],
        )
        self.worker = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--no-startup-delay", "--interval", "0.2"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=self.logs[1],
        )
        # The socket listens before the workers have booted: ready is a page answered.
        for _ in range(600):
            try:
                with urllib.request.urlopen(
                    urllib.request.Request(f"http://127.0.0.1:{port}/bench/a/", headers=PROXY_HEADERS),
                    timeout=2,
                ) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise SystemExit("gunicorn did not start: see bench/out/surge-gunicorn.log")

    def cpu_seconds(self) -> dict[str, dict[str, float]]:
        """CPU time so far (user + system) of each of gunicorn's workers, and of each PostgreSQL backend
        serving the bench's database (another database's work on the same server is not counted)."""
        workers = Path(f"/proc/{self.gunicorn.pid}/task/{self.gunicorn.pid}/children").read_text().split()
        backends = [
            path.parent.name
            for path in Path("/proc").glob("[0-9]*/cmdline")
            if f": portal {DATABASE} " in _read(path)
        ]
        return {
            "app": {pid: _cpu_of(pid) for pid in workers},
            "database": {pid: _cpu_of(pid) for pid in backends},
        }

    def stop(self) -> None:
        for process in (self.worker, self.gunicorn):
            process.send_signal(signal.SIGTERM)
        for process in (self.worker, self.gunicorn):
            process.wait(timeout=60)
        for log in self.logs:
            log.close()


def run_django(phase: str, *args: str, env: dict[str, str]) -> dict[str, Any]:
    result = subprocess.run(
        [sys.executable, __file__, "--phase", phase, *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    if result.returncode:
        raise SystemExit(f"phase {phase} failed:\n{result.stdout[-3000:]}\n{result.stderr[-5000:]}")
    line = next(line for line in reversed(result.stdout.splitlines()) if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


def database_env(options: argparse.Namespace) -> dict[str, str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        raise SystemExit("Run me under scripts/with-postgres (or set DATABASE_URL to a PostgreSQL database).")
    url = base.rsplit("/", 1)[0] + "/" + DATABASE
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "surge_settings",
        "PYTHONPATH": os.pathsep.join([str(BENCH), str(ROOT)]),
        "PRODUCTION": "true",
        "SECRET_KEY": secret_key(),
        "TRUSTED_PROXY_COUNT": "1",
        "ALLOWED_HOSTS": "127.0.0.1",
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "LOG_LEVEL": "WARNING",
    }


def secret_key() -> str:
    """The signing key of the bench's sessions, kept beside them so that --keep can reuse them."""
    path = OUT / "surge-secret-key.txt"
    if not path.exists():
        OUT.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
    return path.read_text()


def recreate_database(env: dict[str, str]) -> None:
    admin_url = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
    for statement in (f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)", f"CREATE DATABASE {DATABASE}"):
        subprocess.run([shutil.which("psql") or "/usr/bin/psql", admin_url, "-qAtc", statement], check=True)


def measure(options: argparse.Namespace) -> dict[str, Any]:
    shutil.which("wrk") or subprocess.run([str(ROOT / "scripts" / "system-packages"), "wrk"], check=True)
    OUT.mkdir(parents=True, exist_ok=True)
    env = database_env(options)
    sessions_file = OUT / "surge-sessions.json"
    setup: dict[str, Any] = {}
    if not (options.keep and sessions_file.exists()):
        recreate_database(env)
        setup = run_django("setup", str(options.employees), env=env)
        print("setup", setup, flush=True)
    else:
        run_django("migrate", env=env)
    queries = run_django("queries", str(sessions_file), env=env)
    print("queries", queries, flush=True)
    sessions = json.loads(sessions_file.read_text())
    readers_file = OUT / "surge-readers.txt"
    readers_file.write_text("".join(reader["key"] + "\n" for reader in sessions["readers"]))
    others = deque(sessions["others"])
    offer_pk = sessions["offer"]

    port = 8765
    base = f"http://127.0.0.1:{port}"
    server = Server(env, port)
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {key: {} for key in LABELS}
    confirmations: list[str] = []
    started = time.perf_counter()
    try:
        # Warm both workers (imports, templates, persistent connections) before anything is timed.
        for path in [*PAGES.values(), "/bench/b/{offer}/"]:
            run_wrk(base + path.format(slug=SLUG, offer=offer_pk), readers_file, 8, 2)
        for round_number in range(options.rounds):
            for connections in options.concurrency:
                for key in LABELS:
                    cpu = server.cpu_seconds()
                    if key == "a":
                        figures = run_wrk(f"{base}/bench/a/", None, connections, options.seconds)
                    elif key == "b":
                        figures = run_wrk(f"{base}/bench/b/{offer_pk}/", None, connections, options.seconds)
                    elif key == "c":
                        figures = run_wrk(f"{base}/bench/c/", readers_file, connections, options.seconds)
                    elif key in PAGES:
                        figures = run_wrk(
                            base + PAGES[key].format(slug=SLUG), readers_file, connections, options.seconds
                        )
                    elif key == "submit":
                        figures = asyncio.run(
                            _drive(base, connections, options.seconds, submission(others, SLUG))
                        )
                        confirmations += figures.pop("confirmations")
                    else:
                        figures = asyncio.run(
                            _drive(base, connections, options.seconds, sign_in(sessions["readers"]))
                        )
                        figures.pop("confirmations")
                    cpu_after = server.cpu_seconds()
                    requests = max(figures.get("requests", 1), 1)
                    for part, name in (("app", "cpu_ms"), ("database", "database_cpu_ms")):
                        figures[name] = _cpu_between(cpu[part], cpu_after[part]) * 1000 / requests
                    runs[key].setdefault(str(connections), []).append(figures)
                    print(
                        round_number + 1,
                        connections,
                        key,
                        {k: v for k, v in figures.items() if k != "samples"},
                        flush=True,
                    )
        surge_seconds = time.perf_counter() - started
        queue_at_end = run_django("queue", env=env)
        drain_started = time.perf_counter()
        queue = queue_at_end
        while queue["emails_owed"] and time.perf_counter() - drain_started < options.drain:
            time.sleep(5)
            queue = run_django("queue", env=env)
        drain_seconds = time.perf_counter() - drain_started
    finally:
        server.stop()
        # Who has submitted cannot submit again as a first election: --keep goes on with the rest.
        sessions["others"] = list(others)
        sessions_file.write_text(json.dumps(sessions))
    (OUT / "surge-confirmations.json").write_text(json.dumps(confirmations))
    check = run_django("check", str(OUT / "surge-confirmations.json"), env=env)
    return {
        "date": str(date.today()),  # noqa: DTZ011
        "options": {k: v for k, v in vars(options).items() if k not in {"write", "keep", "phase"}},
        "setup": setup,
        "queries": queries,
        "runs": runs,
        "surge_seconds": surge_seconds,
        "queue_at_end": queue_at_end,
        "queue_after_drain": queue,
        "drain_seconds": drain_seconds,
        "check": check,
        "load": os.getloadavg(),
    }


def summarise(runs: list[dict[str, Any]]) -> dict[str, float]:
    keys = ("rate", "p50", "p95", "p99", "cpu_ms", "database_cpu_ms")
    figures = {key: statistics.median(run[key] for run in runs) for key in keys}
    figures["bad"] = sum(run["bad"] for run in runs) + sum(run.get("socket_errors", 0) for run in runs)
    return figures


def markdown(results: dict[str, Any]) -> str:
    options, queries = results["options"], results["queries"]
    lines = [
        BEGIN,
        f"Run on {results['date']}, 2 cores shared with other work (load average when it ended: "
        f"{', '.join(f'{load:.2f}' for load in results['load'])}); {options['employees']:,} employees, "
        f"{options['rounds']} rounds of {options['seconds']} s per page and concurrency, medians of rounds. "
        "Requests/s for the pages, whole submissions/s for the submission (4 requests each; its latencies "
        "are per request), sign-ins/s for the sign-in (2 requests each). CPU is gunicorn's workers' per "
        "request, and PostgreSQL's processes' (the load generators' are in neither).",
        "",
    ]
    for connections in options["concurrency"]:
        b = summarise(results["runs"]["b"][str(connections)])
        lines += [
            f"**{connections} concurrent users**",
            "",
            "| page | per second | share of B | p50 | p95 | p99 | CPU a request: app, database | queries "
            "| goal | failed |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
        ]
        for key, label in LABELS.items():
            figures = summarise(results["runs"][key][str(connections)])
            share = figures["rate"] / b["rate"]
            goal = GOALS.get(key)
            goal_text = "-"
            if goal:
                met = share >= goal[0] and figures["p99"] < goal[1]
                goal_text = f"≥ {goal[0]:.0%} of B, p99 < {goal[1]} ms: {'met' if met else 'not met'}"
            count = queries.get(key, "-")
            if isinstance(count, dict):
                count = " + ".join(str(value) for value in count.values())
            lines.append(
                f"| {label} | {figures['rate']:,.1f} | {share:.0%} | {figures['p50']:.1f} ms | "
                f"{figures['p95']:.1f} ms | {figures['p99']:.1f} ms | {figures['cpu_ms']:.2f} ms, "
                f"{figures['database_cpu_ms']:.2f} ms | {count} | "
                f"{goal_text} | {figures['bad']} |"
            )
        lines.append("")
    check, end, drained = results["check"], results["queue_at_end"], results["queue_after_drain"]
    lines += [
        f"After the surge ({results['surge_seconds']:.0f} s of load): {end['emails_owed']:,} confirmation "
        f"emails owed ({end['emails_sent']:,} already sent) and {end['tasks']:,} tasks waiting for the one "
        f"worker; {drained['emails_owed']:,} owed after {results['drain_seconds']:.0f} s of draining "
        f"({drained['emails_failed']} given up, {drained['failed']} tasks failed). "
        f"Accepted by the client: {check['accepted_by_client']:,}; missing from the database: "
        f"{check['missing_from_database']}; missing from the audit trail: {check['missing_from_audit']}; "
        f"audit chain intact: {'yes' if check['chain_intact'] else 'NO'} ({check['chain_events']:,} events); "
        f"received at or after the deadline: {check['received_at_or_after_deadline']}; employees with two "
        f"versions: {check['employees_with_two_versions']}.",
        END,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument(
        "--concurrency", type=lambda text: [int(n) for n in text.split(",")], default=[8, 32, 64]
    )
    parser.add_argument("--drain", type=int, default=900, help="longest wait for the task queue, seconds")
    parser.add_argument("--keep", action="store_true", help="reuse the database of the last run")
    parser.add_argument("--write", action="store_true", help="update docs/performance.md")
    parser.add_argument("--phase", help=argparse.SUPPRESS)
    options, rest = parser.parse_known_args()
    if options.phase:
        django_phase(options.phase, rest)
        return
    results = measure(options)
    (OUT / "surge-results.json").write_text(json.dumps(results, indent=1, default=str))
    text = markdown(json.loads(json.dumps(results)))
    print(text)
    if options.write:
        write_section(text, begin=BEGIN, end=END)


if __name__ == "__main__":
    main()
