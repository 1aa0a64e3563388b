"""Each offer's eligibility verdicts, stored, so that the dashboard reads them instead of judging the census.

What is stored (``TenderableHolding``): for each employee who meets every requirement but employment
(``rules.eligibility.is_eligible_but_for_employment``) and holds at least one grant a holder who may take
part may tender (``rules.eligibility.may_be_tendered``), how many such grants and their outstanding
shares. Neither verdict depends on the day. Employment does, so it is applied when the verdicts are read,
from the employee's termination date (``adapters.employed_on``): stored verdicts do not go stale at
midnight, and the judgement day of ``rules.eligibility.judgement_day`` is the reader's.

When they are judged: the census import judges every offer, and a change of an offer's terms
(``create_offer``, ``update_offer_terms``, ``extend_offer``) judges that offer, each in its own
transaction and under the offer's row lock, so the verdicts commit with what they follow from. Every
read first checks that they still match (:func:`ensure_current`: digests of the offer's terms and of the
census, i.e. the counts and latest ``updated_at`` of employees and grants): a change made another way
(the admin site, the close's cancellation step, a factory in a test) is judged again before the
verdicts are read, so they are never read stale.

One judgement reads the census once for all the offers judged (two streaming queries of plain values)
and writes the holdings in bulk (``COPY`` on PostgreSQL): a few seconds on 400,000 grants, against the
16 s the dashboard's first view used to take (docs/performance.md).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from soxp_portal.offers.adapters import plain_values
from soxp_portal.offers.bulk import append_rows
from soxp_portal.offers.models import Employee, Grant, JudgedCensus, Offer, Plan, TenderableHolding
from soxp_portal.rules.eligibility import is_eligible_but_for_employment, may_be_tendered
from soxp_portal.rules.facts import EmployeeFacts, GrantFacts
from soxp_portal.rules.terms import OfferTerms

#: Rows fetched per round trip while judging.
CHUNK_SIZE = 5000
_EMPLOYEE_FACTS = tuple(field.name for field in dataclasses.fields(EmployeeFacts))
_GRANT_FACTS = tuple(field.name for field in dataclasses.fields(GrantFacts) if field.name != "plan")


def terms_digest(offer: Offer) -> str:
    """A digest of every term of the offer (covered plans by name, in order)."""
    terms = offer.terms
    canonical = tuple(
        (item.name, sorted(value) if isinstance(value := getattr(terms, item.name), frozenset) else value)
        for item in dataclasses.fields(terms)
    )
    return hashlib.sha256(repr(canonical).encode()).hexdigest()


def _census_basis() -> str:
    """SQL for the count and the latest ``updated_at`` of the employees and of the grants."""
    employees, grants = (connection.ops.quote_name(model._meta.db_table) for model in (Employee, Grant))
    return ", ".join(
        f"(SELECT {aggregate} FROM {table})"  # noqa: S608
        for table in (employees, grants)
        for aggregate in ("COUNT(*)", "MAX(updated_at)")
    )


def _digest(basis: Sequence[object]) -> str:
    return hashlib.sha256(repr(tuple(basis)).encode()).hexdigest()


def census_digest() -> str:
    """A digest of the census that changes whenever an employee or a grant is added, removed or changed
    (every write to them sets ``updated_at``): one query of two aggregates a table."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {_census_basis()}")
        return _digest(cursor.fetchone())


def _judged_and_census(offer: Offer) -> tuple[tuple[str | None, str | None], str]:
    """The digests the offer's verdicts were judged from (None, None if never), and the census's now:
    one query."""
    judged = connection.ops.quote_name(JudgedCensus._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT (SELECT terms_digest FROM {judged} WHERE offer_id = %s), "  # noqa: S608
            f"(SELECT census_digest FROM {judged} WHERE offer_id = %s), {_census_basis()}",
            [offer.pk, offer.pk],
        )
        terms, census, *basis = cursor.fetchone()
    return (terms, census), _digest(basis)


def is_current(offer: Offer) -> bool:
    """Whether the offer's stored verdicts were judged from its terms and the census as they are now."""
    judged, census = _judged_and_census(offer)
    return judged == (terms_digest(offer), census)


def ensure_current(offer: Offer, *, now: datetime | None = None) -> None:
    """Judges the offer again, under its row lock, unless its stored verdicts are current."""
    if is_current(offer):
        return
    with transaction.atomic():
        locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
        judged, census = _judged_and_census(locked)
        if judged != (terms_digest(locked), census):  # another reader may have judged it meanwhile
            judge_offers([locked], now=now, census=census)


def judge_stale_offers(offers: Sequence[Offer], *, now: datetime | None = None) -> None:
    """Judges those of `offers` whose stored verdicts are not current, in one pass (the caller holds
    their row locks): after an import that changed nothing, none."""
    census = census_digest()
    judged = {
        offer: (terms, digest)
        for offer, terms, digest in JudgedCensus.objects.filter(offer__in=offers).values_list(
            "offer", "terms_digest", "census_digest"
        )
    }
    stale = [offer for offer in offers if judged.get(offer.pk) != (terms_digest(offer), census)]
    judge_offers(stale, now=now, census=census)


def judge_offers(offers: Sequence[Offer], *, now: datetime | None = None, census: str | None = None) -> None:
    """Judges the whole census for each of `offers` and stores the verdicts in place of theirs.

    Runs in the caller's transaction, which holds the offers' row locks (``select_for_update``), so a
    change of terms and a census import judge one after the other, each seeing the other's result.
    The census digest (`census`, if the caller has just taken it) is taken before the census is read: a
    change committed meanwhile by someone else leaves the digest behind, and the next reader judges again.
    """
    if not offers:
        return
    now = now or timezone.now()
    census = census or census_digest()
    holdings = _judge([(offer.pk, offer.terms) for offer in offers])
    TenderableHolding.objects.filter(offer__in=offers).delete()
    append_rows(
        TenderableHolding._meta.db_table,
        ("offer_id", "employee_id", "grants", "shares"),
        (
            (offer_pk, employee_pk, grants, shares)
            for offer_pk, by_employee in holdings.items()
            for employee_pk, (grants, shares) in by_employee.items()
        ),
    )
    if connection.vendor == "postgresql":  # its statistics, for the readers' plans, without waiting
        with connection.cursor() as cursor:  # for autovacuum to notice the new rows
            cursor.execute(f"ANALYZE {connection.ops.quote_name(TenderableHolding._meta.db_table)}")
    JudgedCensus.objects.filter(offer__in=offers).delete()
    JudgedCensus.objects.bulk_create(
        JudgedCensus(offer=offer, terms_digest=terms_digest(offer), census_digest=census, judged_at=now)
        for offer in offers
    )


def _judge(offers: Sequence[tuple[int, OfferTerms]]) -> dict[int, dict[int, list[int]]]:
    """Offer pk -> employee pk -> [tenderable grants, their outstanding shares], for every offer at once:
    one pass over the employees, one over the grants."""
    eligible: dict[int, set[int]] = {pk: set() for pk, _ in offers}
    for pk, facts in _employees():
        for offer_pk, terms in offers:
            if is_eligible_but_for_employment(terms, facts):
                eligible[offer_pk].add(pk)
    anywhere = set().union(*eligible.values())
    plans = dict(Plan.objects.values_list("pk", "name"))
    holdings: dict[int, dict[int, list[int]]] = {pk: {} for pk, _ in offers}
    for holder, plan_id, *facts in _grants():
        if holder not in anywhere:
            continue
        grant = GrantFacts("", plans[plan_id], *facts)
        for offer_pk, terms in offers:
            if holder in eligible[offer_pk] and may_be_tendered(terms, grant):
                holding = holdings[offer_pk].setdefault(holder, [0, 0])
                holding[0] += 1
                holding[1] += grant.outstanding_shares
    return holdings


def _employees() -> Iterator[tuple[int, EmployeeFacts]]:
    for pk, *facts in plain_values(Employee.objects.order_by().values_list("pk", *_EMPLOYEE_FACTS)):
        yield pk, EmployeeFacts(*facts)


def _grants() -> Iterator[tuple[Any, ...]]:
    """(holder pk, plan pk, and the facts of ``GrantFacts`` after its id and plan) for every grant."""
    return plain_values(Grant.objects.order_by().values_list("employee_id", "plan_id", *_GRANT_FACTS[1:]))
