"""The soxp-2003 offer terms, exactly as OFFER.md's table gives them, and builders for rule inputs.

Rule tests need no database and no Django: everything here is plain values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from soxp_portal.rules.facts import EmployeeFacts, GrantFacts
from soxp_portal.rules.terms import OfferTerms, PricingBasis
from tests.rules.terms_2003 import SOXP_2003, pacific


@pytest.fixture
def terms() -> OfferTerms:
    """The first offer, soxp-2003, following the presentation where the documents disagree."""
    return SOXP_2003


@pytest.fixture
def extended_terms() -> OfferTerms:
    """soxp-2003 after the real extension of 2003-01-20: deadline 2003-01-24 21:00 Pacific."""
    return replace(SOXP_2003, expires_at=pacific(2003, 1, 24, 21, 0))


@pytest.fixture
def offer_to_exchange_terms() -> OfferTerms:
    """soxp-2003 read as the Offer to Exchange reads it, on all four points where the documents disagree."""
    return replace(
        SOXP_2003,
        hire_cutoff_inclusive=True,
        price_threshold_inclusive=False,
        pricing_basis=PricingBasis.FMV_ON_GRANT_DATE,
        lookback_end=None,
    )


@pytest.fixture
def make_employee() -> Callable[..., EmployeeFacts]:
    """Builds an eligible US employee (alice); keyword arguments change any fact."""

    def build(**changes: Any) -> EmployeeFacts:
        alice = EmployeeFacts(
            employee_id="E-100",
            hire_date=date(1999, 3, 1),
            work_country="US",
            status="active",
            termination_date=None,
            is_executive_officer=False,
            is_director=False,
        )
        return replace(alice, **changes)

    return build


@pytest.fixture
def make_grant() -> Callable[..., GrantFacts]:
    """Builds an eligible, fully outstanding $6.00 grant; keyword arguments change any fact."""

    def build(**changes: Any) -> GrantFacts:
        grant = GrantFacts(
            grant_id="G-1",
            plan="2000 Stock Option Plan",
            grant_date=date(2000, 5, 20),
            shares_granted=1000,
            shares_exercised=0,
            shares_cancelled=0,
            exercise_price=Decimal("6.00"),
            expiration_date=date(2010, 5, 20),
        )
        return replace(grant, **changes)

    return build


@pytest.fixture
def slide_9_grants() -> list[GrantFacts]:
    """Slide 9's employee: three eligible grants (one a lookback grant at $0.40) and one at $2.18."""
    plan = "2000 Stock Option Plan"
    return [
        GrantFacts("G-1", plan, date(2000, 5, 20), 1000, 200, 0, Decimal("6.00"), date(2010, 5, 20)),
        GrantFacts("G-2", plan, date(2001, 3, 5), 1000, 0, 0, Decimal("4.50"), date(2011, 3, 5)),
        GrantFacts("G-3", plan, date(2002, 2, 28), 500, 0, 0, Decimal("2.18"), date(2012, 2, 28)),
        GrantFacts("G-4", plan, date(2002, 7, 1), 500, 0, 0, Decimal("0.40"), date(2012, 7, 1)),
    ]
