"""The whole life of the 2003 offer on the demo census, step by step, with the numbers checked.

The census is `fixtures/demo/` as shipped (2003 dates). Who does what:

- Sam (E1001, slide 9) elects online: 800 + 1,000 + 500 (lookback) -> 600 + 750 + 375.
- Lena (E1002) elects online: 2,000 + 1,200 (lookback) + 333 (lookback, on the window's last day)
  -> 1,500 + 900 + 250.
- Lee (E1008, on leave) elects online, then withdraws.
- Paula (E1009) elects both grants online, then modifies to the one with a performance condition:
  4,000 -> 3,000.
- Ari (E1012, options assumed from Lightwave and Premise) sends a fax, entered by the administrator:
  1,600 + 900 -> 1,200 + 675.
- The deadline is extended from 2003-01-20 to 2003-01-24 21:00 Pacific, as in 2003.
- Eve (E1011) elects after the first deadline, before the extended one: 2,200 -> 1,650 (her grant
  expiring on 2003-01-20 is not eligible, decision 9).
- Lee tries again after the deadline and is refused.
- The offer is closed: 5 tenders accepted, 14,533 options cancelled as of 2003-01-24, 10,900 new
  options promised, 5 letters.
- A census re-import gives Sam another grant before the new grant date: it is flagged (slide 21).
- Ari leaves on 2003-04-15: his promise of 1,875 is forfeited.
- On 2003-07-25 (the new grant date after the extension) the administrator enters the closing price of
  2003-07-24: 8 new options, 9,025 shares, for Sam, Lena, Paula and Eve.
"""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from soxp_portal.accounts.roles import Role
from soxp_portal.audit.verify import verify_chain
from soxp_portal.closing.actions import (
    accept_tenders,
    cancel_tendered_grants,
    create_new_grants,
    issue_letters,
    record_termination,
)
from soxp_portal.closing.exports.summary import close_summary
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant, PromiseLetter, Tender
from soxp_portal.closing.queries import blackout_grants
from soxp_portal.offers.actions import ElectionClosed, extend_offer, submit_election, withdraw_election
from soxp_portal.offers.census import CensusImportError, import_census
from soxp_portal.offers.models import Election, Employee, Grant, Offer
from soxp_portal.offers.participation import participation_summary
from tests.factories import UserFactory

CENSUS = Path(settings.BASE_DIR) / "fixtures" / "demo"
PACIFIC = "America/Los_Angeles"


def at(day: str, hour: int = 12) -> datetime:
    """Noon UTC (4 am Pacific) on `day`, unless told otherwise."""
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def census_files(grant_changes: dict[str, dict[str, str]] | None = None, extra_grants: list[dict] = ()):
    employees = (CENSUS / "employees.csv").read_bytes()
    with (CENSUS / "grants.csv").open(encoding="utf-8", newline="") as source:
        reader = csv.DictReader(source)
        rows = [{**row, **(grant_changes or {}).get(row["grant_id"], {})} for row in reader]
        columns = reader.fieldnames
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows([*rows, *extra_grants])
    return io.BytesIO(employees), io.BytesIO(out.getvalue().encode())


class Portal:
    """The offer and the people acting on it, with the election version each form was loaded at."""

    def __init__(self, offer: Offer, admin) -> None:
        self.offer, self.admin = offer, admin

    def person(self, employee_id: str) -> Employee:
        return Employee.objects.select_related("user").get(employee_id=employee_id)

    def version(self, employee: Employee) -> int:
        return Election.objects.filter(offer=self.offer, employee=employee).count()

    def elect(self, employee_id: str, tendered: dict[str, int], when: datetime, **paper) -> Election:
        employee = self.person(employee_id)
        return submit_election(
            self.offer,
            employee,
            tendered,
            actor=self.admin if paper else employee.user,
            signature=employee.full_name,
            expected_version=self.version(employee),
            submission_token=uuid.uuid4(),
            now=when,
            **paper,
        )

    def withdraw(self, employee_id: str, when: datetime) -> Election:
        employee = self.person(employee_id)
        return withdraw_election(
            self.offer,
            employee,
            actor=employee.user,
            signature=employee.full_name,
            expected_version=self.version(employee),
            submission_token=uuid.uuid4(),
            now=when,
        )


@pytest.mark.django_db
def test_the_life_of_the_2003_offer_on_the_demo_census(django_capture_on_commit_callbacks) -> None:
    call_command("loaddata", "soxp-2003", verbosity=0)
    import_census(*census_files())
    offer = Offer.objects.get(slug="soxp-2003")
    admin = UserFactory(email="admin@example.com", is_staff=True)
    portal = Portal(offer, admin)

    # Open: elections online, a modification, a withdrawal and a fax.
    with django_capture_on_commit_callbacks(execute=True):
        portal.elect("E1001", {"G-1001": 800, "G-1002": 1000, "G-1004": 500}, at("2002-12-23"))
        portal.elect("E1002", {"G-2001": 2000, "G-2002": 1200, "G-2003": 333}, at("2002-12-26"))
        portal.elect("E1008", {"G-8001": 1800}, at("2002-12-27"))
        portal.withdraw("E1008", at("2002-12-30"))
        portal.elect("E1009", {"G-9001": 4000, "G-9002": 1000}, at("2003-01-02"))
        portal.elect("E1009", {"G-9001": 4000}, at("2003-01-06"))
        fax = portal.elect(
            "E1012",
            {"G-12001": 1600, "G-12002": 900},
            at("2003-01-10"),
            channel=Election.Channel.FAX,
            received_at=at("2003-01-09", 18),
        )
    assert fax.is_on_behalf
    assert fax.entered_by == admin
    assert len(mail.outbox) == 7  # one confirmation per version, the fax's to Ari
    assert mail.outbox[-1].to == ["ari.acquired@example.com"]

    # The extension of 2003-01-20: the cancellation and new grant dates follow.
    extended_to = datetime(2003, 1, 24, 21, 0, tzinfo=offer.zone)
    extend_offer(
        offer,
        extended_to,
        reason="More time to consider the reverse split.",
        announcement="The offer now expires on January 24, 2003 at 9:00 pm Pacific.",
        actor=admin,
        now=at("2003-01-20", 18),
    )
    offer.refresh_from_db()
    assert (offer.cancellation_date(), offer.new_grant_date(), offer.pricing_date()) == (
        date(2003, 1, 24),
        date(2003, 7, 25),
        date(2003, 7, 24),
    )

    # After the first deadline, before the new one, Eve can still elect; after it, nobody can.
    portal.elect("E1011", {"G-11003": 2200}, at("2003-01-22"))
    with pytest.raises(ElectionClosed):
        portal.elect("E1008", {"G-8001": 1800}, offer.expires_at)

    summary = participation_summary(offer, now=at("2003-01-25"))
    assert (summary.participants, summary.withdrawn, summary.tendered_shares, summary.new_shares) == (
        5,
        1,
        14_533,
        10_900,
    )

    # Close: accept, cancel as of the cancellation date, letters.
    closed_at = at("2003-01-25", 17)
    accept_tenders(offer, actor=admin, now=closed_at)
    accepted = Tender.objects.filter(offer=offer, outcome=Tender.Outcome.ACCEPTED)
    assert sorted(accepted.values_list("employee__employee_id", flat=True)) == [
        "E1001",
        "E1002",
        "E1009",
        "E1011",
        "E1012",
    ]
    assert sum(AcceptedGrant.objects.values_list("shares", flat=True)) == 14_533
    assert sum(AcceptedGrant.objects.values_list("new_shares", flat=True)) == 10_900
    closing = cancel_tendered_grants(offer, actor=admin, now=closed_at)
    assert closing.cancellation_date == date(2003, 1, 24)
    assert Grant.objects.get(grant_id="G-1001").shares_cancelled == 800
    assert Grant.objects.get(grant_id="G-9002").shares_cancelled == 0  # dropped when Paula modified
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        issue_letters(offer, actor=admin, now=closed_at)
    assert PromiseLetter.objects.filter(tender__offer=offer, emailed_at__isnull=False).count() == 5
    assert sorted(message.to[0] for message in mail.outbox) == sorted(
        accepted.values_list("employee__email", flat=True)
    )

    # Between close and grant: the census (now showing the cancellations) gives Sam another grant.
    cancelled = {
        line.grant.grant_id: {"shares_cancelled": str(line.shares)} for line in AcceptedGrant.objects.all()
    }
    new_sam_grant = {
        "grant_id": "G-1005",
        "employee_id": "E1001",
        "plan": "2000 Stock Option Plan",
        "option_type": "NSO",
        "grant_date": "2003-03-03",
        "shares_granted": "400",
        "shares_exercised": "0",
        "shares_cancelled": "0",
        "exercise_price": "0.85",
        "expiration_date": "2013-03-03",
        "performance_condition": "",
    }
    import_census(*census_files(cancelled, [new_sam_grant]))
    assert [grant.grant_id for grant in blackout_grants(offer, closing)] == ["G-1005"]

    # Ari leaves: his promise is forfeited and he is told.
    with django_capture_on_commit_callbacks(execute=True):
        record_termination(
            offer,
            portal.person("E1012"),
            termination_date=date(2003, 4, 15),
            actor=admin,
            now=at("2003-04-16"),
        )
    assert "will not be granted" in mail.outbox[-1].subject

    # The new grants, at the closing price of the last trading day before the new grant date.
    create_new_grants(offer, closing_price=Decimal("1.10"), actor=admin, now=at("2003-07-25", 17))
    new_grants = NewGrant.objects.filter(employee__tenders__offer=offer)
    assert new_grants.count() == 8
    assert sum(new_grants.values_list("shares", flat=True)) == 1725 + 2650 + 3000 + 1650
    assert set(new_grants.values_list("exercise_price", "grant_date", "expiration_date", "option_type")) == {
        (Decimal("1.10"), date(2003, 7, 25), date(2013, 7, 25), "NSO")
    }
    paula = new_grants.get(employee__employee_id="E1009")
    assert (paula.shares, paula.performance_condition) == (
        3000,
        "Vests only once the Evolution product line ships",
    )
    assert not new_grants.filter(employee__employee_id="E1012").exists()

    # The exports for the stock plan administrator, downloaded from the console.
    summary = close_summary(offer, Closing.objects.get(offer=offer))
    assert (summary.eligible.holders, summary.eligible.grants, summary.eligible.shares) == (6, 12, 17_333)
    assert (summary.participants_accepted, summary.shares_accepted, summary.new_shares_promised) == (
        5,
        14_533,
        10_900,
    )
    assert (summary.participants_forfeited, summary.new_shares_forfeited) == (1, 1_875)
    assert (summary.new_grants, summary.new_shares_granted, summary.net_reduction) == (8, 9_025, 5_508)
    admin.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    client = Client()
    client.force_login(admin)
    exports = {
        key: list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
        for key in ("cancellations", "new-grants")
        if (response := client.post(reverse("console:export-download", args=[offer.slug, key, "csv"])))
    }
    assert sum(int(row["shares_cancelled"]) for row in exports["cancellations"]) == 14_533
    assert {row["cancellation_date"] for row in exports["cancellations"]} == {"2003-01-24"}
    assert sum(int(row["shares"]) for row in exports["new-grants"]) == 9_025

    # The audit trail recorded all of it, unbroken.
    assert verify_chain().intact


@pytest.mark.django_db
def test_a_census_that_would_undo_the_cancellations_is_refused(django_capture_on_commit_callbacks) -> None:
    call_command("loaddata", "soxp-2003", verbosity=0)
    import_census(*census_files())
    offer = Offer.objects.get(slug="soxp-2003")
    admin = UserFactory(email="admin@example.com", is_staff=True)
    Portal(offer, admin).elect("E1001", {"G-1001": 800, "G-1002": 1000, "G-1004": 500}, at("2002-12-23"))
    accept_tenders(offer, actor=admin, now=at("2003-01-22"))
    cancel_tendered_grants(offer, actor=admin, now=at("2003-01-22"))
    before = sorted(Grant.objects.values_list("grant_id", "shares_cancelled", "updated_at"))

    with pytest.raises(CensusImportError) as refused:
        import_census(*census_files(), grants_name="grants-old.csv")

    assert [str(error) for error in refused.value.errors] == [
        f"grants-old.csv, row {row}, column shares_cancelled: grant {grant_id} had {shares} shares cancelled "
        f"when an exchange offer closed, but this census shows 0 cancelled: load the offer's cancellations "
        "into the stock plan system first, then export the census again."
        for row, grant_id, shares in ((2, "G-1001", "800"), (3, "G-1002", "1,000"), (5, "G-1004", "500"))
    ]
    assert sorted(Grant.objects.values_list("grant_id", "shares_cancelled", "updated_at")) == before
    cancelled = {"G-1001": {"shares_cancelled": "800"}, "G-1002": {"shares_cancelled": "1000"}}
    import_census(*census_files({**cancelled, "G-1004": {"shares_cancelled": "500"}}))
