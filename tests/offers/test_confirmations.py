"""The confirmation emails elections owe (offers.confirmations): written with the election, delivered by
the worker in batches, retried with backoff when the form or the mail fails, given up after the last
attempt and sent again by the administrator; a dead worker's batch is due again when its lease ends."""

import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import OperationalError
from django.tasks import default_task_backend
from django.tasks.backends.dummy import DummyBackend
from django.utils import timezone

from soxp_portal.offers import confirmations
from soxp_portal.offers.actions import ElectionError, submit_election
from soxp_portal.offers.confirmations import (
    LEASE,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    claim,
    deliver_batch,
    deliver_due,
    resend_failed,
)
from soxp_portal.offers.models import ConfirmationEmail, Election, Employee, Offer
from soxp_portal.offers.tasks import deliver_confirmations
from tests.documents.pdf_text import pdf_text
from tests.factories import EmployeeFactory, GrantFactory

pytestmark = pytest.mark.django_db
SLIDE_9 = {"G-1001": 800, "G-1002": 1000, "G-1004": 500}
DUMMY = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def queued(settings) -> None:
    """A task backend that keeps what is enqueued and runs nothing, as the database backend does until a
    worker takes it: what the confirm request itself does, and nothing more."""
    settings.TASKS = DUMMY
    default_task_backend.clear()


def submit(offer: Offer, employee: Employee, tendered=None, *, version: int = 0) -> Election:
    return submit_election(
        offer,
        employee,
        SLIDE_9 if tendered is None else tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        now=offer.opens_at + timedelta(days=5),
    )


def employees(count: int) -> list[Employee]:
    people = [EmployeeFactory() for _ in range(count)]
    for person in people:
        GrantFactory(employee=person, grant_id=f"G-{person.employee_id}")
    return people


def email_of(election: Election) -> ConfirmationEmail:
    return ConfirmationEmail.objects.get(election=election)


def fail_rendering(monkeypatch: pytest.MonkeyPatch, message: str = "WeasyPrint fell over") -> None:
    def broken(documents):
        raise RuntimeError(message)

    monkeypatch.setattr(confirmations, "render_documents", broken)


class FailingMailer:
    """A mailer whose server refuses every message (or only some addresses)."""

    def __init__(self, refuse=lambda message: True) -> None:
        self.refuse = refuse

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None

    def send_messages(self, messages):
        for message in messages:
            if self.refuse(message):
                raise ConnectionRefusedError("[Errno 111] Connection refused")
            mail.outbox.append(message)
        return len(messages)


def fail_mail(monkeypatch: pytest.MonkeyPatch, refuse=lambda message: True) -> None:
    class Mailers:
        default = FailingMailer(refuse)

    monkeypatch.setattr(confirmations, "mailers", Mailers())


# Owed with the election ------------------------------------------------------------------------------


def test_an_election_owes_its_email_from_its_own_transaction(soxp_2003, slide_9_employee, queued) -> None:
    election = submit(soxp_2003, slide_9_employee)

    email = email_of(election)
    assert (email.state, email.attempts, email.last_error) == ("owed", 0, "")
    assert email.next_attempt_at == email.owed_since
    assert confirmations.due(timezone.now()).get() == email


def test_the_request_neither_renders_nor_sends_under_a_queue(
    soxp_2003, slide_9_employee, queued, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    """With a real queue the confirm request enqueues the delivery once committed, and that is all."""
    fail_rendering(monkeypatch, "the request must not render")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        submit(soxp_2003, slide_9_employee)

    assert len(callbacks) == 1
    assert mail.outbox == []
    [enqueued] = default_task_backend.results
    assert enqueued.task.name == "deliver_confirmations"
    assert ConfirmationEmail.objects.get().attempts == 0


def test_an_enqueue_failing_after_the_commit_leaves_the_email_owed_for_the_sweep(
    soxp_2003, slide_9_employee, queued, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks
) -> None:
    """The queue's database gone after the election committed: the submission still succeeds, and the
    email, owed in the election's transaction, is delivered by the sweep."""

    def queue_down(self, task, args, kwargs):
        raise OperationalError("the task queue's database is gone")

    monkeypatch.setattr(DummyBackend, "enqueue", queue_down)
    with django_capture_on_commit_callbacks(execute=True):
        election = submit(soxp_2003, slide_9_employee)
    monkeypatch.undo()

    assert email_of(election).state == "owed"
    call_command("deliver_confirmations", "--here")
    assert email_of(election).state == "sent"
    assert [message.to for message in mail.outbox] == [[slide_9_employee.email]]


def test_a_refused_election_owes_nothing(soxp_2003, slide_9_employee, queued) -> None:
    with pytest.raises(ElectionError):
        submit(soxp_2003, slide_9_employee, {"G-1001": 1})
    assert not ConfirmationEmail.objects.exists()


# Delivered -----------------------------------------------------------------------------------------


def test_the_worker_sends_each_owed_email_once(soxp_2003, queued) -> None:
    people = employees(3)
    elections = [submit(soxp_2003, person, {f"G-{person.employee_id}": 1000}) for person in people]

    assert deliver_confirmations.call() == 3
    assert deliver_confirmations.call() == 0  # run twice: nothing is sent twice

    assert sorted(message.to[0] for message in mail.outbox) == sorted(person.email for person in people)
    for election in elections:
        assert (email_of(election).state, email_of(election).attempts) == ("sent", 1)
        [message] = [m for m in mail.outbox if election.confirmation_number in m.subject]
        assert election.confirmation_number in pdf_text(message.attachments[0].content)


def test_a_batch_is_rendered_as_one_document(soxp_2003, queued, monkeypatch: pytest.MonkeyPatch) -> None:
    people = employees(5)
    for person in people:
        submit(soxp_2003, person, {f"G-{person.employee_id}": 1000})
    batches = []
    render = confirmations.render_documents
    monkeypatch.setattr(
        confirmations, "render_documents", lambda docs: batches.append(len(docs)) or render(docs)
    )

    delivery = deliver_due(batch_size=2)

    assert batches == [2, 2, 1]
    assert (delivery.claimed, delivery.sent) == (5, 5)


def test_claims_take_the_oldest_due_first_and_skip_the_held(soxp_2003, queued) -> None:
    people = employees(3)
    first, second, third = (submit(soxp_2003, p, {f"G-{p.employee_id}": 1000}) for p in people)
    now = timezone.now()

    assert claim(now=now, limit=2) == {first.pk: 1, second.pk: 1}
    assert claim(now=now, limit=2) == {third.pk: 1}  # the first two are held by their lease
    assert claim(now=now, limit=2) == {}
    assert email_of(first).next_attempt_at == now + LEASE


def test_a_dead_workers_batch_is_due_again_when_its_lease_ends(
    soxp_2003, slide_9_employee, queued, time_machine
):
    """A worker that claimed a batch and died sent nothing; the sweep finds it after the lease."""
    time_machine.move_to(timezone.now(), tick=False)
    election = submit(soxp_2003, slide_9_employee)
    claim(now=timezone.now(), limit=10)  # ... and the worker is killed

    call_command("deliver_confirmations", "--here")
    assert mail.outbox == []

    time_machine.shift(LEASE + timedelta(seconds=1))
    call_command("deliver_confirmations", "--here")
    assert len(mail.outbox) == 1
    assert (email_of(election).state, email_of(election).attempts) == ("sent", 2)


def test_the_sweep_enqueues_a_task_per_batch_of_due_emails(soxp_2003, queued, capsys) -> None:
    for person in employees(3):
        submit(soxp_2003, person, {f"G-{person.employee_id}": 1000})
    default_task_backend.clear()

    call_command("deliver_confirmations")

    assert len(default_task_backend.results) == 1
    assert "3 due: enqueued 1 delivery task(s)." in capsys.readouterr().out


# Failures: retried, then shown ---------------------------------------------------------------------


def test_a_failing_render_is_retried_after_a_wait_and_delivered(
    soxp_2003, slide_9_employee, queued, monkeypatch: pytest.MonkeyPatch, time_machine
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    election = submit(soxp_2003, slide_9_employee)
    with monkeypatch.context() as broken:
        fail_rendering(broken)
        delivery = deliver_batch()

    email = email_of(election)
    assert (delivery.sent, delivery.retrying) == (0, 1)
    assert (email.state, email.attempts) == ("owed", 1)
    assert email.last_error == "RuntimeError: WeasyPrint fell over"
    assert email.next_attempt_at == timezone.now() + RETRY_DELAYS[0]
    assert delivery.next_retry_at == email.next_attempt_at
    assert Election.objects.filter(pk=election.pk).exists()

    assert deliver_batch().claimed == 0  # not before its time
    time_machine.shift(RETRY_DELAYS[0])
    assert deliver_batch().sent == 1
    assert (email_of(election).state, email_of(election).last_error) == ("sent", "")


def test_a_failing_mailer_is_retried_until_delivered(
    soxp_2003, slide_9_employee, queued, monkeypatch: pytest.MonkeyPatch, time_machine
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    election = submit(soxp_2003, slide_9_employee)
    with monkeypatch.context() as down:
        fail_mail(down)
        for attempt in range(1, 4):
            assert deliver_batch().retrying == 1
            assert email_of(election).last_error == "ConnectionRefusedError: [Errno 111] Connection refused"
            assert email_of(election).next_attempt_at == timezone.now() + RETRY_DELAYS[attempt - 1]
            time_machine.shift(RETRY_DELAYS[attempt - 1])

    assert deliver_batch().sent == 1
    assert len(mail.outbox) == 1
    assert (email_of(election).state, email_of(election).attempts) == ("sent", 4)


def test_a_mail_server_down_is_retried_without_rendering_a_form(
    soxp_2003, slide_9_employee, queued, monkeypatch: pytest.MonkeyPatch
) -> None:
    election = submit(soxp_2003, slide_9_employee)

    class Unreachable:
        def __enter__(self):
            raise ConnectionRefusedError("[Errno 111] Connection refused")

        def __exit__(self, *exc) -> None:
            return None

    class Mailers:
        default = Unreachable()

    monkeypatch.setattr(confirmations, "mailers", Mailers())
    fail_rendering(monkeypatch, "no form is rendered while the mail server is down")

    delivery = deliver_batch()

    assert (delivery.claimed, delivery.retrying) == (1, 1)
    assert email_of(election).last_error == "ConnectionRefusedError: [Errno 111] Connection refused"


def test_one_bad_form_holds_back_no_other(soxp_2003, queued, monkeypatch: pytest.MonkeyPatch) -> None:
    """The batch fails as a whole; each form is then rendered alone, and only the bad one waits."""
    people = employees(3)
    elections = [submit(soxp_2003, p, {f"G-{p.employee_id}": 1000}) for p in people]
    bad = elections[1].confirmation_number
    render = confirmations.render_documents

    def fails_with_the_bad_form(documents):
        if any(document.confirmation_number == bad for document in documents):
            raise ValueError(f"cannot lay out {bad}")
        return render(documents)

    monkeypatch.setattr(confirmations, "render_documents", fails_with_the_bad_form)

    delivery = deliver_batch()

    assert (delivery.sent, delivery.retrying) == (2, 1)
    assert [email_of(e).state for e in elections] == ["sent", "owed", "sent"]
    assert email_of(elections[1]).last_error == f"ValueError: cannot lay out {bad}"


def test_one_refused_address_holds_back_no_other(soxp_2003, queued, monkeypatch: pytest.MonkeyPatch) -> None:
    people = employees(3)
    elections = [submit(soxp_2003, p, {f"G-{p.employee_id}": 1000}) for p in people]
    fail_mail(monkeypatch, refuse=lambda message: message.to == [people[0].email])

    assert deliver_batch().sent == 2
    assert [email_of(e).state for e in elections] == ["owed", "sent", "sent"]


def test_after_the_last_attempt_it_fails_and_can_be_sent_again(
    soxp_2003, slide_9_employee, queued, monkeypatch: pytest.MonkeyPatch, time_machine
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    election = submit(soxp_2003, slide_9_employee)
    with monkeypatch.context() as down:
        fail_mail(down)
        for delay in RETRY_DELAYS:
            deliver_batch()
            time_machine.shift(delay)
        delivery = deliver_batch()

    email = email_of(election)
    assert delivery.failed == 1
    assert (email.state, email.attempts) == ("failed", MAX_ATTEMPTS)
    assert email.failed_at == timezone.now()
    assert list(confirmations.failed()) == [email]
    time_machine.shift(timedelta(days=1))
    assert deliver_batch().claimed == 0  # given up: only the administrator sends it again

    assert resend_failed(ConfirmationEmail.objects.all()) == 1
    assert (email_of(election).state, email_of(election).attempts) == ("owed", 0)
    assert deliver_batch().sent == 1
    assert email_of(election).state == "sent"
    assert resend_failed(ConfirmationEmail.objects.all()) == 0  # sent: left as it is


def test_a_retry_is_scheduled_as_a_later_task_when_the_backend_can(
    soxp_2003, slide_9_employee, queued, monkeypatch: pytest.MonkeyPatch, time_machine
) -> None:
    time_machine.move_to(timezone.now(), tick=False)
    submit(soxp_2003, slide_9_employee)
    default_task_backend.clear()
    fail_mail(monkeypatch)

    deliver_confirmations.call()

    [later] = default_task_backend.results
    assert later.task.name == "deliver_confirmations"
    assert later.task.run_after == timezone.now() + RETRY_DELAYS[0]


def test_a_run_out_of_time_hands_the_rest_to_a_new_task(
    soxp_2003, queued, monkeypatch: pytest.MonkeyPatch
) -> None:
    for person in employees(3):
        submit(soxp_2003, person, {f"G-{person.employee_id}": 1000})
    default_task_backend.clear()
    monkeypatch.setattr(confirmations, "BATCH_SIZE", 1)
    monkeypatch.setattr("soxp_portal.offers.tasks.DELIVERY_BUDGET_SECONDS", -1)

    assert deliver_confirmations.call() == 1

    assert len(default_task_backend.results) == 1
    assert deliver_due().sent == 2
