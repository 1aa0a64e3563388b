"""The close preview on PostgreSQL, where it runs in production: two administrators asking at once start
one run; the plan is published with its progress from a connection of its own while it is worked out.

``transaction=True``: the rows are committed, so the other threads see them.
"""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.utils import timezone

from soxp_portal.accounts.roles import Role
from soxp_portal.closing import preview, runs
from soxp_portal.closing.models import ClosePreviewRun
from soxp_portal.closing.preview import run_close_preview, start_preview
from soxp_portal.offers.models import Offer
from tests.closing.test_background_postgres import elected, in_threads  # noqa: F401 (a fixture)
from tests.console.closing.conftest import member_of
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: concurrent requests on connections of their own (run under scripts/with-postgres)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def admin(db: None):
    return member_of(Role.STOCK_ADMINISTRATOR, email="admin@example.com")


def test_two_administrators_asking_at_once_start_one_run(elected: Offer, admin, monkeypatch) -> None:  # noqa: F811
    other = UserFactory(email="other@example.com")
    enqueued: list[int] = []

    class Held:
        @staticmethod
        def enqueue(run_id: int) -> None:
            enqueued.append(run_id)

    real_active = preview.active_preview

    def slow_active(offer: Offer) -> ClosePreviewRun | None:
        found = real_active(offer)
        time.sleep(0.3)  # both requests have looked and found none before either records one
        return found

    monkeypatch.setattr(preview, "run_close_preview", Held)
    monkeypatch.setattr(preview, "active_preview", slow_active)
    got: list[ClosePreviewRun] = []
    outcomes = in_threads(
        lambda: got.append(start_preview(elected, actor=admin, now=timezone.now())),
        lambda: got.append(start_preview(elected, actor=other, now=timezone.now())),
    )
    assert outcomes == [None, None]
    run = ClosePreviewRun.objects.get()
    assert [item.pk for item in got] == [run.pk, run.pk]
    assert enqueued == [run.pk]


def test_the_progress_is_published_while_the_plan_is_worked_out(elected: Offer, admin, monkeypatch) -> None:  # noqa: F811
    monkeypatch.setattr(
        preview, "run_close_preview", type("Held", (), {"enqueue": staticmethod(lambda pk: None)})
    )
    run = start_preview(elected, actor=admin, now=timezone.now())
    seen: list[tuple[str, int, int | None]] = []
    real_plan = preview.close_plan

    def watched(offer: Offer, **kwargs):
        for index, planned in enumerate(real_plan(offer, **kwargs)):
            if index == 6:  # the heartbeat thread publishes from its own connection
                time.sleep(0.8)
                seen.append(ClosePreviewRun.objects.values_list("state", "done", "total").get(pk=run.pk))
            yield planned

    monkeypatch.setattr(preview, "close_plan", watched)
    monkeypatch.setattr(runs, "HEARTBEAT_SECONDS", 0.2)
    assert run_close_preview.call(run.pk) == "done"
    assert seen == [("running", 6, 12)]
    run.refresh_from_db()
    assert (run.state, run.done, run.total, run.accepted) == ("done", 12, 12, 12)
