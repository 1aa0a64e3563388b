"""The figures of the offer's final report (the Schedule TO amendment that reports its results).

A final amendment states how many options were eligible, how many were tendered and accepted for
exchange and cancelled, and how many new options were promised and then granted. These are computed
from the rows the close left behind (``Tender``, ``AcceptedGrant``, ``NewGrant``), never re-planned,
in ints and Decimals only.

Eligibility is reported **as at expiration**, employment judged on the cancellation date: the census as
it stands now, less the grants this offer took (the cancellation leaves them with no outstanding
shares), plus those grants with the shares the close took from them. So the figures read the same
before and after the cancellation step.

Net reduction of options outstanding = shares cancelled - new shares granted; until the new grants are
made, minus the new shares still promised (promised less forfeited), which is what the company expects
to grant.

An offer granting RSUs (issue 15) counts options and RSUs apart (``AwardFigures``, one per award type:
promised, forfeited, granted), and states two reductions: of options outstanding (shares cancelled less
new option shares) and of shares under awards (less the RSUs too). An offer of options only states the
figures it always did.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from soxp_portal.closing.exports.writers import Cell, Table
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant, Tender
from soxp_portal.offers.adapters import grant_and_holder_facts
from soxp_portal.offers.models import Grant, Offer, TenderedGrant
from soxp_portal.rules.eligibility import employee_eligibility, grant_eligibility
from soxp_portal.rules.terms import AwardType

SUMMARY_COLUMNS = ("figure", "value", "description")
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class EligibleAtExpiration:
    holders: int
    grants: int
    shares: int


def eligible_at_expiration(offer: Offer) -> EligibleAtExpiration:
    """Employees with an eligible grant, eligible grants and their outstanding shares at expiration.

    One streaming pass over the grants this offer did not take (as ``eligibility_census`` does), plus
    the grants it took, with the shares taken. The accepted participants' census ids are held in a set
    (a few MB at 100,000 employees) so that a holder is counted once.
    """
    terms = offer.terms
    on = offer.cancellation_date()
    taken = AcceptedGrant.objects.filter(tender__offer=offer)
    totals = taken.aggregate(grants=Count("pk"), shares=Sum("shares", default=0))
    accepted = set(
        Tender.objects.filter(offer=offer, outcome=Tender.Outcome.ACCEPTED)
        .values_list("employee__employee_id", flat=True)
        .iterator(chunk_size=5000)
    )
    holders, grants, shares = len(accepted), totals["grants"], totals["shares"]
    rest = Grant.objects.filter(~Exists(taken.filter(grant=OuterRef("pk")))).order_by(
        "employee__employee_id", "grant_id"
    )
    holder, verdict, counted = None, None, True
    for employee, grant in grant_and_holder_facts(rest):
        if employee is not holder:
            holder, verdict = employee, employee_eligibility(terms, employee, on)
            counted = employee.employee_id in accepted
        if not verdict.is_eligible or not grant_eligibility(terms, grant, verdict).is_eligible:  # type: ignore[union-attr, arg-type]
            continue
        grants += 1
        shares += grant.outstanding_shares
        if not counted:
            holders, counted = holders + 1, True
    return EligibleAtExpiration(holders=holders, grants=grants, shares=shares)


@dataclass(frozen=True)
class AwardFigures:
    """One award type's figures in an offer granting more than options: shares (or units) promised, of
    them forfeited, and the grants and shares (or units) made."""

    award: AwardType
    participants_accepted: int
    promised: int
    forfeited: int
    grants: int
    granted: int

    @property
    def outstanding_promise(self) -> int:
        return self.promised - self.forfeited


def award_figures(offer: Offer) -> tuple[AwardFigures, ...]:
    """Options and RSUs apart, for an offer granting RSUs (empty for an offer of options only)."""
    terms = offer.terms
    if AwardType.RSU not in terms.award_types:
        return ()
    figures = []
    for award in terms.award_types:
        taken = AcceptedGrant.objects.filter(tender__offer=offer, award_type=award.value)
        promised = taken.aggregate(
            holders=Count("tender", distinct=True),
            shares=Sum("new_shares", default=0),
            forfeited=Sum("new_shares", default=0, filter=Q(tender__forfeited_on__isnull=False)),
        )
        granted = NewGrant.objects.filter(
            accepted_grant__tender__offer=offer, award_type=award.value
        ).aggregate(grants=Count("pk"), shares=Sum("shares", default=0))
        figures.append(
            AwardFigures(
                award=award,
                participants_accepted=promised["holders"],
                promised=promised["shares"],
                forfeited=promised["forfeited"],
                grants=granted["grants"],
                granted=granted["shares"],
            )
        )
    return tuple(figures)


@dataclass(frozen=True)
class CloseSummary:
    """The final report's figures. Counts of grants and shares are ints; None where not known yet."""

    offer_slug: str
    expires_at: str
    cancellation_date: date | None
    new_grant_date: date
    new_exercise_price: Decimal | None
    eligible: EligibleAtExpiration
    participants: int
    participants_accepted: int
    participants_not_accepted: int
    grants_tendered: int
    shares_tendered: int
    grants_accepted: int
    shares_accepted: int
    grants_not_accepted: int
    shares_not_accepted: int
    new_shares_promised: int
    participants_forfeited: int
    new_shares_forfeited: int
    new_grants_made: bool
    participants_granted: int
    new_grants: int
    new_shares_granted: int
    #: Options and RSUs apart, for an offer granting RSUs; empty for an offer of options only.
    awards: tuple[AwardFigures, ...] = ()

    @property
    def accepted_percent_of_eligible(self) -> Decimal:
        """Shares accepted as a percentage of the eligible shares, to one decimal (70.0)."""
        if not self.eligible.shares:
            return Decimal("0.0")
        ratio = Decimal(self.shares_accepted * 100) / Decimal(self.eligible.shares)
        return ratio.quantize(_TENTH, rounding=ROUND_HALF_UP)

    @property
    def new_shares_outstanding_promise(self) -> int:
        return self.new_shares_promised - self.new_shares_forfeited

    @property
    def net_reduction(self) -> int:
        """Shares cancelled less new shares granted (or, before the grant, still promised)."""
        replaced = self.new_shares_granted if self.new_grants_made else self.new_shares_outstanding_promise
        return self.shares_accepted - replaced


def close_summary(offer: Offer, closing: Closing) -> CloseSummary:
    """The figures once the tenders are accepted (``closing.accepted_at`` is set): about ten queries and
    one streaming pass over the census."""
    tenders = Tender.objects.filter(offer=offer).aggregate(
        participants=Count("pk"),
        accepted=Count("pk", filter=Q(outcome=Tender.Outcome.ACCEPTED)),
        forfeited=Count("pk", filter=Q(forfeited_on__isnull=False)),
    )
    lines = TenderedGrant.objects.filter(election__tender__offer=offer)
    taken = AcceptedGrant.objects.filter(tender__offer=offer)
    tendered = lines.aggregate(grants=Count("pk"), shares=Sum("shares_tendered", default=0))
    left = lines.filter(~Exists(taken.filter(grant=OuterRef("grant")))).aggregate(
        grants=Count("pk"), shares=Sum("shares_tendered", default=0)
    )
    accepted = taken.aggregate(
        grants=Count("pk"), shares=Sum("shares", default=0), promised=Sum("new_shares", default=0)
    )
    forfeited = taken.filter(tender__forfeited_on__isnull=False).aggregate(
        shares=Sum("new_shares", default=0)
    )
    granted = NewGrant.objects.filter(accepted_grant__tender__offer=offer).aggregate(
        grants=Count("pk"), shares=Sum("shares", default=0), holders=Count("employee", distinct=True)
    )
    return CloseSummary(
        offer_slug=offer.slug,
        expires_at=offer.expires_at.astimezone(offer.zone).isoformat(),
        cancellation_date=closing.cancellation_date,
        new_grant_date=closing.new_grant_date or offer.new_grant_date(),
        new_exercise_price=offer.new_exercise_price if closing.new_grants_created_at else None,
        eligible=eligible_at_expiration(offer),
        participants=tenders["participants"],
        participants_accepted=tenders["accepted"],
        participants_not_accepted=tenders["participants"] - tenders["accepted"],
        grants_tendered=tendered["grants"],
        shares_tendered=tendered["shares"],
        grants_accepted=accepted["grants"],
        shares_accepted=accepted["shares"],
        grants_not_accepted=left["grants"],
        shares_not_accepted=left["shares"],
        new_shares_promised=accepted["promised"],
        participants_forfeited=tenders["forfeited"],
        new_shares_forfeited=forfeited["shares"],
        new_grants_made=closing.new_grants_created_at is not None,
        participants_granted=granted["holders"],
        new_grants=granted["grants"],
        new_shares_granted=granted["shares"],
        awards=award_figures(offer),
    )


def summary_rows(summary: CloseSummary) -> Iterator[tuple[str, Cell, str]]:
    """The figures as (figure, value, description) rows, in the order a final report states them."""
    made = summary.new_grants_made
    yield "offer", summary.offer_slug, "The offer."
    yield "expiration", summary.expires_at, "When the offer expired, in its time zone."
    yield (
        "cancellation_date",
        summary.cancellation_date,
        "The date the accepted options were cancelled as of (empty until then).",
    )
    yield "new_grant_date", summary.new_grant_date, "The date the new options are (or were) granted."
    yield (
        "new_exercise_price",
        summary.new_exercise_price,
        "Exercise price of the new options (empty until granted).",
    )
    yield (
        "eligible_holders",
        summary.eligible.holders,
        "Employees holding at least one eligible option grant at expiration.",
    )
    yield "eligible_grants", summary.eligible.grants, "Eligible option grants at expiration."
    yield (
        "eligible_shares",
        summary.eligible.shares,
        "Shares outstanding under the eligible grants at expiration.",
    )
    yield "participants", summary.participants, "Employees whose final election tendered options."
    yield "participants_accepted", summary.participants_accepted, "Participants whose tender was accepted."
    yield (
        "participants_not_accepted",
        summary.participants_not_accepted,
        "Participants whose tender was not accepted (employment ended or moved abroad during the offer, "
        "or nothing was left to exchange).",
    )
    yield "grants_tendered", summary.grants_tendered, "Option grants tendered in the final elections."
    yield "shares_tendered", summary.shares_tendered, "Shares tendered in the final elections, as elected."
    yield "grants_accepted", summary.grants_accepted, "Option grants accepted for exchange and cancelled."
    yield "shares_accepted", summary.shares_accepted, "Shares accepted for exchange and cancelled."
    yield (
        "accepted_percent_of_eligible",
        summary.accepted_percent_of_eligible,
        "Shares accepted as a percentage of the eligible shares.",
    )
    yield (
        "grants_not_accepted",
        summary.grants_not_accepted,
        "Tendered grants not accepted; they keep their terms.",
    )
    yield (
        "shares_not_accepted",
        summary.shares_not_accepted,
        "Shares of the tendered grants not accepted, as elected.",
    )
    yield "new_shares_promised", summary.new_shares_promised, "New shares promised for the accepted grants."
    yield (
        "participants_forfeited",
        summary.participants_forfeited,
        "Accepted participants whose employment ended before the new grant date: no new option.",
    )
    yield "new_shares_forfeited", summary.new_shares_forfeited, "New shares promised to them and not granted."
    yield (
        "participants_granted",
        summary.participants_granted if made else None,
        "Participants granted new options (empty until the new grant date).",
    )
    yield (
        "new_grants",
        summary.new_grants if made else None,
        "New option grants made (empty until the new grant date).",
    )
    yield (
        "new_shares_granted",
        summary.new_shares_granted if made else None,
        "Shares of the new options granted (empty until the new grant date).",
    )
    if summary.awards:
        yield from _award_rows(summary)
        return
    yield (
        "net_reduction",
        summary.net_reduction,
        (
            "Net reduction of options outstanding: shares cancelled less new shares granted."
            if made
            else "Net reduction of options outstanding: shares accepted less new shares still promised "
            "(promised less forfeited)."
        ),
    )


#: How the award rows name each award type's figures: options in shares, RSUs in units.
_AWARD_KEYS = {
    AwardType.OPTION: ("option", "option shares", "option", "new options"),
    AwardType.RSU: ("rsu", "RSUs (units)", "RSU", "RSUs"),
}


def _award_rows(summary: CloseSummary) -> Iterator[tuple[str, Cell, str]]:
    """Options and RSUs apart, then the two reductions: of options outstanding, and of shares under
    awards (options and RSUs)."""
    made = summary.new_grants_made
    for figures in summary.awards:
        key, what, grant, plural = _AWARD_KEYS[figures.award]
        yield (
            f"{key}_participants_accepted",
            figures.participants_accepted,
            f"Accepted participants receiving {plural}.",
        )
        yield f"{key}_promised", figures.promised, f"New {what} for the accepted grants."
        yield (
            f"{key}_forfeited",
            figures.forfeited,
            f"New {what} forfeited: employment ended before the grant.",
        )
        yield (
            f"{key}_grants",
            figures.grants if made else None,
            f"New {grant} grants made (empty until the new grant date).",
        )
        yield f"{key}_granted", figures.granted if made else None, f"New {what} granted (empty until then)."
    options = next((f for f in summary.awards if f.award is AwardType.OPTION), None)
    option_shares = 0 if options is None else (options.granted if made else options.outstanding_promise)
    yield (
        "net_reduction_options",
        summary.shares_accepted - option_shares,
        "Net reduction of options outstanding: shares cancelled less new option shares "
        + ("granted." if made else "still promised (promised less forfeited)."),
    )
    yield (
        "net_reduction",
        summary.net_reduction,
        "Net reduction of shares under awards outstanding: shares cancelled less new option shares and RSUs "
        + ("granted." if made else "still promised (promised less forfeited)."),
    )


def summary_table(offer: Offer, closing: Closing) -> Table:
    rows = list(summary_rows(close_summary(offer, closing)))
    return Table(sheet="Summary", columns=SUMMARY_COLUMNS, rows=rows, count=len(rows))
