"""The read side of the close pages: what each step will do, where it stands, and what needs a look.

Nothing here writes. Before the tenders are accepted the figures come from ``planning.close_plan``
(what the accept *will* do), worked out by a background run (``preview.py``); afterwards from the
rows the steps left behind (``Tender``, ``AcceptedGrant``, ``PromiseLetter``, ``NewGrant``), so the
page shows what was decided, never a fresh computation that might disagree with it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet, Sum

from soxp_portal.accounts.models import User
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.closing.exports.catalogue import EXPORTS_BY_KEY, PRICE_EXPORTS
from soxp_portal.closing.models import (
    AcceptedGrant,
    BackgroundRun,
    Closing,
    NewGrant,
    PromiseLetter,
    StepRun,
    Tender,
)
from soxp_portal.closing.runs import is_stale, is_waiting_long
from soxp_portal.offers.adapters import employee_facts
from soxp_portal.offers.models import Grant, Offer
from soxp_portal.rules.eligibility import keeps_promised_grant
from soxp_portal.rules.terms import AwardType, GrantDateRule, PricingBasis
from soxp_portal.rules.vesting import new_option_expiration
from soxp_portal.rules.wording import format_date, format_instant, format_money


def closing_of(offer: Offer) -> Closing | None:
    """The offer's close with the people who took each step, or None before the first step."""
    return (
        Closing.objects.select_related(
            "accepted_by", "cancelled_by", "letters_requested_by", "new_grants_created_by"
        )
        .filter(offer=offer)
        .first()
    )


class StepState(enum.StrEnum):
    DONE = "done"
    AVAILABLE = "available"
    WAITING = "waiting"


@dataclass(frozen=True)
class Step:
    """One step of the close: done (when, by whom), available now, or waiting (the note says why)."""

    state: StepState
    done_at: datetime | None = None
    done_by: User | None = None
    note: str = ""

    @property
    def is_done(self) -> bool:
        return self.state is StepState.DONE

    @property
    def is_available(self) -> bool:
        return self.state is StepState.AVAILABLE


@dataclass(frozen=True)
class CloseSteps:
    accept: Step
    cancel: Step
    letters: Step
    terminations: Step
    new_grants: Step


def _accept_step(offer: Offer, closing: Closing | None, now: datetime) -> Step:
    if closing and closing.accepted_at:
        return Step(StepState.DONE, closing.accepted_at, closing.accepted_by)
    if now < offer.expires_at:
        return Step(
            StepState.WAITING,
            note=f"The offer is open until {format_instant(offer.expires_at, offer.zone)}: the "
            "tenders can be accepted once it has expired.",
        )
    return Step(StepState.AVAILABLE)


def _cancel_step(closing: Closing | None) -> Step:
    if closing and closing.cancelled_at:
        return Step(StepState.DONE, closing.cancelled_at, closing.cancelled_by)
    if closing and closing.accepted_at:
        return Step(StepState.AVAILABLE)
    return Step(StepState.WAITING, note="Accept the tenders first: only accepted grants are cancelled.")


#: Why an offer granting at the close issues its grant notices only after the new grants are made
#: (docs/design.md, "The console at the close").
NOTICES_AFTER_GRANTS = (
    "Make the new grants first: this offer grants the new award at the close, and each grant notice "
    "states that the award was granted, with its exercise price."
)


def grants_at_close(offer: Offer) -> bool:
    """Whether the new award is granted at the close, so the letters are grant notices (issue 15)."""
    return offer.terms.grant_date_rule is GrantDateRule.AT_CLOSE


def _letters_step(offer: Offer, closing: Closing | None) -> Step:
    if closing and closing.letters_requested_at:
        return Step(StepState.DONE, closing.letters_requested_at, closing.letters_requested_by)
    if closing and closing.accepted_at and not closing.new_grants_created_at and grants_at_close(offer):
        return Step(StepState.WAITING, note=NOTICES_AFTER_GRANTS)
    if closing and closing.accepted_at:
        return Step(StepState.AVAILABLE)
    return Step(StepState.WAITING, note="Accept the tenders first: letters go to accepted participants.")


def _terminations_step(closing: Closing | None) -> Step:
    if closing and closing.new_grants_created_at:
        return Step(
            StepState.DONE,
            note="The new grants are made: a termination from now on follows the plan's own rules, "
            "not the offer's.",
        )
    if closing and closing.accepted_at:
        return Step(StepState.AVAILABLE)
    return Step(
        StepState.WAITING,
        note="Accept the tenders first: a termination forfeits an accepted tender's promise.",
    )


def _new_grants_step(offer: Offer, closing: Closing | None, now: datetime) -> Step:
    if closing and closing.new_grants_created_at:
        return Step(StepState.DONE, closing.new_grants_created_at, closing.new_grants_created_by)
    if not (closing and closing.cancelled_at):
        return Step(
            StepState.WAITING,
            note="Cancel the tendered grants first: new options replace cancelled ones.",
        )
    grant_date = offer.new_grant_date()
    if now.astimezone(offer.zone).date() < grant_date:
        return Step(
            StepState.WAITING,
            note=f"The new grants are made on or after the new grant date, {format_date(grant_date)}.",
        )
    return Step(StepState.AVAILABLE)


def close_steps(offer: Offer, closing: Closing | None, now: datetime) -> CloseSteps:
    """Where each step stands at `now`; the actions check the same conditions again on the locked row."""
    return CloseSteps(
        accept=_accept_step(offer, closing, now),
        cancel=_cancel_step(closing),
        letters=_letters_step(offer, closing),
        terminations=_terminations_step(closing),
        new_grants=_new_grants_step(offer, closing, now),
    )


@dataclass(frozen=True)
class TenderTotals:
    """What the accept decided, from the stored rows."""

    accepted: int
    not_accepted: int
    forfeited: int
    grants: int
    shares: int
    new_shares: int
    forfeited_new_shares: int


def tender_totals(offer: Offer) -> TenderTotals:
    """Two queries, whatever the number of participants."""
    tenders = Tender.objects.filter(offer=offer).aggregate(
        accepted=Count("pk", filter=Q(outcome=Tender.Outcome.ACCEPTED)),
        not_accepted=Count("pk", filter=Q(outcome=Tender.Outcome.REJECTED)),
        forfeited=Count("pk", filter=Q(forfeited_on__isnull=False)),
    )
    # Aliases differ from the field names: an aggregate may not be named after the field it sums.
    lines = AcceptedGrant.objects.filter(tender__offer=offer).aggregate(
        lines=Count("pk"),
        taken=Sum("shares", default=0),
        promised=Sum("new_shares", default=0),
        lost=Sum("new_shares", default=0, filter=Q(tender__forfeited_on__isnull=False)),
    )
    return TenderTotals(
        **tenders,
        grants=lines["lines"],
        shares=lines["taken"],
        new_shares=lines["promised"],
        forfeited_new_shares=lines["lost"],
    )


@dataclass(frozen=True)
class LetterProgress:
    """Promise-to-grant letters issued and emailed, out of the accepted participants."""

    participants: int
    issued: int
    emailed: int

    @property
    def issued_percent(self) -> int:
        return 100 if not self.participants else self.issued * 100 // self.participants

    @property
    def emailed_percent(self) -> int:
        return 100 if not self.participants else self.emailed * 100 // self.participants

    @property
    def is_complete(self) -> bool:
        return self.emailed >= self.participants


def letter_progress(offer: Offer) -> LetterProgress:
    """Out of the accepted participants who get a letter: a promise forfeited before the letters were
    issued (at an offer granting at the close, one forfeited when the new grants were made) gets none."""
    participants = (
        Tender.objects.filter(offer=offer, outcome=Tender.Outcome.ACCEPTED)
        .filter(Q(forfeited_on__isnull=True) | Q(letter__isnull=False))
        .count()
    )
    letters = PromiseLetter.objects.filter(tender__offer=offer).aggregate(
        issued=Count("pk"), emailed=Count("pk", filter=Q(emailed_at__isnull=False))
    )
    return LetterProgress(participants=participants, **letters)


class TenderShown(models.TextChoices):
    """The filters of the tender list."""

    ALL = "", "Every participant"
    ACCEPTED = "accepted", "Accepted"
    NOT_ACCEPTED = "not-accepted", "Not accepted"
    FORFEITED = "forfeited", "Promise forfeited"
    NO_LETTER = "no-letter", "Accepted, letter not issued yet"


_SHOWN = {
    TenderShown.ACCEPTED: Q(outcome=Tender.Outcome.ACCEPTED),
    TenderShown.NOT_ACCEPTED: Q(outcome=Tender.Outcome.REJECTED),
    TenderShown.FORFEITED: Q(forfeited_on__isnull=False),
    TenderShown.NO_LETTER: Q(outcome=Tender.Outcome.ACCEPTED, letter__isnull=True),
}


def tender_rows(offer: Offer, *, shown: str = "", query: str = "") -> QuerySet[Tender]:
    """The participants' tenders, each with its letter, its grants (old and new) and their totals."""
    tenders = Tender.objects.filter(offer=offer)
    if shown in _SHOWN:
        tenders = tenders.filter(_SHOWN[TenderShown(shown)])
    if query:
        tenders = tenders.filter(
            Q(employee__employee_id__iexact=query)
            | Q(employee__last_name__icontains=query)
            | Q(employee__first_name__icontains=query)
            | Q(employee__email__icontains=query)
        )
    return (
        tenders.select_related("employee", "election", "letter")
        .annotate(
            shares=Sum("accepted_grants__shares", default=0),
            new_shares=Sum("accepted_grants__new_shares", default=0),
        )
        .prefetch_related(
            Prefetch("accepted_grants", queryset=AcceptedGrant.objects.select_related("grant", "new_grant"))
        )
        .order_by("employee__last_name", "employee__first_name", "employee__employee_id")
    )


def forfeited_tenders(offer: Offer) -> QuerySet[Tender]:
    """Accepted tenders whose promise was forfeited, the latest recorded first."""
    return (
        Tender.objects.filter(offer=offer, forfeited_on__isnull=False)
        .select_related("employee")
        .annotate(new_shares=Sum("accepted_grants__new_shares", default=0))
        .order_by("-forfeit_recorded_at", "employee__last_name", "employee__employee_id")
    )


def blackout_grants(offer: Offer, closing: Closing | None) -> QuerySet[Grant]:
    """Census grants that break the blackout (slide 21: a participant gets no other grant before the new
    grant date): granted to an accepted participant whose promise stands, dated after the cancellation
    date and before the new grant date."""
    cancellation = (closing and closing.cancellation_date) or offer.cancellation_date()
    grant_date = (closing and closing.new_grant_date) or offer.new_grant_date()
    return (
        Grant.objects.filter(
            employee__tenders__offer=offer,
            employee__tenders__outcome=Tender.Outcome.ACCEPTED,
            employee__tenders__forfeited_on__isnull=True,
            grant_date__gt=cancellation,
            grant_date__lt=grant_date,
        )
        .select_related("employee", "plan")
        .order_by("grant_date", "grant_id")
    )


def new_grants_of(offer: Offer) -> QuerySet[NewGrant]:
    """The new options granted in the offer, each with the old grant it replaces."""
    return (
        NewGrant.objects.filter(accepted_grant__tender__offer=offer)
        .select_related("employee", "plan", "accepted_grant__grant")
        .order_by("employee__last_name", "employee__first_name", "employee__employee_id", "grant_id")
    )


class _AwardCounts:
    """New grants counted as options and RSU awards apart (`grants`, `shares` hold both)."""

    grants: int
    shares: int
    rsu_grants: int
    rsu_units: int

    @property
    def in_words(self) -> str:
        return awards_in_words(self.grants, self.shares, self.rsu_grants, self.rsu_units)

    @property
    def option_grants(self) -> int:
        return self.grants - self.rsu_grants


@dataclass
class NewGrantPreview(_AwardCounts):
    """What creating the new grants on the new grant date would do, judged from today's census."""

    grant_date: date
    expiration_date: date
    participants: int = 0
    grants: int = 0
    shares: int = 0
    forfeits: int = 0
    rsu_grants: int = 0
    rsu_units: int = 0


def new_grant_preview(offer: Offer) -> NewGrantPreview:
    """One pass over the promises still standing: who keeps the promised grant on the new grant date
    (still employed in a covered country, decision 7), and how many new options and shares that makes."""
    grant_date = offer.new_grant_date()
    preview = NewGrantPreview(grant_date, new_option_expiration(grant_date, offer.new_term_years))
    countries = offer.terms.eligible_countries
    rsu = Q(accepted_grants__award_type=AwardType.RSU.value)
    tenders = (
        Tender.objects.filter(offer=offer, outcome=Tender.Outcome.ACCEPTED, forfeited_on__isnull=True)
        .select_related("employee")
        .annotate(
            grants=Count("accepted_grants"),
            new_shares=Sum("accepted_grants__new_shares", default=0),
            rsu_grants=Count("accepted_grants", filter=rsu),
            rsu_units=Sum("accepted_grants__new_shares", filter=rsu, default=0),
        )
        .order_by("pk")
    )
    for tender in tenders.iterator(chunk_size=2000):
        if keeps_promised_grant(employee_facts(tender.employee), grant_date, countries):
            preview.participants += 1
            preview.grants += tender.grants
            preview.shares += tender.new_shares
            preview.rsu_grants += tender.rsu_grants
            preview.rsu_units += tender.rsu_units
        else:
            preview.forfeits += 1
    return preview


def pricing_in_words(offer: Offer) -> str:
    """Which day's price becomes the new exercise price, worded from the offer's pricing basis."""
    grant_date = format_date(offer.new_grant_date())
    pricing_date = offer.pricing_date()
    if PricingBasis(offer.pricing_basis) is PricingBasis.CLOSE_BEFORE_GRANT_DATE:
        return (
            f"the closing price on {format_date(pricing_date)}, the last trading day before the new grant "
            f"date ({grant_date})"
        )
    if pricing_date == offer.new_grant_date():
        return f"the fair market value on the new grant date itself, {grant_date}"
    return (
        f"the fair market value on {format_date(pricing_date)}: the exchange is closed on the new grant date "
        f"({grant_date}), so the last trading day before it"
    )


def awards_in_words(grants: int, shares: int, rsu_grants: int, rsu_units: int) -> str:
    """New awards counted as a page states them: "3 new options (1,401 shares)" as always for options
    only; "3 new options (1,401 shares) and 2 RSU awards (275 units)" when some are RSUs."""
    options = grants - rsu_grants
    option_words = f"{options:,} new option{'s' if options != 1 else ''} ({shares - rsu_units:,} shares)"
    if not rsu_grants:
        return option_words
    rsu_words = f"{rsu_grants:,} RSU award{'s' if rsu_grants != 1 else ''} ({rsu_units:,} units)"
    return rsu_words if not options else f"{option_words} and {rsu_words}"


@dataclass(frozen=True)
class NewGrantTotals(_AwardCounts):
    participants: int
    grants: int
    shares: int
    #: Of `grants` and `shares`: the RSU awards and their units (no exercise price).
    rsu_grants: int = 0
    rsu_units: int = 0


def new_grant_totals(offer: Offer) -> NewGrantTotals:
    rsu = Q(award_type=AwardType.RSU.value)
    totals = NewGrant.objects.filter(accepted_grant__tender__offer=offer).aggregate(
        people=Count("employee", distinct=True),
        options=Count("pk"),
        granted=Sum("shares", default=0),
        rsus=Count("pk", filter=rsu),
        units=Sum("shares", filter=rsu, default=0),
    )
    return NewGrantTotals(
        participants=totals["people"],
        grants=totals["options"],
        shares=totals["granted"],
        rsu_grants=totals["rsus"],
        rsu_units=totals["units"],
    )


@dataclass(frozen=True)
class PriceCorrection:
    """Whether the new options' exercise price may still be corrected, and why not once it may not."""

    is_allowed: bool
    note: str = ""


#: The rule, as the close page and docs/design.md state it.
PRICE_CORRECTION_RULE = (
    "A closing price typed wrong can be corrected until the price leaves the portal: the first download "
    "of an export that states it (New grants, Summary for the final report, Open Cap Format "
    "transactions) makes it final, because from then on the stock plan system, the cap table or the "
    "final report may hold it, and the portal alone must not say otherwise."
)
#: The rule's addition for an offer granting at the close, whose grant notices state the price.
PRICE_CORRECTION_AT_CLOSE = " Issuing the grant notices, which state it, makes it final too."


def price_export(offer: Offer, closing: Closing) -> AuditEvent | None:
    """The first download, since the new grants were made, of an export that states their exercise price."""
    if closing.new_grants_created_at is None:
        return None
    return (
        AuditEvent.objects.filter(
            event_type=AuditEventType.EXPORT_DOWNLOADED,
            offer=offer,
            at__gte=closing.new_grants_created_at,
            data__export__in=sorted(PRICE_EXPORTS),
        )
        .order_by("sequence")
        .first()
    )


def price_correction(offer: Offer, closing: Closing | None) -> PriceCorrection:
    """Whether the exercise price of the new options may be corrected now (``PRICE_CORRECTION_RULE``).

    The page asks it to show the form; ``actions.correct_closing_price`` asks it again on the locked row.
    """
    if closing is None or closing.new_grants_created_at is None:
        return PriceCorrection(False, "The new grants are not made yet: enter the closing price in step 4.")
    if offer.new_exercise_price is None:
        return PriceCorrection(
            False, "The offer granted only RSUs, which have no exercise price: there is no price to correct."
        )
    if closing.letters_requested_at is not None and grants_at_close(offer):
        who = f" by {closing.letters_requested_by.email}" if closing.letters_requested_by else ""
        return PriceCorrection(
            False,
            "The exercise price is final: the grant notices stating it were issued on "
            f"{format_instant(closing.letters_requested_at, offer.zone)}{who}. A correction from now on "
            "is made by the plan's own process, with a corrected notice to each holder.",
        )
    exported = price_export(offer, closing)
    if exported is None:
        return PriceCorrection(True)
    title = EXPORTS_BY_KEY[exported.data["export"]].title
    who = f" by {exported.actor_email}" if exported.actor_email else ""
    return PriceCorrection(
        False,
        f"The exercise price is final: the {title} export was downloaded on "
        f"{format_instant(exported.at, offer.zone)}{who}, so the stock plan system may already hold it. "
        "A correction from now on is made there, by the plan's own process.",
    )


def correction_problem(offer: Offer, closing: Closing | None, closing_price: Decimal) -> str | None:
    """Why the exercise price cannot be corrected to `closing_price` now, or None: not allowed any more
    (``price_correction``), or already that price."""
    correction = price_correction(offer, closing)
    if not correction.is_allowed:
        return correction.note
    if offer.new_exercise_price == closing_price:
        return f"The exercise price is already {format_money(closing_price)}: nothing changes."
    return None


@dataclass(frozen=True)
class RunStatus:
    """A background run as a page shows it: with whether its worker has stopped (``runs.is_stale``), or
    no worker has taken it up for as long, and how long it took or has taken so far."""

    run: BackgroundRun
    is_stale: bool
    is_waiting_long: bool
    elapsed: timedelta | None

    @property
    def elapsed_seconds(self) -> int | None:
        return None if self.elapsed is None else round(self.elapsed.total_seconds())


def run_status(run: BackgroundRun, now: datetime) -> RunStatus:
    waiting_long = is_waiting_long(run, now)
    elapsed = None
    if run.started_at is not None:
        elapsed = (run.finished_at or now) - run.started_at
    return RunStatus(run=run, is_stale=is_stale(run, now), is_waiting_long=waiting_long, elapsed=elapsed)


@dataclass(frozen=True)
class StepRuns:
    """The latest run of each long step of the close (None: never asked for from the console)."""

    accept: RunStatus | None
    cancel: RunStatus | None
    new_grants: RunStatus | None
    price_correction: RunStatus | None

    @property
    def active(self) -> RunStatus | None:
        return next(
            (
                status
                for status in (self.accept, self.cancel, self.new_grants, self.price_correction)
                if status is not None and status.run.is_active
            ),
            None,
        )


def step_runs(offer: Offer, now: datetime) -> StepRuns:
    """One query: the offer's runs, the latest of each step kept."""
    latest: dict[str, StepRun] = {}
    for run in StepRun.objects.filter(offer=offer).select_related("requested_by", "restarted_by", "offer"):
        latest.setdefault(run.step, run)

    def status(step: str) -> RunStatus | None:
        return run_status(latest[step], now) if step in latest else None

    return StepRuns(
        accept=status(StepRun.Step.ACCEPT),
        cancel=status(StepRun.Step.CANCEL),
        new_grants=status(StepRun.Step.NEW_GRANTS),
        price_correction=status(StepRun.Step.PRICE_CORRECTION),
    )
