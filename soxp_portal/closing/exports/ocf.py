"""The close-out in Open Cap Format (OCF), for a cap table system: cancellations and issuances.

OCF (Open Cap Table Coalition) is a set of JSON files. The exports are two of them:

- an ``OCF_TRANSACTIONS_FILE``: one ``TX_EQUITY_COMPENSATION_CANCELLATION`` per grant cancelled in the
  offer, dated the cancellation date, then one ``TX_EQUITY_COMPENSATION_ISSUANCE`` per new option,
  dated the new grant date (before the new grants are made, the file holds the cancellations only);
- an ``OCF_VESTING_TERMS_FILE`` with the new options' ``VESTING_TERMS``: a cliff relative to the
  vesting start (the grant date), then monthly installments relative to the cliff, on the grant's
  day of the month or the month's last day (decision 6). An offer whose price bands set their own
  vesting has one ``VESTING_TERMS`` per distinct vesting, each issuance naming its band's.

An RSU award (issue 15) is an issuance with ``compensation_type`` "RSU", no ``exercise_price`` (OCF's
schema requires one for the option types only) and a null ``expiration_date`` (required, nullable):
RSUs are not bought and do not expire as options do.

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

from soxp_portal.closing.exports.tables import new_grant_schedules, new_grants_of_offer
from soxp_portal.closing.models import AcceptedGrant, Closing
from soxp_portal.offers.models import Offer
from soxp_portal.rules.terms import AwardType, AwardVesting, GrantDateRule
from soxp_portal.rules.vesting import offer_vesting
from soxp_portal.rules.wording import format_date, format_shares

TRANSACTIONS_FILE = "OCF_TRANSACTIONS_FILE"
VESTING_TERMS_FILE = "OCF_VESTING_TERMS_FILE"
CANCELLATION = "TX_EQUITY_COMPENSATION_CANCELLATION"
ISSUANCE = "TX_EQUITY_COMPENSATION_ISSUANCE"
COMPENSATION_TYPES = {"NSO": "OPTION_NSO", "ISO": "OPTION_ISO"}
#: OCF's CompensationType for restricted stock units.
RSU_COMPENSATION_TYPE = "RSU"
CURRENCY = "USD"
_DAY_OF_MONTH = "VESTING_START_DAY_OR_LAST_DAY_OF_MONTH"
_CHUNK = 2000


def numeric(value: int | Decimal) -> str:
    """An OCF Numeric: a fixed-point string, no exponent, at most ten decimals ("6.0000" -> "6")."""
    return f"{Decimal(value).normalize():f}"


def stock_plan_id(plan_name: str) -> str:
    return slugify(plan_name)


def vesting_terms_id(offer: Offer, vesting: AwardVesting | None = None) -> str:
    """The id of the offer's vesting terms (`vesting` None: its own); a band's own vesting is named by its
    cliff, cliff fraction and installments ("exchange-2009-vesting-12m-1-4-36")."""
    if vesting is None or vesting == offer_vesting(offer.terms):
        return f"{offer.slug}-new-option-vesting"
    numerator, denominator = vesting.cliff_fraction.as_integer_ratio()
    return (
        f"{offer.slug}-vesting-{vesting.cliff_months}m-{numerator}-{denominator}-"
        f"{vesting.monthly_installments}"
    )


def _cancellations(offer: Offer, closing: Closing) -> Iterator[dict[str, Any]]:
    day = closing.cancellation_date.isoformat()  # type: ignore[union-attr]
    rows = (
        AcceptedGrant.objects.filter(tender__offer=offer)
        .order_by("tender__employee__employee_id", "grant__grant_id")
        .values_list("grant__grant_id", "shares", "new_shares", "award_type")
    )
    for grant_id, shares, promised, award in rows.iterator(_CHUNK):
        yield {
            "object_type": CANCELLATION,
            "id": f"{offer.slug}-cancellation-{grant_id}",
            "date": day,
            "security_id": grant_id,
            "quantity": numeric(shares),
            "reason_text": _cancellation_reason(offer, shares, promised, award),
        }


def _cancellation_reason(offer: Offer, shares: int, promised: int, award: str) -> str:
    """Why a grant was cancelled: for what it was exchanged, promised (after a gap) or granted (at the
    close), in options' shares or RSUs."""
    what = (
        f"{format_shares(promised)} restricted stock units"
        if award == AwardType.RSU
        else f"{format_shares(promised)} new shares"
    )
    how = "a promise to grant" if offer.terms.grant_date_rule is GrantDateRule.AFTER_GAP else "a grant of"
    return (
        f"Tendered in {offer.name} and accepted: {format_shares(shares)} shares cancelled in exchange for "
        f"{how} {what}."
    )


def _issuances(offer: Offer) -> Iterator[dict[str, Any]]:
    for row, vesting, schedule in new_grant_schedules(offer):
        grant_id, holder, plan, option_type, award, granted, shares, price, expires, condition, old, _ = row
        is_rsu = award == AwardType.RSU
        item: dict[str, Any] = {
            "object_type": ISSUANCE,
            "id": f"{offer.slug}-issuance-{grant_id}",
            "date": granted.isoformat(),  # type: ignore[attr-defined]
            "security_id": grant_id,
            "custom_id": grant_id,
            "stakeholder_id": holder,
            "stock_plan_id": stock_plan_id(plan),  # type: ignore[arg-type]
            "compensation_type": RSU_COMPENSATION_TYPE if is_rsu else COMPENSATION_TYPES[option_type],  # type: ignore[index]
            "quantity": numeric(shares),  # type: ignore[arg-type]
        }
        if not is_rsu:
            item["exercise_price"] = {"amount": numeric(price), "currency": CURRENCY}  # type: ignore[arg-type]
        item |= {
            "expiration_date": None if expires is None else expires.isoformat(),  # type: ignore[attr-defined]
            "termination_exercise_windows": [],
            "security_law_exemptions": [],
            "vesting_terms_id": vesting_terms_id(offer, vesting),
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


def _description(vesting: AwardVesting, example: date) -> str:
    cliff = vesting.cliff_fraction * 100
    return (
        f"{cliff.normalize():f}% of the shares (rounded down) vest {vesting.cliff_months} months "
        f"after the grant date, then the rest in {vesting.monthly_installments} equal monthly "
        "installments on the same day of the month (or its last day), each month's cumulative total "
        f"rounded down and the last completing the grant. For a grant on {format_date(example)}, the "
        "exact dates and amounts are in each issuance's vestings."
    )


def offer_vestings(offer: Offer) -> list[AwardVesting]:
    """Every distinct vesting the offer's new awards may have: its own first, then each band's own."""
    terms = offer.terms
    vestings = [offer_vesting(terms)]
    for award in terms.award_types:
        for band in terms.bands_of(award):
            if band.vesting is not None and band.vesting not in vestings:
                vestings.append(band.vesting)
    return vestings


def ocf_vesting_terms_items(offer: Offer) -> list[dict[str, Any]]:
    """The OCF VESTING_TERMS objects the issuances may name: the offer's own, then each band's own."""
    return [ocf_vesting_terms(offer, vesting) for vesting in offer_vestings(offer)]


def ocf_vesting_terms(offer: Offer, vesting: AwardVesting | None = None) -> dict[str, Any]:
    """The new awards' vesting terms as one OCF VESTING_TERMS object (OFFER.md "new vesting"): the
    offer's own (`vesting` None), or a band's."""
    own = offer_vesting(offer.terms)
    vesting = vesting or own
    numerator, denominator = vesting.cliff_fraction.as_integer_ratio()
    installments = vesting.monthly_installments
    cliff = {
        "id": "cliff",
        "description": f"Cliff, {vesting.cliff_months} months after the grant date.",
        "portion": _portion(numerator, denominator),
        "trigger": {
            "type": "VESTING_SCHEDULE_RELATIVE",
            "period": _months(vesting.cliff_months, 1),
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
    awards = "new options" if offer.terms.award_types == (AwardType.OPTION,) else "new awards"
    name = f"{offer.name}: {awards}"
    if vesting != own:
        name += f" ({vesting.cliff_months}-month cliff, {installments} monthly installments)"
    return {
        "object_type": "VESTING_TERMS",
        "id": vesting_terms_id(offer, vesting),
        "name": name,
        "description": _description(vesting, offer.new_grant_date()),
        "allocation_type": "CUMULATIVE_ROUND_DOWN",
        "vesting_conditions": conditions,
    }
