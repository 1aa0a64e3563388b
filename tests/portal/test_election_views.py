"""The election pages: choose, review, sign and submit; refusals; versions; PDFs; privacy."""

import html
import io
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Election
from tests.factories import EmployeeFactory, GrantFactory, UserFactory
from tests.portal.conftest import ACKS, DURING_OFFER, SLIDE_9_CHOICES, confirm_data, url

pytestmark = pytest.mark.django_db
ONLY_LOOKBACK = {"tender-G-1001": "0", "tender-G-1002": "0", "tender-G-1004": "500"}


def radios(html: str) -> dict[str, dict[str, str]]:
    """The election form's radio buttons: grant id -> {value: "checked", "disabled" or ""}."""
    found: dict[str, dict[str, str]] = {}
    for tag in re.findall(r"<input[^>]*type=\"radio\"[^>]*>", html, re.S):
        grant_id = re.search(r'name="tender-([^"]+)"', tag).group(1)
        value = re.search(r'value="([^"]*)"', tag).group(1)
        state = " ".join(word for word in ("checked", "disabled") if re.search(rf"\s{word}[\s>]", tag))
        found.setdefault(grant_id, {})[value] = state
    return found


def test_election_page_lists_each_eligible_grant_with_exchange_and_keep(sam_client, offer) -> None:
    response = sam_client.get(url("elect", offer))
    html = response.content.decode()
    assert response.status_code == 200
    for grant_id in ("G-1001", "G-1002", "G-1004"):
        assert f'name="tender-{grant_id}"' in html
    assert 'name="tender-G-1003"' not in html, "ineligible grants cannot be chosen"


def test_election_page_chooses_nothing_for_the_employee_not_even_the_lookback_grant(
    sam_client, offer
) -> None:
    html = sam_client.get(url("elect", offer)).content.decode()
    assert radios(html) == {
        "G-1001": {"800": "", "0": ""},
        "G-1002": {"1000": "", "0": ""},
        "G-1004": {"500": "", "0": ""},
    }, "nothing is chosen or disabled: Keep is possible while no other grant is exchanged"
    assert "not possible once you exchange" not in html
    # The lookback grant says what it is and when it must be exchanged, for the script to act on too.
    assert re.search(r'data-grant="G-1004" data-lookback>', html)
    assert "Lookback grant" in html
    assert (
        "it must be tendered if any grant is tendered. You may keep it as long as you keep every other grant"
        in html
    )


def test_keeping_every_grant_says_it_means_not_taking_part(sam_client, offer) -> None:
    keep_all = {"tender-G-1001": "0", "tender-G-1002": "0", "tender-G-1004": "0", "expected_version": 0}
    response = sam_client.post(url("elect", offer), keep_all)
    html = response.content.decode()
    assert response.status_code == 200, "keeping everything is a valid outcome, not an error"
    assert "You chose Keep for every grant: that means not taking part in the offer." in html
    assert "There is nothing to submit: every grant keeps its terms." in html
    assert "Review your election" not in html
    assert radios(html)["G-1004"] == {"500": "", "0": "checked"}, "the choices are shown as made"
    assert not Election.objects.exists()


def test_keeping_every_grant_with_an_election_in_force_points_to_the_withdrawal(sam_client, offer) -> None:
    sam_client.post(url("confirm", offer), confirm_data())
    election = Election.objects.get()
    keep_all = {"tender-G-1001": "0", "tender-G-1002": "0", "tender-G-1004": "0", "expected_version": 1}
    response = sam_client.post(url("elect", offer), keep_all)
    html = response.content.decode()
    assert response.status_code == 200
    assert (
        f"your election {election.confirmation_number} is still in force: it exchanges G-1001, G-1002, G-1004"
        in html
    )
    assert f'href="{url("withdraw", offer)}">Withdraw my election</a>' in html
    assert Election.objects.count() == 1, "keeping every grant on the form withdraws nothing by itself"


def test_keeping_every_grant_after_a_withdrawal_needs_nothing_more(sam_client, offer) -> None:
    sam_client.post(url("confirm", offer), confirm_data())
    sam_client.post(
        url("withdraw", offer),
        {
            "expected_version": 1,
            "submission_token": str(uuid.uuid4()),
            "confirm": "on",
            "signature": "Sam Slide",
        },
    )
    withdrawal = Election.objects.get(version=2)
    keep_all = {"tender-G-1001": "0", "tender-G-1002": "0", "tender-G-1004": "0", "expected_version": 2}
    html = sam_client.post(url("elect", offer), keep_all).content.decode()
    assert (
        f"every grant keeps its terms, as your withdrawal {withdrawal.confirmation_number} on record says"
        in html
    )
    assert "Withdraw my election" not in html


def test_exchanging_another_grant_but_keeping_the_lookback_grant_is_explained_and_shown_again(
    sam_client, offer
) -> None:
    choices = {"tender-G-1001": "800", "tender-G-1002": "0", "tender-G-1004": "0", "expected_version": 0}
    response = sam_client.post(url("elect", offer), choices)
    html = response.content.decode()
    assert response.status_code == 400
    assert "Your election cannot be accepted as it is. Nothing was saved." in html
    assert (
        "Grant G-1004 was granted in the lookback window (June 19, 2002 to December 19, 2002) and must be "
        "tendered too, because you are tendering grant G-1001: every lookback grant goes with any tender. "
        "Choose Exchange for G-1004 as well, or Keep for G-1001."
    ) in html
    assert re.search(r'class="card mb-3 border-danger" data-grant="G-1004" data-lookback>', html)
    assert radios(html) == {
        "G-1001": {"800": "checked", "0": ""},
        "G-1002": {"1000": "", "0": "checked"},
        "G-1004": {"500": "", "0": "checked"},
    }, "the server changes none of the employee's choices"
    assert not Election.objects.exists()


def test_a_lookback_grant_left_unchosen_is_never_tendered_for_the_employee(sam_client, offer) -> None:
    choices = {"tender-G-1001": "800", "tender-G-1002": "1000", "expected_version": 0}
    response = sam_client.post(url("elect", offer), choices)
    assert response.status_code == 400
    assert "Choose Exchange or Keep for this grant." in response.content.decode()
    assert "Review your election" not in response.content.decode()


def test_exchanging_the_lookback_grant_alone_is_reviewed_as_lookback_only(sam_client, offer) -> None:
    response = sam_client.post(url("elect", offer), {**ONLY_LOOKBACK, "expected_version": 0})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Review your election" in html
    assert "You are tendering only your lookback grant G-1004." in html
    assert "Every other grant is kept unchanged." in html
    assert "If you meant to keep every grant, choose Keep for G-1004 instead" in html
    assert "tendered because you tender other grants" not in html
    assert "You keep, unchanged: G-1001, G-1002, G-1003." in html


def test_review_says_why_the_lookback_grant_comes_with_the_other_grants(sam_client, offer) -> None:
    html = sam_client.post(url("elect", offer), {**SLIDE_9_CHOICES, "expected_version": 0}).content.decode()
    assert "G-1004 is tendered because you tender other grants." in html
    assert (
        "It was granted in the lookback window (June 19, 2002 to December 19, 2002), and the offer requires "
        "every lookback grant to be tendered with any other grant."
    ) in html
    assert "only your lookback grant" not in html


@pytest.fixture
def lena_client(client):
    """Signed in as an employee with one grant above the threshold and two lookback grants below it."""
    lena = EmployeeFactory(first_name="Lena", last_name="Lookback")
    GrantFactory(employee=lena, grant_id="G-2001", exercise_price=Decimal("8.25"))
    GrantFactory(
        employee=lena, grant_id="G-2002", grant_date=date(2002, 9, 16), exercise_price=Decimal("1.05")
    )
    GrantFactory(
        employee=lena, grant_id="G-2003", grant_date=date(2002, 12, 19), exercise_price=Decimal("0.95")
    )
    client.force_login(lena.user)
    return client


def test_review_names_every_lookback_grant_that_comes_along(lena_client, offer) -> None:
    choices = {
        "tender-G-2001": "1000",
        "tender-G-2002": "1000",
        "tender-G-2003": "1000",
        "expected_version": 0,
    }
    html = lena_client.post(url("elect", offer), choices).content.decode()
    assert "G-2002 and G-2003 are tendered because you tender other grants." in html
    assert "They were granted in the lookback window" in html
    assert "To keep G-2002 and G-2003, you would have to keep every grant." in html


def test_review_says_when_only_the_lookback_grants_are_tendered(lena_client, offer) -> None:
    choices = {"tender-G-2001": "0", "tender-G-2002": "1000", "tender-G-2003": "1000", "expected_version": 0}
    html = lena_client.post(url("elect", offer), choices).content.decode()
    assert "You are tendering only your lookback grants G-2002 and G-2003." in html


def test_one_lookback_grant_brings_the_other_along(lena_client, offer) -> None:
    choices = {"tender-G-2001": "0", "tender-G-2002": "1000", "tender-G-2003": "0", "expected_version": 0}
    response = lena_client.post(url("elect", offer), choices)
    assert response.status_code == 400
    assert "Choose Exchange for G-2003 as well, or Keep for G-2002." in response.content.decode()


def test_review_without_a_lookback_grant_says_nothing_about_it(client, offer) -> None:
    employee = EmployeeFactory()
    GrantFactory(employee=employee, grant_id="A-1")
    client.force_login(employee.user)
    html = client.post(url("elect", offer), {"tender-A-1": "1000", "expected_version": 0}).content.decode()
    assert "Review your election" in html
    assert 'id="lookback-note"' not in html


def test_signed_election_of_the_lookback_grant_alone_tenders_it_alone(sam_client, offer) -> None:
    response = sam_client.post(url("confirm", offer), confirm_data(choices=ONLY_LOOKBACK))
    assert response.status_code == 302
    election = Election.objects.get()
    assert list(election.tendered_grants.values_list("grant__grant_id", "new_shares")) == [("G-1004", 375)]


def test_the_election_in_force_fills_in_keep_for_the_grants_it_keeps(sam_client, offer) -> None:
    sam_client.post(url("confirm", offer), confirm_data(choices=ONLY_LOOKBACK))
    html = sam_client.get(url("elect", offer)).content.decode()
    assert radios(html) == {
        "G-1001": {"800": "", "0": "checked"},
        "G-1002": {"1000": "", "0": "checked"},
        "G-1004": {"500": "checked", "0": ""},
    }


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


def test_change_my_choices_on_the_review_shows_the_form_as_chosen(sam_client, offer) -> None:
    review = sam_client.post(url("elect", offer), {**ONLY_LOOKBACK, "expected_version": 0}).content.decode()
    assert 'name="change"' in review
    assert f'formaction="{url("elect", offer)}"' in review

    # What the review's form posts when "Change my choices" is pressed, nothing signed yet.
    unsigned = {**ONLY_LOOKBACK, "expected_version": 0, "submission_token": str(uuid.uuid4()), "change": "1"}
    response = sam_client.post(url("elect", offer), unsigned)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Review your election" not in html
    assert radios(html) == {
        "G-1001": {"800": "", "0": "checked"},
        "G-1002": {"1000": "", "0": "checked"},
        "G-1004": {"500": "checked", "0": ""},
    }
    assert 'name="expected_version" value="0"' in html, "the version the employee saw is kept"
    assert not Election.objects.exists()


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


def words(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_withdrawal_in_force_says_what_is_in_force(sam_client, offer) -> None:
    elected = sam_client.post(url("confirm", offer), confirm_data())
    assert "In force This is your election on record." in words(
        sam_client.get(elected["Location"]).content.decode()
    )

    withdrawn = sam_client.post(url("withdraw", offer), withdraw_data(version=1))
    page = words(sam_client.get(withdrawn["Location"]).content.decode())
    assert (
        "In force Your withdrawal is on record: you are not participating in the offer. None of your options "
        "will be cancelled or exchanged, and every grant keeps its current terms. You may make a new election "
        "before the deadline, January 20, 2003 at 9:00 PM PST."
    ) in page
    assert "This is your election on record" not in page
    assert "Make a new election" in page

    with time_machine.travel(offer.expires_at, tick=False):
        sam_client.force_login(Election.objects.get(version=2).employee.user)  # a new session: days went by
        closed = words(sam_client.get(withdrawn["Location"]).content.decode())
    assert "every grant keeps its current terms." in closed
    assert "You may make a new election" not in closed


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
    number = Election.objects.get().confirmation_number  # random letters, which may spell "UTC"
    assert "UTC" not in page.replace(number, "")


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
    response = sam_client.post(url("election-pdf", offer, election.confirmation_number))
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
    assert client.post(url("election-pdf", offer, bobs)).status_code == 404
    assert not AuditEvent.objects.filter(event_type=AuditEventType.DOCUMENT_DOWNLOADED).exists()


def test_the_pdf_is_a_post_from_a_button_and_a_get_is_refused(sam_client, offer) -> None:
    """The download is audited, so no link or image elsewhere may start it; the portal.js submit lock
    leaves the form alone (data-download), so the employee can download it again."""
    sam_client.post(url("confirm", offer), confirm_data())
    election = Election.objects.get()
    pdf = url("election-pdf", offer, election.confirmation_number)
    page = sam_client.get(url("election", offer, election.confirmation_number)).content.decode()
    history = sam_client.get(url("history", offer)).content.decode()
    for shown in (page, history):
        assert f'<form method="post" action="{pdf}" class="d-inline" data-download>' in shown
        assert f'href="{pdf}"' not in shown
    assert "Download the election form (PDF)</button>" in page
    before = AuditEvent.objects.count()
    assert sam_client.get(pdf).status_code == 405
    assert AuditEvent.objects.count() == before


def test_downloading_the_pdf_writes_one_document_downloaded_event(
    sam_client, offer, slide_9_employee
) -> None:
    sam_client.post(url("confirm", offer), confirm_data())
    election = Election.objects.get()
    before = AuditEvent.objects.count()

    sam_client.post(url("election-pdf", offer, election.confirmation_number), HTTP_USER_AGENT="Reader/2")

    [event] = AuditEvent.objects.filter(sequence__gt=before)
    assert event.event_type == AuditEventType.DOCUMENT_DOWNLOADED
    assert (event.actor, event.employee, event.offer) == (slide_9_employee.user, slide_9_employee, offer)
    assert (event.subject_type, event.subject_id, event.user_agent) == (
        "offers.Election",
        str(election.pk),
        "Reader/2",
    )
    assert event.data == {
        "document": "election-form",
        "confirmation_number": election.confirmation_number,
        "version": 1,
        "path": url("election-pdf", offer, election.confirmation_number),
        "method": "POST",
    }


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
    assert (
        "You are not eligible for this offer because you are an executive officer of the company, and "
        "executive officers may not take part in the offer."
    ) in client.get(url("offer", offer)).content.decode()
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


@pytest.mark.parametrize("grant_id", ["G-BOB-1", "G-NOBODY"])
def test_an_unsigned_review_with_a_grant_not_the_employees_goes_back_to_the_choice(
    sam_client, offer, grant_id: str
) -> None:
    """Issue 11, item 4: a crafted review, the acknowledgements unticked and another employee's (or no
    one's) grant added, answered 500; it is refused with the rules' reason and nothing is recorded."""
    GrantFactory(grant_id="G-BOB-1", employee=EmployeeFactory(employee_id="E-BOB"))
    data = confirm_data(**{f"tender-{grant_id}": "1000"})
    del data["ack_terms"]
    response = sam_client.post(url("confirm", offer), data)
    assert response.status_code == 400
    assert f"Grant {grant_id} is not one of your grants." in response.content.decode()
    assert not Election.objects.exists()


def test_an_unsigned_review_of_a_valid_choice_is_shown_again_with_what_is_missing(sam_client, offer) -> None:
    data = confirm_data()
    del data["ack_terms"]
    response = sam_client.post(url("confirm", offer), data)
    assert response.status_code == 400
    assert response.context["preview"].total_new == 1725
    assert response.context["form"].errors["ack_terms"] == ["This field is required."]
    assert not Election.objects.exists()


@pytest.mark.parametrize("key", ["tender-\x00", "tender-" + "x" * 100, "tender-../G-1001", "tender-"])
def test_a_posted_key_that_is_no_grant_id_is_refused_before_the_rules_and_the_audit_trail(
    sam_client, offer, key: str
) -> None:
    """Issue 11, item 4: a grant "id" holding a NUL reached the refusal's audit event, which PostgreSQL
    cannot store; a key that is no grant id at all is refused by the form, without echoing it."""
    response = sam_client.post(url("confirm", offer), confirm_data(**{key: "1000"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "A grant was posted that is not one of yours; reload the page." in html
    assert "x" * 100 not in html
    assert not Election.objects.exists()
