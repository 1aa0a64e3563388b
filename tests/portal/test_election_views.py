"""The election pages: choose, review, sign and submit; refusals; versions; PDFs; privacy."""

import io
import re
import uuid
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from soxp_portal.offers.models import Election
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.portal.conftest import ACKS, DURING_OFFER, SLIDE_9_CHOICES, confirm_data, url

pytestmark = pytest.mark.django_db
ONLY_LOOKBACK = {"tender-G-1001": "0", "tender-G-1002": "0", "tender-G-1004": "500"}


def test_election_page_lists_each_eligible_grant_with_exchange_and_keep(sam_client, offer) -> None:
    response = sam_client.get(url("elect", offer))
    html = response.content.decode()
    assert response.status_code == 200
    for grant_id in ("G-1001", "G-1002", "G-1004"):
        assert f'name="tender-{grant_id}"' in html
    assert 'name="tender-G-1003"' not in html, "ineligible grants cannot be chosen"
    # The lookback grant is shown as required and its Keep option is locked.
    assert re.search(r'name="tender-G-1004"[^>]*value="0"[^>]*disabled', html)


def test_choosing_shows_the_review_with_what_is_surrendered_and_received(sam_client, offer) -> None:
    response = sam_client.post(url("elect", offer), {**SLIDE_9_CHOICES, "expected_version": 0})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Review your election" in html
    for text in (
        "2,300",
        "1,725",
        "July 21, 2003",
        "last trading day before the new grant date",
        "NSO",
        "10 years",
        "employed in the United States",
        "other option grant",
    ):
        assert text in html
    assert not Election.objects.exists(), "nothing is saved before the employee signs"


def test_signed_review_submits_the_slide_9_election(
    sam_client, offer, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = sam_client.post(url("confirm", offer), confirm_data())
    election = Election.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("election", offer, election.confirmation_number)
    assert sorted(election.tendered_grants.values_list("new_shares", flat=True)) == [375, 600, 750]
    assert len(mail.outbox) == 1
    page = sam_client.get(response["Location"]).content.decode()
    assert election.confirmation_number in page
    assert "January 10, 2003 at 10:00:00 AM PST" in page


@pytest.mark.parametrize(
    ("choices", "words"),
    [
        ({"tender-G-1001": "800", "tender-G-1002": "1000", "tender-G-1004": "0"}, "must be tendered too"),
        ({**SLIDE_9_CHOICES, "tender-G-1001": "400"}, "must be tendered whole"),
        ({**SLIDE_9_CHOICES, "tender-G-1003": "500"}, "G-1003 cannot be exchanged"),
        ({**SLIDE_9_CHOICES, "tender-G-BOB": "1000"}, "G-BOB is not one of your grants"),
    ],
)
@pytest.mark.parametrize("step", ["elect", "confirm"])
def test_bad_posts_are_refused_and_change_nothing(sam_client, offer, choices, words, step) -> None:
    GrantFactory(grant_id="G-BOB", employee=EmployeeFactory())
    data = {**choices, "expected_version": 0} if step == "elect" else confirm_data(choices=choices)
    response = sam_client.post(url(step, offer), data)
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not Election.objects.exists()


def test_review_needs_every_acknowledgement_and_the_right_signature(sam_client, offer) -> None:
    data = confirm_data()
    del data["ack_blackout"]
    assert sam_client.post(url("confirm", offer), data).status_code == 400
    response = sam_client.post(url("confirm", offer), confirm_data(signature="Someone Else"))
    assert response.status_code == 409
    assert "full name as the company records it: Sam Slide" in response.content.decode()
    assert not Election.objects.exists()


def test_modify_then_withdraw_keeps_every_version(sam_client, offer) -> None:
    sam_client.post(url("confirm", offer), confirm_data())
    page = sam_client.get(url("elect", offer)).content.decode()
    assert 'name="expected_version" value="1"' in page
    assert re.search(r'name="tender-G-1001"[^>]*value="800"[^>]*checked', page), (
        "the current election is filled in"
    )
    sam_client.post(url("confirm", offer), confirm_data(version=1, choices=ONLY_LOOKBACK))
    response = sam_client.post(
        url("withdraw", offer),
        {
            "expected_version": 2,
            "submission_token": str(uuid.uuid4()),
            "confirm": "on",
            "signature": "Sam Slide",
        },
    )
    assert response.status_code == 302
    assert list(Election.objects.order_by("version").values_list("version", "kind")) == [
        (1, "election"),
        (2, "election"),
        (3, "withdrawal"),
    ]
    history = sam_client.get(url("history", offer)).content.decode()
    assert history.count("/pdf/") == 3


def received_cells(html: str) -> list[str]:
    """The Received column of the History page, top to bottom (the times in the offer's zone)."""
    return re.findall(r'<td data-label="Received"><span>([^<]*)<span', html)


def withdraw_data(version: int) -> dict[str, str | int]:
    return {
        "expected_version": version,
        "submission_token": str(uuid.uuid4()),
        "confirm": "on",
        "signature": "Sam Slide",
    }


def test_history_shows_three_versions_made_within_one_minute_at_distinct_times(
    sam_client, offer, during_offer
) -> None:
    start = DURING_OFFER + timedelta(seconds=5)  # 10:00:05 AM Pacific
    during_offer.move_to(start)
    sam_client.post(url("confirm", offer), confirm_data())
    during_offer.move_to(start + timedelta(seconds=20, microseconds=500_000))
    sam_client.post(url("confirm", offer), confirm_data(version=1, choices=ONLY_LOOKBACK))
    during_offer.move_to(start + timedelta(seconds=54, microseconds=999_999))
    sam_client.post(url("withdraw", offer), withdraw_data(version=2))

    html = sam_client.get(url("history", offer)).content.decode()

    assert received_cells(html) == [
        "January 10, 2003 at 10:00:59 AM PST",
        "January 10, 2003 at 10:00:25 AM PST",
        "January 10, 2003 at 10:00:05 AM PST",
    ]
    assert 'data-local-time="2003-01-10T18:00:25Z" data-offer-zone="America/Los_Angeles" data-seconds' in html
    assert "500000" not in html
    assert "999999" not in html


def test_the_confirmation_shows_when_it_was_received_in_pacific_to_the_second(
    sam_client, offer, during_offer
) -> None:
    during_offer.move_to(DURING_OFFER + timedelta(seconds=7, microseconds=654_321))
    response = sam_client.post(url("confirm", offer), confirm_data())

    page = sam_client.get(response["Location"]).content.decode()

    assert (
        '<dt class="col-sm-4">Received</dt><dd class="col-sm-8">January 10, 2003 at 10:00:07 AM PST'
        '<span class="small text-body-secondary" data-local-time="2003-01-10T18:00:07Z" '
        'data-offer-zone="America/Los_Angeles" data-seconds hidden>In your time zone' in page
    )
    assert "654321" not in page
    assert "UTC" not in page


def test_an_election_a_fraction_of_a_second_before_the_deadline_reads_before_it(
    sam_client, offer, during_offer
) -> None:
    during_offer.move_to(offer.expires_at - timedelta(microseconds=1))
    response = sam_client.post(url("confirm", offer), confirm_data())

    page = sam_client.get(response["Location"]).content.decode()

    # Truncated, never rounded up to the deadline (decision 3): 8:59:59.999999 PM reads 8:59:59 PM.
    assert "January 20, 2003 at 8:59:59 PM PST" in page
    assert "9:00:00 PM" not in page


def test_posting_after_the_deadline_shows_the_election_on_record(sam_client, offer, during_offer) -> None:
    during_offer.move_to(offer.expires_at - timedelta(minutes=10))
    sam_client.post(url("confirm", offer), confirm_data())
    form = confirm_data(version=1, choices=ONLY_LOOKBACK)  # the page was loaded before the deadline
    during_offer.move_to(offer.expires_at)
    response = sam_client.post(url("confirm", offer), form)
    html = response.content.decode()
    assert response.status_code == 409
    assert "The offer closed at January 20, 2003 at 9:00 PM PST" in html
    assert Election.objects.get().confirmation_number in html
    assert Election.objects.count() == 1


def test_one_microsecond_before_the_deadline_is_accepted(sam_client, offer, during_offer) -> None:
    during_offer.move_to(offer.expires_at - timedelta(microseconds=1))
    assert sam_client.post(url("confirm", offer), confirm_data()).status_code == 302
    assert Election.objects.get().received_at == offer.expires_at - timedelta(microseconds=1)


def test_a_stale_form_is_refused_with_the_current_election(sam_client, offer) -> None:
    sam_client.post(url("confirm", offer), confirm_data())
    response = sam_client.post(url("confirm", offer), confirm_data(version=0, choices=ONLY_LOOKBACK))
    assert response.status_code == 409
    assert "changed after this page was loaded" in response.content.decode()
    assert Election.objects.count() == 1


def test_a_double_click_creates_one_version(sam_client, offer) -> None:
    data = confirm_data()
    first = sam_client.post(url("confirm", offer), data)
    second = sam_client.post(url("confirm", offer), data)
    assert first["Location"] == second["Location"]
    assert Election.objects.count() == 1


def test_the_pdf_of_each_version_holds_the_election(sam_client, offer) -> None:
    sam_client.post(url("confirm", offer), confirm_data())
    election = Election.objects.get()
    response = sam_client.get(url("election-pdf", offer, election.confirmation_number))
    assert response["Content-Type"] == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    for expected in (
        "Sam Slide",
        "G-1001",
        "G-1002",
        "G-1004",
        "600",
        "750",
        "375",
        election.confirmation_number,
    ):
        assert expected in text


def test_another_employees_election_is_not_found(client, offer, slide_9_employee) -> None:
    bob = EmployeeFactory()
    GrantFactory(employee=bob, grant_id="B-1")
    client.force_login(bob.user)
    client.post(
        url("confirm", offer),
        {
            "tender-B-1": "1000",
            "expected_version": 0,
            "submission_token": str(uuid.uuid4()),
            "signature": bob.full_name,
            **ACKS,
        },
    )
    bobs = Election.objects.get(employee=bob).confirmation_number
    client.force_login(slide_9_employee.user)
    assert client.get(url("election", offer, bobs)).status_code == 404
    assert client.get(url("election-pdf", offer, bobs)).status_code == 404


@pytest.mark.parametrize("name", ["offer", "grants", "elect", "withdraw", "history"])
def test_anonymous_users_are_sent_to_sign_in(client, offer, name) -> None:
    response = client.get(url(name, offer))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["offer", "grants", "elect", "history"])
def test_staff_without_an_employee_record_are_forbidden(client, offer, name) -> None:
    client.force_login(UserFactory(is_staff=True))
    assert client.get(url(name, offer)).status_code == 403


def test_confirm_is_post_only(sam_client, offer) -> None:
    assert sam_client.get(url("confirm", offer)).status_code == 405


def test_pages_show_the_right_state_for_an_ineligible_employee(client, offer) -> None:
    officer = EmployeeFactory(is_executive_officer=True)
    GrantFactory(employee=officer)
    client.force_login(officer.user)
    assert "Executive officers may not take part" in client.get(url("offer", offer)).content.decode()
    assert "no grant that can be exchanged" in client.get(url("elect", offer)).content.decode()


def status_queries(client, offer, grants: int, name: str) -> int:
    employee = EmployeeFactory()
    for n in range(grants):
        GrantFactory(employee=employee, grant_id=f"Q{grants}-{n}")
    client.force_login(employee.user)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url(name, offer)).status_code == 200
    return len(queries)


@pytest.mark.parametrize("name", ["grants", "elect", "offer"])
def test_query_count_does_not_grow_with_the_number_of_grants(client, offer, name) -> None:
    assert status_queries(client, offer, 2, name) == status_queries(client, offer, 50, name)


def test_home_redirects_an_employee_to_the_open_offer(sam_client, offer) -> None:
    assert sam_client.get("/")["Location"] == url("offer", offer)


def test_closed_offer_home_says_so(sam_client, offer) -> None:
    with time_machine.travel(offer.expires_at + timedelta(days=1), tick=False):
        html = sam_client.get(url("offer", offer)).content.decode()
    assert "Closed" in html
    assert "The offer closed at <strong>January 20, 2003 at 9:00 PM PST</strong>." in html
    assert 'data-local-time="2003-01-21T05:00:00Z" data-offer-zone="America/Los_Angeles" hidden>' in html
    assert "Make an election" not in html
