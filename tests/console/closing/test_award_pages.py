"""The console's pages (outside set-up) for an offer with price bands, RSUs in GB and the award granted
at the close (issue 15): the dashboard and close page word the bands, the stage, the award by country
and the grant at the close; the new-grants step asks the options' price only; the grant notices come
after the new grants. soxp-2003's pages read as before.

The offer is soxp-2003 changed as in tests/closing/test_award_close.py: options below $5.00 at 1 for 1.5
and from $5.00 at 1 for 2; RSUs at 1 for 4 and 1 for 6; RSUs in GB; granted at the close (January 21,
2003, the business day after the holiday of January 20). Sam (US) tenders 3 grants: 400 + 667 + 334 =
1,401 option shares; Gwen (GB) 2 grants: 200 + 75 = 275 units.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext

from soxp_portal.closing.actions import (
    ClosingError,
    accept_tenders,
    cancel_tendered_grants,
    create_new_grants,
    issue_letters,
)
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant
from soxp_portal.closing.queries import NOTICES_AFTER_GRANTS, price_correction
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Employee, Offer, PriceBand
from soxp_portal.offers.verdicts import ensure_current
from tests.console.closing.conftest import AFTER_DEADLINE, ELECTION_DAY, messages_of, post_step, url
from tests.factories import EmployeeFactory, GrantFactory

pytestmark = pytest.mark.django_db

D = Decimal
NOW = AFTER_DEADLINE.astimezone(UTC)


def _band(offer: Offer, award: str, position: int, lower: str, upper: str | None, tendered: str) -> None:
    PriceBand.objects.create(
        offer=offer,
        award_type=award,
        position=position,
        lower=D(lower),
        upper=None if upper is None else D(upper),
        upper_inclusive=False,
        ratio_new=D(1),
        ratio_tendered=D(tendered),
    )


def _elect(offer: Offer, employee: Employee, tendered: dict[str, int]) -> None:
    submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=0,
        submission_token=uuid.uuid4(),
        now=ELECTION_DAY.astimezone(UTC),
    )


def make_banded(offer: Offer, *, stage: str = "preliminary") -> Offer:
    Offer.objects.filter(pk=offer.pk).update(
        eligible_countries="US,GB",
        award_by_country={"GB": "rsu"},
        grant_date_rule="at_close",
        ratio_stage=stage,
    )
    _band(offer, "option", 1, "0", "5.00", "1.5")
    _band(offer, "option", 2, "5.00", None, "2")
    _band(offer, "rsu", 1, "0", "5.00", "4")
    _band(offer, "rsu", 2, "5.00", None, "6")
    return Offer.objects.get(pk=offer.pk)


@pytest.fixture
def banded(offer: Offer, slide_9_employee: Employee) -> Offer:
    banded = make_banded(offer)
    gwen = EmployeeFactory(employee_id="E-GWEN", first_name="Gwen", last_name="Glass", work_country="GB")
    GrantFactory(grant_id="G-GB-1", employee=gwen, shares_granted=1200, exercise_price=D("6.00"))
    GrantFactory(grant_id="G-GB-2", employee=gwen, shares_granted=300, exercise_price=D("4.00"))
    _elect(banded, slide_9_employee, {"G-1001": 800, "G-1002": 1000, "G-1004": 500})
    _elect(banded, gwen, {"G-GB-1": 1200, "G-GB-2": 300})
    return banded


@pytest.fixture
def closed_to_cancel(banded: Offer, admin, clock) -> Offer:
    """Accepted and cancelled the morning after the deadline, which is the new grant date."""
    accept_tenders(banded, actor=admin, now=NOW)
    cancel_tendered_grants(banded, actor=admin, now=NOW)
    clock.move_to(AFTER_DEADLINE)
    return Offer.objects.get(pk=banded.pk)


def make_rsu_only(offer: Offer) -> Offer:
    """The banded offer turned into one granting only RSUs, its accepted grants with it."""
    Offer.objects.filter(pk=offer.pk).update(award_type="rsu", award_by_country={})
    PriceBand.objects.filter(offer=offer, award_type="option").delete()
    AcceptedGrant.objects.update(award_type="rsu")
    return Offer.objects.get(pk=offer.pk)


# --- The dashboard and the offers list -----------------------------------------------------------------


def test_the_dashboard_words_a_banded_offer_by_its_bands_and_not_its_unused_flat_ratio(
    admin_client: Client, banded: Offer
) -> None:
    page = admin_client.get(url("dashboard", banded)).content.decode()
    terms = page.split('id="ratio-terms">')[1].split("</dd>")[0]
    assert (
        "by price band, ratios preliminary, rounded up per grant; options; RSUs in GB; granted at the close"
        in terms
    )
    assert "<summary>2 price bands</summary>" in terms
    assert (
        'Options</span>:<ul class="mb-1 ps-3"><li>$0.00 or higher and below $5.00: 1 new for 1.5 tendered</li>'
        "<li>$5.00 or higher: 1 new for 2 tendered</li></ul></li>" in terms
    )
    assert (
        'RSUs</span>:<ul class="mb-1 ps-3"><li>$0.00 or higher and below $5.00: 1 new for 4 tendered</li>'
        "<li>$5.00 or higher: 1 new for 6 tendered</li></ul></li>" in terms
    )
    assert "0.75" not in terms


def test_final_ratios_say_no_stage(admin_client: Client, offer: Offer) -> None:
    banded = make_banded(offer, stage="final")
    terms = admin_client.get(url("dashboard", banded)).content.decode().split('id="ratio-terms">')[1]
    assert terms.startswith('<span class="ratio-terms">by price band, rounded up per grant;')


def test_soxp_2003s_dashboard_and_offers_list_read_as_before(admin_client: Client, offer: Offer) -> None:
    page = admin_client.get(url("dashboard", offer)).content.decode()
    assert 'id="ratio-terms">at 0.75 per tendered share, rounded up per grant</dd>' in page
    assert "price band" not in page
    listing = admin_client.get("/console/").content.decode()
    assert '<td data-label="Ratio">0.75</td>' in listing


def test_the_offers_list_gives_a_banded_offer_its_bands_and_stage(
    admin_client: Client, banded: Offer
) -> None:
    listing = admin_client.get("/console/").content.decode()
    assert (
        '<td data-label="Ratio">2 price bands, preliminary<div class="small text-body-secondary">options; RSUs in '
        "GB</div></td>" in listing
    )


def test_the_employee_page_gives_each_grant_its_award_and_band_ratio(
    admin_client: Client, banded: Offer
) -> None:
    page = admin_client.get(url("employee", banded, "E-GWEN")).content.decode()
    assert (
        '<span class="d-block small text-body-secondary grant-award">RSUs at 1 new for 6 tendered</span>'
        in page
    )
    assert "RSUs at 1 new for 4 tendered" in page


def test_the_banded_pages_cost_no_more_queries_than_the_flat_ones(
    admin_client: Client, offer: Offer, slide_9_employee
) -> None:
    _elect(offer, slide_9_employee, {"G-1001": 800, "G-1002": 1000, "G-1004": 500})
    pages = [url("dashboard", offer), url("employee", offer, slide_9_employee.employee_id), "/console/"]

    def counts() -> list[int]:
        ensure_current(Offer.objects.get(pk=offer.pk))
        admin_client.get(pages[0])
        result = []
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                assert admin_client.get(page).status_code == 200
            result.append(len(captured))
        return result

    flat = counts()
    make_banded(offer)
    assert counts() == flat


# --- The close ----------------------------------------------------------------------------------------


def test_the_close_page_words_the_bands_and_makes_the_grants_before_the_notices(
    admin_client: Client, banded: Offer, admin, clock
) -> None:
    clock.move_to(AFTER_DEADLINE)
    with TestCase.captureOnCommitCallbacks(execute=True):  # the plan is worked out as the first visit asks
        admin_client.get(url("close", banded))
    page = admin_client.get(url("close", banded)).content.decode()
    assert "by price band, ratios preliminary, rounded up per grant; options; RSUs in GB" in page
    accept_tenders(banded, actor=admin, now=NOW)
    cancel_tendered_grants(banded, actor=admin, now=NOW)
    page = admin_client.get(url("close", banded)).content.decode()
    assert page.index("3. Make the new grants") < page.index("4. Issue the grant notices")
    assert "promise-to-grant letters" not in page
    assert NOTICES_AFTER_GRANTS in page
    assert (
        "It is the new options&#x27; exercise price; the RSUs need none: they have no exercise price." in page
    )
    assert (
        "the award of their work country (options; RSUs in GB), at the ratio of the grant's price band"
        in page
    )


def test_soxp_2003s_close_keeps_its_order_and_wording(admin_client: Client, offer: Offer, cancelled) -> None:
    page = admin_client.get(url("close", offer)).content.decode()
    assert page.index("3. Issue the promise-to-grant letters") < page.index("4. Make the new grants")
    assert "receives a new option for each accepted grant; anyone else" in page
    assert "grant notice" not in page


def test_grant_notices_are_refused_before_the_new_grants_and_make_the_price_final(
    admin_client: Client, closed_to_cancel: Offer, admin
) -> None:
    offer = closed_to_cancel
    response = post_step(admin_client, url("close-letters", offer))
    assert NOTICES_AFTER_GRANTS in messages_of(response)
    assert Closing.objects.get(offer=offer).letters_requested_at is None
    with pytest.raises(ClosingError, match="Make the new grants first"):
        issue_letters(offer, actor=admin, now=NOW)
    create_new_grants(offer, closing_price=D("1.25"), actor=admin, now=NOW)
    offer = Offer.objects.get(pk=offer.pk)
    closing = Closing.objects.get(offer=offer)
    assert price_correction(offer, closing).is_allowed
    issue_letters(offer, actor=admin, now=NOW)
    closing.refresh_from_db()
    correction = price_correction(offer, closing)
    assert not correction.is_allowed
    assert correction.note.startswith(
        "The exercise price is final: the grant notices stating it were issued on"
    )


def test_a_mixed_offers_new_grants_ask_the_options_price_and_count_rsus_apart(
    admin_client: Client, closed_to_cancel: Offer
) -> None:
    offer = closed_to_cancel
    response = admin_client.post(url("close-new-grants", offer), {"closing_price": "1.25"})
    html = response.content.decode()
    assert (
        'id="granted">3 new options (1,401 shares) and 2 RSU awards (275 units), to 2 participants<' in html
    )
    assert "of the new options; RSUs have no exercise price" in html
    assert (
        "Grant 3 new options (1,401 shares) and 2 RSU awards (275 units), the options at $1.25</button>"
        in html
    )
    assert NewGrant.objects.count() == 0
    page = post_step(
        admin_client, url("close-new-grants", offer), {"closing_price": "1.25", "confirmed": "True"}
    )
    assert NewGrant.objects.count() == 5
    html = page.content.decode()
    assert (
        "3 new options (1,401 shares) and 2 RSU awards (275 units) granted to 2 participants on January 21, 2003 at "
        "<strong>$1.25</strong>" in html
    )
    assert "Correct the exercise price of the new options</h3>" in html
    assert "It corrects the new options only: the RSUs have no exercise price." in html
    listing = admin_client.get(url("close-granted", offer)).content.decode()
    assert '<td data-label="Type">RSUs, ' in listing


def test_a_mixed_offers_new_grants_refuse_a_missing_price(
    admin_client: Client, closed_to_cancel: Offer
) -> None:
    response = admin_client.post(
        url("close-new-grants", closed_to_cancel), {"closing_price": ""}, follow=True
    )
    assert any(message.startswith("Closing price on") for message in messages_of(response))
    assert NewGrant.objects.count() == 0


def test_an_rsu_only_offers_new_grants_ask_no_price(admin_client: Client, closed_to_cancel: Offer) -> None:
    offer = make_rsu_only(closed_to_cancel)
    page = admin_client.get(url("close", offer)).content.decode()
    section = page.split('id="new-grants"')[1]
    assert 'name="closing_price"' not in section
    assert "This offer grants only RSUs, which have no exercise price: no closing price is asked." in section
    assert "RSUs have no exercise price: no closing price is needed." in section
    response = admin_client.post(url("close-new-grants", offer), {})
    html = response.content.decode()
    assert 'id="price">None: RSUs have no exercise price<' in html
    assert 'name="closing_price"' not in html
    assert "Grant 5 RSU awards (1,676 units)</button>" in html
    refused = admin_client.post(url("close-new-grants", offer), {"closing_price": "1.25"}, follow=True)
    assert (
        "This offer grants only RSUs, which have no exercise price: enter no closing price."
        in messages_of(refused)
    )
    assert NewGrant.objects.count() == 0
    done = post_step(admin_client, url("close-new-grants", offer), {"confirmed": "True"})
    assert set(NewGrant.objects.values_list("award_type", "exercise_price")) == {("rsu", None)}
    html = done.content.decode()
    assert (
        "5 RSU awards (1,676 units) granted to 2 participants on January 21, 2003, without an exercise price"
        in html
    )
    assert 'id="correct-price"' not in html


# --- Exports ------------------------------------------------------------------------------------------


def test_the_exports_describe_rsus_for_an_offer_granting_them(
    admin_client: Client, closed_to_cancel: Offer
) -> None:
    page = admin_client.get(url("exports", closed_to_cancel)).content.decode()
    assert "Every new award: grant id, holder, plan, security type (option or RSU)" in page
    assert (
        "The new awards are granted on January 21, 2003; this is ready once they are made (step 3 of the close)."
        in page
    )
    assert "one row per vesting date of each new award (option or RSU)" in page


def test_soxp_2003s_exports_keep_their_descriptions(admin_client: Client, offer: Offer, cancelled) -> None:
    page = admin_client.get(url("exports", offer)).content.decode()
    assert "Every new option: grant id, holder, plan, NSO, grant date, shares, exercise price" in page
    assert (
        "The new options are granted on July 21, 2003; this is ready once they are made (the close&#x27;s last step)."
        in page
    )
    assert "security type" not in page
    assert "one row per vesting date of each new option, the schedule" in page


def test_the_close_page_says_no_termination_falls_between_dates_that_are_one(
    admin_client: Client, banded: Offer, clock
) -> None:
    """Granted at the close on a business day, the new grant date is the cancellation date itself."""
    clock.move_to(AFTER_DEADLINE)
    page = admin_client.get(url("close", banded)).content.decode()
    assert "forfeits the promised grant" in page  # January 20 is a holiday: granted on the 21st
    friday = datetime(2003, 1, 17, 21, 0, tzinfo=ZoneInfo("America/Los_Angeles"))
    Offer.objects.filter(pk=banded.pk).update(expires_at=friday, original_expires_at=friday)
    page = admin_client.get(url("close", banded)).content.decode()
    assert "grants the new award on the cancellation date itself (January 17, 2003)" in page
    assert "no termination can fall between the two, so none forfeits a promise." in page
    assert "forfeits the promised grant" not in page
