"""The close page follows a step carried out in the background: queued, running with its progress, stopped
(with a restart), failed (with the reason), done; a second start is refused with a message."""

from datetime import timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.models import StepRun, Tender
from soxp_portal.offers.models import Offer
from tests.console.closing.conftest import (
    AFTER_DEADLINE,
    Participants,
    get_page,
    messages_of,
    post_step,
    started,
    url,
)

pytestmark = pytest.mark.django_db


def ask(client: Client, offer: Offer, name: str = "close-accept", data: dict | None = None):
    """The POST of a step, its task kept back (as it waits for a worker): the page it redirects to."""
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = client.post(url(name, offer), {"reviewed": "on"} if data is None else data, follow=True)
    return response, callbacks


def run_url(offer: Offer, run: StepRun) -> str:
    return url("close-run", offer, str(run.pk))


def test_a_queued_step_is_followed_on_the_close_page(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    response, callbacks = ask(admin_client, offer)
    assert response.redirect_chain == [(url("close", offer) + "#accept", 302)]
    assert messages_of(response) == [started("Accepting the tenders")]
    run = StepRun.objects.get()
    html = response.content.decode()
    assert f'data-progress-url="{run_url(offer, run)}"' in html
    assert '<span class="badge text-bg-info">Queued</span>' in html
    assert "Waiting for a task worker to take it up." in html
    assert '<span class="badge text-bg-info">Under way</span>' in html
    assert 'id="step-under-way"' in html
    assert "Reload the page to see how far it is." in html  # without the script
    assert '<script src="/static/js/console.js"></script>' in html
    # Neither the plan worked out again nor the form while the accept is under way.
    assert "If the tenders are accepted now" not in html
    assert url("close-accept", offer) not in html
    assert not Tender.objects.exists()

    for callback in callbacks:
        callback()
    html = admin_client.get(url("close", offer)).content.decode()
    assert '<span class="badge text-bg-success">Done</span>' in html
    assert "data-progress-url" not in html
    assert 'id="accepted">3<' in html


def test_the_fragment_shows_a_running_steps_progress(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    ask(admin_client, offer)
    StepRun.objects.update(
        state="running",
        attempts=1,
        started_at=timezone.now() - timedelta(seconds=12),
        heartbeat_at=timezone.now() - timedelta(seconds=2),
        stage="Deciding each final election",
        done=1,
        total=4,
    )
    run = StepRun.objects.get()
    response = admin_client.get(run_url(offer, run))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert html.startswith(f'<div class="run border rounded p-3 mb-3" id="run-{run.pk}" data-state="running"')
    assert f'data-progress-url="{run_url(offer, run)}"' in html
    assert '<span class="badge text-bg-primary">Running</span>' in html
    assert (
        '<label for="run-progress-1">Deciding each final election</label>'.replace("1", str(run.pk)) in html
    )
    assert "1 of 4 participants (25%)" in html
    assert f'<progress class="w-100" id="run-progress-{run.pk}" max="100" value="25">25%</progress>' in html
    assert "(12 s ago)" in html
    assert "Start it again" not in html  # heard from two seconds ago


def test_a_stopped_step_is_restarted_from_the_page(
    admin_client: Client, admin, offer: Offer, participants: Participants
) -> None:
    ask(admin_client, offer)
    long_ago = timezone.now() - timedelta(minutes=5)
    StepRun.objects.update(state="running", attempts=1, started_at=long_ago, heartbeat_at=long_ago)
    run = StepRun.objects.get()
    html = admin_client.get(run_url(offer, run)).content.decode()
    assert '<span class="badge text-bg-warning">Stopped</span>' in html
    assert "Its worker has not reported for over a minute: it has stopped" in html
    restart = url("close-run-restart", offer, str(run.pk))
    assert f'<form method="post" action="{restart}">' in html

    response = post_step(admin_client, restart)
    assert response.redirect_chain == [(url("close", offer) + "#accept", 302)]
    assert messages_of(response) == [
        "Accepting the tenders is started again. Nothing of the stopped attempt was kept; its section below "
        "shows how far the new one is."
    ]
    run.refresh_from_db()
    assert (run.state, run.attempts, run.restarted_by) == ("done", 2, admin)
    assert Tender.objects.count() == 4


def test_a_step_heard_from_recently_is_not_restarted(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    ask(admin_client, offer)
    StepRun.objects.update(
        state="running", attempts=1, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    run = StepRun.objects.get()
    response = admin_client.post(url("close-run-restart", offer, str(run.pk)), follow=True)
    [message] = messages_of(response)
    assert message.startswith("Accepting the tenders is running: its worker was last heard from on")
    assert AuditEvent.objects.get(event_type=AuditEventType.CONSOLE_REFUSED).data["action"] == "close.restart"
    run.refresh_from_db()
    assert (run.state, run.attempts) == ("running", 1)


def test_a_failed_step_shows_why_and_can_be_taken_again(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    ask(admin_client, offer)
    StepRun.objects.update(state="failed", attempts=1, finished_at=timezone.now(), error="The disk is full.")
    html = get_page(admin_client, url("close", offer)).content.decode()
    assert '<span class="badge text-bg-danger">Failed</span>' in html
    assert '<div class="alert alert-danger mt-2 mb-0 run-error"><p class="mb-1">The disk is full.</p>' in html
    assert "Nothing was changed" in html
    assert "data-progress-url" not in html
    assert f'action="{url("close-accept", offer)}"' in html  # the step may be taken again

    response = post_step(admin_client, url("close-accept", offer), {"reviewed": "on"})
    assert messages_of(response) == [started("Accepting the tenders")]
    assert StepRun.objects.filter(state="done").count() == 1
    assert Tender.objects.count() == 4


def test_a_second_start_is_refused_with_a_message_and_audited(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    ask(admin_client, offer)
    response, callbacks = ask(admin_client, offer)
    assert callbacks == []
    assert response.redirect_chain == [(url("close", offer) + "#accept", 302)]
    assert messages_of(response) == [
        "Accepting the tenders is already under way (waiting for a task worker): started by "
        "ada.admin@example.com on January 21, 2003 at 9:00 AM PST. Its progress is shown below; the next step "
        "can be taken once it is done."
    ]
    assert StepRun.objects.count() == 1
    refusal = AuditEvent.objects.get(event_type=AuditEventType.CONSOLE_REFUSED)
    assert refusal.data["action"] == "close.accept"


def test_the_run_pages_are_for_the_stock_administrator_only(
    client: Client, admin, auditor, offer: Offer, participants: Participants
) -> None:
    client.force_login(admin)
    ask(client, offer)
    run = StepRun.objects.get()
    fragment, restart = run_url(offer, run), url("close-run-restart", offer, str(run.pk))
    assert client.get(restart).status_code == 405
    assert client.post(fragment).status_code == 405
    assert client.get(url("close-run", offer, str(run.pk + 1))).status_code == 404
    assert client.get(f"/console/offers/nope/close/runs/{run.pk}/").status_code == 404
    client.logout()
    for method, address in (("get", fragment), ("post", restart)):
        response = getattr(client, method)(address)
        assert response["Location"].startswith(f"/accounts/login/?next={address}")
    for user in (auditor, participants.sam.user):
        client.force_login(user)
        assert client.get(fragment).status_code == 403
        assert client.post(restart).status_code == 403


@pytest.mark.django_db(transaction=True)
def test_with_tasks_run_at_once_the_page_says_what_the_step_did(
    client: Client, admin, offer: Offer, participants: Participants
) -> None:
    """Outside a test's transaction the task runs as the request commits (the immediate backend of
    development): the step is done by the redirect, and the message says what it did, as before."""
    client.force_login(admin)
    response = client.post(url("close-accept", offer), {"reviewed": "on"}, follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#cancel", 302)]
    assert messages_of(response) == [
        "The tenders are decided: 3 accepted (3,500 shares for 2,625 new shares), 1 not accepted. The offer is "
        "closed to elections. Next: cancel the tendered grants and issue the letters."
    ]
    assert StepRun.objects.get().requested_at == AFTER_DEADLINE
