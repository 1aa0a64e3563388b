"""Faults survived, on PostgreSQL (issue 12, item 5).

- A gunicorn worker killed (SIGKILL) in the middle of a submission, between the election's insert and
  its commit, or after the audit append while it holds the chain's lock: nothing of the election is
  left, and the employee (and everyone else) can submit at once.
- The database cutting every connection in the middle of a submission and of a surge of them: the
  portal's error page, never a traceback, and the next attempt succeeds. The restart is simulated with
  ``pg_terminate_backend`` on the portal's connections (what a restart does to them), not by restarting
  the cluster, which other work on this machine shares.
- A PDF render or a mail server failing: the election stays, and the task worker (``db_worker``, the
  database backend) retries the email until it is delivered; two workers at once send each email once
  (with a control that shows them sending twice without the claim's lock).
- Two tabs submitting the same form version at the same instant: one version and one clear refusal
  (with a control that shows the race without the employee's row lock).
- Submissions racing the deadline, from the offer's terms: each decided once, accepted before it and
  refused at or after it, never both.

The gunicorn tests run the deployment's command (2 gthread workers x 4 threads, the database task
backend) against the test database, with a gunicorn config file of the test's own that can hold a
request at a named point of the submission until the test lets it go (``PAUSE_HOOKS``).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.utils import timezone

from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.audit.verify import verify_chain
from soxp_portal.offers import actions, confirmations
from soxp_portal.offers.actions import ElectionClosed, StaleElection, submit_election
from soxp_portal.offers.models import ConfirmationEmail, Election, Employee, Offer
from soxp_portal.portal.forms import ACKNOWLEDGEMENTS
from tests.factories import EmployeeFactory, GrantFactory, OfferFactory, UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: row locks, SKIP LOCKED, killed backends and pg_terminate_backend are "
        "PostgreSQL's (run under scripts/with-postgres)",
    ),
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parent.parent
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
ELECTION_EVENTS = (AuditEventType.ELECTION_SUBMITTED, AuditEventType.ELECTION_MODIFIED)


# An offer open now, and its employees ------------------------------------------------------------


@pytest.fixture
def offer(db: None) -> Offer:
    """Open from yesterday to tomorrow, on the server's clock (the gunicorn workers read the real one)."""
    now = timezone.now()
    return OfferFactory(slug="faults", opens_at=now - timedelta(days=1), expires_at=now + timedelta(days=1))


def employees(count: int, prefix: str = "F") -> list[Employee]:
    """Eligible employees, each with one 1,000-share grant at $6.00 named G-<their id>, granted three
    years ago (so not expired on the real clock)."""
    granted = timezone.localdate() - timedelta(days=3 * 365)
    people = [EmployeeFactory(employee_id=f"{prefix}{number:04d}") for number in range(count)]
    for person in people:
        GrantFactory(
            grant_id=f"G-{person.employee_id}",
            employee=person,
            exercise_price=Decimal("6.00"),
            grant_date=granted,
        )
    return people


def tendered(person: Employee) -> dict[str, int]:
    return {f"G-{person.employee_id}": 1000}


def submit(offer: Offer, person: Employee, *, version: int = 0, **kwargs: Any) -> Election:
    return submit_election(
        offer,
        person,
        tendered(person),
        actor=person.user,
        signature=person.full_name,
        expected_version=version,
        submission_token=kwargs.pop("submission_token", uuid.uuid4()),
        **kwargs,
    )


def confirm_form(person: Employee, *, version: int = 0, token: uuid.UUID | None = None) -> dict[str, str]:
    """The review page's form as the browser posts it: the choice, the acknowledgements, the signature."""
    return {
        f"tender-G-{person.employee_id}": "1000",
        "expected_version": str(version),
        "submission_token": str(token or uuid.uuid4()),
        "signature": person.full_name,
        **{name: "on" for name, _text in ACKNOWLEDGEMENTS},
    }


def records_of(person: Employee) -> tuple[int, int, int]:
    """(elections, their audit events, owed confirmation emails) of one employee."""
    return (
        Election.objects.filter(employee=person).count(),
        AuditEvent.objects.filter(employee=person, event_type__in=ELECTION_EVENTS).count(),
        ConfirmationEmail.objects.filter(election__employee=person).count(),
    )


def assert_whole() -> None:
    """Every election has its audit event and its owed email, every election event its election, and the
    chain is unbroken: nothing half-written anywhere."""
    elections = set(Election.objects.values_list("pk", flat=True))
    audited = {
        int(pk)
        for pk in AuditEvent.objects.filter(subject_type="offers.Election").values_list(
            "subject_id", flat=True
        )
    }
    owed = set(ConfirmationEmail.objects.values_list("election_id", flat=True))
    assert elections == audited == owed
    report = verify_chain()
    assert report.intact, report


#: gunicorn's connections name themselves, so that only they are cut (never the test's own).
GUNICORN_APPLICATION = "soxp-faults-gunicorn"


def terminate_portal_backends() -> int:
    """What a database restart does to the portal's connections: every one is cut."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [GUNICORN_APPLICATION],
        )
        return cursor.fetchone()[0]


def wait_for(condition: Callable[[], Any], *, timeout: float = 20, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"Timed out waiting for {what}.")


# gunicorn against the test database --------------------------------------------------------------

#: The test's gunicorn config: each worker can hold a submission at a named point until the test lets
#: it go. A point is armed by creating the file <FAULT_PAUSE>.<point>; the worker that reaches it writes
#: its pid to <FAULT_PAUSE>.<point>.reached and waits until the armed file is removed.
PAUSE_HOOKS = """
import os
import time


def _pause(point):
    armed = os.environ["FAULT_PAUSE"] + "." + point
    if not os.path.exists(armed):
        return
    with open(armed + ".reached", "w") as reached:
        reached.write(str(os.getpid()))
    while os.path.exists(armed):
        time.sleep(0.02)


def post_worker_init(worker):
    from soxp_portal.offers import actions

    owe, record = actions.owe_confirmation, actions.record

    def owe_then_pause(election):
        owed = owe(election)
        _pause("election")  # the election, its lines and its email written; no audit event yet
        return owed

    def record_then_pause(event_type, **kwargs):
        event = record(event_type, **kwargs)
        if event_type != "election.refused":
            _pause("audit")  # the audit event appended: the chain's lock held until the commit
        return event

    actions.owe_confirmation, actions.record = owe_then_pause, record_then_pause
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass
class Response:
    status: int
    body: str
    location: str


class Browser:
    """One signed-in employee's browser: their session cookie and a CSRF cookie, redirects not followed."""

    CSRF = "f" * 32  # a CSRF secret of our own, in the cookie and the form alike

    def __init__(self, base: str, session_key: str) -> None:
        self.base = base
        self.cookies = f"sessionid={session_key}; csrftoken={self.CSRF}"
        self.opener = urllib.request.build_opener(NoRedirect)

    def request(self, path: str, data: dict[str, str] | None = None, *, timeout: float = 60) -> Response:
        body = None
        if data is not None:
            body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": self.CSRF}).encode()
        request = urllib.request.Request(  # noqa: S310  # http://127.0.0.1 only
            self.base + path, data=body, headers={"Cookie": self.cookies}
        )
        try:
            with self.opener.open(request, timeout=timeout) as answer:
                return Response(answer.status, answer.read().decode(), answer.headers.get("Location", ""))
        except urllib.error.HTTPError as error:
            return Response(error.code, error.read().decode(), error.headers.get("Location", ""))


@dataclass
class Server:
    base: str
    pause_file: Path
    process: subprocess.Popen[bytes]
    log: Path

    def browser(self, person: Employee) -> Browser:
        client = Client()
        client.force_login(person.user)
        return Browser(self.base, client.cookies["sessionid"].value)

    def arm(self, point: str) -> None:
        Path(f"{self.pause_file}.{point}").touch()

    def release(self, point: str) -> None:
        Path(f"{self.pause_file}.{point}").unlink(missing_ok=True)

    def reached(self, point: str, *, timeout: float = 30) -> int:
        """The pid of the worker holding a submission at `point`."""
        marker = Path(f"{self.pause_file}.{point}.reached")
        try:
            text = wait_for(lambda: marker.exists() and marker.read_text(), timeout=timeout, what=point)
        except AssertionError as error:
            raise AssertionError(
                f"{error} gunicorn's log: {self.log.read_text(errors='replace')[-4000:]}"
            ) from None
        marker.unlink()
        return int(text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(django_db_setup: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """gunicorn as the README deploys it, on the test database; stopped before the database is dropped."""
    folder = tmp_path_factory.mktemp("gunicorn")
    (folder / "hooks.py").write_text(PAUSE_HOOKS)
    settings = connection.settings_dict
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
            f"{settings['PORT'] or 5432}/{settings['NAME']}?application_name={GUNICORN_APPLICATION}"
        ),
        "TASKS_BACKEND": "database",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "DEBUG": "false",
        "FAULT_PAUSE": str(folder / "pause"),
    }
    log = (folder / "gunicorn.log").open("wb")
    process = subprocess.Popen(  # noqa: S603  # the project's own gunicorn, fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "soxp_portal.wsgi:application",
            f"--bind=127.0.0.1:{port}",
            "--workers=2",
            "--worker-class=gthread",
            "--threads=4",
            "--timeout=120",
            "--no-control-socket",
            f"--config={folder / 'hooks.py'}",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"

    def answers() -> bool:
        try:
            with urllib.request.urlopen(f"{base}/accounts/login/", timeout=2) as answer:  # noqa: S310
                return answer.status == 200
        except OSError:
            return False

    try:
        wait_for(answers, timeout=60, what="gunicorn to answer")
        yield Server(base, folder / "pause", process, folder / "gunicorn.log")
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def in_background(call: Callable[[], Response]) -> tuple[threading.Thread, list[Response | BaseException]]:
    outcome: list[Response | BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # collected, asserted by the test
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def confirm_path(offer: Offer) -> str:
    return f"/offers/{offer.slug}/elect/confirm/"


# (a) A worker killed in the middle of a submission ------------------------------------------------


@pytest.mark.parametrize(
    "point",
    [
        pytest.param("election", id="after-the-election-insert"),
        pytest.param("audit", id="after-the-audit-append-holding-the-chain-lock"),
    ],
)
def test_a_worker_killed_mid_submission_leaves_the_whole_election_or_nothing(
    server: Server, offer: Offer, point: str
) -> None:
    person, other = employees(2)
    browser = server.browser(person)
    server.arm(point)
    thread, outcome = in_background(lambda: browser.request(confirm_path(offer), confirm_form(person)))
    worker = server.reached(point)
    # The worker's transaction is open, holding the employee's row (and at "audit" the chain's lock).
    assert _transactions_open()
    assert Election.objects.filter(employee=person).count() == 0  # nothing committed yet
    os.kill(worker, signal.SIGKILL)
    server.release(point)
    thread.join(timeout=60)
    assert isinstance(outcome[0], OSError), outcome  # the browser saw the connection drop

    # PostgreSQL rolls the dead worker's transaction back and frees its locks.
    wait_for(lambda: not _transactions_open(), timeout=30, what="the dead worker's transaction to end")
    assert records_of(person) == (0, 0, 0)
    assert_whole()

    # Everyone can submit at once: the employee again (the same form), and another employee.
    started = time.monotonic()
    for who, page in ((other, server.browser(other)), (person, browser)):
        answer = page.request(confirm_path(offer), confirm_form(who))
        assert answer.status == 302, answer.body[:500]
        assert "/elections/" in answer.location
        assert records_of(who) == (1, 1, 1)
    assert time.monotonic() - started < 30  # not held up by a lock the dead worker took
    assert Election.objects.get(employee=person).version == 1
    assert_whole()


def _transactions_open() -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, state FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%%'"
        )
        return cursor.fetchall()


# (b) The database cuts every connection -----------------------------------------------------------

ERROR_PAGE = "Something went wrong"


def is_error_page(answer: Response) -> bool:
    """The portal's own error page (templates/500.html), never Django's debug page or a traceback: as
    500 when the view's queries fail, as 503 when the session cannot be saved after it
    (``errors.bad_request``)."""
    return (
        answer.status in {500, 503}
        and ERROR_PAGE in answer.body
        and "may or may not have been recorded" in answer.body
        and "Traceback" not in answer.body
        and "psycopg" not in answer.body
    )


def test_connections_cut_mid_submission_give_the_error_page_and_the_next_attempt_succeeds(
    server: Server, offer: Offer
) -> None:
    [person] = employees(1)
    browser = server.browser(person)
    assert browser.request(f"/offers/{offer.slug}/").status == 200  # the worker's connection is open
    form = confirm_form(person)
    server.arm("election")
    thread, outcome = in_background(lambda: browser.request(confirm_path(offer), form))
    server.reached("election")
    assert terminate_portal_backends() >= 1
    server.release("election")
    thread.join(timeout=60)

    [answer] = outcome
    assert isinstance(answer, Response), answer
    assert is_error_page(answer), (answer.status, answer.body[:2000])
    assert records_of(person) == (0, 0, 0)

    # The next attempt (the same form, posted again) is recorded: the workers connect again.
    again = browser.request(confirm_path(offer), form)
    assert again.status == 302, again.body[:500]
    assert records_of(person) == (1, 1, 1)
    assert_whole()


def test_connections_cut_between_requests_are_replaced_unseen(server: Server, offer: Offer) -> None:
    """Persistent connections cut while idle: the health check at the next request connects again."""
    [person] = employees(1)
    browser = server.browser(person)
    for _ in range(4):  # reach both workers' connections
        assert browser.request(f"/offers/{offer.slug}/").status == 200
    assert terminate_portal_backends() >= 1
    for _ in range(4):
        assert browser.request(f"/offers/{offer.slug}/").status == 200
    assert browser.request(confirm_path(offer), confirm_form(person)).status == 302
    assert records_of(person) == (1, 1, 1)


def test_a_surge_through_repeated_connection_cuts_loses_nothing_and_shows_no_traceback(
    server: Server, offer: Offer
) -> None:
    """24 employees submit from 6 browsers at once while every connection is cut every 0.2 s. Each
    answer is the confirmation (302) or the error page; posting the same form again is then recorded
    once, whether or not the first attempt was."""
    people = employees(24)
    pages = {person.pk: server.browser(person) for person in people}
    forms = {person.pk: confirm_form(person) for person in people}
    answers: dict[int, Response | BaseException] = {}
    done = threading.Event()

    def submitter(group: list[Employee]) -> None:
        for person in group:
            try:
                answers[person.pk] = pages[person.pk].request(confirm_path(offer), forms[person.pk])
            except OSError as error:
                answers[person.pk] = error

    cut: list[int] = []

    def cutter() -> None:
        while not done.wait(0.2):
            cut.append(terminate_portal_backends())

    threads = [threading.Thread(target=submitter, args=(people[n::6],)) for n in range(6)]
    cutting = threading.Thread(target=cutter)
    cutting.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    done.set()
    cutting.join()

    assert len(answers) == 24
    assert sum(cut) > 0, "no connection was cut during the surge"
    for answer in answers.values():
        assert isinstance(answer, Response), answer
        assert answer.status == 302 or is_error_page(answer), (answer.status, answer.body[:2000])
    for person in people:
        if answers[person.pk].status == 302:  # type: ignore[union-attr]
            assert records_of(person) == (1, 1, 1)
        else:  # may or may not have been recorded, as the page says
            assert records_of(person) in {(0, 0, 0), (1, 1, 1)}
    assert_whole()

    for person in people:  # the next attempt: the same form again, recorded once
        again = pages[person.pk].request(confirm_path(offer), forms[person.pk])
        assert again.status == 302, again.body[:500]
        assert records_of(person) == (1, 1, 1)
    assert_whole()


# (c) A failing PDF render or mail server: retried by the worker until delivered --------------------


def run_worker() -> None:
    """One database-backend worker, until the queue has nothing ready."""
    call_command("db_worker", batch=True, startup_delay=False, interval=0, verbosity=0)


def test_a_failing_render_then_mail_server_is_retried_by_the_worker_until_delivered(
    offer: Offer, settings: Any, monkeypatch: pytest.MonkeyPatch, time_machine: Any
) -> None:
    settings.TASKS = DATABASE_TASKS
    time_machine.move_to(timezone.now(), tick=False)
    [person] = employees(1)
    election = submit(offer, person)  # committed: the delivery is enqueued in the database
    email = ConfirmationEmail.objects.get(election=election)
    render = confirmations.render_documents

    def broken_render(documents: Any) -> Any:
        raise RuntimeError("the PDF renderer crashed")

    monkeypatch.setattr(confirmations, "render_documents", broken_render)
    run_worker()
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (
        "owed",
        1,
        "RuntimeError: the PDF renderer crashed",
    )
    assert records_of(person) == (1, 1, 1)  # the election is untouched

    class DownMailer:
        def __enter__(self) -> DownMailer:
            raise ConnectionRefusedError("[Errno 111] Connection refused")

        def __exit__(self, *exc: Any) -> None:
            return None

    class Mailers:
        default = DownMailer()

    monkeypatch.setattr(confirmations, "render_documents", render)
    monkeypatch.setattr(confirmations, "mailers", Mailers())
    time_machine.shift(confirmations.RETRY_DELAYS[0])
    run_worker()  # the deferred retry the first run scheduled
    email.refresh_from_db()
    assert (email.state, email.attempts) == ("owed", 2)
    assert email.last_error == "ConnectionRefusedError: [Errno 111] Connection refused"

    monkeypatch.undo()
    time_machine.shift(confirmations.RETRY_DELAYS[1])
    run_worker()
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == ("sent", 3, "")
    [message] = mail.outbox
    assert message.to == [person.email]
    assert election.confirmation_number in message.subject
    assert message.attachments[0].content.startswith(b"%PDF")
    assert_whole()


def run_together(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Runs work(n) in `count` threads released together, each on its own connection; returns results."""
    start = threading.Barrier(count, timeout=30)
    results: list[Any] = [None] * count

    def run(number: int) -> None:
        try:
            start.wait()
            results[number] = work(number)
        except BaseException as error:  # collected, asserted by the test
            results[number] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return results


@pytest.fixture
def owed_emails(offer: Offer, settings: Any) -> list[Election]:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    return [submit(offer, person) for person in employees(12)]


def test_two_workers_at_once_send_each_email_once(owed_emails: list[Election]) -> None:
    deliveries = run_together(2, lambda n: confirmations.deliver_due(batch_size=3))

    assert all(isinstance(delivery, confirmations.Delivery) for delivery in deliveries), deliveries
    assert sum(delivery.sent for delivery in deliveries) == 12
    assert all(delivery.sent for delivery in deliveries)  # both workers took a share
    assert sorted(message.to[0] for message in mail.outbox) == sorted(e.employee.email for e in owed_emails)
    assert set(ConfirmationEmail.objects.values_list("attempts", flat=True)) == {1}


def test_control_without_the_claims_lock_two_workers_send_the_same_emails(
    owed_emails: list[Election], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without select_for_update(skip_locked), both workers read the same due rows before either
    claims them (a barrier holds them between the read and the claim): every email goes out twice."""
    after_read = threading.Barrier(2, timeout=30)

    def claim_without_lock(*, now: Any, limit: int) -> dict[int, int]:
        rows = list(
            confirmations.due(now).order_by("next_attempt_at", "pk").values_list("pk", "attempts")[:limit]
        )
        after_read.wait()
        ConfirmationEmail.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            next_attempt_at=now + confirmations.LEASE
        )
        return {pk: attempts + 1 for pk, attempts in rows}

    monkeypatch.setattr(confirmations, "claim", claim_without_lock)
    run_together(2, lambda n: confirmations.deliver_batch(batch_size=12))

    assert len(mail.outbox) == 24


# (d) Two tabs, the same form version, the same instant --------------------------------------------


def post_confirm(person: Employee, offer: Offer, form: dict[str, str]) -> Any:
    client = Client()
    client.force_login(person.user)
    return client.post(confirm_path(offer), form)


def test_two_tabs_submitting_at_once_give_one_version_and_one_clear_refusal(
    offer: Offer, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    [person] = employees(1)
    check_window = actions._check_window
    inside: list[float] = []

    def slow_check(*args: Any, **kwargs: Any) -> None:
        # Runs with the employee's row locked: the first tab holds it 0.3 s, the second waits for it.
        inside.append(time.monotonic())
        if len(inside) == 1:
            time.sleep(0.3)
        check_window(*args, **kwargs)

    monkeypatch.setattr(actions, "_check_window", slow_check)
    tabs = [confirm_form(person, version=0), confirm_form(person, version=0)]  # loaded at once

    answers = run_together(2, lambda n: post_confirm(person, offer, tabs[n]))

    assert sorted(answer.status_code for answer in answers) == [302, 409]
    refused = next(answer for answer in answers if answer.status_code == 409).content.decode()
    assert "Your election changed after this page was loaded (in another tab or window" in refused
    assert "Nothing was changed" in refused
    assert inside[1] - inside[0] >= 0.3  # the second tab waited for the first one's lock
    assert records_of(person) == (1, 1, 1)
    refusal = AuditEvent.objects.get(event_type=AuditEventType.ELECTION_REFUSED, employee=person)
    assert refusal.data["reason"] == StaleElection.reason
    assert_whole()


def test_an_event_about_the_employee_during_their_submission_does_not_deadlock(
    offer: Offer, monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """While a submission holds the employee's row, another request audits something about the same
    employee (a sign-in, a download in another tab). That event's insert checks its foreign key to the
    employee (a KEY SHARE lock) while holding the audit chain's lock, which the submission needs next:
    the submission's row lock must not conflict with the key check (FOR NO KEY UPDATE), or PostgreSQL
    finds a deadlock and one of the two fails."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    [person] = employees(1)
    check_window = actions._check_window
    row_locked = threading.Event()

    def slow_check(*args: Any, **kwargs: Any) -> None:  # runs with the employee's row locked
        row_locked.set()
        time.sleep(0.5)
        check_window(*args, **kwargs)

    monkeypatch.setattr(actions, "_check_window", slow_check)
    form = confirm_form(person)

    def other_request() -> AuditEvent:
        assert row_locked.wait(timeout=30)
        with transaction.atomic():
            return record(
                AuditEventType.DOCUMENT_DOWNLOADED, actor=person.user, at=timezone.now(), employee=person
            )

    answers = run_together(2, lambda n: post_confirm(person, offer, form) if n == 0 else other_request())

    assert not any(isinstance(answer, BaseException) for answer in answers), answers
    assert answers[0].status_code == 302
    assert records_of(person) == (1, 1, 1)
    assert_whole()


def test_control_without_the_row_lock_two_tabs_race_to_the_same_version(
    offer: Offer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the employee's row lock, both tabs read "no election" before either writes (a barrier
    holds them after the read): both try to write version 1, and the database refuses one with an
    IntegrityError, a 500 rather than the clear refusal the lock gives."""
    [person] = employees(1)
    after_read = threading.Barrier(2, timeout=30)
    check_window = actions._check_window

    class Unlocked:
        class objects:  # stands in for Employee.objects in the action
            @staticmethod
            def select_for_update(**options: Any) -> Any:
                return Employee.objects.all()

    def read_then_wait(*args: Any, **kwargs: Any) -> None:
        after_read.wait()
        check_window(*args, **kwargs)

    monkeypatch.setattr(actions, "Employee", Unlocked)
    monkeypatch.setattr(actions, "_check_window", read_then_wait)

    results = run_together(2, lambda n: submit(offer, person))

    errors = [result for result in results if isinstance(result, BaseException)]
    assert len(errors) == 1
    assert isinstance(errors[0], IntegrityError)
    assert "election_version_unique" in str(errors[0])


# (e) Submissions racing the deadline -------------------------------------------------------------


def test_submissions_at_the_deadline_instant_are_each_decided_once(offer: Offer) -> None:
    """Twelve employees submit at once, with the server's time of receipt just before, at, and just after
    the deadline in the offer's terms: before is accepted, at or after refused, each exactly once."""
    deadline = offer.terms.expires_at
    people = employees(12)
    offsets = [timedelta(microseconds=-1), timedelta(0), timedelta(microseconds=1), timedelta(seconds=-1)] * 3

    results = run_together(12, lambda n: submit(offer, people[n], now=deadline + offsets[n]))

    for person, offset, result in zip(people, offsets, results, strict=True):
        refusals = AuditEvent.objects.filter(event_type=AuditEventType.ELECTION_REFUSED, employee=person)
        if offset < timedelta(0):
            assert isinstance(result, Election), result
            assert result.received_at < deadline
            assert (records_of(person), refusals.count()) == ((1, 1, 1), 0)
        else:
            assert isinstance(result, ElectionClosed), result
            assert (records_of(person), refusals.count()) == ((0, 0, 0), 1)
            assert refusals.get().at >= deadline
    assert_whole()


def test_submissions_racing_the_live_deadline_are_each_decided_once(offer: Offer, settings: Any) -> None:
    """The deadline moved to one second from now; eight threads submit for 48 employees on the real clock
    across it. Each attempt is one election received before the deadline or one refusal at or after it."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    people = employees(48)
    Offer.objects.filter(pk=offer.pk).update(expires_at=timezone.now() + timedelta(seconds=1))
    offer.refresh_from_db()
    deadline = offer.terms.expires_at
    start_at = deadline - timedelta(seconds=0.25)

    def attempts(number: int) -> list[tuple[Employee, Any]]:
        time.sleep(max(0.0, (start_at - timezone.now()).total_seconds()))
        done = []
        for person in people[number::8]:
            try:
                done.append((person, submit(offer, person)))
            except ElectionClosed as refusal:
                done.append((person, refusal))
            time.sleep(0.08)
        return done

    outcomes = [outcome for batch in run_together(8, attempts) for outcome in batch]

    assert len(outcomes) == 48
    accepted = [person for person, result in outcomes if isinstance(result, Election)]
    refused = [person for person, result in outcomes if isinstance(result, ElectionClosed)]
    assert len(accepted) + len(refused) == 48
    assert accepted, "no submission before the deadline: the race did not straddle it"
    assert refused, "no submission after the deadline: the race did not straddle it"
    for person in accepted:
        election = Election.objects.get(employee=person)
        assert election.received_at < deadline
        assert not AuditEvent.objects.filter(
            event_type=AuditEventType.ELECTION_REFUSED, employee=person
        ).exists()
    for person in refused:
        assert records_of(person) == (0, 0, 0)
        refusal = AuditEvent.objects.get(event_type=AuditEventType.ELECTION_REFUSED, employee=person)
        assert refusal.at >= deadline
        assert refusal.data["reason"] == ElectionClosed.reason
    assert_whole()


# The benchmark still runs ---------------------------------------------------------------------------


def test_the_confirmations_benchmark_runs(db: None) -> None:
    """A smoke test of bench/confirmations.py on a dozen emails, in a database of its own that it drops;
    no timing asserted."""
    settings = connection.settings_dict
    server = (
        f"postgres://{settings['USER']}:{settings['PASSWORD']}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/postgres"
    )
    name = f"soxp_bench_quick_{uuid.uuid4().hex[:10]}"
    result = subprocess.run(  # noqa: S603  # the project's own benchmark, fixed arguments
        [sys.executable, str(ROOT / "bench" / "confirmations.py"), "--quick", "--database", name],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": server},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "<!-- bench/confirmations.py begin -->" in result.stdout
    assert "12 sent, 0 owed, 0 tried twice" in result.stdout


# (f) A change of band ratios racing a submission ---------------------------------------------------


def test_a_submission_racing_a_change_of_ratios_is_made_at_the_new_ratios(
    monkeypatch: pytest.MonkeyPatch, settings: Any
) -> None:
    """The change scans the elections in force for the employees to email, then commits. A submission
    committed between that scan and the commit would keep the old figures and never be told: it waits
    for the change instead (the ratios' advisory lock), then reads the new ratios, though the request
    read the terms before the change."""
    from soxp_portal.offers.models import PriceBand
    from soxp_portal.rules.exchange import grant_new_shares
    from soxp_portal.rules.ratios import ValuationInputs
    from soxp_portal.rules.terms import RatioStage

    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    now = timezone.now()
    banded = OfferFactory(
        slug="ratios-race", opens_at=now - timedelta(days=1), expires_at=now + timedelta(days=40)
    )
    PriceBand.objects.create(offer=banded, position=1, lower=0, upper=10, ratio_new=1, ratio_tendered=2)
    PriceBand.objects.create(offer=banded, position=2, lower=10, ratio_new=1, ratio_tendered=3)
    [early, racer] = employees(2, prefix="R")
    admin = UserFactory()
    submit(banded, early)
    as_reviewed = Offer.objects.get(pk=banded.pk)
    old_terms = as_reviewed.terms  # what the racer's review page was worked out from
    scanned, judge = threading.Event(), actions._judge_census
    waited: list[float] = []

    def slow_judge(*args: Any, **kwargs: Any) -> None:  # after the scan, before the commit
        scanned.set()
        time.sleep(0.5)
        judge(*args, **kwargs)

    monkeypatch.setattr(actions, "_judge_census", slow_judge)
    inputs = ValuationInputs(
        share_price=Decimal("5.00"),
        volatility=Decimal("0.60"),
        risk_free_rate=Decimal("0.03"),
        new_term_years=Decimal(4),
        old_term_years=Decimal(3),
        target=Decimal("0.9"),
    )

    def work(number: int) -> Any:
        if number == 0:
            return actions.set_band_ratios(banded, inputs, stage=RatioStage.PRELIMINARY, actor=admin)
        assert scanned.wait(timeout=30)
        started = time.monotonic()
        election = submit(as_reviewed, racer)
        waited.append(time.monotonic() - started)
        return election

    setting, election = run_together(2, work)

    assert not isinstance(setting, BaseException), setting
    assert not isinstance(election, BaseException), election
    new_terms = Offer.objects.get(pk=banded.pk).terms
    assert new_terms.price_bands != old_terms.price_bands
    [line] = election.tendered_grants.all()
    assert line.new_shares == grant_new_shares(new_terms, 1000, Decimal("6.00"))
    assert line.new_shares != grant_new_shares(old_terms, 1000, Decimal("6.00"))
    assert waited[0] >= 0.3  # it waited for the change to commit
    # The employee who elected before the change is the one emailed.
    assert list(setting.emails.values_list("employee__employee_id", flat=True)) == [early.employee_id]
    assert_whole()
