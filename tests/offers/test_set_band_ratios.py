"""set_band_ratios (issue 15): band ratios from value saved as preliminary or final while the offer is
open, refused with fewer than 10 business days left until the offer is extended, announced, audited,
and emailed to exactly the employees whose election in force they change.

soxp-2003 with two option bands ($0.00 to $5.00, $5.00 up) expires Monday 2003-01-20 at 9:00 PM
Pacific, Martin Luther King Day: on Friday 2003-01-03 ten business days are left (January 6-10 and
13-17), on Monday 2003-01-06 nine.
"""

from __future__ import annotations

import dataclasses
import math
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command

from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers import actions
from soxp_portal.offers.actions import (
    BUSINESS_DAYS_AFTER_RATIO_CHANGE,
    OfferError,
    business_days_left,
    extend_offer,
    set_band_ratios,
    submit_election,
    withdraw_election,
)
from soxp_portal.offers.models import Announcement, Employee, Offer, PriceBand, RatioChangeEmail, RatioSetting
from soxp_portal.offers.ratio_emails import owed
from soxp_portal.offers.ratios import affected_elections, ratio_change_notice, ratio_proposals
from soxp_portal.rules.ratios import ValuationInputs, band_keys
from soxp_portal.rules.terms import AwardType, RatioStage
from tests.factories import EmployeeFactory, GrantFactory, UserFactory

pytestmark = pytest.mark.django_db

D = Decimal
FRIDAY_JAN_3 = datetime(2003, 1, 3, 18, 0, tzinfo=UTC)  # 10:00 AM Pacific
MONDAY_JAN_6 = datetime(2003, 1, 6, 18, 0, tzinfo=UTC)
ELECTED = datetime(2003, 1, 2, 18, 0, tzinfo=UTC)
#: 2003-01-24 21:00 Pacific: the real extension's deadline.
EXTENDED = datetime(2003, 1, 25, 5, 0, tzinfo=UTC)
INPUTS = ValuationInputs(
    share_price=D("5.00"),
    volatility=D("0.60"),
    risk_free_rate=D("0.03"),
    new_term_years=D(4),
    old_term_years=D(3),
    target=D("0.9"),
)
OPTION_1, OPTION_2 = (AwardType.OPTION, 1), (AwardType.OPTION, 2)


def elect(offer: Offer, employee: Employee, tendered: dict[str, int], version: int = 0) -> None:
    submit_election(
        offer,
        employee,
        tendered,
        actor=employee.user,
        signature=employee.full_name,
        expected_version=version,
        submission_token=uuid.uuid4(),
        now=ELECTED,
    )


@pytest.fixture
def admin(db: None):
    return UserFactory(email="admin@example.com")


@pytest.fixture
def banded(soxp_2003: Offer) -> Offer:
    """soxp-2003 with two bands; band 2's ratio is already what the proposal gives it, so only band 1
    (and the employees with a grant in it) changes."""
    PriceBand.objects.create(
        offer=soxp_2003, position=1, lower=D(0), upper=D(5), ratio_new=D(1), ratio_tendered=D(2)
    )
    PriceBand.objects.create(offer=soxp_2003, position=2, lower=D(5), ratio_new=D(1), ratio_tendered=D(1))
    soxp_2003.refresh_from_db()
    return soxp_2003


@pytest.fixture
def census(banded: Offer, slide_9_employee: Employee) -> dict[str, Employee]:
    """Sam (slide 9) tenders grants in both bands; Carol only in band 2; Dave elected and withdrew; Bob
    never elected."""
    carol = EmployeeFactory(first_name="Carol", last_name="Case", employee_id="E-CAROL")
    GrantFactory(employee=carol, grant_id="G-C1", shares_granted=900, exercise_price=D("7.00"))
    dave = EmployeeFactory(first_name="Dave", last_name="Drop", employee_id="E-DAVE")
    GrantFactory(employee=dave, grant_id="G-D1", shares_granted=400, exercise_price=D("4.00"))
    bob = EmployeeFactory(first_name="Bob", last_name="Baker", employee_id="E-BOB")
    GrantFactory(employee=bob, grant_id="G-B1", shares_granted=1000, exercise_price=D("4.00"))
    band_2 = next(p for p in ratio_proposals(banded, INPUTS, now=ELECTED) if p.key == OPTION_2)
    PriceBand.objects.filter(offer=banded, position=2).update(ratio_tendered=band_2.tendered_per_new)
    banded.refresh_from_db()
    elect(banded, slide_9_employee, {"G-1001": 800, "G-1002": 1000, "G-1004": 500})
    elect(banded, carol, {"G-C1": 900})
    elect(banded, dave, {"G-D1": 400})
    withdraw_election(
        banded,
        dave,
        actor=dave.user,
        signature=dave.full_name,
        expected_version=1,
        submission_token=uuid.uuid4(),
        now=ELECTED,
    )
    return {"sam": slide_9_employee, "carol": carol, "dave": dave, "bob": bob}


def save(offer: Offer, admin, stage: RatioStage = RatioStage.PRELIMINARY, now: datetime = FRIDAY_JAN_3, **kw):
    return set_band_ratios(offer, INPUTS, stage=stage, actor=admin, now=now, **kw)


def test_business_days_left_count_the_days_after_today_through_the_expiration_date(soxp_2003) -> None:
    assert business_days_left(soxp_2003, datetime(2003, 1, 2, 18, 0, tzinfo=UTC)) == 11  # Jan 3 counts
    assert business_days_left(soxp_2003, FRIDAY_JAN_3) == BUSINESS_DAYS_AFTER_RATIO_CHANGE
    # Late on Friday evening Pacific is Saturday in UTC: the day is the offer's own.
    assert business_days_left(soxp_2003, datetime(2003, 1, 4, 7, 0, tzinfo=UTC)) == 10
    assert business_days_left(soxp_2003, MONDAY_JAN_6) == 9
    assert business_days_left(soxp_2003, datetime(2003, 1, 20, 18, 0, tzinfo=UTC)) == 0


def test_a_change_with_fewer_than_10_business_days_left_is_refused_until_the_offer_is_extended(
    banded, census, admin
) -> None:
    with pytest.raises(OfferError, match=r"Only 9 business days remain .* extend the offer first"):
        save(banded, admin, now=MONDAY_JAN_6)
    assert PriceBand.objects.get(offer=banded, position=1).ratio_tendered == D(2)
    assert not RatioSetting.objects.exists()
    assert not RatioChangeEmail.objects.exists()
    assert not AuditEvent.objects.filter(event_type=AuditEventType.OFFER_RATIOS_SET).exists()
    extend_offer(
        banded,
        EXTENDED,
        reason="Time for the ratios",
        announcement="Extended.",
        actor=admin,
        now=MONDAY_JAN_6,
    )
    banded.refresh_from_db()
    assert business_days_left(banded, MONDAY_JAN_6) == 13  # Jan 7-10, 13-17, 21-24
    setting = save(banded, admin, now=MONDAY_JAN_6)
    assert setting.stage == "preliminary"


def test_ten_business_days_left_is_enough(banded, census, admin) -> None:
    save(banded, admin, stage=RatioStage.FINAL, now=FRIDAY_JAN_3)
    banded.refresh_from_db()
    assert banded.ratio_stage == "final"
    assert banded.ratios_set_at == FRIDAY_JAN_3


def test_the_bands_get_the_proposal_and_the_record_keeps_inputs_and_working(banded, census, admin) -> None:
    proposals = {p.key: p for p in ratio_proposals(banded, INPUTS, now=FRIDAY_JAN_3)}
    setting = save(banded, admin)
    rows = {row.position: row for row in PriceBand.objects.filter(offer=banded)}
    assert (rows[1].ratio_new, rows[1].ratio_tendered) == (D(1), proposals[OPTION_1].tendered_per_new)
    assert rows[2].ratio_tendered == proposals[OPTION_2].tendered_per_new
    assert setting.inputs["share_price"] == "5.00"
    assert setting.inputs["target"] == "0.9"
    working = setting.working[0]
    assert working["band"] == "Option band 1"
    assert working["tendered_per_new"] == str(proposals[OPTION_1].tendered_per_new)
    assert working["old"]["d1"] == f"{proposals[OPTION_1].old.d1:.6f}"
    assert working["new"]["n_d2"] == f"{proposals[OPTION_1].new.n_d2:.6f}"
    # The representative price of band 1: G-1002 (1,000 at $4.50), G-1004 (500 at $0.40), Dave's and Bob's
    # (400 and 1,000 at $4.00): (4500 + 200 + 1600 + 4000) / 2900 = 3.5517.
    assert working["representative_price"] == "3.5517"
    assert working["price_basis"] == "weighted_average"
    assert setting.bands_before[0]["ratio_tendered"] == "2.000000"


def test_preliminary_then_final_and_never_back(banded, census, admin) -> None:
    first = save(banded, admin, stage=RatioStage.PRELIMINARY)
    assert (first.stage_before, first.stage) == ("final", "preliminary")
    banded.refresh_from_db()
    assert banded.ratio_stage == "preliminary"
    final = save(banded, admin, stage=RatioStage.FINAL, now=datetime(2003, 1, 3, 19, 0, tzinfo=UTC))
    assert (final.stage_before, final.stage) == ("preliminary", "final")
    assert final.emails.count() == 0  # the ratios did not move: nobody's figures changed
    assert Announcement.objects.filter(title="The final exchange ratios are set").exists()
    banded.refresh_from_db()
    with pytest.raises(OfferError, match="cannot become preliminary again"):
        save(banded, admin, stage=RatioStage.PRELIMINARY, now=datetime(2003, 1, 3, 20, 0, tzinfo=UTC))
    with pytest.raises(OfferError, match="already so"):
        save(banded, admin, stage=RatioStage.FINAL, now=datetime(2003, 1, 3, 20, 0, tzinfo=UTC))


def test_making_unchanged_ratios_final_still_needs_ten_business_days(banded, census, admin) -> None:
    save(banded, admin, stage=RatioStage.PRELIMINARY)
    banded.refresh_from_db()
    with pytest.raises(OfferError, match="Only 9 business days"):
        save(banded, admin, stage=RatioStage.FINAL, now=MONDAY_JAN_6)


def test_the_change_is_audited_with_before_and_after_and_the_inputs(banded, census, admin) -> None:
    setting = save(banded, admin)
    event = AuditEvent.objects.get(event_type=AuditEventType.OFFER_RATIOS_SET)
    assert event.at == FRIDAY_JAN_3
    assert event.actor == admin
    assert event.offer == banded
    assert event.data["ratio_setting_id"] == setting.pk
    assert event.data["stage"] == {"before": "final", "after": "preliminary"}
    assert event.data["price_bands"]["before"][0]["ratio_tendered"] == "2.000000"
    assert event.data["price_bands"]["after"][0]["ratio_tendered"] == setting.bands_after[0]["ratio_tendered"]
    assert event.data["inputs"]["volatility"] == "0.60"
    assert event.data["working"] == setting.working
    assert event.data["business_days_left"] == 10
    assert event.data["employees_emailed"] == ["E1001"]


def test_exactly_the_affected_employees_are_emailed_with_their_figures(
    banded, census, admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        setting = save(banded, admin)
    x = PriceBand.objects.get(offer=banded, position=1).ratio_tendered
    assert x != D(2)
    # Sam's band-1 grants change; Carol's grant is in band 2, whose ratio did not move; Dave withdrew; Bob
    # never elected.
    assert [message.to for message in mail.outbox] == [[census["sam"].email]]
    message = mail.outbox[0]
    assert message.subject == (
        "2003 Stock Option Exchange Program (SOXP): the preliminary exchange ratios change what your election gives"
    )
    g1002 = math.ceil(1000 / x)
    g1004 = math.ceil(500 / x)
    g1001 = math.ceil(800 / D(setting.bands_after[1]["ratio_tendered"]))
    assert (
        f"Grant G-1002 at $4.50: 1,000 tendered, 500 new shares before, {g1002:,} now (1 new for {x.normalize():f} tendered)"
        in message.body
    )
    assert f"Grant G-1004 at $0.40: 500 tendered, 250 new shares before, {g1004:,} now" in message.body
    assert f"Grant G-1001 at $6.00: 800 tendered, {g1001:,} new shares before, {g1001:,} now" in message.body
    assert (
        f"Total: 2,300 tendered, {500 + 250 + g1001:,} new shares before, {g1002 + g1004 + g1001:,} now."
        in message.body
    )
    assert (
        "stays in force at the new ratios unless you change it or withdraw it before the deadline, January 20, 2003 at 9:00 PM PST"
        in message.body
    )
    assert "The preliminary exchange ratios are set." in message.body
    row = RatioChangeEmail.objects.get()
    assert row.employee == census["sam"]
    assert row.sent_at is not None
    assert owed().count() == 0


def test_the_elections_are_read_in_one_query_and_the_emails_written_in_batches(
    banded, census, admin, django_assert_num_queries, monkeypatch
) -> None:
    """bench/ratios.py: at 100,000 employees the elections' model instances and prefetches were most of
    the change's time, and holding every email's figures until one INSERT peaked the process at 1.4 GB.
    The scan reads plain values in one query; the rows are written a batch at a time, every one of them."""
    extra = []
    for n in range(3):
        person = EmployeeFactory(first_name=f"Extra{n}", last_name="Band", employee_id=f"E-X{n}")
        GrantFactory(employee=person, grant_id=f"G-X{n}a", shares_granted=300 + n, exercise_price=D("4.50"))
        GrantFactory(employee=person, grant_id=f"G-X{n}b", shares_granted=700, exercise_price=D("3.50"))
        elect(banded, person, {f"G-X{n}a": 300 + n, f"G-X{n}b": 700})
        extra.append(person)
    before = banded.terms
    proposal = {p.key: p.tendered_per_new for p in ratio_proposals(banded, INPUTS, now=FRIDAY_JAN_3)}
    after = dataclasses.replace(
        before,
        price_bands=tuple(
            dataclasses.replace(band, new_shares=D(1), for_tendered=proposal[key])
            for key, band in zip(band_keys(before.price_bands), before.price_bands, strict=True)
        ),
    )
    with django_assert_num_queries(1):
        affected = list(affected_elections(banded, before, after))
    assert [item.employee_id for item in affected] == ["E-X0", "E-X1", "E-X2", "E1001"]
    assert [line["grant_id"] for line in affected[0].figures["grants"]] == ["G-X0a", "G-X0b"]
    assert affected[0].figures["total_tendered"] == 1000

    monkeypatch.setattr(actions, "RATIO_EMAILS_BATCH", 3)  # two batches: 3 and 1
    setting = save(banded, admin)
    rows = list(RatioChangeEmail.objects.filter(setting=setting).order_by("employee__employee_id"))
    assert [row.employee for row in rows] == [*extra, census["sam"]]
    assert [row.figures for row in rows] == [item.figures for item in affected]
    event = AuditEvent.objects.get(event_type=AuditEventType.OFFER_RATIOS_SET)
    assert event.data["employees_emailed"] == ["E-X0", "E-X1", "E-X2", "E1001"]


def test_the_emails_are_owed_in_the_transaction_and_sent_only_after_the_commit(
    banded, census, admin, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        save(banded, admin)
    assert mail.outbox == []
    assert RatioChangeEmail.objects.filter(sent_at__isnull=True).count() == 1
    assert len(callbacks) == 1
    call_command("deliver_ratio_emails", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert len(mail.outbox) == 1


def test_the_tendered_grants_keep_what_was_shown_and_the_election_stays_in_force(
    banded, census, admin
) -> None:
    sam = census["sam"]
    before = list(sam.elections.get(version=1).tendered_grants.values_list("grant__grant_id", "new_shares"))
    save(banded, admin)
    election = sam.elections.get()
    assert election.takes_effect
    assert list(election.tendered_grants.values_list("grant__grant_id", "new_shares")) == before


def test_the_home_page_notice_applies_until_the_employee_elects_again(banded, census, admin) -> None:
    save(banded, admin)
    banded.refresh_from_db()
    sam, carol = census["sam"], census["carol"]
    notice = ratio_change_notice(banded, sam, now=FRIDAY_JAN_3)
    assert notice is not None
    assert notice.total_before == 500 + 250 + notice.grants[0]["new_before"]
    assert ratio_change_notice(banded, carol, now=FRIDAY_JAN_3) is None
    assert (
        ratio_change_notice(banded, sam, now=datetime(2003, 1, 22, tzinfo=UTC)) is None
    )  # the offer is over
    submit_election(
        banded,
        sam,
        {"G-1001": 800, "G-1002": 1000, "G-1004": 500},
        actor=sam.user,
        signature=sam.full_name,
        expected_version=1,
        submission_token=uuid.uuid4(),
        now=datetime(2003, 1, 3, 19, 0, tzinfo=UTC),
    )
    assert ratio_change_notice(banded, sam, now=datetime(2003, 1, 3, 19, 0, tzinfo=UTC)) is None


def test_a_stale_proposal_is_refused(banded, census, admin) -> None:
    with pytest.raises(OfferError, match="The proposal changed since it was shown"):
        save(banded, admin, expected={OPTION_1: D("1.23"), OPTION_2: D("4.56")})
    assert not RatioSetting.objects.exists()


def test_a_flat_offer_has_no_band_ratios_to_set(soxp_2003, admin) -> None:
    with pytest.raises(OfferError, match="one flat ratio and no price bands"):
        save(soxp_2003, admin)


def test_a_closed_or_expired_offer_is_refused(banded, admin) -> None:
    with pytest.raises(OfferError, match="has passed"):
        save(banded, admin, now=datetime(2003, 1, 22, tzinfo=UTC))
    Offer.objects.filter(pk=banded.pk).update(closed_at=datetime(2003, 1, 22, tzinfo=UTC))
    banded.refresh_from_db()
    with pytest.raises(OfferError, match="is closed"):
        save(banded, admin)


def test_the_close_computes_the_new_shares_at_the_ratios_in_force(banded, census, admin) -> None:
    from soxp_portal.closing.planning import plan_tender

    save(banded, admin)
    banded.refresh_from_db()
    sam = census["sam"]
    planned = plan_tender(banded, sam.elections.get())
    x = PriceBand.objects.get(offer=banded, position=1).ratio_tendered
    by_grant = {item.grant_id: item.new_shares for item in planned.grants}
    assert by_grant["G-1002"] == math.ceil(1000 / x)
    assert date(2003, 1, 20) == banded.cancellation_date()


def test_the_close_notes_a_grant_whose_new_shares_moved_with_the_ratios(banded, census, admin) -> None:
    from soxp_portal.closing.planning import plan_tender

    save(banded, admin)
    banded.refresh_from_db()
    planned = plan_tender(banded, census["sam"].elections.get())
    x = PriceBand.objects.get(offer=banded, position=1).ratio_tendered
    assert planned.accepted
    assert (
        f"Grant G-1002 gives {math.ceil(1000 / x):,} new shares at the ratios in force, not the 500 shown "
        "when the election was made." in planned.outcome_in_words
    )
    carol = plan_tender(banded, census["carol"].elections.get())
    assert carol.outcome_in_words == "Accepted as elected."


def test_the_home_page_tells_the_affected_employee(client, banded, census, admin) -> None:
    import time_machine

    save(banded, admin)
    sam, carol = census["sam"], census["carol"]
    with time_machine.travel(FRIDAY_JAN_3, tick=False):
        client.force_login(sam.user)
        page = client.get(f"/offers/{banded.slug}/").content.decode()
        client.force_login(carol.user)
        other = client.get(f"/offers/{banded.slug}/").content.decode()
    x = PriceBand.objects.get(offer=banded, position=1).ratio_tendered
    assert "The preliminary exchange ratios change what your election gives" in page
    assert "Your election stays in force at the new ratios unless you change it or withdraw it" in page
    assert (
        f"Grant G-1002 at $4.50: 1,000 tendered, 500 new shares before, {math.ceil(1000 / x):,} now" in page
    )
    assert "exchange ratios change what your election gives" not in other
    assert "The preliminary exchange ratios are set" in other  # the announcement, to every employee


def test_an_rsu_employee_is_told_in_units_by_email_and_on_the_home_page(
    banded, census, admin, django_capture_on_commit_callbacks
) -> None:
    """An employee working in a country that receives RSUs: the figures are units, not new shares."""
    for position, (lower, upper) in enumerate(((D(0), D(5)), (D(5), None)), start=1):
        PriceBand.objects.create(
            offer=banded,
            award_type="rsu",
            position=position,
            lower=lower,
            upper=upper,
            ratio_new=D(1),
            ratio_tendered=D(9),
        )
    Offer.objects.filter(pk=banded.pk).update(eligible_countries="US,GB", award_by_country={"GB": "rsu"})
    banded.refresh_from_db()
    gwen = EmployeeFactory(first_name="Gwen", last_name="Glass", employee_id="E-GWEN", work_country="GB")
    GrantFactory(employee=gwen, grant_id="G-W1", shares_granted=900, exercise_price=D("4.00"))
    elect(banded, gwen, {"G-W1": 900})
    with django_capture_on_commit_callbacks(execute=True):
        save(banded, admin)
    message = next(message for message in mail.outbox if message.to == [gwen.email])
    assert "they change the RSUs your election gives" in message.body
    assert "Grant G-W1 at $4.00: 900 tendered, 100 RSUs before" in message.body
    assert "Total: 900 tendered, 100 RSUs before" in message.body
    banded.refresh_from_db()
    notice = ratio_change_notice(banded, gwen, now=FRIDAY_JAN_3)
    assert notice is not None
    assert notice.units == "RSUs"
    assert ratio_change_notice(banded, census["sam"], now=FRIDAY_JAN_3).units == "new shares"  # type: ignore[union-attr]
