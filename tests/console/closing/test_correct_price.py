"""After step 4: a closing price typed wrong is corrected on every new option, audited, until the price
leaves the portal (the first download of an export that states it makes it final)."""

from decimal import Decimal

import pytest
import time_machine
from django.test import Client, TestCase

from soxp_portal.audit.models import AuditEvent
from soxp_portal.closing.actions import ClosingError, correct_closing_price, create_new_grants
from soxp_portal.closing.models import ExportFile, NewGrant
from soxp_portal.offers.models import Offer
from tests.console.closing.conftest import (
    NEW_GRANT_DAY,
    Participants,
    messages_of,
    post_step,
    snapshot,
    started,
    url,
)

pytestmark = pytest.mark.django_db
TYPO = Decimal("12.50")  # typed for the close of July 18, 2003, which was $1.25
RIGHT = {"closing_price": "1.25", "reason": "Typed 12.50 for 1.25; the exchange's record says 1.25."}


@pytest.fixture
def granted(client: Client, admin, offer: Offer, cancelled: Participants, clock) -> Participants:
    """The new grants made on the new grant date at a price typed wrong: Sam's three options, Bob's and Carl's."""
    clock.move_to(NEW_GRANT_DAY)
    create_new_grants(offer, closing_price=TYPO, actor=admin, now=NEW_GRANT_DAY)
    client.force_login(admin)
    return cancelled


def prices(offer: Offer) -> tuple[Decimal | None, set[Decimal]]:
    offer.refresh_from_db()
    return offer.new_exercise_price, set(NewGrant.objects.values_list("exercise_price", flat=True))


def corrections():
    return AuditEvent.objects.filter(event_type="new_grants.price_corrected")


def test_the_close_page_offers_the_correction_and_says_the_rule(
    client: Client, offer: Offer, granted: Participants
) -> None:
    html = client.get(url("close", offer)).content.decode()
    assert 'id="correct-price"' in html
    assert "Corrected closing price on July 18, 2003</label>" in html
    assert "can be corrected until the price leaves the portal: the first download" in html
    assert url("close-correct-price", offer) in html


def test_the_correction_is_shown_back_before_anything_changes(
    client: Client, offer: Offer, granted: Participants
) -> None:
    before = snapshot(offer)
    response = client.post(url("close-correct-price", offer), RIGHT)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="price-before">$12.50<' in html
    assert 'id="price">$1.25<' in html
    assert 'id="corrected">5 new options of 3 participants;' in html
    assert "Correct 5 new options to $1.25</button>" in html
    assert 'name="confirmed" value="True"' in html
    assert snapshot(offer) == before
    assert not corrections().exists()


def test_confirmed_every_new_option_gets_the_corrected_price_audited(
    client: Client, admin, offer: Offer, granted: Participants
) -> None:
    response = post_step(client, url("close-correct-price", offer), {**RIGHT, "confirmed": "True"})
    assert response.redirect_chain == [(url("close", offer) + "#correct-price", 302)]
    assert messages_of(response) == [started("Correcting the exercise price")]
    assert prices(offer) == (Decimal("1.25"), {Decimal("1.25")})
    assert "at <strong>$1.25</strong>" in response.content.decode()
    event = corrections().get(employee__isnull=True)
    assert (event.actor, event.offer) == (admin, offer)
    assert event.data["exercise_price"] == {"before": "12.5000", "after": "1.25"}
    assert event.data["reason"] == RIGHT["reason"]
    assert (event.data["new_grants"], event.data["participants"]) == (5, 3)
    per_employee = {e.employee.employee_id: e.data for e in corrections().filter(employee__isnull=False)}
    assert per_employee["E1001"]["grants"] == ["SOXP-2003-G-1001", "SOXP-2003-G-1002", "SOXP-2003-G-1004"]
    assert per_employee["E-CARL"]["grants"] == ["SOXP-2003-G-E-CARL"]
    assert per_employee["E-CARL"]["exercise_price"] == {"before": "12.5000", "after": "1.25"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {**RIGHT, "closing_price": "99999999999"},
            "The closing price must be at most $1,000,000.00 a share.",
        ),
        ({**RIGHT, "closing_price": "0"}, "The closing price must be more than zero."),
        ({**RIGHT, "closing_price": ""}, "Corrected closing price on July 18, 2003: This field is required."),
        ({**RIGHT, "reason": ""}, "Say why the price is corrected: the reason is kept in the audit trail."),
        ({**RIGHT, "closing_price": "12.50"}, "The exercise price is already $12.50: nothing changes."),
    ],
)
@pytest.mark.parametrize("confirmed", ["", "True"])
def test_a_bad_correction_is_refused_and_changes_nothing(
    client: Client, offer: Offer, granted: Participants, data: dict[str, str], message: str, confirmed: str
) -> None:
    before = snapshot(offer)
    response = client.post(url("close-correct-price", offer), {**data, "confirmed": confirmed}, follow=True)
    assert response.redirect_chain == [(url("close", offer) + "#correct-price", 302)]
    assert messages_of(response) == [message]
    assert snapshot(offer) == before
    assert prices(offer) == (TYPO, {TYPO})


@pytest.mark.parametrize(
    ("key", "fmt"), [("new-grants", "csv"), ("summary", "xlsx"), ("ocf-transactions", "json")]
)
def test_once_an_export_states_the_price_it_is_final(
    client: Client, offer: Offer, granted: Participants, key: str, fmt: str
) -> None:
    exports = client.get(url("exports", offer)).content.decode()
    assert exports.count('class="small text-body-secondary mb-0 mt-1 price-final-note"') == 3
    with TestCase.captureOnCommitCallbacks(execute=True):
        download = client.post(url("export-download", offer, key, fmt))
    if fmt == "xlsx":  # made by a task, then downloaded from the exports page
        assert "is being made in the background" in client.get(download["Location"]).content.decode()
        made = ExportFile.objects.get(offer=offer, export=key)
        download = client.post(url("export-file-download", offer, str(made.pk)))
    assert download.status_code == 200
    before = snapshot(offer)
    response = client.post(url("close-correct-price", offer), {**RIGHT, "confirmed": "True"}, follow=True)
    [message] = messages_of(response)
    assert message.startswith("The exercise price is final: the ")
    assert "export was downloaded on July 21, 2003 at 9:00 AM PDT by ada.admin@example.com" in message
    assert snapshot(offer) == before
    assert prices(offer) == (TYPO, {TYPO})
    html = response.content.decode()
    assert 'id="price-final"' in html
    assert "Check the correction" not in html
    assert "price-final-note" not in client.get(url("exports", offer)).content.decode()


def test_exports_that_do_not_state_the_price_leave_it_correctable(
    client: Client, admin, offer: Offer, cancelled: Participants, clock
) -> None:
    """The transactions file downloaded before the new grants (cancellations only), and the vesting file
    after them, do not state the price: it may still be corrected."""
    client.force_login(admin)
    assert client.post(url("export-download", offer, "ocf-transactions", "json")).status_code == 200
    clock.move_to(NEW_GRANT_DAY)
    create_new_grants(offer, closing_price=TYPO, actor=admin, now=NEW_GRANT_DAY)
    with time_machine.travel(NEW_GRANT_DAY.replace(hour=10), tick=False):
        client.force_login(admin)
        assert client.post(url("export-download", offer, "vesting", "csv")).status_code == 200
        post_step(client, url("close-correct-price", offer), {**RIGHT, "confirmed": "True"})
    assert prices(offer) == (Decimal("1.25"), {Decimal("1.25")})


def test_before_the_new_grants_are_made_there_is_nothing_to_correct(
    admin_client: Client, admin, offer: Offer, cancelled: Participants
) -> None:
    before = snapshot(offer)
    response = admin_client.post(
        url("close-correct-price", offer), {**RIGHT, "confirmed": "True"}, follow=True
    )
    assert messages_of(response) == ["The new grants are not made yet: enter the closing price in step 4."]
    assert snapshot(offer) == before
    with pytest.raises(ClosingError, match="not made yet"):
        correct_closing_price(offer, closing_price=Decimal(1), reason="r", actor=admin, now=NEW_GRANT_DAY)
