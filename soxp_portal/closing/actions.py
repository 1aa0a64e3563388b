"""The steps of the close, each one function that checks, writes and audits in one transaction.

The steps run in order, each once:

1. ``accept_tenders`` after the deadline: carries out ``planning.close_plan`` (decision 7) and closes
   the offer to elections.
2. ``cancel_tendered_grants``: the accepted grants' shares are cancelled as of the cancellation date.
3. ``issue_letters``: the promise-to-grant letters are rendered and emailed by background tasks.
4. ``create_new_grants`` on or after the new grant date, at the closing price the administrator enters.

``record_termination`` may be used between acceptance and the new grants: the promise is forfeited.
``correct_closing_price`` may be used after them, while the price has not left the portal (an export
that states it makes it final): a price typed wrong is corrected on every new option, audited.

Every step locks the offer's ``Closing`` row first, so two administrators pressing the same button
at once run it once; the second is refused with a message. The console takes the long ones (accept,
cancel, new grants, a price correction) through ``background.start_step``: a task runs the step, which
reports how far it is to ``progress`` (``runs.Progress``); its ``check_can_*`` function is asked first,
in the request, so a step that would be refused is refused at once. Each employee a step changes gets one
audit event (their timeline shows what happened to them), and the step itself one event for the
offer, all in the step's transaction. The employees' events are built chunk by chunk with their rows
but appended to the trail together at the end (``_append_at_end``): the chain's lock, which every
audited action waits for (a sign-in too), is then held for the last seconds of a step, not all of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from itertools import batched
from typing import Any

from django.db import transaction
from django.db.models import F, OuterRef, Prefetch, QuerySet, Subquery
from django.http import HttpRequest

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import append, audit_event, record
from soxp_portal.audit.models import AuditChannel, AuditEvent, AuditEventType
from soxp_portal.closing.models import AcceptedGrant, Closing, NewGrant, Tender
from soxp_portal.closing.notices import send_forfeiture_notice, send_reinstatement_notice
from soxp_portal.closing.planning import PlannedTender, close_plan, final_participations
from soxp_portal.closing.queries import NOTICES_AFTER_GRANTS, correction_problem, grants_at_close
from soxp_portal.closing.runs import Progress
from soxp_portal.closing.tasks import enqueue_letters
from soxp_portal.offers.adapters import employee_facts
from soxp_portal.offers.limits import price_problem
from soxp_portal.offers.models import Employee, Grant, Offer
from soxp_portal.rules.eligibility import keeps_promised_grant
from soxp_portal.rules.terms import AwardType
from soxp_portal.rules.vesting import new_option_expiration
from soxp_portal.rules.wording import format_date, format_instant

#: Employees handled per round trip: their rows are written in bulk and their events appended together.
CHUNK_SIZE = 1000


class ClosingError(Exception):
    """A step was refused; the message says why, fit to show to the administrator."""


def locked_closing(offer: Offer) -> Closing:
    """The offer's Closing row, created if need be, locked until the transaction ends."""
    Closing.objects.get_or_create(offer=offer)
    return Closing.objects.select_for_update(no_key=True).select_related("offer").get(offer=offer)


def _offer_event(
    event_type: AuditEventType,
    offer: Offer,
    *,
    actor: User,
    now: datetime,
    request: HttpRequest | None,
    **data: Any,
) -> None:
    record(
        event_type,
        actor=actor,
        at=now,
        offer=offer,
        subject=offer,
        channel=_channel(request),
        data=data,
        request=request,
    )


def _channel(request: HttpRequest | None) -> str:
    return AuditChannel.WEB if request is not None else AuditChannel.SYSTEM


def _employee_event(
    event_type: AuditEventType,
    tender: Tender,
    *,
    actor: User,
    now: datetime,
    request: HttpRequest | None,
    **data: Any,
) -> AuditEvent:
    """One employee's event of a step, built to be appended with the rest of its chunk."""
    return audit_event(
        event_type,
        actor=actor,
        at=now,
        subject=tender,
        employee=tender.employee,
        offer=tender.offer,
        channel=_channel(request),
        data=data,
        request=request,
    )


def _append_at_end(events: list[AuditEvent], progress: Progress) -> None:
    """Appends a step's employee events, built chunk by chunk, to the trail in one go at its end: the chain
    lock is taken here, the step's rows already written, so audited actions elsewhere wait only for this."""
    progress.now_doing("Recording each participant's event in the audit trail")
    append(events)


def _grant_lines(lines: Iterable[AcceptedGrant]) -> list[dict[str, Any]]:
    return [
        {"grant_id": line.grant.grant_id, "shares": line.shares, "new_shares": line.new_shares}
        for line in lines
    ]


def _accepted_tenders(offer: Offer) -> QuerySet[Tender]:
    """The accepted tenders with their employees and accepted grants, ready to stream in chunks."""
    return (
        Tender.objects.filter(offer=offer, outcome=Tender.Outcome.ACCEPTED)
        .select_related("employee", "offer")
        .prefetch_related(
            Prefetch(
                "accepted_grants",
                queryset=AcceptedGrant.objects.select_related("grant").order_by("grant__grant_id"),
            )
        )
        .order_by("pk")
    )


def check_can_accept(offer: Offer, closing: Closing, now: datetime) -> None:
    if closing.accepted_at is not None:
        raise ClosingError(
            f"The tenders were already accepted on {format_instant(closing.accepted_at, offer.zone)}."
        )
    if now < offer.expires_at:
        raise ClosingError(
            f"The offer is open until {format_instant(offer.expires_at, offer.zone)}; "
            "tenders can be accepted only after the deadline."
        )


def _save_tenders(offer: Offer, plans: Sequence[PlannedTender], now: datetime) -> list[Tender]:
    tenders = Tender.objects.bulk_create(
        Tender(
            offer=offer,
            employee=planned.employee,
            election=planned.election,
            outcome=Tender.Outcome.ACCEPTED if planned.accepted else Tender.Outcome.REJECTED,
            reason=planned.reason,
            decided_at=now,
        )
        for planned in plans
    )
    AcceptedGrant.objects.bulk_create(
        AcceptedGrant(
            tender=tender,
            grant=grant.line.grant,
            shares=grant.shares,
            new_shares=grant.new_shares,
            award_type=planned.award.value,
            performance_condition=grant.line.grant.performance_condition,
        )
        for tender, planned in zip(tenders, plans, strict=True)
        for grant in planned.taken
    )
    return tenders


def accept_tenders(
    offer: Offer,
    *,
    actor: User,
    now: datetime,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> Closing:
    """Step 1: decide every final election (decision 7) and close the offer to elections."""
    progress = progress or Progress(None)
    with transaction.atomic():
        closing = locked_closing(offer)
        check_can_accept(offer, closing, now)
        progress.start_stage("Deciding each final election", total=final_participations(offer).count())
        accepted = rejected = shares = promised = 0
        events: list[AuditEvent] = []
        for plans in batched(close_plan(offer), CHUNK_SIZE):
            tenders = _save_tenders(offer, plans, now)
            for tender, planned in zip(tenders, plans, strict=True):
                if tender.is_accepted:
                    accepted += 1
                    shares += planned.shares
                    promised += planned.new_shares
                else:
                    rejected += 1
                events.append(
                    _employee_event(
                        AuditEventType.TENDERS_ACCEPTED,
                        tender,
                        actor=actor,
                        now=now,
                        request=request,
                        outcome=tender.outcome,
                        reason=tender.reason,
                        election=planned.election.confirmation_number,
                        grants=[
                            {
                                "grant_id": grant.grant_id,
                                "shares": grant.shares,
                                "new_shares": grant.new_shares,
                                "performance_condition": grant.line.grant.performance_condition,
                            }
                            for grant in sorted(planned.taken, key=lambda grant: grant.grant_id)
                        ],
                        notes=planned.notes,
                    )
                )
            progress.advance(len(plans))
        _append_at_end(events, progress)
        Offer.objects.filter(pk=offer.pk).update(closed_at=now)
        offer.closed_at = now
        closing.accepted_at, closing.accepted_by = now, actor
        closing.save(update_fields=["accepted_at", "accepted_by"])
        _offer_event(
            AuditEventType.OFFER_CLOSED,
            offer,
            actor=actor,
            now=now,
            request=request,
            accepted=accepted,
            not_accepted=rejected,
            shares_accepted=shares,
            new_shares_promised=promised,
        )
    return closing


def _check_still_outstanding(offer: Offer) -> None:
    """A census imported after acceptance may show fewer outstanding shares than were accepted (an
    exercise the tender should have stopped): cancelling then would break the grant's share counts."""
    short = [
        f"{line.grant.grant_id} ({line.grant.outstanding_shares:,} outstanding, {line.shares:,} accepted)"
        for line in AcceptedGrant.objects.filter(tender__offer=offer, tender__outcome=Tender.Outcome.ACCEPTED)
        .select_related("grant")
        .iterator(chunk_size=2000)
        if line.grant.outstanding_shares < line.shares
    ]
    if short:
        raise ClosingError(
            "These grants no longer have the shares accepted for cancellation: "
            f"{', '.join(short)}. Correct the census before cancelling."
        )


def check_can_cancel(offer: Offer, closing: Closing) -> None:
    if closing.accepted_at is None:
        raise ClosingError("Accept the tenders first: only accepted grants are cancelled.")
    if closing.cancelled_at is not None:
        raise ClosingError(
            "The tendered grants were already cancelled on "
            f"{format_instant(closing.cancelled_at, offer.zone)}."
        )


def cancel_tendered_grants(
    offer: Offer,
    *,
    actor: User,
    now: datetime,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> Closing:
    """Step 2: cancel the accepted grants' shares as of the cancellation date."""
    progress = progress or Progress(None)
    with transaction.atomic():
        closing = locked_closing(offer)
        check_can_cancel(offer, closing)
        progress.start_stage("Checking that every accepted grant still has the shares accepted")
        _check_still_outstanding(offer)
        cancellation = offer.cancellation_date()
        accepted_lines = AcceptedGrant.objects.filter(
            tender__offer=offer, tender__outcome=Tender.Outcome.ACCEPTED
        )
        progress.start_stage("Cancelling the accepted shares in the census")
        Grant.objects.filter(pk__in=accepted_lines.values("grant_id")).update(
            shares_cancelled=F("shares_cancelled")
            + Subquery(AcceptedGrant.objects.filter(grant=OuterRef("pk")).values("shares")[:1]),
            updated_at=now,
        )
        grants = shares = 0
        progress.start_stage(
            "Recording each participant's cancellation",
            total=Tender.objects.filter(offer=offer, outcome=Tender.Outcome.ACCEPTED).count(),
        )
        events: list[AuditEvent] = []
        for tenders in batched(_accepted_tenders(offer).iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            for tender in tenders:
                lines = list(tender.accepted_grants.all())
                grants += len(lines)
                shares += sum(line.shares for line in lines)
                events.append(
                    _employee_event(
                        AuditEventType.GRANTS_CANCELLED,
                        tender,
                        actor=actor,
                        now=now,
                        request=request,
                        cancellation_date=cancellation,
                        grants=_grant_lines(lines),
                    )
                )
            progress.advance(len(tenders))
        _append_at_end(events, progress)
        closing.cancelled_at, closing.cancelled_by, closing.cancellation_date = now, actor, cancellation
        closing.save(update_fields=["cancelled_at", "cancelled_by", "cancellation_date"])
        _offer_event(
            AuditEventType.GRANTS_CANCELLED,
            offer,
            actor=actor,
            now=now,
            request=request,
            cancellation_date=cancellation,
            grants=grants,
            shares=shares,
        )
    return closing


def issue_letters(offer: Offer, *, actor: User, now: datetime, request: HttpRequest | None = None) -> Closing:
    """Step 3: ask the task queue to render and email every accepted participant's letter."""
    with transaction.atomic():
        closing = locked_closing(offer)
        if closing.accepted_at is None:
            raise ClosingError("Accept the tenders first: letters go to accepted participants.")
        if closing.new_grants_created_at is None and grants_at_close(offer):
            raise ClosingError(NOTICES_AFTER_GRANTS)
        if closing.letters_requested_at is not None:
            raise ClosingError(
                "The letters were already issued on "
                f"{format_instant(closing.letters_requested_at, offer.zone)}; their progress is shown below."
            )
        participants = Tender.objects.filter(offer=offer, outcome=Tender.Outcome.ACCEPTED).count()
        closing.letters_requested_at, closing.letters_requested_by = now, actor
        closing.save(update_fields=["letters_requested_at", "letters_requested_by"])
        _offer_event(
            AuditEventType.LETTERS_ISSUED,
            offer,
            actor=actor,
            now=now,
            request=request,
            participants=participants,
        )
        transaction.on_commit(lambda: enqueue_letters(offer))
    return closing


def _check_termination_date(offer: Offer, termination_date: date) -> None:
    """A termination forfeits the promise only after the cancellation date and by the new grant date."""
    new_grant_date = offer.new_grant_date()
    if termination_date > new_grant_date:
        raise ClosingError(
            f"A termination on {format_date(termination_date)} is after the new grant date "
            f"({format_date(new_grant_date)}): the new grant is still made."
        )
    if termination_date <= offer.cancellation_date():
        raise ClosingError(
            f"Employment ending on {format_date(termination_date)} would have stopped the tender being "
            "accepted; correct the census and review the close instead."
        )


def _forfeit(tender: Tender, termination_date: date, *, now: datetime) -> None:
    """The tender's promise forfeited by employment ending on `termination_date` (not yet saved)."""
    tender.forfeited_on = termination_date
    tender.forfeit_reason = (
        f"Employment ended on {format_date(termination_date)}, before the new grant date "
        f"({format_date(tender.offer.new_grant_date())}): the promised grant is not made and the cancelled "
        "options stay cancelled."
    )
    tender.forfeit_recorded_at = now


def _record_termination(
    tender: Tender,
    employee: Employee,
    *,
    before: dict[str, Any],
    actor: User,
    now: datetime,
    request: HttpRequest | None,
    **correction: Any,
) -> None:
    """The ``termination.recorded`` event of a termination, or of its correction (`corrects`, `reason`):
    what the tender's forfeiture is now and the employee's record before it."""
    record(
        AuditEventType.TERMINATION_RECORDED,
        actor=actor,
        at=now,
        subject=tender,
        employee=employee,
        offer=tender.offer,
        on_behalf=True,
        channel=_channel(request),
        data={
            "termination_date": tender.forfeited_on,
            "forfeit_reason": tender.forfeit_reason,
            "before": before,
            **correction,
            "forfeited_new_shares": (
                sum(tender.accepted_grants.values_list("new_shares", flat=True)) if tender.forfeited_on else 0
            ),
        },
        request=request,
    )


def record_termination(
    offer: Offer,
    employee: Employee,
    *,
    termination_date: date,
    actor: User,
    now: datetime,
    request: HttpRequest | None = None,
) -> Tender:
    """Between acceptance and the new grant date: the employee left, so the promised grant is forfeited."""
    with transaction.atomic():
        closing = locked_closing(offer)
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee.pk)
        tender = (
            Tender.objects.filter(offer=offer, employee=employee).select_related("offer", "employee").first()
        )
        if closing.accepted_at is None:
            raise ClosingError(
                "Accept the tenders first: a termination forfeits an accepted tender's promise."
            )
        if tender is None or not tender.is_accepted:
            raise ClosingError(
                f"{employee.full_name} has no accepted tender in this offer: nothing is promised."
            )
        if tender.is_forfeited:
            raise ClosingError(
                f"{employee.full_name}'s promise was already forfeited "
                f"(employment ended {format_date(tender.forfeited_on)})."
            )
        if closing.new_grants_created_at is not None:
            raise ClosingError(
                "The new grants were already made; a later termination follows the plan's rules."
            )
        _check_termination_date(offer, termination_date)
        before = {"status": employee.status, "termination_date": employee.termination_date}
        employee.status, employee.termination_date = Employee.Status.TERMINATED, termination_date
        employee.save(update_fields=["status", "termination_date", "updated_at"])
        _forfeit(tender, termination_date, now=now)
        tender.save(update_fields=["forfeited_on", "forfeit_reason", "forfeit_recorded_at"])
        _record_termination(tender, employee, before=before, actor=actor, now=now, request=request)
        transaction.on_commit(lambda: send_forfeiture_notice.enqueue(tender.pk))
    return tender


def correct_termination(
    offer: Offer,
    employee: Employee,
    *,
    termination_date: date | None,
    reason: str,
    actor: User,
    now: datetime,
    request: HttpRequest | None = None,
) -> Tender:
    """A termination recorded with a wrong date (`termination_date`, the right one), or in error (None:
    the promise stands again and the employee's census record is put back), while the new grants are not
    made. Audited as a ``termination.recorded`` event that says what it corrects and why; the employee
    is emailed the corrected notice."""
    if not reason.strip():
        raise ClosingError("Say why the termination is corrected: the reason is kept in the audit trail.")
    with transaction.atomic():
        closing = locked_closing(offer)
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee.pk)
        tenders = Tender.objects.filter(offer=offer, employee=employee).select_related("offer", "employee")
        tender = tenders.first()
        if tender is None or not tender.is_forfeited or tender.forfeit_recorded_at is None:
            raise ClosingError(f"No termination is recorded for {employee.full_name} in this offer.")
        if closing.new_grants_created_at is not None:
            raise ClosingError(
                "The new grants were already made: a termination can no longer be corrected in the portal."
            )
        if termination_date == tender.forfeited_on:
            raise ClosingError(f"The termination is already recorded on {format_date(termination_date)}.")
        corrected = tender.forfeited_on
        before = {"status": employee.status, "termination_date": employee.termination_date}
        if termination_date is None:
            original = (
                AuditEvent.objects.filter(
                    event_type=AuditEventType.TERMINATION_RECORDED,
                    subject_type=Tender._meta.label,
                    subject_id=str(tender.pk),
                    data__corrects__isnull=True,
                )
                .order_by("-sequence")
                .values_list("data", flat=True)
                .first()
            )
            restored = (original or {}).get("before") or {}
            employee.status = restored.get("status") or Employee.Status.ACTIVE
            employee.termination_date = restored.get("termination_date")
            tender.forfeited_on, tender.forfeit_reason, tender.forfeit_recorded_at = None, "", None
        else:
            _check_termination_date(offer, termination_date)
            employee.termination_date = termination_date
            _forfeit(tender, termination_date, now=now)
        employee.save(update_fields=["status", "termination_date", "updated_at"])
        tender.save(update_fields=["forfeited_on", "forfeit_reason", "forfeit_recorded_at"])
        _record_termination(
            tender,
            employee,
            before=before,
            actor=actor,
            now=now,
            request=request,
            corrects={"termination_date": corrected},
            reason=reason.strip(),
        )
        notice = send_forfeiture_notice if termination_date else send_reinstatement_notice
        transaction.on_commit(lambda: notice.enqueue(tender.pk))
    return tender


def parse_closing_price(text: str) -> Decimal:
    """The closing price the administrator typed, as a Decimal in dollars, or ClosingError."""
    cleaned = text.strip().replace("$", "").replace(",", "")
    try:
        price = Decimal(cleaned)
    except InvalidOperation:
        raise ClosingError(f"{text!r} is not a price: enter dollars and cents, for example 1.25.") from None
    if not price.is_finite() or price <= 0:
        raise ClosingError("The closing price must be more than zero.")
    if price.as_tuple().exponent < -4:  # type: ignore[operator]
        raise ClosingError("The closing price has at most four decimal places.")
    problem = price_problem(price, "The closing price")
    if problem:
        raise ClosingError(problem)
    return price


def new_grant_id(offer: Offer, old_grant_id: str) -> str:
    return f"{offer.slug.upper()}-{old_grant_id}"


def grants_options(offer: Offer) -> bool:
    """Whether the offer's new awards include options, which need the closing price; an offer granting
    only RSUs needs none (RSUs have no exercise price)."""
    return AwardType.OPTION in offer.terms.award_types


def check_can_make_new_grants(
    offer: Offer, closing: Closing, now: datetime, closing_price: Decimal | None
) -> None:
    if closing.cancelled_at is None:
        raise ClosingError("Cancel the tendered grants first: new options replace cancelled ones.")
    if closing.new_grants_created_at is not None:
        raise ClosingError(
            "The new grants were already made on "
            f"{format_instant(closing.new_grants_created_at, offer.zone)}."
        )
    grant_date = offer.new_grant_date()
    today = now.astimezone(offer.zone).date()
    if today < grant_date:
        raise ClosingError(
            f"The new grants are made on {format_date(grant_date)}, at the closing price of "
            f"{format_date(offer.pricing_date())}; today is {format_date(today)}."
        )
    if closing_price is None:
        if grants_options(offer):
            raise ClosingError("Enter the closing price: it is the new options' exercise price.")
        return
    if not grants_options(offer):
        raise ClosingError(
            "This offer grants only RSUs, which have no exercise price: enter no closing price."
        )
    problem = price_problem(closing_price, "The closing price")
    if problem:
        raise ClosingError(problem)


def _new_grant(
    offer: Offer,
    line: AcceptedGrant,
    tender: Tender,
    *,
    grant_date: date,
    closing_price: Decimal | None,
    now: datetime,
) -> NewGrant:
    """The new award for one accepted grant: an option at the closing price, or RSUs with no price,
    type or expiration."""
    is_option = line.award_type == AwardType.OPTION
    return NewGrant(
        accepted_grant=line,
        grant_id=new_grant_id(offer, line.grant.grant_id),
        employee=tender.employee,
        plan=offer.new_option_plan,
        award_type=line.award_type,
        option_type=offer.new_option_type if is_option else "",
        grant_date=grant_date,
        shares=line.new_shares,
        exercise_price=closing_price if is_option else None,
        expiration_date=new_option_expiration(grant_date, offer.new_term_years) if is_option else None,
        performance_condition=line.performance_condition,
        created_at=now,
    )


def _granted_in_audit(new: NewGrant, plan_name: str) -> dict[str, Any]:
    """One new award in the participant's event; an RSU award says so, an option reads as before."""
    entry: dict[str, Any] = {
        "grant_id": new.grant_id,
        "shares": new.shares,
        "replaces": new.accepted_grant.grant.grant_id,
        "plan": plan_name,
        "option_type": new.option_type,
        "grant_date": new.grant_date,
        "expiration_date": new.expiration_date,
        "performance_condition": new.performance_condition,
    }
    if new.is_rsu:
        entry["award_type"] = new.award_type
    return entry


def create_new_grants(
    offer: Offer,
    *,
    closing_price: Decimal | None,
    actor: User,
    now: datetime,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> Closing:
    """Step 4, on or after the new grant date: one new award per accepted grant (an option at
    `closing_price`, or RSUs, as the accepted grant says), for each participant still employed in a
    covered country on that date; everyone else's promise is forfeited. `closing_price` is None only for
    an offer granting no options."""
    progress = progress or Progress(None)
    with transaction.atomic():
        closing = locked_closing(offer)
        check_can_make_new_grants(offer, closing, now, closing_price)
        grant_date = offer.new_grant_date()
        terms = offer.terms
        plan = offer.new_option_plan
        forfeit_reason = (
            f"Not employed in {', '.join(sorted(terms.eligible_countries))} on the new grant date "
            f"({format_date(grant_date)}): the promised grant is not made."
        )
        granted = forfeited = shares = 0
        standing = _accepted_tenders(offer).filter(forfeited_on__isnull=True)
        progress.start_stage("Making each participant's new options", total=standing.count())
        events: list[AuditEvent] = []
        for tenders in batched(standing.iterator(chunk_size=CHUNK_SIZE), CHUNK_SIZE):
            leavers, new_grants = [], []
            for tender in tenders:
                if not keeps_promised_grant(
                    employee_facts(tender.employee), grant_date, terms.eligible_countries
                ):
                    tender.forfeited_on = tender.employee.termination_date or grant_date
                    tender.forfeit_reason, tender.forfeit_recorded_at = forfeit_reason, now
                    leavers.append(tender)
                    events.append(
                        _employee_event(
                            AuditEventType.NEW_GRANTS_CREATED,
                            tender,
                            actor=actor,
                            now=now,
                            request=request,
                            granted=[],
                            forfeited=forfeit_reason,
                            forfeited_on=tender.forfeited_on,
                        )
                    )
                    continue
                mine = [
                    _new_grant(
                        offer, line, tender, grant_date=grant_date, closing_price=closing_price, now=now
                    )
                    for line in tender.accepted_grants.all()
                ]
                new_grants += mine
                shares += sum(grant.shares for grant in mine)
                events.append(
                    _employee_event(
                        AuditEventType.NEW_GRANTS_CREATED,
                        tender,
                        actor=actor,
                        now=now,
                        request=request,
                        granted=[_granted_in_audit(new, plan.name) for new in mine],
                        exercise_price=closing_price,
                    )
                )
            Tender.objects.bulk_update(leavers, ["forfeited_on", "forfeit_reason", "forfeit_recorded_at"])
            NewGrant.objects.bulk_create(new_grants)
            granted += len(tenders) - len(leavers)
            forfeited += len(leavers)
            progress.advance(len(tenders))
        _append_at_end(events, progress)
        Offer.objects.filter(pk=offer.pk).update(new_exercise_price=closing_price)
        offer.new_exercise_price = closing_price
        closing.new_grants_created_at, closing.new_grants_created_by = now, actor
        closing.new_grant_date = grant_date
        closing.save(update_fields=["new_grants_created_at", "new_grants_created_by", "new_grant_date"])
        _offer_event(
            AuditEventType.NEW_GRANTS_CREATED,
            offer,
            actor=actor,
            now=now,
            request=request,
            grant_date=grant_date,
            exercise_price=closing_price,
            pricing_date=offer.pricing_date(),
            participants_granted=granted,
            participants_forfeited=forfeited,
            new_shares=shares,
        )
    return closing


def check_can_correct_price(
    offer: Offer, closing: Closing, closing_price: Decimal, reason: str
) -> Decimal | None:
    """Refuses a correction the rule does not allow now; returns the price before it (read again from the
    offer's row, which the caller has locked through the close)."""
    if not reason.strip():
        raise ClosingError("Say why the price is corrected: the reason is kept in the audit trail.")
    problem = price_problem(closing_price, "The closing price")
    if problem:
        raise ClosingError(problem)
    before = Offer.objects.values_list("new_exercise_price", flat=True).get(pk=offer.pk)
    offer.new_exercise_price = before
    refusal = correction_problem(offer, closing, closing_price)
    if refusal:
        raise ClosingError(refusal)
    return before


def correct_closing_price(
    offer: Offer,
    *,
    closing_price: Decimal,
    reason: str,
    actor: User,
    now: datetime,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> int:
    """After step 4, a closing price typed wrong: every new option of the offer gets the corrected
    exercise price, while the price has not left the portal (``queries.PRICE_CORRECTION_RULE``).
    Returns how many new options were corrected.

    Audited as the steps are: one event per participant whose options changed, and one for the offer,
    each with the price before and after and the reason given.
    """
    if not reason.strip():
        raise ClosingError("Say why the price is corrected: the reason is kept in the audit trail.")
    problem = price_problem(closing_price, "The closing price")
    if problem:
        raise ClosingError(problem)
    progress = progress or Progress(None)
    with transaction.atomic():
        closing = locked_closing(offer)
        before = check_can_correct_price(offer, closing, closing_price, reason)
        progress.start_stage("Correcting the new options' exercise price")
        granted = NewGrant.objects.filter(
            accepted_grant__tender__offer=offer, award_type=AwardType.OPTION.value
        )
        grant_ids: dict[int, list[str]] = {}
        for tender_id, grant_id in granted.order_by("accepted_grant__tender_id", "grant_id").values_list(
            "accepted_grant__tender_id", "grant_id"
        ):
            grant_ids.setdefault(tender_id, []).append(grant_id)
        corrected = granted.update(exercise_price=closing_price)
        Offer.objects.filter(pk=offer.pk).update(new_exercise_price=closing_price)
        offer.new_exercise_price = closing_price
        price = {"before": before, "after": closing_price}
        progress.start_stage("Recording each participant's correction", total=len(grant_ids))
        events: list[AuditEvent] = []
        for chunk in batched(grant_ids, CHUNK_SIZE):
            tenders = Tender.objects.filter(pk__in=chunk).select_related("employee", "offer").order_by("pk")
            events.extend(
                _employee_event(
                    AuditEventType.NEW_GRANTS_PRICE_CORRECTED,
                    tender,
                    actor=actor,
                    now=now,
                    request=request,
                    exercise_price=price,
                    grants=grant_ids[tender.pk],
                    reason=reason,
                )
                for tender in tenders
            )
            progress.advance(len(chunk))
        _append_at_end(events, progress)
        _offer_event(
            AuditEventType.NEW_GRANTS_PRICE_CORRECTED,
            offer,
            actor=actor,
            now=now,
            request=request,
            exercise_price=price,
            pricing_date=offer.pricing_date(),
            new_grants=corrected,
            participants=len(grant_ids),
            reason=reason,
        )
    return corrected
