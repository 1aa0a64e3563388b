"""Turn model rows into the plain values ``soxp_portal.rules`` reads: one small adapter per shape."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import DecimalField, Q, QuerySet

from soxp_portal.rules.facts import EmployeeFacts, EmploymentStatus, GrantFacts
from soxp_portal.rules.terms import (
    AwardType,
    AwardVesting,
    GrantDateRule,
    OfferTerms,
    PriceBand,
    PricingBasis,
    RatioStage,
    Rounding,
)

if TYPE_CHECKING:
    from soxp_portal.offers.models import Employee, Grant, Offer
    from soxp_portal.offers.models import PriceBand as PriceBandRow


_BAND_FIELDS = (
    "award_type",
    "position",
    "lower",
    "lower_inclusive",
    "upper",
    "upper_inclusive",
    "ratio_new",
    "ratio_tendered",
    "vesting_cliff_months",
    "vesting_cliff_fraction",
    "vesting_monthly_installments",
)


def _plans_and_bands(offer: Offer) -> tuple[frozenset[str], tuple[PriceBand, ...]]:
    """The names of the plans the offer covers and its price bands, in one query.

    Both relations are read in one row set (plans x bands: a handful of rows), so building the terms
    costs the one query it cost before bands existed and every page keeps its number of queries.
    """
    if not offer.pk:
        return frozenset(), ()
    from soxp_portal.offers.models import Offer

    rows = (
        Offer.objects.filter(pk=offer.pk)
        .order_by("price_bands__award_type", "price_bands__position")
        .values_list("covered_plans__name", *(f"price_bands__{name}" for name in _BAND_FIELDS))
    )
    plans: set[str] = set()
    bands: dict[tuple[str, int], PriceBand] = {}
    for plan, award_type, position, *band in rows:
        if plan is not None:
            plans.add(plan)
        if position is not None and (award_type, position) not in bands:
            bands[award_type, position] = _price_band(*band, award_type=award_type)
    return frozenset(plans), tuple(bands.values())


def _price_band(
    lower: Decimal,
    lower_inclusive: bool,
    upper: Decimal | None,
    upper_inclusive: bool,
    ratio_new: Decimal,
    ratio_tendered: Decimal,
    cliff_months: int | None,
    cliff_fraction: Decimal | None,
    installments: int | None,
    *,
    award_type: str,
) -> PriceBand:
    vesting = None
    if cliff_months is not None and cliff_fraction is not None and installments is not None:
        vesting = AwardVesting(cliff_months, cliff_fraction, installments)
    return PriceBand(
        lower=lower,
        lower_inclusive=lower_inclusive,
        upper=upper,
        upper_inclusive=upper_inclusive,
        new_shares=ratio_new,
        for_tendered=ratio_tendered,
        vesting=vesting,
        award_type=AwardType(award_type),
    )


def price_band(band: PriceBandRow) -> PriceBand:
    """One band row (saved or not, as a form builds it) as the rules read it."""
    return _price_band(*(getattr(band, name) for name in _BAND_FIELDS[2:]), award_type=band.award_type)


def offer_terms(offer: Offer) -> OfferTerms:
    covered_plans, bands = _plans_and_bands(offer)
    return OfferTerms(
        opens_at=offer.opens_at,
        expires_at=offer.expires_at,
        time_zone=offer.time_zone,
        eligible_countries=frozenset(code.strip() for code in offer.eligible_countries.split(",")),
        hire_cutoff_date=offer.hire_cutoff_date,
        hire_cutoff_inclusive=offer.hire_cutoff_inclusive,
        price_threshold=offer.price_threshold,
        price_threshold_inclusive=offer.price_threshold_inclusive,
        lookback_start=offer.lookback_start,
        lookback_end=offer.lookback_end,
        exchange_ratio=offer.exchange_ratio,
        new_grant_delay_months=offer.new_grant_delay_months,
        new_grant_delay_days=offer.new_grant_delay_days,
        pricing_basis=PricingBasis(offer.pricing_basis),
        new_term_years=offer.new_term_years,
        vesting_cliff_months=offer.vesting_cliff_months,
        vesting_cliff_fraction=offer.vesting_cliff_fraction,
        vesting_monthly_installments=offer.vesting_monthly_installments,
        covered_plans=covered_plans,
        price_bands=bands,
        rounding=Rounding(offer.rounding),
        award_type=AwardType(offer.award_type),
        award_by_country=tuple(
            (country, AwardType(award)) for country, award in sorted(offer.award_by_country.items())
        ),
        grant_date_rule=GrantDateRule(offer.grant_date_rule),
        ratio_stage=RatioStage(offer.ratio_stage),
    )


def employee_facts(employee: Employee) -> EmployeeFacts:
    return EmployeeFacts(
        employee_id=employee.employee_id,
        hire_date=employee.hire_date,
        work_country=employee.work_country,
        status=employee.status,
        termination_date=employee.termination_date,
        is_executive_officer=employee.is_executive_officer,
        is_director=employee.is_director,
    )


def employed_on(day: date, *, through: str = "") -> Q:
    """``EmployeeFacts.is_employed_on(day)`` as a filter on employees, or with `through` ("employee__")
    on rows that lead to one: a termination date decides (employed if it is later than `day`); without
    one, every status but terminated is employed."""
    return Q(**{f"{through}termination_date__gt": day}) | (
        Q(**{f"{through}termination_date__isnull": True})
        & ~Q(**{f"{through}status": EmploymentStatus.TERMINATED.value})
    )


def grant_facts(grant: Grant) -> GrantFacts:
    """Needs ``grant.plan`` loaded (select_related) to avoid a query per grant."""
    return GrantFacts(
        grant_id=grant.grant_id,
        plan=grant.plan.name,
        grant_date=grant.grant_date,
        shares_granted=grant.shares_granted,
        shares_exercised=grant.shares_exercised,
        shares_cancelled=grant.shares_cancelled,
        exercise_price=grant.exercise_price,
        expiration_date=grant.expiration_date,
    )


_EMPLOYEE_FACTS = (
    "employee_id",
    "hire_date",
    "work_country",
    "status",
    "termination_date",
    "is_executive_officer",
    "is_director",
)
_GRANT_FACTS = (
    "grant_id",
    "grant_date",
    "shares_granted",
    "shares_exercised",
    "shares_cancelled",
    "exercise_price",
    "expiration_date",
)


def plain_values(queryset: QuerySet[Any, Any], *, chunk_size: int = 5000) -> Iterator[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset as the database driver returns them, fetched in chunks (a
    server-side cursor on PostgreSQL), without the ORM's per-value converters, which cost most of a
    whole-census pass (docs/performance.md).

    The drivers already return text, numbers, dates and booleans as Python's types (Django registers
    SQLite's converters for its declared column types), and PostgreSQL's returns decimals. SQLite keeps
    a decimal as an integer or a float: it becomes the ``Decimal`` of the float's shortest text, which
    is the decimal that was stored (a price has at most 12 significant digits, a float holds 15), as the
    ORM's own converter gives it; the float is never used as money.
    """
    compiler = queryset.query.get_compiler(using=queryset.db)
    sql, params = compiler.as_sql()
    decimals = [
        index
        for index, (expression, _, _) in enumerate(compiler.select)
        if connection.vendor == "sqlite" and isinstance(expression.output_field, DecimalField)
    ]
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            if not decimals:
                yield from rows
                continue
            for row in rows:
                values = list(row)
                for index in decimals:
                    value = values[index]
                    if value is not None:
                        values[index] = Decimal(repr(value) if isinstance(value, float) else value)
                yield tuple(values)


def grant_and_holder_facts(grants: QuerySet[Grant]) -> Iterator[tuple[EmployeeFacts, GrantFacts]]:
    """Streams (holder, grant) facts for a queryset of grants, in its order, from plain values.

    For whole-census reports: no model instances are built, and consecutive grants of one holder
    share one EmployeeFacts object, so callers can judge each employee once (``is`` comparison).
    """
    rows = plain_values(
        grants.values_list(
            "plan__name",
            *_GRANT_FACTS,
            *(f"employee__{name}" for name in _EMPLOYEE_FACTS),
        )
    )
    holder: EmployeeFacts | None = None
    split = 1 + len(_GRANT_FACTS)
    for row in rows:
        if holder is None or holder.employee_id != row[split]:
            holder = EmployeeFacts(*row[split:])
        grant_id, *facts = row[1:split]
        yield holder, GrantFacts(grant_id, row[0], *facts)
