"""The close-out in Open Cap Format (OCF), for a cap table system: cancellations and issuances.

OCF (Open Cap Table Coalition) is a set of JSON files. The exports are two of them:

- an ``OCF_TRANSACTIONS_FILE``: one ``TX_EQUITY_COMPENSATION_CANCELLATION`` per grant cancelled in the
  offer, dated the cancellation date, then one ``TX_EQUITY_COMPENSATION_ISSUANCE`` per new option,
  dated the new grant date (before the new grants are made, the file holds the cancellations only);
- an ``OCF_VESTING_TERMS_FILE`` with the new options' ``VESTING_TERMS``: a cliff relative to the
  vesting start (the grant date), then monthly installments relative to the cliff, on the grant's
  day of the month or the month's last day (decision 6).

OCF's allocation types cannot say "the cliff is rounded down, then the rest in equal parts rounded down
cumulatively" (``CUMULATIVE_ROUND_DOWN`` over 1/2 + 24 x 1/48 gives 521 rather than 520 shares after
the first month of a 1,001-share grant), so each issuance also carries ``vestings``, its exact dates and
share amounts, which OCF says take precedence over the terms.

Identifiers: an old grant's ``security_id`` is its census grant id and a new option's is its new grant
id; ``stakeholder_id`` is the census employee id; ``stock_plan_id`` is the plan's name as a slug
("2000-stock-option-plan"). Object ids are derived from those, so loading the file twice (once after the
cancellation, again after the new grants) names each transaction the same way. Quantities and amounts
are strings (OCF ``Numeric``); prices are in US dollars.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

from django.utils.text import slugify

from soxp_portal.closing.exports.tables import new_grants_of_offer
from soxp_portal.closing.models import AcceptedGrant, Closing
from soxp_portal.offers.models import Offer
from soxp_portal.rules.terms import OfferTerms
from soxp_portal.rules.vesting import vesting_schedule_for
from soxp_portal.rules.wording import format_date, format_shares

TRANSACTIONS_FILE = "OCF_TRANSACTIONS_FILE"
VESTING_TERMS_FILE = "OCF_VESTING_TERMS_FILE"
CANCELLATION = "TX_EQUITY_COMPENSATION_CANCELLATION"
ISSUANCE = "TX_EQUITY_COMPENSATION_ISSUANCE"
COMPENSATION_TYPES = {"NSO": "OPTION_NSO", "ISO": "OPTION_ISO"}
CURRENCY = "USD"
_DAY_OF_MONTH = "VESTING_START_DAY_OR_LAST_DAY_OF_MONTH"
_CHUNK = 2000


def numeric(value: int | Decimal) -> str:
    """An OCF Numeric: a fixed-point string, no exponent, at most ten decimals ("6.0000" -> "6")."""
    return f"{Decimal(value).normalize():f}"


def stock_plan_id(plan_name: str) -> str:
    return slugify(plan_name)


def vesting_terms_id(offer: Offer) -> str:
    return f"{offer.slug}-new-option-vesting"


def _cancellations(offer: Offer, closing: Closing) -> Iterator[dict[str, Any]]:
    day = closing.cancellation_date.isoformat()  # type: ignore[union-attr]
    rows = (
        AcceptedGrant.objects.filter(tender__offer=offer)
        .order_by("tender__employee__employee_id", "grant__grant_id")
        .values_list("grant__grant_id", "shares", "new_shares")
    )
    for grant_id, shares, promised in rows.iterator(_CHUNK):
        yield {
            "object_type": CANCELLATION,
            "id": f"{offer.slug}-cancellation-{grant_id}",
            "date": day,
            "security_id": grant_id,
            "quantity": numeric(shares),
            "reason_text": (
                f"Tendered in {offer.name} and accepted: {format_shares(shares)} shares cancelled in "
                f"exchange for a promise to grant {format_shares(promised)} new shares."
            ),
        }


def _issuances(offer: Offer) -> Iterator[dict[str, Any]]:
    terms = offer.terms
    terms_id = vesting_terms_id(offer)
    rows = new_grants_of_offer(offer).values_list(
        "grant_id",
        "employee__employee_id",
        "plan__name",
        "option_type",
        "grant_date",
        "shares",
        "exercise_price",
        "expiration_date",
        "performance_condition",
        "accepted_grant__grant__grant_id",
    )
    for grant_id, holder, plan, option_type, granted, shares, price, expires, condition, old in rows.iterator(
        _CHUNK
    ):
        schedule = vesting_schedule_for(terms, shares, granted)
        item: dict[str, Any] = {
            "object_type": ISSUANCE,
            "id": f"{offer.slug}-issuance-{grant_id}",
            "date": granted.isoformat(),
            "security_id": grant_id,
            "custom_id": grant_id,
            "stakeholder_id": holder,
            "stock_plan_id": stock_plan_id(plan),
            "compensation_type": COMPENSATION_TYPES[option_type],
            "quantity": numeric(shares),
            "exercise_price": {"amount": numeric(price), "currency": CURRENCY},
            "expiration_date": expires.isoformat(),
            "termination_exercise_windows": [],
            "security_law_exemptions": [],
            "vesting_terms_id": terms_id,
            "vestings": [
                {"date": event.vest_date.isoformat(), "amount": numeric(event.shares)}
                for event in schedule
                if event.shares
            ],
            "consideration_text": f"Exchange of option {old} under {offer.name}.",
        }
        if condition:
            item["comments"] = [f"Performance condition carried over from option {old}: {condition}"]
        yield item


def ocf_transactions(offer: Offer, closing: Closing) -> Iterator[dict[str, Any]]:
    """The cancellations (once cancelled), then the issuances (once the new grants are made)."""
    if closing.cancelled_at is not None:
        yield from _cancellations(offer, closing)
    if closing.new_grants_created_at is not None:
        yield from _issuances(offer)


def transaction_count(offer: Offer, closing: Closing) -> int:
    """How many transactions :func:`ocf_transactions` writes: two counting queries."""
    count = 0
    if closing.cancelled_at is not None:
        count += AcceptedGrant.objects.filter(tender__offer=offer).count()
    if closing.new_grants_created_at is not None:
        count += new_grants_of_offer(offer).count()
    return count


def _portion(numerator: int, denominator: int) -> dict[str, str]:
    return {"numerator": str(numerator), "denominator": str(denominator)}


def _months(length: int, occurrences: int) -> dict[str, Any]:
    return {"length": length, "type": "MONTHS", "occurrences": occurrences, "day_of_month": _DAY_OF_MONTH}


def _description(terms: OfferTerms, example: date) -> str:
    cliff = terms.vesting_cliff_fraction * 100
    return (
        f"{cliff.normalize():f}% of the shares (rounded down) vest {terms.vesting_cliff_months} months "
        f"after the grant date, then the rest in {terms.vesting_monthly_installments} equal monthly "
        "installments on the same day of the month (or its last day), each month's cumulative total "
        f"rounded down and the last completing the grant. For a grant on {format_date(example)}, the "
        "exact dates and amounts are in each issuance's vestings."
    )


def ocf_vesting_terms(offer: Offer) -> dict[str, Any]:
    """The new options' vesting terms as one OCF VESTING_TERMS object (OFFER.md "new vesting")."""
    terms = offer.terms
    numerator, denominator = terms.vesting_cliff_fraction.as_integer_ratio()
    installments = terms.vesting_monthly_installments
    cliff = {
        "id": "cliff",
        "description": f"Cliff, {terms.vesting_cliff_months} months after the grant date.",
        "portion": _portion(numerator, denominator),
        "trigger": {
            "type": "VESTING_SCHEDULE_RELATIVE",
            "period": _months(terms.vesting_cliff_months, 1),
            "relative_to_condition_id": "vesting-start",
        },
        "next_condition_ids": ["monthly"] if installments else [],
    }
    conditions: list[dict[str, Any]] = [
        {
            "id": "vesting-start",
            "quantity": "0",
            "trigger": {"type": "VESTING_START_DATE"},
            "next_condition_ids": ["cliff"],
        },
        cliff,
    ]
    if installments:
        conditions.append(
            {
                "id": "monthly",
                "description": f"{installments} monthly installments after the cliff.",
                "portion": _portion(denominator - numerator, denominator * installments),
                "trigger": {
                    "type": "VESTING_SCHEDULE_RELATIVE",
                    "period": _months(1, installments),
                    "relative_to_condition_id": "cliff",
                },
                "next_condition_ids": [],
            }
        )
    return {
        "object_type": "VESTING_TERMS",
        "id": vesting_terms_id(offer),
        "name": f"{offer.name}: new options",
        "description": _description(terms, offer.new_grant_date()),
        "allocation_type": "CUMULATIVE_ROUND_DOWN",
        "vesting_conditions": conditions,
    }
