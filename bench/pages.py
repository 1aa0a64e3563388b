"""Employee pages benchmark: CPU time per request of each employee page, in-process, beside reference B.

In one process, against a throw-away database (Django's test database: a SQLite file under bench/out/
by default, or ``test_<name>`` on the server that ``--database-url`` names, created and dropped here):
loads soxp-2003, creates an employee for each size in ``--grants`` (1, 64 and 256 grants by default;
about one grant in eight priced below the threshold, one a lookback grant, the rest eligible), each
with an election in force made through ``submit_election``, and signs each in with its own session.
The clock stands inside the offer's window (time-machine, ticking).

Each page is then requested through Django's test client, so through the whole middleware stack
(the session, renewed at most once a minute, CSRF, authentication, messages, CSP, axes), as the signed-in
employee:

    overview, My options, Compare, election form (GET), review (the election form POSTed with every
    eligible grant tendered), confirmation (the election's page) and History;

beside the reference view B, served by the same handler and middleware for the same session: one
primary-key SELECT (the employee) and a template of a few lines (``reference_b`` below). Each round
runs every page of every employee in turn, several requests each, and times them with
``time.process_time()`` (CPU time of this process, which the other work on the shared cores does not
stretch); the figure is the median over the rounds of the CPU time per request. The number of queries
of one request of each page is counted as well.

    .venv/bin/python bench/pages.py [--grants 1 64 256] [--rounds 7] [--write]
    .venv/bin/python bench/pages.py --database-url postgres://portal:portal@127.0.0.1:5432/portal_NAME
    .venv/bin/python bench/pages.py --profile options --grants 256   # cProfile of one page's requests

``--write`` puts the table in docs/performance.md between the bench/pages.py markers.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import math
import os
import pstats
import statistics
import sys
import time
import types
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from performance_doc import write_section

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
BEGIN, END = "<!-- bench/pages.py begin -->", "<!-- bench/pages.py end -->"


def markers(vendor: str) -> tuple[str, str]:
    """The table's markers in docs/performance.md: one table per database (SQLite's are the plain ones)."""
    if vendor == "sqlite":
        return BEGIN, END
    return f"<!-- bench/pages.py {vendor} begin -->", f"<!-- bench/pages.py {vendor} end -->"


#: 2003-01-10 10:00 Pacific: soxp-2003 is open.
DURING_OFFER = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
PAGES = ("overview", "options", "compare", "elect", "review", "confirmation", "history")
TITLES = {
    "B": "reference B (one primary-key SELECT, small template)",
    "overview": "overview `/offers/<slug>/`",
    "options": "My options",
    "compare": "Compare",
    "elect": "election form (GET)",
    "review": "review (election form POST)",
    "confirmation": "confirmation (the election's page)",
    "history": "History",
}
#: My options at 256 grants must stay under this, in-process (issue 12).
OPTIONS_256_TARGET_MS = 100.0
#: How long one page's requests should take in one round; at least one request, at most MAX_REQUESTS.
ROUND_SECONDS = 0.25
MAX_REQUESTS = 100

REFERENCE_TEMPLATE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{ employee.first_name }}</title></head>
<body><main><h1>{{ employee.first_name }} {{ employee.last_name }}</h1>
<p>Census id {{ employee.employee_id }}, hired {{ employee.hire_date|date:"M j, Y" }}.</p></main>
</body></html>
"""


def reference_b(request: Any, pk: int) -> Any:
    """Reference B: one primary-key SELECT and a small template, through the same middleware."""
    from django.http import HttpResponse
    from django.template import engines

    from soxp_portal.offers.models import Employee

    employee = Employee.objects.get(pk=pk)
    template = engines["django"].from_string(REFERENCE_TEMPLATE)
    return HttpResponse(template.render({"employee": employee}, request))


def install_reference_view() -> None:
    """The portal's URLs plus reference B, as the URLconf of this process."""
    from django.conf import settings
    from django.urls import clear_url_caches, path

    from soxp_portal import urls as portal_urls

    module = types.ModuleType("bench_pages_urls")
    module.urlpatterns = [  # type: ignore[attr-defined]
        path("bench/reference-b/<int:pk>/", reference_b, name="bench-reference-b"),
        *portal_urls.urlpatterns,
    ]
    module.handler403 = portal_urls.handler403  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    clear_url_caches()


# Setup -------------------------------------------------------------------------------------------


def django_setup(database_url: str | None) -> None:
    import django

    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "soxp_portal.settings")
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.locmem.EmailBackend"
    os.environ["MEDIA_ROOT"] = str(OUT / "pages-media")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    django.setup()


def create_database() -> Callable[[], None]:
    """A throw-away database (Django's test database); returns what drops it again."""
    from django.db import connection

    if connection.vendor == "sqlite":
        OUT.mkdir(parents=True, exist_ok=True)
        connection.settings_dict.setdefault("TEST", {})["NAME"] = str(OUT / "pages.sqlite3")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    return lambda: connection.creation.destroy_test_db(old_name, verbosity=0)


def grant_shape(n: int) -> tuple[date, Decimal]:
    """Grant date and exercise price of an employee's n-th grant: the fourth a lookback grant (decision
    2), every eighth priced below the $3.01 threshold (not eligible), the others eligible."""
    if n == 3:
        return date(2002, 7, 1), Decimal("0.40")
    granted = date(1999 + n % 3, 1 + n % 12, 1 + n % 28)
    if n % 8 == 7:
        return granted, Decimal("2.18")
    return granted, Decimal("3.01") + Decimal(n % 40) / 4


@dataclass
class Subject:
    """One signed-in employee with `grants` grants, and the requests of each page."""

    grants: int
    client: Any
    employee_pk: int
    confirmation: str
    tendered: dict[str, str]
    requests: dict[str, Callable[[], Any]] = field(default_factory=dict)


def create_subject(offer: Any, size: int) -> Subject:
    from django.test import Client, override_settings
    from django.urls import reverse

    from soxp_portal.accounts.models import User
    from soxp_portal.offers.actions import submit_election
    from soxp_portal.offers.models import Employee, Grant, Plan
    from soxp_portal.offers.queries import employee_status

    email = f"bench-{size}@example.com"
    user = User.objects.create_user(email=email, password=None, first_name="Bench", last_name=f"Holder{size}")
    employee = Employee.objects.create(
        user=user,
        employee_id=f"E-BENCH-{size}",
        first_name="Bench",
        last_name=f"Holder{size}",
        email=email,
        hire_date=date(1998, 3, 2),
        work_country="US",
    )
    plan = Plan.objects.get(name="2000 Stock Option Plan")
    Grant.objects.bulk_create(
        Grant(
            grant_id=f"G-{size}-{n:04d}",
            employee=employee,
            plan=plan,
            option_type=Grant.OptionType.ISO if n % 2 else Grant.OptionType.NSO,
            grant_date=granted,
            shares_granted=500 + 250 * (n % 17),
            shares_exercised=100 * (n % 3),
            exercise_price=price,
            expiration_date=granted.replace(year=granted.year + 10),
            performance_condition="Revenue above plan for fiscal 2003" if n % 10 == 5 else "",
        )
        for n, (granted, price) in ((n, grant_shape(n)) for n in range(size))
    )
    status = employee_status(offer, employee, now=DURING_OFFER)
    tendered = {item.grant.grant_id: item.grant.outstanding_shares for item in status.eligible_grants}
    # The election in force that History and the confirmation page show; its email is not sent here.
    dummy_tasks = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    with override_settings(TASKS=dummy_tasks):
        election = submit_election(
            offer,
            employee,
            tendered,
            actor=user,
            signature=employee.full_name,
            expected_version=0,
            submission_token=uuid.uuid4(),
        )
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    subject = Subject(
        grants=size,
        client=client,
        employee_pk=employee.pk,
        confirmation=election.confirmation_number,
        tendered={f"tender-{grant_id}": str(shares) for grant_id, shares in tendered.items()},
    )

    def url(name: str, *args: Any) -> str:
        return reverse(f"portal:{name}", args=[offer.slug, *args])

    review_data = {"expected_version": "1", **subject.tendered}
    reference = reverse("bench-reference-b", args=[employee.pk])
    subject.requests = {
        "B": lambda: client.get(reference),
        "overview": lambda: client.get(url("offer")),
        "options": lambda: client.get(url("grants")),
        "compare": lambda: client.get(url("compare")),
        "elect": lambda: client.get(url("elect")),
        "review": lambda: client.post(url("elect"), review_data),
        "confirmation": lambda: client.get(url("election", election.confirmation_number)),
        "history": lambda: client.get(url("history")),
    }
    return subject


def check(subject: Subject) -> None:
    """Every page answers 200 with what it should show, so the figures are of the real pages."""
    expected = {
        "B": "Bench Holder",
        "overview": "Participating",
        "options": "New shares if exchanged",
        "compare": "Compare",
        "elect": "Review my election",
        "review": "Sign and submit my election",
        "confirmation": subject.confirmation,
        "history": subject.confirmation,
    }
    for name, request in subject.requests.items():
        response = request()
        assert response.status_code == 200, (name, subject.grants, response.status_code)
        assert expected[name] in response.content.decode(), (name, subject.grants)


# Measurements ------------------------------------------------------------------------------------


def query_count(request: Callable[[], Any]) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    return len(captured)


def cpu_per_request(request: Callable[[], Any], count: int) -> float:
    """CPU seconds of this process per request, over `count` requests."""
    started = time.process_time()
    for _ in range(count):
        request()
    return (time.process_time() - started) / count


def measure(subjects: list[Subject], rounds: int) -> dict[tuple[str, int], dict[str, Any]]:
    """Median CPU ms per request of each (page, grants), over `rounds` interleaved rounds."""
    counts: dict[tuple[str, int], int] = {}
    results: dict[tuple[str, int], dict[str, Any]] = {}
    for subject in subjects:
        for name, request in subject.requests.items():
            request()  # warm: templates compiled, the session and the connection open
            estimate = cpu_per_request(request, 1)
            counts[name, subject.grants] = max(1, min(MAX_REQUESTS, math.ceil(ROUND_SECONDS / estimate)))
            queries = query_count(request)
            results[name, subject.grants] = {"queries": queries, "samples": []}
    for round_number in range(rounds):
        for subject in subjects:
            for name, request in subject.requests.items():
                per_request = cpu_per_request(request, counts[name, subject.grants])
                results[name, subject.grants]["samples"].append(per_request * 1000)
        print(f"round {round_number + 1}/{rounds} done", file=sys.stderr, flush=True)
    for key, result in results.items():
        result["ms"] = statistics.median(result["samples"])
        result["requests"] = counts[key] * rounds
    return results


def print_queries(subject: Subject) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for name, request in subject.requests.items():
        with CaptureQueriesContext(connection) as captured:
            request()
        print(f"== {name}, {subject.grants} grants: {len(captured)} queries ==")
        for query in captured:
            print("  ", query["sql"][: int(os.environ.get("SQL_WIDTH", "300"))])


def profile(subject: Subject, page: str, requests: int, top: int, profiler_name: str) -> str:
    """cProfile (CPU time, deterministic: every call, so its overhead inflates small functions) or
    pyinstrument (wall time, sampled: the shape of a request), over `requests` requests of `page`."""
    request = subject.requests[page]
    request()
    if profiler_name == "pyinstrument":
        from pyinstrument import Profiler

        sampler = Profiler(interval=0.0002, async_mode="disabled")
        with sampler:
            for _ in range(requests):
                request()
        return sampler.output_text(unicode=True, short_mode=False)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        request()
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).strip_dirs()
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()


# Report ------------------------------------------------------------------------------------------


def markdown(
    results: dict[tuple[str, int], dict[str, Any]], sizes: list[int], vendor: str, rounds: int
) -> str:
    reference = statistics.median(results["B", size]["ms"] for size in sizes)
    header = "| page | " + " | ".join(
        f"{size} grant{'s' if size > 1 else ''}: CPU ms | times B | queries" for size in sizes
    )
    begin, end = markers(vendor)
    command = "--write" if vendor == "sqlite" else f"--database-url {vendor}://... --write"
    lines = [
        begin,
        f"### {'SQLite' if vendor == 'sqlite' else 'PostgreSQL'}",
        "",
        f"`.venv/bin/python bench/pages.py {command}` (run on {date.today()}, "  # noqa: DTZ011
        f"{os.cpu_count()} cores shared with other work that was running, {vendor}, Django's test client "
        "in one process, a throw-away database): each employee page for a signed-in employee holding "
        f"{', '.join(str(size) for size in sizes)} grants (about one in eight not eligible, one a lookback "
        "grant, an election in force tendering every eligible grant), beside reference B: one primary-key "
        "SELECT and a template of a few lines, through the same middleware and session. Each figure is the "
        f"median over {rounds} interleaved rounds of the CPU time per request (`time.process_time`), "
        f"B's median over the rounds and sizes is {reference:.2f} ms.",
        "",
        header + " |",
        "| --- | " + " | ".join("--- | --- | ---" for _ in sizes) + " |",
    ]
    for name in ("B", *PAGES):
        cells = []
        for size in sizes:
            result = results[name, size]
            cells.append(f"{result['ms']:.2f} | {result['ms'] / reference:.1f} | {result['queries']}")
        lines.append(f"| {TITLES[name]} | " + " | ".join(cells) + " |")
    if 256 in sizes:
        options = results["options", 256]["ms"]
        verdict = "met" if options < OPTIONS_256_TARGET_MS else "NOT met"
        lines += [
            "",
            f"My options at 256 grants: {options:.1f} ms, target < {OPTIONS_256_TARGET_MS:.0f} ms "
            f"in-process: {verdict}.",
        ]
    lines.append(end)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--grants", type=int, nargs="+", default=[1, 64, 256])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--database-url", help="a PostgreSQL server's URL (default: SQLite under bench/out/)")
    parser.add_argument("--write", action="store_true", help="write the table into docs/performance.md")
    parser.add_argument("--profile", choices=["B", *PAGES], help="print a cProfile of this page instead")
    parser.add_argument("--profile-requests", type=int, default=20)
    parser.add_argument("--profiler", choices=["cprofile", "pyinstrument"], default="cprofile")
    parser.add_argument("--queries", action="store_true", help="print each page's SQL instead")
    options = parser.parse_args()

    django_setup(options.database_url)
    import time_machine
    from django.core.management import call_command
    from django.db import connection

    from soxp_portal.offers.models import Offer

    drop = create_database()
    try:
        with time_machine.travel(DURING_OFFER, tick=True):
            install_reference_view()
            call_command("loaddata", "soxp-2003", verbosity=0)
            offer = Offer.objects.get(slug="soxp-2003")
            subjects = [create_subject(offer, size) for size in options.grants]
            for subject in subjects:
                check(subject)
            if options.queries:
                for subject in subjects:
                    print_queries(subject)
                return
            if options.profile:
                for subject in subjects:
                    print(f"== {options.profile}, {subject.grants} grants ==")
                    print(profile(subject, options.profile, options.profile_requests, 45, options.profiler))
                return
            results = measure(subjects, options.rounds)
    finally:
        drop()
    text = markdown(results, options.grants, f"{connection.vendor}", options.rounds)
    print(text)
    if options.write:
        begin, end = markers(connection.vendor)
        write_section(text, begin=begin, end=end)


if __name__ == "__main__":
    main()
