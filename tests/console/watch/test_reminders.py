"""The reminder: a confirmation with the count, then one email to each eligible employee without an election."""

import re
import uuid
from datetime import datetime

import pytest
from django.core import mail
from django.test import Client

from soxp_portal.audit.models import AuditEvent
from soxp_portal.offers.models import Offer
from soxp_portal.offers.reminders import send_reminders
from tests.console.watch.conftest import Census, url

pytestmark = pytest.mark.django_db


def test_the_confirmation_shows_how_many_will_be_emailed(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    response = admin_client.post(url("reminders", offer))
    html = response.content.decode()
    assert response.status_code == 200
    assert re.search(r'id="reminder-count"><strong>2</strong> eligible employees have made no election', html)
    assert "Send 2 reminders" in html
    assert "The email reminds them of the deadline, January 20, 2003 at 9:00 PM PST, that" in html
    assert "UTC" not in html
    assert not mail.outbox, "nothing is sent before the confirmation"


def test_the_reminder_goes_to_exactly_the_eligible_undecided(
    admin_client: Client, admin, offer: Offer, census: Census
) -> None:
    batch = str(uuid.uuid4())
    response = admin_client.post(url("reminders-send", offer), {"batch": batch})
    assert response.status_code == 302
    assert response["Location"] == url("dashboard", offer)
    assert sorted(message.to[0] for message in mail.outbox) == sorted([census.dave.email, census.erin.email])
    message = next(m for m in mail.outbox if m.to == [census.dave.email])
    assert message.subject.startswith("Reminder: make your election")
    assert "Dear Dave," in message.body
    # The employee's convention: the offer's zone, named; no second zone in an email.
    assert "The deadline is January 20, 2003 at 9:00 PM PST. An election counts" in message.body
    assert "UTC" not in message.body
    assert "http://testserver/offers/soxp-2003/" in message.body
    assert "keeps its current terms" in message.body

    event = AuditEvent.objects.get(event_type="reminders.sent")
    assert (event.actor, event.offer) == (admin, offer)
    assert event.data["recipients"] == 2
    assert sorted(event.data["employee_ids"]) == ["E-DAVE", "E-ERIN"]


def test_the_same_confirmation_posted_twice_sends_once(
    admin_client: Client, offer: Offer, census: Census
) -> None:
    batch = str(uuid.uuid4())
    admin_client.post(url("reminders-send", offer), {"batch": batch})
    admin_client.post(url("reminders-send", offer), {"batch": batch})
    assert len(mail.outbox) == 2
    assert AuditEvent.objects.filter(event_type="reminders.sent").count() == 1


def test_someone_who_decides_before_the_task_runs_is_not_reminded(
    offer: Offer, census: Census, admin
) -> None:
    from tests.console.watch.conftest import submit

    submit(offer, census.erin, {"G-E-ERIN": 1000})
    mail.outbox.clear()
    assert send_reminders.call(offer.pk, admin.pk, str(uuid.uuid4()), "https://soxp.example.com") == 1
    assert [message.to for message in mail.outbox] == [[census.dave.email]]
    assert "https://soxp.example.com/offers/soxp-2003/" in mail.outbox[0].body


def test_no_reminder_once_the_offer_has_expired(
    admin_client: Client, admin, offer: Offer, census: Census, during_offer
) -> None:
    during_offer.move_to(datetime(2003, 1, 22, 9, 0, tzinfo=offer.zone))
    admin_client.force_login(admin)
    response = admin_client.post(url("reminders-send", offer), {"batch": str(uuid.uuid4())}, follow=True)
    assert "The offer is not open, so no reminder was sent." in response.content.decode()
    assert not mail.outbox
