"""Step 3: the promise-to-grant letters, their progress, and each letter downloaded from the console."""

import hashlib

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from soxp_portal.audit.models import AuditEvent
from soxp_portal.closing.actions import issue_letters
from soxp_portal.closing.models import PromiseLetter
from soxp_portal.offers.models import Offer
from tests.console.closing.conftest import Participants, messages_of, snapshot, url

pytestmark = pytest.mark.django_db


def test_issuing_the_letters_follows_their_progress(
    admin_client: Client, admin, offer: Offer, accepted: Participants, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(url("close-letters", offer), follow=True)
    assert response.redirect_chain == [(url("close-tenders", offer), 302)]
    assert messages_of(response) == [
        "The promise-to-grant letters are being made and emailed to the 3 accepted participants; this page "
        "follows their progress."
    ]
    assert AuditEvent.objects.get(event_type="letters.issued", employee__isnull=True).actor == admin

    # Nothing made yet: the list reloads itself, and says so.
    page = admin_client.get(url("close-tenders", offer))
    assert page["Refresh"] == "5"
    html = page.content.decode()
    assert 'id="issued-count">0 of 3 (0%)<' in html
    assert "This page reloads itself" in html
    assert "being made" in html

    for callback in callbacks:  # the background tasks run (immediately, in the tests)
        callback()
    assert PromiseLetter.objects.count() == 3
    assert len(mail.outbox) == 3
    page = admin_client.get(url("close-tenders", offer))
    assert "Refresh" not in page
    html = page.content.decode()
    assert 'id="issued-count">3 of 3 (100%)<' in html
    assert 'id="emailed-count">3 of 3 (100%)<' in html
    assert "Every accepted participant's letter is issued and emailed." in html
    assert f'<form method="post" action="{url("close-letter", offer, "E1001")}"' in html
    assert url("close-letter", offer, "E-ALICE") not in html  # not accepted: no letter

    close = admin_client.get(url("close", offer)).content.decode()
    assert 'id="emailed-count">3 of 3 (100%)<' in close


def test_a_letter_not_yet_emailed_keeps_the_page_reloading(
    admin_client: Client, offer: Offer, accepted: Participants, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url("close-letters", offer))
    PromiseLetter.objects.filter(tender__employee=accepted.bob).update(emailed_at=None)
    page = admin_client.get(url("close-tenders", offer))
    assert page["Refresh"] == "5"
    assert 'id="emailed-count">2 of 3 (66%)<' in page.content.decode()
    assert "not emailed yet" in page.content.decode()


def test_the_letter_downloads_as_issued(
    admin_client: Client, offer: Offer, accepted: Participants, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url("close-letters", offer))
    response = admin_client.post(url("close-letter", offer, "E1001"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="promise-to-grant-soxp-2003-E1001.pdf"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF-")
    letter = PromiseLetter.objects.get(tender__employee=accepted.sam)
    assert hashlib.sha256(body).hexdigest() == letter.sha256


def test_a_letter_that_does_not_exist_is_404(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    for employee_id in ("E1001", "E-ALICE", "E-NOBODY"):  # not made yet; not accepted; no such employee
        assert admin_client.post(url("close-letter", offer, employee_id)).status_code == 404, employee_id


def test_the_tender_list_filters_and_searches(
    admin_client: Client, offer: Offer, accepted: Participants
) -> None:
    def ids(**params: str) -> list[str]:
        response = admin_client.get(url("close-tenders", offer), params)
        return [tender.employee.employee_id for tender in response.context["object_list"]]

    assert ids() == ["E-ALICE", "E-BOB", "E-CARL", "E1001"]
    assert ids(shown="not-accepted") == ["E-ALICE"]
    assert ids(shown="no-letter") == ["E-BOB", "E-CARL", "E1001"]
    assert ids(q="slide") == ["E1001"]
    html = admin_client.get(url("close-tenders", offer), {"q": "E-BOB"}).content.decode()
    assert "G-E-BOB: 800 → 600" in html
    assert (
        "Not employed on January 20, 2003." in admin_client.get(url("close-tenders", offer)).content.decode()
    )


def refused(client: Client, offer: Offer) -> list[str]:
    before = snapshot(offer)
    response = client.post(url("close-letters", offer), follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#letters", 302)]
    assert snapshot(offer) == before
    return messages_of(response)


def test_letters_before_the_accept_are_refused(admin_client: Client, offer: Offer, participants) -> None:
    assert refused(admin_client, offer) == ["Accept the tenders first: letters go to accepted participants."]


def test_issuing_the_letters_twice_is_refused(
    admin_client: Client, admin, offer: Offer, accepted: Participants
) -> None:
    issue_letters(offer, actor=admin, now=timezone.now())
    assert refused(admin_client, offer) == [
        "The letters were already issued on January 21, 2003 at 9:00 AM PST; their progress is shown below."
    ]


def test_downloading_a_letter_is_audited(
    admin_client: Client, offer: Offer, accepted: Participants, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url("close-letters", offer))
    before = AuditEvent.objects.count()
    admin_client.post(url("close-letter", offer, "E1001"), HTTP_USER_AGENT="Browser/1.0")

    [event] = AuditEvent.objects.filter(sequence__gt=before)
    letter = PromiseLetter.objects.get(tender__employee=accepted.sam)
    assert (event.event_type, event.employee, event.actor_email) == (
        "export.downloaded",
        accepted.sam,
        "ada.admin@example.com",
    )
    assert (event.channel, event.user_agent, event.subject_type) == ("web", "Browser/1.0", "closing.Tender")
    assert event.data == {
        "export": "promise-letter",
        "format": "pdf",
        "offer": "soxp-2003",
        "sha256": letter.sha256,
    }
