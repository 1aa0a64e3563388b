"""The close-out in Open Cap Format: the shape of each object against the OCF schema's required keys."""

import json
import re
from decimal import Decimal

from soxp_portal.closing.exports import ocf
from soxp_portal.closing.exports.writers import json_array_chunks
from soxp_portal.closing.models import Closing
from tests.exports.conftest import PERFORMANCE

NUMERIC = re.compile(r"^[+-]?[0-9]+(\.[0-9]{1,10})?$")  # OCF types/Numeric
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Object + Transaction + SecurityTransaction + Cancellation, and the transaction's own keys.
CANCELLATION_REQUIRED = {"object_type", "id", "date", "security_id", "quantity", "reason_text"}
CANCELLATION_ALLOWED = CANCELLATION_REQUIRED | {"comments", "balance_security_id"}
# Object + Transaction + SecurityTransaction + Issuance, and EquityCompensationIssuance's own.
ISSUANCE_REQUIRED = {
    "object_type",
    "id",
    "date",
    "security_id",
    "custom_id",
    "stakeholder_id",
    "security_law_exemptions",
    "compensation_type",
    "quantity",
    "expiration_date",
    "termination_exercise_windows",
    "exercise_price",  # required for OPTION_NSO
}
ISSUANCE_ALLOWED = ISSUANCE_REQUIRED | {
    "comments",
    "stock_plan_id",
    "stock_class_id",
    "option_grant_type",
    "base_price",
    "early_exercisable",
    "vesting_terms_id",
    "vestings",
    "board_approval_date",
    "stockholder_approval_date",
    "consideration_text",
}


def transactions_file(scenario) -> dict:
    closing = Closing.objects.get(offer=scenario.offer)
    text = "".join(
        json_array_chunks(
            {"file_type": ocf.TRANSACTIONS_FILE}, "items", ocf.ocf_transactions(scenario.offer, closing)
        )
    )
    return json.loads(text)


def test_cancellations_and_issuances_have_the_schema_keys(closed):
    document = transactions_file(closed)
    assert set(document) == {"file_type", "items"}
    assert document["file_type"] == "OCF_TRANSACTIONS_FILE"
    items = document["items"]
    cancellations = [item for item in items if item["object_type"] == "TX_EQUITY_COMPENSATION_CANCELLATION"]
    issuances = [item for item in items if item["object_type"] == "TX_EQUITY_COMPENSATION_ISSUANCE"]
    assert (len(cancellations), len(issuances), len(items)) == (5, 4, 9)
    assert items.index(issuances[0]) > items.index(cancellations[-1])  # in date order
    for item in cancellations:
        assert CANCELLATION_REQUIRED <= set(item) <= CANCELLATION_ALLOWED
        assert NUMERIC.match(item["quantity"])
        assert DATE.match(item["date"])
    for item in issuances:
        assert ISSUANCE_REQUIRED <= set(item) <= ISSUANCE_ALLOWED
        assert item["compensation_type"] == "OPTION_NSO"
        assert NUMERIC.match(item["quantity"])
        assert NUMERIC.match(item["exercise_price"]["amount"])
        assert item["exercise_price"]["currency"] == "USD"
        assert all(set(v) == {"date", "amount"} and NUMERIC.match(v["amount"]) for v in item["vestings"])
        assert sum(int(v["amount"]) for v in item["vestings"]) == int(item["quantity"])
    assert len({item["id"] for item in items}) == len(items)


def test_values_of_one_cancellation_and_its_issuance(closed):
    items = {item["id"]: item for item in transactions_file(closed)["items"]}
    cancelled = items["soxp-2003-cancellation-G-1001"]
    assert cancelled["security_id"] == "G-1001"
    assert cancelled["quantity"] == "800"
    assert cancelled["date"] == "2003-01-20"
    issued = items["soxp-2003-issuance-SOXP-2003-G-1001"]
    assert issued["security_id"] == issued["custom_id"] == "SOXP-2003-G-1001"
    assert issued["stakeholder_id"] == "E1001"
    assert issued["stock_plan_id"] == "2000-stock-option-plan"
    assert issued["date"] == "2003-07-21"
    assert issued["quantity"] == "600"
    assert issued["exercise_price"] == {"amount": "1.25", "currency": "USD"}
    assert issued["expiration_date"] == "2013-07-21"
    assert issued["vesting_terms_id"] == "soxp-2003-new-option-vesting"
    assert issued["vestings"][0] == {"date": "2004-01-21", "amount": "300"}
    assert issued["vestings"][-1] == {"date": "2006-01-21", "amount": "13"}
    assert "G-1001" in issued["consideration_text"]
    assert items["soxp-2003-issuance-SOXP-2003-G-MAL-1"]["comments"] == [
        f"Performance condition carried over from option G-MAL-1: {PERFORMANCE}"
    ]


def test_before_the_new_grants_the_file_holds_the_cancellations_only(scenario):
    scenario.accept()
    scenario.cancel()
    items = transactions_file(scenario)["items"]
    assert {item["object_type"] for item in items} == {"TX_EQUITY_COMPENSATION_CANCELLATION"}
    assert ocf.transaction_count(scenario.offer, Closing.objects.get(offer=scenario.offer)) == len(items) == 5


def test_vesting_terms_are_a_cliff_then_monthly_relative_to_the_grant_date(soxp_2003):
    terms = ocf.ocf_vesting_terms(soxp_2003)
    assert {"object_type", "id", "name", "description", "allocation_type", "vesting_conditions"} == set(terms)
    assert terms["object_type"] == "VESTING_TERMS"
    start, cliff, monthly = terms["vesting_conditions"]
    assert start == {
        "id": "vesting-start",
        "quantity": "0",
        "trigger": {"type": "VESTING_START_DATE"},
        "next_condition_ids": ["cliff"],
    }
    assert cliff["portion"] == {"numerator": "1", "denominator": "2"}
    assert cliff["trigger"] == {
        "type": "VESTING_SCHEDULE_RELATIVE",
        "period": {
            "length": 6,
            "type": "MONTHS",
            "occurrences": 1,
            "day_of_month": "VESTING_START_DAY_OR_LAST_DAY_OF_MONTH",
        },
        "relative_to_condition_id": "vesting-start",
    }
    assert cliff["next_condition_ids"] == ["monthly"]
    assert monthly["portion"] == {"numerator": "1", "denominator": "48"}
    assert monthly["trigger"]["period"]["length"] == 1
    assert monthly["trigger"]["period"]["occurrences"] == 24
    assert monthly["trigger"]["relative_to_condition_id"] == "cliff"
    assert monthly["next_condition_ids"] == []
    for condition in terms["vesting_conditions"]:
        assert {"id", "trigger", "next_condition_ids"} <= set(condition)
        assert ("portion" in condition) != ("quantity" in condition)


def test_numeric_is_fixed_point_without_exponent():
    assert ocf.numeric(1000) == "1000"
    assert ocf.numeric(Decimal("6.0000")) == "6"
    assert ocf.numeric(Decimal("2.1875")) == "2.1875"
