"""The confirmation emails on the console: each version's on the employee's page (sent, on its way, or
not delivered with its error and a button to send it again), and the offer's failures on one page."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from soxp_portal.offers.confirmations import MAX_ATTEMPTS
from soxp_portal.offers.models import ConfirmationEmail, Election, Offer
from tests.console.watch.conftest import Census, url

pytestmark = pytest.mark.django_db

REFUSED = "SMTPRecipientsRefused: {'bob.baker@example.com': (550, b'5.1.1 mailbox unavailable')}"


def email_of(election: Election) -> ConfirmationEmail:
    return ConfirmationEmail.objects.get(election=election)


def given_up(election: Election, error: str = REFUSED) -> None:
    ConfirmationEmail.objects.filter(election=election).update(
        attempts=MAX_ATTEMPTS, last_error=error, failed_at=timezone.now()
    )


@pytest.fixture
def emails(census: Census) -> dict[str, Election]:
    """Sam's email sent; Bob's second version's email not delivered; Alice's still being tried."""
    sam = Election.objects.get(employee=census.sam)
    ConfirmationEmail.objects.filter(election=sam).update(sent_at=timezone.now(), attempts=1)
    bob = Election.objects.get(employee=census.bob, version=2)
    given_up(bob)
    alice = Election.objects.get(employee=census.alice, version=2)
    ConfirmationEmail.objects.filter(election=alice).update(
        attempts=2,
        last_error="TimeoutError: timed out",
        next_attempt_at=timezone.now() + timedelta(minutes=5),
    )
    return {"sam": sam, "bob": bob, "alice": alice}


def row(html: str, election: Election) -> str:
    start = html.index(f'id="election-{election.confirmation_number}"')
    return html[start : html.index("</tr>", start)]


def test_the_employee_page_shows_each_versions_email(
    admin_client: Client, offer: Offer, census: Census, emails
) -> None:
    sam = admin_client.get(url("employee", offer, "E1001")).content.decode()
    assert "Sent January 10, 2003 at 10:00:00 AM PST" in row(sam, emails["sam"])

    bob = admin_client.get(url("employee", offer, "E-BOB")).content.decode()
    failed = row(bob, emails["bob"])
    assert "Not delivered" in failed
    assert "mailbox unavailable" in failed
    resend = url("confirmation-resend", offer, "E-BOB", emails["bob"].confirmation_number)
    assert f'action="{resend}"' in failed
    first = Election.objects.get(employee=census.bob, version=1)
    assert "Being sent" in row(bob, first)
    assert "Send again" not in row(bob, first)

    alice = admin_client.get(url("employee", offer, "E-ALICE")).content.decode()
    assert re.search(
        r"Being sent: attempt 2 failed, tried again at January 10, 2003 at 10:05:00 AM PST.*timed out",
        row(alice, emails["alice"]),
        re.S,
    )


def test_a_failed_email_is_sent_again_from_the_employee_page(
    admin_client: Client, offer: Offer, census: Census, emails, django_capture_on_commit_callbacks
) -> None:
    bob = emails["bob"]
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("confirmation-resend", offer, "E-BOB", bob.confirmation_number))

    assert response.status_code == 302
    assert response["Location"] == f"{url('employee', offer, 'E-BOB')}#election-{bob.confirmation_number}"
    assert email_of(bob).state == "sent"  # the immediate task backend delivered what was due
    assert [m.to for m in mail.outbox if bob.confirmation_number in m.subject] == [[census.bob.email]]
    page = admin_client.get(response["Location"]).content.decode()
    assert f"The confirmation email of {bob.confirmation_number} will be sent again to bob.baker@" in page


def test_an_email_not_failed_is_left_as_it_is(admin_client: Client, offer: Offer, emails) -> None:
    sam = emails["sam"]
    before = email_of(sam)
    response = admin_client.post(
        url("confirmation-resend", offer, "E1001", sam.confirmation_number), follow=True
    )
    assert (
        "has not failed (it was sent, or is still being tried): nothing was changed."
        in response.content.decode()
    )
    assert email_of(sam).sent_at == before.sent_at


def test_the_offers_page_lists_what_was_not_delivered(
    admin_client: Client, offer: Offer, census: Census, emails
) -> None:
    html = admin_client.get(url("confirmations", offer)).content.decode()

    # Alice's two versions and Bob's first are owed (the test's transaction never commits to send them).
    assert re.search(r'id="owed-count"><strong>3</strong> emails still on their way', html)
    assert re.search(
        r'id="failed-count"><strong>1</strong> email could not be delivered after 6 attempts', html
    )
    table = html[html.index('id="failed-confirmations"') :]
    for shown in ("Bob Baker", emails["bob"].confirmation_number, "mailbox unavailable"):
        assert shown in table
    for hidden in ("Sam", "Alice"):
        assert hidden not in table
    assert f'action="{url("confirmations-resend", offer)}"' in html


def test_every_failed_email_of_the_offer_is_sent_again(
    admin_client: Client, offer: Offer, census: Census, emails, django_capture_on_commit_callbacks
) -> None:
    given_up(Election.objects.get(employee=census.bob, version=1))
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(url("confirmations-resend", offer), follow=True)

    html = response.content.decode()
    assert "2 confirmation emails will be sent again, in the background." in html
    assert not ConfirmationEmail.objects.filter(failed_at__isnull=False).exists()
    assert "Every confirmation email that was due has been delivered or is still being tried." in html


def test_nothing_failed_says_so(admin_client: Client, offer: Offer, census: Census) -> None:
    response = admin_client.post(url("confirmations-resend", offer), follow=True)
    assert "No confirmation email has failed: nothing to send again." in response.content.decode()
