"""The close and everything downstream of it for an offer with price bands, RSUs by work country and the
new award granted at the close (issue 15): the new grants, the letters and every export file.

The offer is soxp-2003 changed into a 2009-style exchange: employees in GB receive RSUs, everyone else
options; two bands each (below $5.00, and $5.00 or higher), the RSUs' upper band with its own vesting
(a quarter after 12 months, then 36 monthly parts); granted at the close. Figures by hand:

- Sam (US, options): G-1001 800 at $6.00 -> 800/2 = 400; G-1002 1,000 at $4.50 -> 1,000/1.5 = 666.67,
  rounded up 667; G-1004 500 at $0.40 -> 333.33, 334. Total 1,401 new option shares.
- Gwen (GB, RSUs): G-GB-1 1,200 at $6.00 -> 1,200/6 = 200 units; G-GB-2 300 at $4.00 -> 300/4 = 75 units.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from soxp_portal.accounts.roles import Role
from soxp_portal.closing.actions import (
    ClosingError,
    accept_tenders,
    cancel_tendered_grants,
    correct_closing_price,
    create_new_grants,
)
from soxp_portal.closing.exports.catalogue import EXPORTS
from soxp_portal.closing.letters import letter_documents, render_documents
from soxp_portal.closing.models import AcceptedGrant, NewGrant, Tender
from soxp_portal.offers.actions import submit_election
from soxp_portal.offers.models import Employee, Offer, PriceBand
from tests.documents.pdf_text import pdf_pages, pdf_text
from tests.exports.conftest import member_of
from tests.factories import EmployeeFactory, GrantFactory

pytestmark = pytest.mark.django_db

D = Decimal
DURING_OFFER = datetime(2003, 1, 10, 18, 0, tzinfo=UTC)
AFTER_DEADLINE = datetime(2003, 1, 21, 6, 0, tzinfo=UTC)
ON_GRANT_DATE = datetime(2003, 1, 22, 18, 0, tzinfo=UTC)


def _band(
    offer: Offer, award: str, position: int, lower: str, upper: str | None, tendered: str, **more
) -> None:
    PriceBand.objects.create(
        offer=offer,
        award_type=award,
        position=position,
        lower=D(lower),
        lower_inclusive=True,
        upper=None if upper is None else D(upper),
        upper_inclusive=False,
        ratio_new=D(1),
        ratio_tendered=D(tendered),
        **more,
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
        now=DURING_OFFER,
    )


@pytest.fixture
def mixed(soxp_2003: Offer, slide_9_employee: Employee):
    Offer.objects.filter(pk=soxp_2003.pk).update(
        eligible_countries="US,GB", award_by_country={"GB": "rsu"}, grant_date_rule="at_close"
    )
    _band(soxp_2003, "option", 1, "0", "5.00", "1.5")
    _band(soxp_2003, "option", 2, "5.00", None, "2")
    _band(soxp_2003, "rsu", 1, "0", "5.00", "4")
    _band(
        soxp_2003,
        "rsu",
        2,
        "5.00",
        None,
        "6",
        vesting_cliff_months=12,
        vesting_cliff_fraction=D("0.25"),
        vesting_monthly_installments=36,
    )
    offer = Offer.objects.get(pk=soxp_2003.pk)
    gwen = EmployeeFactory(employee_id="E-GWEN", first_name="Gwen", last_name="Glass", work_country="GB")
    GrantFactory(grant_id="G-GB-1", employee=gwen, shares_granted=1200, exercise_price=D("6.00"))
    GrantFactory(grant_id="G-GB-2", employee=gwen, shares_granted=300, exercise_price=D("4.00"))
    _elect(offer, slide_9_employee, {"G-1001": 800, "G-1002": 1000, "G-1004": 500})
    _elect(offer, gwen, {"G-GB-1": 1200, "G-GB-2": 300})
    admin = member_of(Role.STOCK_ADMINISTRATOR, "ada.admin@example.com")
    return offer, admin, gwen


CLOSING_PRICE = D("1.25")


def close(offer: Offer, admin, price: Decimal | None = CLOSING_PRICE) -> None:
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    cancel_tendered_grants(offer, actor=admin, now=AFTER_DEADLINE)
    create_new_grants(Offer.objects.get(pk=offer.pk), closing_price=price, actor=admin, now=ON_GRANT_DATE)


def test_the_accepted_grants_carry_each_employees_award_and_band_ratio(mixed) -> None:
    offer, admin, _ = mixed
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    lines = {line.grant.grant_id: (line.award_type, line.new_shares) for line in AcceptedGrant.objects.all()}
    assert lines == {
        "G-1001": ("option", 400),
        "G-1002": ("option", 667),
        "G-1004": ("option", 334),
        "G-GB-1": ("rsu", 200),
        "G-GB-2": ("rsu", 75),
    }


def test_rsu_new_grants_have_no_price_type_or_expiration_and_options_the_closing_price(mixed) -> None:
    offer, admin, _ = mixed
    close(offer, admin)
    grants = {
        g.accepted_grant.grant.grant_id: g for g in NewGrant.objects.select_related("accepted_grant__grant")
    }
    rsu = grants["G-GB-1"]
    assert (rsu.award_type, rsu.shares, rsu.exercise_price, rsu.option_type, rsu.expiration_date) == (
        "rsu",
        200,
        None,
        "",
        None,
    )
    option = grants["G-1001"]
    assert (option.award_type, option.exercise_price, option.option_type) == ("option", D("1.25"), "NSO")
    assert rsu.grant_date == option.grant_date == offer.new_grant_date() == date(2003, 1, 21)


def test_the_database_refuses_an_rsu_with_an_exercise_price(mixed) -> None:
    offer, admin, _ = mixed
    close(offer, admin)
    with pytest.raises(IntegrityError), transaction.atomic():
        NewGrant.objects.filter(award_type="rsu").update(exercise_price=D("1.00"))


def test_the_price_correction_changes_the_options_only(mixed) -> None:
    offer, admin, _ = mixed
    close(offer, admin)
    corrected = correct_closing_price(
        Offer.objects.get(pk=offer.pk), closing_price=D("1.30"), reason="Typo", actor=admin, now=ON_GRANT_DATE
    )
    assert corrected == 3
    assert set(NewGrant.objects.filter(award_type="rsu").values_list("exercise_price", flat=True)) == {None}
    assert set(NewGrant.objects.filter(award_type="option").values_list("exercise_price", flat=True)) == {
        D("1.30")
    }


def test_an_offer_granting_options_needs_the_closing_price_and_one_of_rsus_only_refuses_it(
    mixed, soxp_2003
) -> None:
    offer, admin, _ = mixed
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    cancel_tendered_grants(offer, actor=admin, now=AFTER_DEADLINE)
    with pytest.raises(ClosingError, match="Enter the closing price"):
        create_new_grants(Offer.objects.get(pk=offer.pk), closing_price=None, actor=admin, now=ON_GRANT_DATE)
    Offer.objects.filter(pk=offer.pk).update(award_type="rsu", award_by_country={})
    PriceBand.objects.filter(offer=offer, award_type="option").delete()
    AcceptedGrant.objects.update(award_type="rsu")
    rsu_only = Offer.objects.get(pk=offer.pk)
    with pytest.raises(ClosingError, match="only RSUs"):
        create_new_grants(rsu_only, closing_price=D("1.25"), actor=admin, now=ON_GRANT_DATE)
    create_new_grants(rsu_only, closing_price=None, actor=admin, now=ON_GRANT_DATE)
    assert set(NewGrant.objects.values_list("award_type", "exercise_price")) == {("rsu", None)}
    assert Offer.objects.get(pk=offer.pk).new_exercise_price is None


# --- Letters ----------------------------------------------------------------------------------------


def _documents(offer: Offer):
    tenders = list(
        Tender.objects.filter(offer=offer)
        .select_related("offer", "employee")
        .order_by("employee__employee_id")
    )
    return letter_documents(tenders, issued_on=date(2003, 1, 21))


def test_the_rsu_letter_is_a_grant_notice_in_units_with_the_bands_vesting_and_no_exercise_price(
    mixed, tmp_path
) -> None:
    offer, admin, _ = mixed
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    gwen, sam = _documents(offer)
    _, gwen_pdf = render_documents([sam, gwen])
    text = " ".join(pdf_text(gwen_pdf).split())
    assert "Notice of Grant of Restricted Stock Units" in text
    assert "granted you restricted stock units (RSUs) on the grant date, January 21, 2003" in text
    assert "New units" in text
    assert "275" in text
    assert "1 for 6" in text
    assert "1 for 4" in text
    # The terms page states no exercise price (the grants table shows the cancelled options' own).
    assert "Exercise price." not in " ".join(pdf_pages(gwen_pdf)[-1].split())
    assert "RSUs have no exercise price" in text
    # The upper band's own vesting: a quarter after 12 months, then 36 monthly parts.
    assert "Grants $5.00 or higher: 25% of the units vests on January 21, 2004" in text
    assert "36 equal monthly installments" in text
    assert "promise" not in text.lower().replace("promised", "")
    assert "RSU grant notice · E-GWEN · soxp-2003" in text
    assert "Stock Options" not in pdf_pages(gwen_pdf)[0]
    # Its first page as docs/screenshots/pdf-rsu-grant-notice-1.png shows it (made by this test's render).
    pdf_path = tmp_path / "notice.pdf"
    pdf_path.write_bytes(gwen_pdf)
    subprocess.run(  # noqa: S603  # poppler's pdftoppm, a fixed command line
        [
            "/usr/bin/pdftoppm",
            "-png",
            "-r",
            "60",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(pdf_path),
            str(tmp_path / "notice"),
        ],
        check=True,
    )
    assert (tmp_path / "notice.png").read_bytes().startswith(b"\x89PNG")


def test_an_option_granted_at_the_close_gets_a_grant_notice_stating_each_grants_band_ratio(mixed) -> None:
    offer, admin, _ = mixed
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    _, sam = _documents(offer)
    text = " ".join(pdf_text(render_documents([sam])[0]).split())
    assert "Notice of Grant of Stock Options" in text
    assert "granted you new options on the grant date, January 21, 2003" in text
    assert "Ratio" in text
    assert "1 for 2" in text
    assert "1 for 1.5" in text
    assert "$5.00 or higher: 1 new share for each 2 shares cancelled" in text
    assert "January 21, 2003: the new award is granted at the close" in text
    assert "Grant notice · E1001 · soxp-2003" in text


def test_an_option_after_a_gap_with_bands_is_promised_with_the_band_ratio(mixed) -> None:
    offer, admin, _ = mixed
    Offer.objects.filter(pk=offer.pk).update(grant_date_rule="after_gap")
    offer = Offer.objects.get(pk=offer.pk)
    accept_tenders(offer, actor=admin, now=AFTER_DEADLINE)
    gwen, sam = _documents(offer)
    assert sam.title == "Promise to Grant Stock Options"
    assert gwen.title == "Promise to Grant Restricted Stock Units"
    assert sam.terms.new_grant_date == "July 21, 2003"
    assert [line.ratio for line in sam.lines] == ["1 for 2", "1 for 1.5", "1 for 1.5"]
    text = " ".join(pdf_text(render_documents([sam])[0]).split())
    assert "promises to grant you new options" in text


# --- Exports ----------------------------------------------------------------------------------------


def _download(client, offer: Offer, key: str, fmt: str) -> str:
    response = client.post(reverse("console:export-download", args=[offer.slug, key, fmt]))
    assert response.status_code == 200, key
    return b"".join(response.streaming_content).decode()


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def exported(mixed, client):
    offer, admin, _ = mixed
    close(offer, admin)
    client.force_login(admin)
    offer = Offer.objects.get(pk=offer.pk)
    files = {
        (export.key, fmt): _download(client, offer, export.key, fmt)
        for export in EXPORTS
        for fmt in export.formats
        if fmt != "xlsx"
    }
    return files


def test_every_export_file_shows_the_rsu_employee_with_units_and_no_exercise_price(exported) -> None:
    eligibility = [row for row in _rows(exported["eligibility", "csv"]) if row["employee_id"] == "E-GWEN"]
    # After the cancellation the census shows no outstanding shares; the units came from the close.
    assert [row["grant_id"] for row in eligibility] == ["G-GB-1", "G-GB-2"]
    (election,) = [row for row in _rows(exported["elections", "csv"]) if row["employee_id"] == "E-GWEN"]
    assert (election["shares_tendered"], election["new_shares"]) == ("1500", "275")
    cancellations = {row["grant_id"]: row for row in _rows(exported["cancellations", "csv"])}
    assert cancellations["G-GB-1"]["new_security_type"] == "RSU"
    assert cancellations["G-GB-1"]["new_shares_promised"] == "200"
    assert cancellations["G-1001"]["new_security_type"] == "Option"
    new = {row["replaces_grant_id"]: row for row in _rows(exported["new-grants", "csv"])}
    assert (new["G-GB-1"]["security_type"], new["G-GB-1"]["option_type"]) == ("RSU", "")
    assert (new["G-GB-1"]["exercise_price"], new["G-GB-1"]["expiration_date"]) == ("", "")
    # The upper RSU band's own vesting: 50 units of 200 after 12 months, then 36 monthly parts.
    assert (new["G-GB-1"]["first_vest_date"], new["G-GB-1"]["first_vest_shares"]) == ("2004-01-21", "50")
    assert (new["G-GB-1"]["monthly_installments"], new["G-GB-1"]["final_vest_date"]) == ("36", "2007-01-21")
    # The lower band has the offer's vesting (half after 6 months, 24 monthly parts).
    assert (new["G-GB-2"]["first_vest_shares"], new["G-GB-2"]["monthly_installments"]) == ("37", "24")
    assert (new["G-1001"]["security_type"], new["G-1001"]["exercise_price"]) == ("Option", "1.2500")
    vesting = [row for row in _rows(exported["vesting", "csv"]) if row["grant_id"] == "SOXP-2003-G-GB-1"]
    assert len(vesting) == 37
    assert vesting[-1]["cumulative_shares"] == "200"
    summary = {row["figure"]: row["value"] for row in _rows(exported["summary", "csv"])}
    assert (summary["option_promised"], summary["rsu_promised"]) == ("1401", "275")
    assert (summary["option_grants"], summary["rsu_grants"]) == ("3", "2")
    assert (summary["option_granted"], summary["rsu_granted"]) == ("1401", "275")
    assert summary["net_reduction_options"] == str(800 + 1000 + 500 + 1500 - 1401)
    assert summary["net_reduction"] == str(800 + 1000 + 500 + 1500 - 1401 - 275)


def test_open_cap_format_issues_rsus_as_rsu_without_an_exercise_price(exported) -> None:
    items = {item["id"]: item for item in json.loads(exported["ocf-transactions", "json"])["items"]}
    rsu = items["soxp-2003-issuance-SOXP-2003-G-GB-1"]
    assert rsu["compensation_type"] == "RSU"
    assert "exercise_price" not in rsu
    assert rsu["expiration_date"] is None  # required by the schema, nullable
    assert rsu["termination_exercise_windows"] == []
    assert rsu["vesting_terms_id"] == "soxp-2003-vesting-12m-1-4-36"
    assert sum(int(v["amount"]) for v in rsu["vestings"]) == 200
    option = items["soxp-2003-issuance-SOXP-2003-G-1001"]
    assert option["compensation_type"] == "OPTION_NSO"
    assert option["exercise_price"] == {"amount": "1.25", "currency": "USD"}
    assert option["vesting_terms_id"] == "soxp-2003-new-option-vesting"
    cancelled = items["soxp-2003-cancellation-G-GB-1"]
    assert cancelled["reason_text"].endswith("in exchange for a grant of 200 restricted stock units.")
    terms = json.loads(exported["ocf-vesting-terms", "json"])["items"]
    assert [t["id"] for t in terms] == ["soxp-2003-new-option-vesting", "soxp-2003-vesting-12m-1-4-36"]
    assert {t["id"] for t in terms} >= {item.get("vesting_terms_id") for item in items.values()} - {None}
    assert terms[1]["vesting_conditions"][1]["portion"] == {"numerator": "1", "denominator": "4"}
