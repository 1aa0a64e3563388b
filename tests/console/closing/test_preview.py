"""The pre-close reconciliation worked out by a background run (``closing.preview``) and shown by the close
page: asked for at the first visit, followed while it runs, stored, marked out of date when the census, the
elections or the terms change, its failure shown, and its totals what the accept then does."""

import io
import uuid
from datetime import UTC, timedelta

import pytest
from django.test import Client, TestCase
from django.utils import timezone

from soxp_portal.closing import preview
from soxp_portal.closing.models import ClosePreviewRow, ClosePreviewRun
from soxp_portal.closing.preview import start_preview
from soxp_portal.closing.queries import tender_totals
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.census import import_census
from soxp_portal.offers.models import Election, Employee, Grant, Offer
from tests.console.closing.conftest import (
    AFTER_DEADLINE,
    BEFORE_DEADLINE,
    Participants,
    get_page,
    messages_of,
    post_step,
    url,
)
from tests.factories import UserFactory
from tests.offers.census_data import EMPLOYEES_HEADER, GRANTS_HEADER, csv_bytes

pytestmark = pytest.mark.django_db
OUT_OF_DATE = "This plan is out of date: what it shows is not what the accept would do now."


def first_visit_held(client: Client, offer: Offer):
    """The first visit, its run's task kept back (as it waits for a worker): the page and the callbacks."""
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        response = client.get(url("close", offer))
    return response, callbacks


def test_the_first_visit_asks_for_the_plan_and_follows_it_until_it_is_done(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    response, callbacks = first_visit_held(admin_client, offer)
    run = ClosePreviewRun.objects.get()
    html = response.content.decode()
    assert len(callbacks) == 1
    assert f'data-progress-url="{url("close-preview-run", offer, str(run.pk))}"' in html
    assert '<span class="badge text-bg-info">Queued</span>' in html
    assert "Working out the plan" in html
    assert 'id="accepted"' not in html  # no figures before they are worked out
    assert "disabled>Accept the tenders and close the offer" in html
    assert "Review a current plan first" in html
    # A second visit meanwhile asks for nothing more.
    assert get_page(admin_client, url("close", offer)).status_code == 200
    assert ClosePreviewRun.objects.count() == 1

    # Running: its progress, as the page's script fetches it.
    ClosePreviewRun.objects.update(
        state="running", attempts=1, started_at=timezone.now(), heartbeat_at=timezone.now(), done=2, total=4
    )
    fragment = admin_client.get(url("close-preview-run", offer, str(run.pk)))
    assert fragment["Cache-Control"] == "no-store"
    text = fragment.content.decode()
    assert "2 of 4 participants (50%)" in text
    assert 'data-progress-url="' in text

    ClosePreviewRun.objects.update(state="queued", attempts=0)
    for callback in callbacks:
        callback()
    run.refresh_from_db()
    assert (run.state, run.total, run.done) == ("done", 4, 4)
    assert (
        'data-progress-url="'
        not in admin_client.get(url("close-preview-run", offer, str(run.pk))).content.decode()
    )
    html = admin_client.get(url("close", offer)).content.decode()
    assert "data-progress-url" not in html
    assert 'id="shares-taken">3,500<' in html
    assert "Worked out on January 21, 2003 at 9:00:00 AM PST" in html
    assert "nothing has changed since." in html
    assert OUT_OF_DATE not in html
    assert "disabled>Accept" not in html
    assert ClosePreviewRow.objects.filter(run=run).count() == 2


@pytest.mark.django_db(transaction=True)
def test_with_the_immediate_task_backend_the_first_visit_shows_the_plan_at_once(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    """As ``make run`` serves it: no transaction around the request, so the task runs before the page."""
    response = admin_client.get(url("close", offer))
    assert response.context["preview"].state == "done"
    assert (response.context["preview"].accepted, response.context["preview"].new_shares) == (3, 2625)
    assert 'id="new-shares">2,625<' in response.content.decode()
    Offer.objects.filter(pk=offer.pk).update(exchange_ratio="0.5")
    response = admin_client.post(url("close-preview", offer), follow=True)
    assert messages_of(response) == [
        "The plan is worked out again from the census and the elections as they are now."
    ]
    assert response.context["preview"].new_shares == 1750


def census_as_it_is(change: dict[str, dict[str, int]] | None = None) -> tuple[bytes, bytes]:
    """The census in the database as CSV files, with `change` (grant id -> fields) applied."""
    employees = [
        ",".join(
            [
                e.employee_id,
                e.first_name,
                e.last_name,
                e.email,
                e.hire_date.isoformat(),
                e.work_country,
                e.status,
                e.termination_date.isoformat() if e.termination_date else "",
                str(e.is_executive_officer).lower(),
                str(e.is_director).lower(),
            ]
        )
        for e in Employee.objects.order_by("employee_id")
    ]
    grants = []
    for g in Grant.objects.select_related("employee", "plan").order_by("grant_id"):
        fields = {"shares_exercised": g.shares_exercised} | (change or {}).get(g.grant_id, {})
        grants.append(
            ",".join(
                [
                    g.grant_id,
                    g.employee.employee_id,
                    g.plan.name,
                    g.option_type,
                    g.grant_date.isoformat(),
                    str(g.shares_granted),
                    str(fields["shares_exercised"]),
                    str(g.shares_cancelled),
                    str(g.exercise_price),
                    g.expiration_date.isoformat(),
                    g.performance_condition,
                ]
            )
        )
    return csv_bytes(EMPLOYEES_HEADER, employees), csv_bytes(GRANTS_HEADER, grants)


def test_a_census_import_makes_the_plan_out_of_date_until_it_is_worked_out_again(
    admin_client: Client, offer: Offer, participants: Participants, admin
) -> None:
    before = get_page(admin_client, url("close", offer)).context["preview"]
    assert before.shares == 3500
    employees, grants = census_as_it_is({"G-E-CARL": {"shares_exercised": 100}})  # Carl: 300 left of 400
    import_census(io.BytesIO(employees), io.BytesIO(grants), actor=admin, now=AFTER_DEADLINE)

    response = admin_client.get(url("close", offer))
    html = response.content.decode()
    assert response.context["preview"] == before  # shown, but said to be out of date
    assert OUT_OF_DATE in html
    assert "A census was imported on January 21, 2003 at 9:00 AM PST." in html
    assert "disabled>Accept the tenders and close the offer" in html
    assert "Work out the plan again</button>" in html

    response = post_step(admin_client, url("close-preview", offer))
    assert messages_of(response) == [  # the test's transaction holds the task back until after the POST
        "The plan is being worked out in the background; its progress is shown below, and the page shows the "
        "plan once it is done."
    ]
    after = response.context["preview"]
    assert after != before
    assert (after.accepted, after.shares, after.new_shares) == (3, 3400, 2550)
    html = response.content.decode()
    assert OUT_OF_DATE not in html
    assert "The census changed grant G-E-CARL after the election." in html
    assert not ClosePreviewRow.objects.filter(run=before).exists()  # only the latest plan's rows are kept


def test_a_paper_election_keyed_in_after_the_deadline_makes_the_plan_out_of_date(
    admin_client: Client, offer: Offer, participants: Participants, admin
) -> None:
    get_page(admin_client, url("close", offer))
    submit_election(  # Dave's fax, received before the deadline, keyed in the morning after
        offer,
        participants.dave,
        {"G-E-DAVE": 1000},
        actor=admin,
        signature="Dave Dunn",
        expected_version=0,
        submission_token=uuid.uuid4(),
        channel=Election.Channel.FAX,
        received_at=BEFORE_DEADLINE.astimezone(UTC),
    )
    html = admin_client.get(url("close", offer)).content.decode()
    assert OUT_OF_DATE in html
    assert "Elections were received or keyed in (a paper form, a withdrawal or a new version)." in html
    assert "A census was imported" not in html
    after = post_step(admin_client, url("close-preview", offer)).context["preview"]
    assert (after.participants, after.accepted, after.shares) == (5, 4, 4500)


def test_a_change_of_the_terms_makes_the_plan_out_of_date(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    get_page(admin_client, url("close", offer))
    Offer.objects.filter(pk=offer.pk).update(exchange_ratio="0.5")
    html = admin_client.get(url("close", offer)).content.decode()
    assert OUT_OF_DATE in html
    assert "The offer&#x27;s terms changed." in html


def test_the_totals_shown_are_what_the_accept_then_does(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    shown = get_page(admin_client, url("close", offer)).context["preview"]
    post_step(admin_client, url("close-accept", offer), {"reviewed": "on"})
    done = tender_totals(offer)
    assert (done.accepted, done.not_accepted, done.shares, done.new_shares) == (
        shown.accepted,
        shown.not_accepted,
        shown.shares,
        shown.new_shares,
    )
    assert (shown.accepted, shown.not_accepted, shown.shares, shown.new_shares) == (3, 1, 3500, 2625)


def test_two_administrators_asking_at_once_start_one_run(
    offer: Offer, participants: Participants, admin
) -> None:
    other = UserFactory(email="other@example.com")
    with TestCase.captureOnCommitCallbacks(execute=False) as callbacks:
        first = start_preview(offer, actor=admin, now=timezone.now())
        second = start_preview(offer, actor=other, now=timezone.now())
    assert first == second
    assert ClosePreviewRun.objects.count() == 1
    assert len(callbacks) == 1


def test_a_failed_run_is_shown_with_its_error_and_can_be_asked_for_again(
    admin_client: Client, offer: Offer, participants: Participants, monkeypatch
) -> None:
    def broken(offer: Offer, **kwargs):
        raise RuntimeError("could not read the census")
        yield

    monkeypatch.setattr(preview, "close_plan", broken)
    response = get_page(admin_client, url("close", offer))
    html = response.content.decode()
    run = ClosePreviewRun.objects.get()
    assert run.state == "failed"
    assert '<span class="badge text-bg-danger">Failed</span>' in html
    assert "It stopped on an unexpected error (RuntimeError: could not read the census)." in html
    assert 'id="accepted"' not in html
    assert "disabled>Accept the tenders and close the offer" in html
    assert "Work out the plan again</button>" in html

    monkeypatch.undo()
    response = post_step(admin_client, url("close-preview", offer))
    assert response.context["preview"].accepted == 3
    assert "It stopped on an unexpected error" not in response.content.decode()


def test_a_run_whose_worker_stopped_is_replaced_when_the_plan_is_asked_for_again(
    admin_client: Client, offer: Offer, participants: Participants
) -> None:
    _, callbacks = first_visit_held(admin_client, offer)
    stopped = ClosePreviewRun.objects.get()
    long_ago = timezone.now() - timedelta(minutes=5)
    ClosePreviewRun.objects.update(state="running", attempts=1, started_at=long_ago, heartbeat_at=long_ago)
    html = admin_client.get(url("close", offer)).content.decode()
    assert '<span class="badge text-bg-warning">Stopped</span>' in html
    assert f'action="{url("close-preview", offer)}"' in html

    response = post_step(admin_client, url("close-preview", offer))
    stopped.refresh_from_db()
    assert stopped.state == "failed"
    assert response.context["preview"].state == "done"
    # The stopped worker coming back keeps nothing.
    for callback in callbacks:
        callback()
    assert ClosePreviewRun.objects.filter(state="done").count() == 1


def test_after_the_accept_no_plan_is_asked_for(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    get_page(admin_client, url("close", offer))
    assert not ClosePreviewRun.objects.exists()
