"""CSV reports, streamed row by row so that a census of any size is written in constant memory."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any, Protocol

from soxp_portal.offers.adapters import grant_and_holder_facts
from soxp_portal.offers.models import Grant, Offer
from soxp_portal.rules.eligibility import employee_eligibility, grant_eligibility
from soxp_portal.rules.exchange import grant_new_shares
from soxp_portal.rules.ratios import ratio_in_words
from soxp_portal.rules.terms import AwardType, OfferTerms

ELIGIBILITY_COLUMNS = (
    "employee_id",
    "grant_id",
    "eligible",
    "required",
    "outstanding_shares",
    "new_shares_if_exchanged",
    "reason",
)
#: What an offer with price bands or restricted stock units adds: the award each eligible grant would be
#: exchanged for ("option" or "rsu") and its band's ratio ("1 new for 1.88 tendered"). A flat offer of
#: options keeps OFFER.md's seven columns, byte for byte.
AWARD_COLUMNS = ("new_award", "ratio")


def _words_awards(terms: OfferTerms) -> bool:
    return bool(terms.price_bands) or terms.award_types != (AwardType.OPTION,)


def eligibility_columns(terms: OfferTerms) -> tuple[str, ...]:
    return ELIGIBILITY_COLUMNS + AWARD_COLUMNS if _words_awards(terms) else ELIGIBILITY_COLUMNS


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_FIRSTS = frozenset(_FORMULA_STARTS)


class Writable(Protocol):
    def write(self, text: str, /) -> Any: ...


def neutralise(value: object) -> str:
    """The cell as text, with a leading apostrophe where a spreadsheet would read a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def write_csv(out: Writable, columns: Iterable[str], rows: Iterable[Iterable[object]]) -> int:
    """Writes a header and the rows, every cell neutralised; returns the number of data rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise(column) for column in columns])
    count = 0
    for row in rows:
        # A count (a share count, a row number) or a text that does not start like a formula is written
        # as it is, which is what neutralise would write, without a call per cell (a census's report has
        # 400,000 rows of seven).
        writer.writerow(
            [
                value
                if (type(value) is int and value >= 0) or (type(value) is str and value[:1] not in _FIRSTS)
                else neutralise(value)
                for value in row
            ]
        )
        count += 1
    return count


def _boolean(value: bool) -> str:
    return "true" if value else "false"


def eligibility_rows(offer: Offer, *, on: date) -> Iterator[tuple[object, ...]]:
    """One row per grant of every employee, in employee then grant order (OFFER.md, "Eligibility report").

    Employment is judged on `on`; each employee's eligibility is worked out once, for their first grant.
    """
    terms = offer.terms
    awards = _words_awards(terms)
    grants = Grant.objects.order_by("employee__employee_id", "grant_id")
    holder, verdict_for_holder = None, None
    for employee, grant in grant_and_holder_facts(grants):
        if employee is not holder:
            holder, verdict_for_holder = employee, employee_eligibility(terms, employee, on)
            award = terms.award_for(employee.work_country)
        verdict = grant_eligibility(terms, grant, verdict_for_holder)  # type: ignore[arg-type]
        outstanding = grant.outstanding_shares
        row = (
            employee.employee_id,
            grant.grant_id,
            _boolean(verdict.is_eligible),
            _boolean(verdict.is_required),
            outstanding,
            grant_new_shares(terms, outstanding, grant.exercise_price, award) if verdict.is_eligible else "",
            verdict.reason,
        )
        if not awards:
            yield row
        elif verdict.is_eligible and (band := terms.band_for(grant.exercise_price, award)) is not None:
            yield (*row, award.value, ratio_in_words(band.new_shares, band.for_tendered))
        else:
            yield (*row, "", "")


def write_eligibility_report(offer: Offer, out: Writable, *, on: date) -> int:
    return write_csv(out, eligibility_columns(offer.terms), eligibility_rows(offer, on=on))
