"""The two verdicts the portal stores with the census (``is_eligible_but_for_employment`` and
``may_be_tendered``) agree with the full rules on every day, for any terms, employee and grant."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from soxp_portal.rules.eligibility import (
    EmployeeEligibility,
    employee_eligibility,
    grant_eligibility,
    is_eligible_but_for_employment,
    may_be_tendered,
)
from soxp_portal.rules.facts import EmployeeFacts, GrantFacts
from soxp_portal.rules.terms import OfferTerms
from tests.rules.terms_2003 import SOXP_2003, pacific

ELIGIBLE = EmployeeEligibility(is_eligible=True, reasons=())
PLANS = ("2000 Stock Option Plan", "1993 Incentive Stock Option Plan", "Acquired Co. 1999 Plan")
# Days around the 2003 offer's dates, so that every comparison falls on both sides of its bound.
days = st.dates(min_value=date(2002, 1, 1), max_value=date(2004, 12, 31))
prices = st.decimals(min_value=Decimal("0.00"), max_value=Decimal("9.99"), places=2)


@st.composite
def terms(draw: st.DrawFn) -> OfferTerms:
    start = draw(st.none() | days)
    return replace(
        SOXP_2003,
        expires_at=pacific(2003, 1, 20, 21, 0) + timedelta(days=draw(st.integers(0, 30))),
        eligible_countries=draw(st.sampled_from([frozenset({"US"}), frozenset({"US", "GB"})])),
        hire_cutoff_date=draw(days),
        hire_cutoff_inclusive=draw(st.booleans()),
        price_threshold=draw(prices),
        price_threshold_inclusive=draw(st.booleans()),
        lookback_start=start,
        lookback_end=None if start is None else draw(st.none() | st.dates(min_value=start)),
        covered_plans=draw(st.sampled_from([frozenset(), frozenset(PLANS[:2])])),
    )


@st.composite
def employees(draw: st.DrawFn) -> EmployeeFacts:
    status = draw(st.sampled_from(["active", "leave", "terminated"]))
    ended = draw(days) if status == "terminated" else draw(st.none() | days)
    return EmployeeFacts(
        employee_id="E-1",
        hire_date=draw(days),
        work_country=draw(st.sampled_from(["US", "us", "GB", "JP"])),
        status=status,
        termination_date=ended,
        is_executive_officer=draw(st.booleans()),
        is_director=draw(st.booleans()),
    )


@st.composite
def grants(draw: st.DrawFn) -> GrantFacts:
    granted = draw(st.integers(1, 2000))
    exercised = draw(st.integers(0, granted))
    cancelled = draw(st.integers(0, granted - exercised))
    grant_date = draw(days)
    return GrantFacts(
        grant_id="G-1",
        plan=draw(st.sampled_from(PLANS)),
        grant_date=grant_date,
        shares_granted=granted,
        shares_exercised=exercised,
        shares_cancelled=cancelled,
        exercise_price=draw(prices),
        expiration_date=grant_date + timedelta(days=draw(st.integers(1, 1500))),
    )


@settings(max_examples=500, deadline=None)
@given(terms(), employees(), days)
def test_an_employee_is_eligible_on_a_day_when_eligible_but_for_employment_and_employed_that_day(
    offer: OfferTerms, employee: EmployeeFacts, on: date
) -> None:
    assert employee_eligibility(offer, employee, on).is_eligible is (
        is_eligible_but_for_employment(offer, employee) and employee.is_employed_on(on)
    )


@settings(max_examples=500, deadline=None)
@given(terms(), grants())
def test_may_be_tendered_is_the_verdict_for_an_eligible_holder(offer: OfferTerms, grant: GrantFacts) -> None:
    assert may_be_tendered(offer, grant) is grant_eligibility(offer, grant, ELIGIBLE).is_eligible


def test_a_terminated_holder_is_still_eligible_but_for_employment() -> None:
    gone = EmployeeFacts("E-1", date(1999, 1, 4), "US", "terminated", date(2002, 11, 29), False, False)
    assert is_eligible_but_for_employment(SOXP_2003, gone)
    assert not employee_eligibility(SOXP_2003, gone, date(2003, 1, 10)).is_eligible
    assert employee_eligibility(SOXP_2003, gone, date(2002, 11, 28)).is_eligible
