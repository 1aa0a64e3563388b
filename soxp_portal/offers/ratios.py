"""Ratios from value, the read side (issue 15): the census's eligible grants per band, the proposal for an
offer, the records kept of it, who a change of ratios affects and what the employee's home page says.

``offers.actions.set_band_ratios`` saves a proposal; ``offers.ratio_emails`` delivers the emails it owes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import groupby
from operator import itemgetter
from typing import Any

from soxp_portal.offers.adapters import grant_and_holder_facts
from soxp_portal.offers.models import Election, Employee, Grant, Offer, RatioChangeEmail, TenderedGrant
from soxp_portal.offers.participation import current_elections, tenderable_holdings
from soxp_portal.offers.queries import election_in_force
from soxp_portal.rules import window
from soxp_portal.rules.eligibility import may_be_tendered
from soxp_portal.rules.exchange import grant_new_shares
from soxp_portal.rules.ratios import (
    PRICE_BASIS_WORDS,
    BandKey,
    BandProposal,
    ValuationInputs,
    band_keys,
    propose_ratios,
    ratio_in_words,
)
from soxp_portal.rules.terms import AWARD_NAMES, AwardType, OfferTerms
from soxp_portal.rules.wording import format_money


def eligible_grants_by_band(offer: Offer, *, now: datetime) -> dict[BandKey, list[tuple[Decimal, int]]]:
    """Each band's eligible grants as (exercise price, outstanding shares): the grants that may be tendered
    (``rules.eligibility.may_be_tendered``) of the employees who may take part today (the stored verdicts,
    ``participation.tenderable_holdings``). Every award's bands span the same prices, so a grant counts
    in the band of each award at its price, whoever holds it."""
    terms = offer.terms
    keys = dict(zip(terms.price_bands, band_keys(terms.price_bands), strict=True))
    holders = tenderable_holdings(offer, now=now).values("employee_id")
    grants = Grant.objects.filter(employee__in=holders).order_by("employee_id", "pk")
    by_band: dict[BandKey, list[tuple[Decimal, int]]] = {}
    for _holder, grant in grant_and_holder_facts(grants):
        if not may_be_tendered(terms, grant):
            continue
        for award in terms.award_types:
            band = terms.band_for(grant.exercise_price, award)
            if band is not None:
                by_band.setdefault(keys[band], []).append((grant.exercise_price, grant.outstanding_shares))
    return by_band


def ratio_proposals(
    offer: Offer,
    inputs: ValuationInputs,
    *,
    old_terms: Mapping[BandKey, Decimal] | None = None,
    now: datetime,
) -> list[BandProposal]:
    """Each of the offer's bands with its ratio from value (``rules.ratios.propose_ratios``)."""
    return propose_ratios(
        offer.terms.price_bands,
        inputs,
        grants_by_band=eligible_grants_by_band(offer, now=now),
        old_terms=old_terms,
    )


def band_name(key: BandKey) -> str:
    """ "Option band 2", "RSU band 1"."""
    return f"{AWARD_NAMES[key[0]]} band {key[1]}"


def inputs_record(inputs: ValuationInputs, old_terms: Mapping[BandKey, Decimal]) -> dict[str, Any]:
    """The inputs as the record and the audit keep them: decimals as strings."""
    return {
        "share_price": str(inputs.share_price),
        "volatility": str(inputs.volatility),
        "risk_free_rate": str(inputs.risk_free_rate),
        "new_term_years": str(inputs.new_term_years),
        "old_term_years": str(inputs.old_term_years),
        "old_term_years_by_band": {band_name(key): str(years) for key, years in old_terms.items()},
        "target": str(inputs.target),
    }


def _float(value: float | None) -> str | None:
    return None if value is None else f"{value:.6f}"


def working_record(proposals: Sequence[BandProposal]) -> list[dict[str, Any]]:
    """Each band's working, every intermediate value to 6 decimals, as the page shows it."""
    rows = []
    for proposal in proposals:
        old, new = proposal.old, proposal.new
        rows.append(
            {
                "band": band_name(proposal.key),
                "representative_price": str(proposal.representative.price),
                "price_basis": proposal.representative.basis.value,
                "grants": proposal.representative.grants,
                "shares": proposal.representative.shares,
                "old_term_years": str(proposal.old_term_years),
                "old": {
                    "d1": _float(old.d1),
                    "d2": _float(old.d2),
                    "n_d1": _float(old.n_d1),
                    "n_d2": _float(old.n_d2),
                    "value": _float(old.value),
                },
                "new": None
                if new is None
                else {
                    "d1": _float(new.d1),
                    "d2": _float(new.d2),
                    "n_d1": _float(new.n_d1),
                    "n_d2": _float(new.n_d2),
                    "value": _float(new.value),
                },
                "value_new": _float(proposal.value_new),
                "exact_tendered_per_new": _float(proposal.exact_tendered_per_new),
                "tendered_per_new": None
                if proposal.tendered_per_new is None
                else str(proposal.tendered_per_new),
            }
        )
    return rows


def price_basis_words(proposal: BandProposal) -> str:
    return PRICE_BASIS_WORDS[proposal.representative.basis]


@dataclass(frozen=True)
class AffectedElection:
    """An election in force whose tendered grants give other new shares under the new ratios: the ids
    the email's row needs (plain values, so a scan of 100,000 elections keeps no model instances)."""

    election_id: int
    employee_pk: int
    #: The employee's own id (``Employee.employee_id``), as the audit names the employees emailed.
    employee_id: str
    figures: dict[str, Any]


def _line_figures(
    grant_id: str,
    price: Decimal,
    tendered: int,
    old_terms: OfferTerms,
    new_terms: OfferTerms,
    award: AwardType,
) -> dict[str, Any]:
    band = new_terms.band_for(price, award)
    return {
        "grant_id": grant_id,
        "exercise_price": str(price),
        "tendered": tendered,
        "new_before": grant_new_shares(old_terms, tendered, price, award),
        "new_after": grant_new_shares(new_terms, tendered, price, award),
        "ratio_after": None if band is None else ratio_in_words(band.new_shares, band.for_tendered),
    }


def affected_elections(
    offer: Offer, old_terms: OfferTerms, new_terms: OfferTerms
) -> Iterator[AffectedElection]:
    """The elections in force (withdrawals and not-in-force paper forms left out) with at least one
    tendered grant whose new shares differ between `old_terms` and `new_terms`, each with every tendered
    grant's figures before and after and the totals, by employee id. The figures are recomputed from the
    terms (the `TenderedGrant` rows keep what was shown when the election was made).

    One query over the tendered lines of the elections in force, read as plain values and streamed
    (``bench/ratios.py``: model instances and their prefetches were most of a change's time and memory
    at 100,000 employees)."""
    in_force = current_elections(offer).filter(kind=Election.Kind.ELECTION)
    lines = (
        TenderedGrant.objects.filter(election__in=in_force.values("pk"))
        .order_by("election__employee__employee_id", "election_id", "grant__grant_date", "grant__grant_id")
        .values_list(
            "election_id",
            "election__employee_id",
            "election__employee__employee_id",
            "election__employee__work_country",
            "grant__grant_id",
            "grant__exercise_price",
            "shares_tendered",
        )
    )
    for (election_id, employee_pk, employee_id, country), rows in groupby(
        lines.iterator(chunk_size=5000), key=itemgetter(0, 1, 2, 3)
    ):
        award = new_terms.award_for(country)
        figures_of_lines = [
            _line_figures(grant_id, price, tendered, old_terms, new_terms, award)
            for *_, grant_id, price, tendered in rows
        ]
        if all(line["new_before"] == line["new_after"] for line in figures_of_lines):
            continue
        figures = {
            "grants": figures_of_lines,
            "total_tendered": sum(line["tendered"] for line in figures_of_lines),
            "total_before": sum(line["new_before"] for line in figures_of_lines),
            "total_after": sum(line["new_after"] for line in figures_of_lines),
        }
        yield AffectedElection(election_id, employee_pk, employee_id, figures)


def units_word(offer: Offer, employee: Employee) -> str:
    """What the employee's figures count: new shares of options, or RSUs."""
    return "RSUs" if offer.terms.award_for(employee.work_country) is AwardType.RSU else "new shares"


@dataclass(frozen=True)
class RatioChangeNotice:
    """What the employee's home page says after a change of ratios changed their election's figures."""

    set_at: datetime
    stage: str
    total_before: int
    total_after: int
    grants: list[dict[str, Any]]
    expires_at: datetime
    #: "new shares", or "RSUs" for an employee receiving restricted stock units.
    units: str


def ratio_change_notice(offer: Offer, employee: Employee, *, now: datetime) -> RatioChangeNotice | None:
    """The latest change of ratios that changed this employee's figures, while it applies: the offer is
    open and the election it was about is still the one in force (a new election or a withdrawal since
    answers it)."""
    if offer.ratios_set_at is None:  # never set from value: no query on every home page of such an offer
        return None
    if offer.closed_at is not None or not window.is_open(offer.terms, now):
        return None
    email = (
        RatioChangeEmail.objects.filter(setting__offer=offer, employee=employee)
        .select_related("setting")
        .order_by("-setting__set_at", "-pk")
        .first()
    )
    if email is None:
        return None
    in_force = election_in_force(offer, employee)
    if in_force is None or in_force.pk != email.election_id:
        return None
    figures = email.figures
    grants = [
        {**line, "exercise_price": format_money(Decimal(line["exercise_price"]))}
        for line in figures["grants"]
    ]
    return RatioChangeNotice(
        set_at=email.setting.set_at,
        stage=email.setting.stage,
        total_before=figures["total_before"],
        total_after=figures["total_after"],
        grants=grants,
        expires_at=offer.expires_at,
        units=units_word(offer, employee),
    )
