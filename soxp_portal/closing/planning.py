"""What closing the offer will do to each final election, worked out before anything is written.

The same plan is shown to the administrator (the pre-close reconciliation) and carried out by
``actions.accept_tenders``, so what the page promised is what the close does.

For each employee whose election in force is an election to exchange:

- If they can no longer have a tender accepted on the cancellation date (no longer employed, or no
  longer working in a covered country: OFFER.md decision 7), the tender is not accepted and their
  options stay as they were.
- Otherwise each tendered grant is taken whole, as it stands now (all or none): its outstanding shares
  are cancelled and the new shares recomputed from them. A grant that has nothing left to cancel (fully
  exercised, cancelled, or expiring on or before the cancellation date, decision 9) is left out.
- If no tendered grant is left, the tender is not accepted.
- New shares are always computed from the ratios in force at the close (``grant_new_shares``), never
  read from ``TenderedGrant.new_shares``, which keeps what was shown when the election was made: band
  ratios set from value after the election (``offers.actions.set_band_ratios``) apply, with a note.

An election's "basis changed" when any of these differ from what the employee saw when they signed
it: their employment or country, a grant's outstanding shares, or a grant's expiry. A census imported
after the election that touched the employee or a tendered grant is noted too, even if nothing that
matters changed, so the administrator can check it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch, QuerySet

from soxp_portal.offers.adapters import employee_facts
from soxp_portal.offers.models import Election, Employee, Offer, TenderedGrant
from soxp_portal.offers.participation import current_elections
from soxp_portal.rules.eligibility import Requirement, can_accept_tender, employee_eligibility
from soxp_portal.rules.exchange import grant_new_shares
from soxp_portal.rules.terms import AwardType
from soxp_portal.rules.wording import format_date


@dataclass(frozen=True)
class PlannedGrant:
    """One tendered grant and what the close does to it."""

    line: TenderedGrant
    shares: int
    new_shares: int
    note: str = ""

    @property
    def grant_id(self) -> str:
        return self.line.grant.grant_id

    @property
    def is_taken(self) -> bool:
        return self.shares > 0

    @property
    def is_changed(self) -> bool:
        return self.shares != self.line.shares_tendered or self.new_shares != self.line.new_shares


@dataclass(frozen=True)
class PlannedTender:
    """One participant's final election and what the close does with it."""

    election: Election
    accepted: bool
    reason: str
    grants: list[PlannedGrant]
    notes: list[str] = field(default_factory=list)
    #: The award the employee receives for each grant taken, by their work country (``terms.award_for``).
    award: AwardType = AwardType.OPTION

    @property
    def employee(self) -> Employee:
        return self.election.employee

    @property
    def taken(self) -> list[PlannedGrant]:
        return [grant for grant in self.grants if grant.is_taken] if self.accepted else []

    @property
    def shares(self) -> int:
        return sum(grant.shares for grant in self.taken)

    @property
    def new_shares(self) -> int:
        return sum(grant.new_shares for grant in self.taken)

    @property
    def basis_changed(self) -> bool:
        return bool(self.notes)

    @property
    def outcome_in_words(self) -> str:
        if not self.accepted:
            return f"Not accepted: {self.reason} The options stay as they are."
        changed = [grant for grant in self.grants if grant.is_changed]
        if not changed:
            return "Accepted as elected."
        return "Accepted with changes: " + " ".join(grant.note for grant in changed)


def _plan_grant(offer: Offer, line: TenderedGrant, cancellation: date, award: AwardType) -> PlannedGrant:
    grant = line.grant
    outstanding = grant.outstanding_shares
    if grant.expiration_date <= cancellation:
        return PlannedGrant(
            line,
            0,
            0,
            f"Grant {grant.grant_id} expired on {format_date(grant.expiration_date)} and is left out.",
        )
    if outstanding == 0:
        return PlannedGrant(
            line, 0, 0, f"Grant {grant.grant_id} has no outstanding shares left and is left out."
        )
    shares = outstanding
    promised = grant_new_shares(offer.terms, shares, grant.exercise_price, award)
    if shares == line.shares_tendered and promised == line.new_shares:
        return PlannedGrant(line, shares, promised)
    if shares == line.shares_tendered:  # the band ratios changed after the election (set_band_ratios)
        return PlannedGrant(
            line,
            shares,
            promised,
            f"Grant {grant.grant_id} gives {promised:,} new shares at the ratios in force, not the "
            f"{line.new_shares:,} shown when the election was made.",
        )
    return PlannedGrant(
        line,
        shares,
        promised,
        f"Grant {grant.grant_id} now has {shares:,} outstanding shares, not the {line.shares_tendered:,} "
        f"tendered: {shares:,} are taken for {promised:,} new shares.",
    )


def _census_notes(election: Election, planned: list[PlannedGrant]) -> list[str]:
    notes = []
    if election.employee.updated_at > election.recorded_at:
        notes.append("The census changed this employee's record after the election.")
    touched = [p.grant_id for p in planned if p.line.grant.updated_at > election.recorded_at]
    if touched:
        notes.append(f"The census changed grant {', '.join(touched)} after the election.")
    return notes


#: What a tender needs on the cancellation date (decision 7, ``can_accept_tender``).
_TENDER_REQUIREMENTS = frozenset({Requirement.EMPLOYED, Requirement.WORK_COUNTRY})


def plan_tender(offer: Offer, election: Election) -> PlannedTender:
    """What the close does with one final election (needs its employee and tendered grants loaded)."""
    terms = offer.terms
    cancellation = offer.cancellation_date()
    facts = employee_facts(election.employee)
    lines = list(election.tendered_grants.all())
    award = terms.award_for(facts.work_country)
    planned = [_plan_grant(offer, line, cancellation, award) for line in lines]
    notes = _census_notes(election, planned)
    if not can_accept_tender(terms, facts, cancellation):
        reasons = [
            reason.for_administrator
            for reason in employee_eligibility(terms, facts, cancellation).reasons
            if reason.requirement in _TENDER_REQUIREMENTS
        ]
        reason = " ".join(reasons) or "The employee cannot take part on the cancellation date."
        return PlannedTender(election, False, reason, planned, [reason, *notes], award)
    notes += [grant.note for grant in planned if grant.note]
    if not any(grant.is_taken for grant in planned):
        reason = "None of the tendered grants has shares left to exchange."
        return PlannedTender(election, False, reason, planned, notes, award)
    return PlannedTender(election, True, "", planned, notes, award)


def final_participations(offer: Offer) -> QuerySet[Election]:
    """The election in force of every employee who elected to exchange, with what planning reads."""
    return (
        current_elections(offer)
        .filter(kind=Election.Kind.ELECTION)
        .select_related("employee")
        .prefetch_related(
            Prefetch("tendered_grants", queryset=TenderedGrant.objects.select_related("grant__plan"))
        )
        .order_by("employee__last_name", "employee__first_name", "employee__employee_id")
    )


def close_plan(offer: Offer, *, chunk_size: int = 2000) -> Iterator[PlannedTender]:
    """The plan for every participant, streamed in chunks so 100,000 participants fit in memory."""
    for election in final_participations(offer).iterator(chunk_size=chunk_size):
        yield plan_tender(offer, election)


def reconciliation(offer: Offer) -> list[PlannedTender]:
    """Every final election whose basis changed since it was made, with what the close will do."""
    return [planned for planned in close_plan(offer) if planned.basis_changed]
