"""The rows of each tabular export on the small close of conftest.py."""

import io
from datetime import date
from decimal import Decimal

from django.utils import timezone

from soxp_portal.closing.exports import tables
from soxp_portal.closing.exports.writers import csv_chunks
from soxp_portal.closing.models import Closing
from soxp_portal.offers.reports import write_eligibility_report
from soxp_portal.rules.eligibility import judgement_day
from tests.exports.conftest import MALICIOUS, PERFORMANCE

NEW_GRANT_DATE = date(2003, 7, 21)


def rows(table):
    return [tuple(row) for row in table.rows]


def test_eligibility_export_is_the_eligibility_report(scenario):
    offer = scenario.offer
    table = tables.eligibility_table(offer, now=timezone.now())
    out = io.StringIO()
    write_eligibility_report(offer, out, on=judgement_day(offer.terms, timezone.now()))
    assert "".join(csv_chunks(table)) == out.getvalue()
    assert table.count == 11
    bob_kept = tables.eligibility_table(offer, now=timezone.now())
    assert ("E-BOB", "G-BOB-2", "true", "false", 400, 300) in [tuple(row[:6]) for row in bob_kept.rows]


def test_final_elections_are_the_version_in_force_of_each_employee(scenario):
    table = tables.elections_table(scenario.offer)
    exported = {row[0]: row for row in rows(table)}
    assert table.count == 5
    assert sorted(exported) == ["E-BOB", "E-CAROL", "E-DAVE", "E-MAL", "E1001"]
    sam = exported["E1001"]
    assert sam[1:6] == ("Sam", "Slide", "e1001@example.com", "election", "web")
    assert sam[6] == "2003-01-10T18:00:00Z"
    assert sam[7] == "2003-01-10T10:00:00-08:00"
    assert sam[9:] == (1, 3, 2300, 1725)
    carol = exported["E-CAROL"]
    assert carol[4] == "withdrawal"
    assert carol[9:] == (2, 0, 0, 0)
    assert exported["E-MAL"][1] == MALICIOUS


def test_cancellations_list_each_accepted_grant_with_the_cancellation_date(scenario):
    scenario.accept()
    scenario.cancel()
    closing = Closing.objects.get(offer=scenario.offer)
    table = tables.cancellations_table(scenario.offer, closing)
    exported = rows(table)
    cancelled_on = date(2003, 1, 20)
    assert table.count == 5
    assert exported == [
        (
            "E-BOB",
            "G-BOB-1",
            "2000 Stock Option Plan",
            "ISO",
            date(2000, 5, 20),
            Decimal("6.0000"),
            1000,
            750,
            cancelled_on,
        ),
        (
            "E-MAL",
            "G-MAL-1",
            "2000 Stock Option Plan",
            "ISO",
            date(2000, 5, 20),
            Decimal("4.0000"),
            333,
            250,
            cancelled_on,
        ),
        (
            "E1001",
            "G-1001",
            "2000 Stock Option Plan",
            "ISO",
            date(2000, 5, 20),
            Decimal("6.0000"),
            800,
            600,
            cancelled_on,
        ),
        (
            "E1001",
            "G-1002",
            "2000 Stock Option Plan",
            "ISO",
            date(2001, 3, 5),
            Decimal("4.5000"),
            1000,
            750,
            cancelled_on,
        ),
        (
            "E1001",
            "G-1004",
            "2000 Stock Option Plan",
            "ISO",
            date(2002, 7, 1),
            Decimal("0.4000"),
            500,
            375,
            cancelled_on,
        ),
    ]


def test_new_grants_are_nsos_at_the_closing_price_with_their_vesting_outline(closed):
    table = tables.new_grants_table(closed.offer)
    exported = {row[0]: row for row in rows(table)}
    assert table.count == 4  # Bob's promise was forfeited
    assert sorted(exported) == [
        "SOXP-2003-G-1001",
        "SOXP-2003-G-1002",
        "SOXP-2003-G-1004",
        "SOXP-2003-G-MAL-1",
    ]
    assert exported["SOXP-2003-G-1001"] == (
        "SOXP-2003-G-1001",
        "E1001",
        "2000 Stock Option Plan",
        "NSO",
        NEW_GRANT_DATE,
        600,
        Decimal("1.2500"),
        date(2013, 7, 21),
        "",
        "G-1001",
        NEW_GRANT_DATE,
        date(2004, 1, 21),
        300,
        24,
        date(2006, 1, 21),
    )
    assert exported["SOXP-2003-G-MAL-1"][8] == PERFORMANCE
    assert exported["SOXP-2003-G-MAL-1"][9] == "G-MAL-1"


def test_vesting_has_one_row_per_event_and_completes_each_grant(closed):
    exported = rows(tables.vesting_table(closed.offer))
    sam_1001 = [row for row in exported if row[0] == "SOXP-2003-G-1001"]
    assert len(sam_1001) == 25
    assert sam_1001[0] == ("SOXP-2003-G-1001", "E1001", date(2004, 1, 21), 300, 300)
    # 300 over 24 months: 12 or 13 a month, cumulative rounded down (decision 6).
    assert sam_1001[1] == ("SOXP-2003-G-1001", "E1001", date(2004, 2, 21), 12, 312)
    assert sam_1001[-1] == ("SOXP-2003-G-1001", "E1001", date(2006, 1, 21), 13, 600)
    assert sum(row[3] for row in sam_1001) == 600
    totals = {}
    for grant_id, _, _, shares, _ in exported:
        totals[grant_id] = totals.get(grant_id, 0) + shares
    assert totals == {
        "SOXP-2003-G-1001": 600,
        "SOXP-2003-G-1002": 750,
        "SOXP-2003-G-1004": 375,
        "SOXP-2003-G-MAL-1": 250,
    }
