"""Every change to elections and offers goes through one function here (STYLE.md, "Side effects").

Each action reads the clock once (`now`), locks the employee's row so that two browser tabs, a double
click or a race with the deadline are settled one at a time, asks the rules whether the change is
allowed at `now`, writes the new version, the confirmation email it owes (``offers.confirmations``) and
its audit event in the same transaction, and has the task worker deliver the email once it has
committed. A refused attempt raises an :class:`ElectionError` whose message is fit to show, and is
itself audited.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import secrets
import uuid
import zoneinfo
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.http import HttpRequest
from django.utils import timezone

from soxp_portal.accounts.invitations import invite, users_awaiting_invitation
from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.middleware import channel_of
from soxp_portal.audit.models import AuditEventType
from soxp_portal.offers.adapters import offer_terms
from soxp_portal.offers.confirmations import owe_confirmation
from soxp_portal.offers.limits import (
    MAX_CLIFF_MONTHS,
    MAX_INSTALLMENTS,
    date_problem,
    offer_length_problem,
    price_problem,
    term_problems,
)
from soxp_portal.offers.models import (
    MAX_RISK_FREE_RATE,
    MAX_VOLATILITY,
    Announcement,
    Election,
    Employee,
    Grant,
    Offer,
    OfferDocument,
    OfferPhase,
    Plan,
    PriceBand,
    RatioChangeEmail,
    RatioSetting,
    TenderedGrant,
)
from soxp_portal.offers.participation import tender_figures
from soxp_portal.offers.queries import election_in_force_at, employee_status
from soxp_portal.offers.verdicts import judge_offers
from soxp_portal.rules import window
from soxp_portal.rules.calendar import business_days_between, next_business_day_on_or_after
from soxp_portal.rules.exchange import ElectionProblem, exchange_summary, validate_election
from soxp_portal.rules.ratios import BandKey, ValuationInputs
from soxp_portal.rules.terms import AwardType, OfferTerms, RatioStage, award_problems, band_problems
from soxp_portal.rules.terms import PriceBand as PriceBandTerms
from soxp_portal.rules.window import BUSINESS_DAYS_AFTER_RATIO_CHANGE
from soxp_portal.rules.wording import format_instant

_CONFIRMATION_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread


class ElectionError(Exception):
    """An election or withdrawal was refused; the message says why and what to do next."""

    reason = "invalid"

    def __init__(self, message: str, *, current: Election | None = None) -> None:
        super().__init__(message)
        self.current = current


class ElectionClosed(ElectionError):
    reason = "outside_window"


class StaleElection(ElectionError):
    reason = "stale"


class ReceivedBeforeRecord(ElectionError):
    """A paper form received before the version already on record: the last election received
    governs, so it can only be kept as evidence, and only when the administrator says so."""

    reason = "received_before_record"


class InvalidElection(ElectionError):
    def __init__(self, problems: list[ElectionProblem], *, current: Election | None = None) -> None:
        super().__init__(" ".join(problem.message for problem in problems), current=current)
        self.problems = problems


def new_confirmation_number() -> str:
    """Ten characters in two groups, e.g. 7QJ3M-XR2PD: about 50 bits, unguessable and easy to read out."""
    chars = "".join(secrets.choice(_CONFIRMATION_ALPHABET) for _ in range(10))
    return f"{chars[:5]}-{chars[5:]}"


def names_match(signature: str, employee: Employee) -> bool:
    """The typed signature is the employee's full name on record, ignoring case and extra spaces."""

    def fold(text: str) -> str:
        return " ".join(text.split()).casefold()

    return fold(signature) == fold(employee.full_name)


def closed_message(offer: Offer, now: datetime) -> str:
    deadline = format_instant(offer.expires_at, offer.zone)
    if window.phase(offer.terms, now) is window.OfferPhase.UPCOMING:
        opens = format_instant(offer.opens_at, offer.zone)
        return f"The offer is not open yet: elections can be made from {opens} until {deadline}."
    return f"The offer closed at {deadline}; no election can be made or changed after the deadline."


def _check_window(offer: Offer, *, received_at: datetime, now: datetime, channel: str) -> None:
    """Decision 3: only what the server received strictly before the deadline counts. A paper or fax
    election counts by the time it was received, which cannot be in the future (decision 8)."""
    if offer.closed_at is not None:
        raise ElectionClosed(f"The offer was closed on {format_instant(offer.closed_at, offer.zone)}.")
    if received_at > now:
        raise ElectionError("The time received cannot be in the future.")
    if channel == Election.Channel.WEB and received_at != now:
        raise ElectionError("An online election is received when the server handles it.")
    if not window.is_open(offer.terms, received_at):
        raise ElectionClosed(closed_message(offer, received_at))


def _snapshot(election: Election, lines: list[TenderedGrant]) -> dict[str, Any]:
    return {
        "confirmation_number": election.confirmation_number,
        "version": election.version,
        "kind": election.kind,
        "channel": election.channel,
        "received_at": election.received_at,
        "recorded_at": election.recorded_at,
        "signature": election.signature,
        "takes_effect": election.takes_effect,
        "tendered": [
            {
                "grant_id": line.grant.grant_id,
                "shares_tendered": line.shares_tendered,
                "new_shares": line.new_shares,
            }
            for line in lines
        ],
        "total_tendered": sum(line.shares_tendered for line in lines),
        "total_new_shares": sum(line.new_shares for line in lines),
    }


def _audit_refusal(
    offer: Offer,
    employee: Employee,
    error: ElectionError,
    *,
    actor: User,
    now: datetime,
    channel: str,
    attempted: str,
    request: HttpRequest | None,
) -> None:
    """A refused attempt is recorded in a transaction of its own: the refused one was rolled back."""
    with transaction.atomic():
        record(
            AuditEventType.ELECTION_REFUSED,
            actor=actor,
            at=now,
            employee=employee,
            offer=offer,
            on_behalf=channel != Election.Channel.WEB,
            channel=channel,
            data={"attempted": attempted, "reason": error.reason, "message": str(error)},
            request=request,
        )


def _received_before_record(offer: Offer, received_at: datetime, in_force: Election) -> ReceivedBeforeRecord:
    zone = offer.zone
    what = "withdrawal" if in_force.kind == Election.Kind.WITHDRAWAL else "election"
    return ReceivedBeforeRecord(
        f"This form was received {format_instant(received_at, zone, seconds=True)}, before the {what} "
        f"already on record (version {in_force.version}, confirmation {in_force.confirmation_number}, "
        f"received {format_instant(in_force.received_at, zone, seconds=True)}). The last election received "
        "before the deadline is the one in force, so this form cannot take effect. It can be recorded as "
        "evidence only: kept in the employee's history and the audit trail, marked as not in force.",
        current=in_force,
    )


def _create_version(
    offer: Offer,
    employee: Employee,
    kind: str,
    *,
    tendered: Mapping[str, int],
    actor: User,
    signature: str,
    expected_version: int,
    submission_token: uuid.UUID,
    channel: str,
    received_at: datetime | None,
    evidence_only: bool,
    now: datetime,
    request: HttpRequest | None,
) -> Election:
    received_at = received_at or now
    with transaction.atomic():
        # From the lock to the commit only what decides and writes this version: the employee's versions
        # in one query (a repeated post, the one in force, the last number), the grants once, and the
        # audit append last (docs/performance.md, "The confirm request's locks").
        employee = Employee.objects.select_for_update(no_key=True).get(pk=employee.pk)
        _hold_ratios(offer, exclusive=False)
        versions = list(Election.objects.filter(offer=offer, employee=employee).order_by("-version"))
        repeated = next(
            (version for version in versions if version.submission_token == submission_token), None
        )
        if repeated is not None:
            return repeated  # the same form posted twice (a double click): one version, not two
        _check_window(offer, received_at=received_at, now=now, channel=channel)
        # The version in force is the latest that took effect (queries.current_election).
        in_force = next((old for old in versions if old.takes_effect), None)
        if expected_version != (in_force.version if in_force else 0):
            raise StaleElection(
                "Your election changed after this page was loaded (in another tab or window, or by the stock "
                "administrator). Nothing was changed: review the election on record below and start again.",
                current=in_force,
            )
        # The last election received governs: a paper form received before the one in force (keyed in
        # late) is kept as evidence only, judged against what was in force when it was received.
        takes_effect = in_force is None or received_at >= in_force.received_at
        if not takes_effect and not evidence_only:
            raise _received_before_record(offer, received_at, in_force)
        replaced = in_force if takes_effect else election_in_force_at(offer, employee, received_at)
        if not names_match(signature, employee):
            raise ElectionError(
                f"The signature must be your full name as the company records it: {employee.full_name}.",
                current=in_force,
            )
        if kind == Election.Kind.WITHDRAWAL:
            if replaced is None or not replaced.is_participating:
                raise ElectionError(
                    "You have no election to withdraw: you are not taking part.", current=in_force
                )
            lines_wanted: dict[str, tuple[int, int]] = {}
            grants: dict[str, Grant] = {}
        else:
            status = employee_status(offer, employee, now=received_at)
            grants = {grant_status.grant.grant_id: grant_status.grant for grant_status in status.grants}
            problems = validate_election(offer.terms, status.verdicts, status.outstanding, tendered)
            if problems:
                raise InvalidElection(problems, current=in_force)
            prices = {grant_id: grant.exercise_price for grant_id, grant in grants.items()}
            summary = exchange_summary(
                offer.terms, tendered, prices, offer.terms.award_for(employee.work_country)
            )
            lines_wanted = {line.grant_id: (line.tendered_shares, line.new_shares) for line in summary.lines}

        election = Election.objects.create(
            offer=offer,
            employee=employee,
            version=versions[0].version + 1 if versions else 1,
            kind=kind,
            channel=channel,
            received_at=received_at,
            recorded_at=now,
            entered_by=actor,
            confirmation_number=new_confirmation_number(),
            signature=" ".join(signature.split()),
            submission_token=submission_token,
            takes_effect=takes_effect,
        )
        lines = TenderedGrant.objects.bulk_create(
            TenderedGrant(election=election, grant=grants[grant_id], shares_tendered=shares, new_shares=new)
            for grant_id, (shares, new) in lines_wanted.items()
        )
        if kind == Election.Kind.WITHDRAWAL:
            event = AuditEventType.ELECTION_WITHDRAWN
        elif replaced is not None and replaced.is_participating:
            event = AuditEventType.ELECTION_MODIFIED
        else:
            event = AuditEventType.ELECTION_SUBMITTED
        data: dict[str, Any] = {
            "election": _snapshot(election, lines),
            "replaces": replaced.confirmation_number if replaced else None,
        }
        if not takes_effect:
            data["not_in_force_because"] = in_force.confirmation_number
        owe_confirmation(election)
        record(
            event,
            actor=actor,
            at=now,
            subject=election,
            employee=employee,
            offer=offer,
            on_behalf=channel != Election.Channel.WEB,
            channel=channel,
            data=data,
            request=request,
        )
    from soxp_portal.offers.tasks import deliver_confirmations

    # Robust: the email is owed in the election's own transaction, so an enqueue that fails after the
    # commit (the queue's database gone) is logged, and the sweep (manage.py deliver_confirmations)
    # delivers it; the employee still gets the confirmation page.
    transaction.on_commit(deliver_confirmations.enqueue, robust=True)
    return election


#: The class of the advisory lock on an offer's band ratios ("SOXR"), paired with the offer's id.
RATIOS_LOCK_CLASS = 0x534F5852
#: The owed ratio-change emails written per INSERT: the change's scan is held a batch at a time, never
#: whole (bench/ratios.py: at 100,000 employees the whole list peaked the process at 1.4 GB).
RATIO_EMAILS_BATCH = 2000


def _hold_ratios(offer: Offer, *, exclusive: bool) -> None:
    """Serialises a change of band ratios with the submissions of the offer, on PostgreSQL.

    ``set_band_ratios`` holds the lock alone; each submission shares it (shared advisory locks write
    nothing and do not wait on one another). So a submission either commits before the ratios change,
    and the change's scan of the elections in force finds it and emails its new figures, or waits for the
    change to commit and then reads the new ratios: the terms the request read before (the review's) are
    read again when the change happened meanwhile (one small query; the terms only when they moved). On
    SQLite, the development database, writes are serialised by the database itself and nothing is done.
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        cursor.execute(f"SELECT {lock}(%s, %s)", [RATIOS_LOCK_CLASS, offer.pk])
    if exclusive:
        return
    set_at = Offer.objects.filter(pk=offer.pk).values_list("ratios_set_at", flat=True).get()
    if set_at != offer.ratios_set_at:
        offer.refresh_from_db()  # forgets the terms read before the change


def _record_version(offer: Offer, employee: Employee, kind: str, **fields: Any) -> Election:
    """Writes a version, or audits the refusal in a transaction of its own and raises it again."""
    fields["now"] = fields["now"] or timezone.now()
    try:
        return _create_version(offer, employee, kind, **fields)
    except ElectionError as error:
        _audit_refusal(
            offer,
            employee,
            error,
            actor=fields["actor"],
            now=fields["now"],
            channel=fields["channel"],
            attempted=kind,
            request=fields["request"],
        )
        raise


def submit_election(
    offer: Offer,
    employee: Employee,
    tendered: Mapping[str, int],
    *,
    actor: User,
    signature: str,
    expected_version: int,
    submission_token: uuid.UUID,
    channel: str = Election.Channel.WEB,
    received_at: datetime | None = None,
    evidence_only: bool = False,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Election:
    """Submits or modifies an election: the grants tendered (grant id -> shares), whole grants only.

    `expected_version` is the version in force when the form was loaded (0 for none): a form that is
    out of date is refused, never silently applied. A new election replaces the one in force (slide
    19). A paper form received before the version in force is refused with :class:`ReceivedBeforeRecord`
    unless `evidence_only` says to keep it as evidence, never in force.
    """
    return _record_version(
        offer,
        employee,
        Election.Kind.ELECTION,
        tendered=tendered,
        actor=actor,
        signature=signature,
        expected_version=expected_version,
        submission_token=submission_token,
        channel=channel,
        received_at=received_at,
        evidence_only=evidence_only,
        now=now,
        request=request,
    )


def withdraw_election(
    offer: Offer,
    employee: Employee,
    *,
    actor: User,
    signature: str,
    expected_version: int,
    submission_token: uuid.UUID,
    channel: str = Election.Channel.WEB,
    received_at: datetime | None = None,
    evidence_only: bool = False,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Election:
    """Withdraws the election in force: the employee is back to "not participating" and every grant
    keeps its terms (decision 10). A later election may still be made before the deadline."""
    return _record_version(
        offer,
        employee,
        Election.Kind.WITHDRAWAL,
        tendered={},
        actor=actor,
        signature=signature,
        expected_version=expected_version,
        submission_token=submission_token,
        channel=channel,
        received_at=received_at,
        evidence_only=evidence_only,
        now=now,
        request=request,
    )


# Setting up and extending an offer (the stock administrator's console) ------------------------------

#: The fields of an offer's terms that the administrator sets before it opens (OFFER.md, "Terms").
TERM_FIELDS = (
    "slug",
    "name",
    "company_name",
    "time_zone",
    "opens_at",
    "expires_at",
    "eligible_countries",
    "hire_cutoff_date",
    "hire_cutoff_inclusive",
    "price_threshold",
    "price_threshold_inclusive",
    "lookback_start",
    "lookback_end",
    "exchange_ratio",
    "rounding",
    "award_type",
    "award_by_country",
    "grant_date_rule",
    "new_grant_delay_months",
    "new_grant_delay_days",
    "pricing_basis",
    "new_option_type",
    "new_option_plan",
    "new_term_years",
    "vesting_cliff_months",
    "vesting_cliff_fraction",
    "vesting_monthly_installments",
)
#: Tender-offer rules: an offer stays open at least this many business days (counting the opening day).
MINIMUM_BUSINESS_DAYS_OPEN = 20
#: An extension is announced by 9:00 a.m. Eastern on the business day after the scheduled expiration.
NOTICE_ZONE = zoneinfo.ZoneInfo("America/New_York")
NOTICE_HOUR = 9
#: Decimal places of the reference price, the volatility and the risk-free rate, as the offer stores them.
DECIMAL_PLACES = 4
_STORED_PLACES = Decimal(1).scaleb(-DECIMAL_PLACES)


class OfferError(Exception):
    """A change to an offer was refused; the message says why and what to do next."""


class PriceBandError(OfferError):
    """The offer's price bands were refused (``_check_bands``): the console shows it beside the bands."""


def _term_value(offer: Offer, name: str) -> Any:
    return getattr(offer, f"{name}_id") if name == "new_option_plan" else getattr(offer, name)


def _plan_names(plans: Iterable[Plan]) -> list[str]:
    return sorted(plan.name for plan in plans)


def terms_locked_message(offer: Offer, now: datetime) -> str | None:
    """Why the offer's terms can no longer be edited at `now`, or None while it has not opened."""
    if offer.closed_at is not None:
        return f"The offer {offer.name} is closed; its terms can no longer change."
    if window.phase(offer.terms, now) is not window.OfferPhase.UPCOMING:
        return (
            f"The offer opened on {format_instant(offer.opens_at, offer.zone)}, so its terms are locked: "
            "employees may already have elected on them. Only the deadline can still move, by an extension."
        )
    return None


def _check_before_opening(offer: Offer, opens_at: datetime, now: datetime) -> None:
    """Terms are set before the offer opens; once open they change only by an extension (decision 4)."""
    locked = terms_locked_message(offer, now) if offer.pk is not None else None
    if locked:
        raise OfferError(locked)
    if opens_at <= now:
        raise OfferError(
            f"The opening, {format_instant(opens_at, offer.zone)}, is already past. An offer is set up "
            "before it opens: choose an opening still to come."
        )


#: The terms ``offers.limits.term_problems`` reads: every term but the new options' plan, a row.
LIMITED_TERMS = frozenset(TERM_FIELDS) - {"new_option_plan"}


def _check_term_bounds(offer: Offer) -> None:
    """The terms as they would be stored keep ``offers.limits``' bounds; the form checks them first."""
    problems = term_problems({name: getattr(offer, name) for name in TERM_FIELDS if name in LIMITED_TERMS})
    if problems:
        raise OfferError(" ".join(problems.values()))


def _band_record(band: PriceBandTerms) -> dict[str, Any]:
    """A band as the audit log keeps it: decimals as strings."""
    vesting = band.vesting
    return {
        "lower": str(band.lower),
        "lower_inclusive": band.lower_inclusive,
        "upper": None if band.upper is None else str(band.upper),
        "upper_inclusive": band.upper_inclusive,
        "ratio_new": str(band.new_shares),
        "ratio_tendered": str(band.for_tendered),
        "award_type": band.award_type.value,
        "vesting": None
        if vesting is None
        else [vesting.cliff_months, str(vesting.cliff_fraction), vesting.monthly_installments],
    }


def _check_bands(offer: Offer, bands: Sequence[PriceBandTerms]) -> None:
    """The bands follow one another without overlap or gap (``rules.terms.band_problems``), and every
    award the offer grants has its ratios (``rules.terms.award_problems``)."""
    award_by_country = [
        (country, AwardType(award)) for country, award in sorted(offer.award_by_country.items())
    ]
    problems = band_problems(bands) + award_problems(AwardType(offer.award_type), award_by_country, bands)
    if problems:
        raise PriceBandError(" ".join(problems))


def _replace_bands(offer: Offer, bands: Sequence[PriceBandTerms]) -> None:
    """The offer's band rows become `bands`, in their order (numbered within each award type); the
    offer's row is locked, or new."""
    PriceBand.objects.filter(offer=offer).delete()
    positions: Counter[AwardType] = Counter()
    rows = []
    for band in bands:
        positions[band.award_type] += 1
        rows.append(_band_row(offer, positions[band.award_type], band))
    PriceBand.objects.bulk_create(rows)


def _band_row(offer: Offer, position: int, band: PriceBandTerms) -> PriceBand:
    return PriceBand(
        offer=offer,
        position=position,
        award_type=band.award_type.value,
        lower=band.lower,
        lower_inclusive=band.lower_inclusive,
        upper=band.upper,
        upper_inclusive=band.upper_inclusive,
        ratio_new=band.new_shares,
        ratio_tendered=band.for_tendered,
        vesting_cliff_months=band.vesting.cliff_months if band.vesting else None,
        vesting_cliff_fraction=band.vesting.cliff_fraction if band.vesting else None,
        vesting_monthly_installments=band.vesting.monthly_installments if band.vesting else None,
    )


def _judge_census(offer: Offer, now: datetime) -> None:
    """Stores the census's verdicts under the offer's new terms, in the transaction that changed them
    (``offers/verdicts.py``); the offer's row is locked, or new."""
    judge_offers([Offer.objects.get(pk=offer.pk)], now=now)  # the terms as saved, covered plans included


def create_offer(
    values: Mapping[str, Any],
    *,
    covered_plans: Iterable[Plan],
    price_bands: Sequence[PriceBandTerms] = (),
    actor: User,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Offer:
    """Creates an offer from its terms (`TERM_FIELDS`) and its price bands (none: the flat ratio at
    every price); the first deadline is also the original one."""
    now = now or timezone.now()
    offer = Offer(**{name: values[name] for name in TERM_FIELDS})
    offer.original_expires_at = offer.expires_at
    _check_before_opening(offer, offer.opens_at, now)
    _check_term_bounds(offer)
    _check_bands(offer, price_bands)
    with transaction.atomic():
        offer.save()
        offer.covered_plans.set(covered_plans)
        _replace_bands(offer, price_bands)
        _judge_census(offer, now)
        record(
            AuditEventType.OFFER_CREATED,
            actor=actor,
            at=now,
            subject=offer,
            data={
                "terms": {name: _term_value(offer, name) for name in TERM_FIELDS},
                "covered_plans": _plan_names(offer.covered_plans.all()),
                "price_bands": [_band_record(band) for band in price_bands],
            },
            channel=channel_of(request),
            request=request,
        )
    return offer


def update_offer_terms(
    offer: Offer,
    values: Mapping[str, Any],
    *,
    covered_plans: Iterable[Plan],
    price_bands: Sequence[PriceBandTerms] | None = None,
    actor: User,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> dict[str, dict[str, Any]]:
    """Changes the terms of an offer that has not opened yet; returns {field: {before, after}}.

    `price_bands` None leaves the bands as they are; a sequence replaces them (empty: the flat ratio),
    refused with a message naming the band if they overlap or leave a gap.

    The row is locked and the phase checked on it, so an edit racing the opening is refused rather than
    applied to an open offer. Nothing changed means nothing written and no audit event.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
        _check_before_opening(locked, values.get("opens_at", locked.opens_at), now)
        changes: dict[str, dict[str, Any]] = {}
        for name, new in values.items():
            if name not in TERM_FIELDS:
                raise ValueError(f"{name!r} is not a term of the offer.")
            old = _term_value(locked, name)
            new_value = new.pk if isinstance(new, Plan) else new
            if old != new_value:
                changes[name] = {"before": old, "after": new_value}
                setattr(locked, name, new)
        plans_before = _plan_names(locked.covered_plans.all())
        plans_after = _plan_names(covered_plans)
        if plans_before != plans_after:
            changes["covered_plans"] = {"before": plans_before, "after": plans_after}
        bands_before = offer_terms(locked).price_bands
        _check_bands(locked, bands_before if price_bands is None else price_bands)
        if price_bands is not None and bands_before != tuple(
            price_bands
        ):  # compared as values: 5.0000 stored is 5.00 typed
            changes["price_bands"] = {
                "before": [_band_record(band) for band in bands_before],
                "after": [_band_record(band) for band in price_bands],
            }
        if not changes:
            return changes
        _check_term_bounds(locked)
        locked.original_expires_at = locked.expires_at  # not announced yet: no extension to remember
        locked.save()
        locked.covered_plans.set(covered_plans)
        if "price_bands" in changes:
            _replace_bands(locked, price_bands or ())
        _judge_census(locked, now)
        record(
            AuditEventType.OFFER_EDITED,
            actor=actor,
            at=now,
            subject=locked,
            channel=channel_of(request),
            data=changes,
            request=request,
        )
    return changes


def set_offer_contacts(
    offer: Offer,
    contacts: list[dict[str, str]],
    *,
    actor: User,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> bool:
    """Replaces the people employees may ask ({name, role, phone, fax, email}); False when unchanged.

    Contacts are not terms of the offer, so they may change while it is open.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
        if locked.contacts == contacts:
            return False
        before, locked.contacts = locked.contacts, contacts
        locked.save(update_fields=["contacts", "updated_at"])
        record(
            AuditEventType.OFFER_EDITED,
            actor=actor,
            at=now,
            subject=locked,
            data={"contacts": {"before": before, "after": contacts}},
            channel=channel_of(request),
            request=request,
        )
    return True


def decision_support_locked_message(offer: Offer, now: datetime) -> str | None:
    """Why the decision support can no longer change at `now`, or None while employees may still elect.

    It illustrates an election, so it may change until the deadline, as the contacts may; after it no
    one can elect any more, and it stays what employees last saw.
    """
    phase = offer.phase(now)
    if phase is OfferPhase.CLOSED:
        return f"The offer {offer.name} is closed; its decision support can no longer change."
    if phase is OfferPhase.EXPIRED:
        return (
            f"The offer's deadline, {format_instant(offer.expires_at, offer.zone)}, has passed: no one can "
            "elect any more, so the decision support stays as employees last saw it."
        )
    return None


def _check_decision_support(
    reference_price: Decimal | None, volatility: Decimal | None, risk_free_rate: Decimal | None
) -> None:
    """The same limits as the form and the database, so a caller other than the form gets a message."""
    values = (
        ("reference price", reference_price),
        ("volatility", volatility),
        ("risk-free rate", risk_free_rate),
    )
    for name, value in values:
        if value is not None and not value.is_finite():
            raise OfferError(f"The {name} must be a number.")
        if value is not None and int(value.as_tuple().exponent) < -DECIMAL_PLACES:
            raise OfferError(f"The {name} can have at most {DECIMAL_PLACES} decimal places.")
    price = reference_price is not None and price_problem(reference_price, "The reference price")
    if price:
        raise OfferError(price)
    if volatility is not None and not Decimal(0) < volatility <= MAX_VOLATILITY:
        raise OfferError(f"The volatility must be more than 0% and at most {MAX_VOLATILITY * 100:.0f}%.")
    if risk_free_rate is not None and not Decimal(0) <= risk_free_rate <= MAX_RISK_FREE_RATE:
        raise OfferError(f"The risk-free rate must be from 0% to {MAX_RISK_FREE_RATE * 100:.0f}% a year.")


#: What the form calls each part of the current grants' assumed schedule, as the messages name them.
CURRENT_VESTING_FIELDS = {
    "current_vesting_cliff_months": "the cliff",
    "current_vesting_cliff_fraction": "the share vesting at the cliff",
    "current_vesting_installments": "the monthly instalments",
}


def _check_current_vesting(
    cliff_months: int | None, cliff_fraction: Decimal | None, installments: int | None
) -> None:
    """The current grants' assumed schedule: all three parts or none, within the form's and the database's
    limits, and adding up (without instalments the whole grant vests at the cliff)."""
    if cliff_months is None and cliff_fraction is None and installments is None:
        return
    if cliff_months is None or cliff_fraction is None or installments is None:
        raise OfferError(
            "The current grants' vesting schedule needs the cliff, the share vesting at the cliff and the "
            "monthly instalments, or none of them."
        )
    if not isinstance(cliff_months, int) or not 0 <= cliff_months <= MAX_CLIFF_MONTHS:
        raise OfferError(f"The current grants' cliff must be from 0 to {MAX_CLIFF_MONTHS} months.")
    if not isinstance(installments, int) or not 0 <= installments <= MAX_INSTALLMENTS:
        raise OfferError(
            f"The current grants' monthly instalments must be from 0 to {MAX_INSTALLMENTS} instalments."
        )
    if not cliff_fraction.is_finite() or not Decimal(0) <= cliff_fraction <= 1:
        raise OfferError("The share of a current grant vesting at the cliff must be from 0% to 100%.")
    if int(cliff_fraction.as_tuple().exponent) < -DECIMAL_PLACES:
        raise OfferError(
            f"The share of a current grant vesting at the cliff can have at most {DECIMAL_PLACES} decimal "
            "places as a fraction (two as a percentage)."
        )
    if installments == 0 and cliff_fraction != 1:
        raise OfferError(
            "Without monthly instalments a current grant vests whole at the cliff: set the share vesting at "
            "the cliff to 100%, or give the number of instalments."
        )


def set_decision_support(
    offer: Offer,
    *,
    reference_price: Decimal | None,
    volatility: Decimal | None,
    risk_free_rate: Decimal | None,
    current_vesting_cliff_months: int | None,
    current_vesting_cliff_fraction: Decimal | None,
    current_vesting_installments: int | None,
    actor: User,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> bool:
    """Sets the share price, the yearly volatility (a fraction, 0.80 for 80%) and the yearly risk-free
    rate (0.04 for 4%) that the Compare page illustrates and values with, and the vesting schedule it
    assumes for the current grants (the cliff in months, the fraction vesting at it, the monthly
    instalments after it: all three or none); None clears one. Returns False when nothing changed (no
    event is written).

    They illustrate and do not bind, so they are not terms: like the contacts they may change while
    the offer is open, and are refused once its deadline has passed (`decision_support_locked_message`).
    """
    now = now or timezone.now()
    _check_decision_support(reference_price, volatility, risk_free_rate)
    _check_current_vesting(
        current_vesting_cliff_months, current_vesting_cliff_fraction, current_vesting_installments
    )
    reference_price, volatility, risk_free_rate, current_vesting_cliff_fraction = (
        None if value is None else value.quantize(_STORED_PLACES)
        for value in (reference_price, volatility, risk_free_rate, current_vesting_cliff_fraction)
    )
    with transaction.atomic():
        locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
        refusal = decision_support_locked_message(locked, now)
        if refusal:
            raise OfferError(refusal)
        after = {
            "reference_price": reference_price,
            "volatility": volatility,
            "risk_free_rate": risk_free_rate,
            "current_vesting_cliff_months": current_vesting_cliff_months,
            "current_vesting_cliff_fraction": current_vesting_cliff_fraction,
            "current_vesting_installments": current_vesting_installments,
        }
        fields = tuple(after)
        before = {name: getattr(locked, name) for name in fields}
        if before == after:
            return False
        for name in fields:
            setattr(locked, name, after[name])
        locked.save(update_fields=[*fields, "updated_at"])
        record(
            AuditEventType.OFFER_EDITED,
            actor=actor,
            at=now,
            subject=locked,
            data={
                "decision_support": {name: {"before": before[name], "after": after[name]} for name in fields}
            },
            channel=channel_of(request),
            request=request,
        )
    return True


def _document_facts(document: OfferDocument, content: bytes) -> dict[str, Any]:
    return {
        "id": document.pk,
        "title": document.title,
        "file": document.file.name,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }


def add_offer_document(
    offer: Offer,
    *,
    title: str,
    content: bytes,
    filename: str,
    actor: User,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> OfferDocument:
    """Publishes a document of the offer to employees (the form checks it is a PDF of sensible size).

    The audit event keeps the file's SHA-256, so what employees were shown can be proven later.
    """
    now = now or timezone.now()
    document = OfferDocument(offer=offer, title=title)
    document.file.save(filename, ContentFile(content), save=False)
    try:
        with transaction.atomic():
            document.save()
            record(
                AuditEventType.OFFER_EDITED,
                actor=actor,
                at=now,
                subject=offer,
                data={"documents": {"added": _document_facts(document, content)}},
                channel=channel_of(request),
                request=request,
            )
    except BaseException:
        document.file.storage.delete(document.file.name)  # a refused upload leaves no file behind
        raise
    return document


def remove_offer_document(
    document: OfferDocument, *, actor: User, now: datetime | None = None, request: HttpRequest | None = None
) -> None:
    """Withdraws a document from the portal; the file is deleted once the removal has committed."""
    now = now or timezone.now()
    with transaction.atomic():
        with document.file.open("rb") as stored:
            facts = _document_facts(document, stored.read())
        storage, name = document.file.storage, document.file.name
        document.delete()
        record(
            AuditEventType.OFFER_EDITED,
            actor=actor,
            at=now,
            subject=document.offer,
            data={"documents": {"removed": facts}},
            channel=channel_of(request),
            request=request,
        )
    transaction.on_commit(lambda: storage.delete(name))


@dataclass(frozen=True)
class ExtensionEffect:
    """What moving the deadline changes (decision 4), and when the public notice is due."""

    expires_at: datetime
    cancellation_date: date
    new_grant_date: date
    pricing_date: date
    business_days_open: int
    notice_due_at: datetime


def notice_due_at(terms: OfferTerms) -> datetime:
    """9:00 a.m. Eastern on the first business day after the scheduled expiration date.

    Tender-offer rules tie the notice of an extension to the expiration being replaced: for soxp-2003,
    expiring on Monday 2003-01-20 (a federal holiday), it was due by 9:00 a.m. Eastern on 2003-01-21.
    The date is the expiration date in the offer's own zone (the cancellation date).
    """
    day = next_business_day_on_or_after(window.cancellation_date(terms) + timedelta(days=1))
    return datetime.combine(day, time(NOTICE_HOUR), tzinfo=NOTICE_ZONE)


def extension_effect(offer: Offer, new_expires_at: datetime) -> ExtensionEffect:
    """The dates that follow from `new_expires_at`, computed by the same rules as the offer's own."""
    terms = dataclasses.replace(offer.terms, expires_at=new_expires_at)
    return ExtensionEffect(
        expires_at=new_expires_at,
        cancellation_date=window.cancellation_date(terms),
        new_grant_date=window.new_grant_date(terms),
        pricing_date=window.pricing_date(terms),
        business_days_open=window.business_days_open(terms),
        notice_due_at=notice_due_at(offer.terms),
    )


def extension_title(offer: Offer, new_expires_at: datetime) -> str:
    return f"The offer is extended: the new deadline is {format_instant(new_expires_at, offer.zone)}"


def extend_offer(
    offer: Offer,
    new_expires_at: datetime,
    *,
    reason: str,
    announcement: str,
    actor: User,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Announcement:
    """Moves the deadline later (decision 4) and announces it; returns the announcement, whose
    ``offer`` is the updated row.

    The cancellation date follows the deadline, and the new grant and pricing dates are recomputed from
    it (they are derived, never stored). ``original_expires_at`` keeps the deadline first announced.
    Every eligible employee is emailed once the extension has committed.
    """
    now = now or timezone.now()
    if not announcement.strip():
        raise OfferError("Write the announcement employees will read about the extension.")
    with transaction.atomic():
        locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
        if locked.closed_at is not None:
            raise OfferError(f"The offer {locked.name} is closed; its deadline can no longer move.")
        problems = window.can_move_deadline(locked.terms, new_expires_at, now)
        out_of_range = date_problem(new_expires_at.astimezone(locked.zone).date(), "The new deadline")
        too_long = offer_length_problem(locked.opens_at, new_expires_at, locked.zone)
        problems += [problem for problem in (out_of_range, too_long) if problem]
        if problems:
            raise OfferError(" ".join(problems))
        before = extension_effect(locked, locked.expires_at)
        after = extension_effect(locked, new_expires_at)
        figures = tender_figures(locked, now=now)
        locked.expires_at = new_expires_at
        locked.save(update_fields=["expires_at", "updated_at"])
        _judge_census(locked, now)  # the cancellation date moved, and with it which grants expire first
        notice = Announcement.objects.create(
            offer=locked,
            title=extension_title(locked, new_expires_at),
            body=announcement.strip(),
            published_at=now,
            created_by=actor,
        )
        record(
            AuditEventType.OFFER_EXTENDED,
            actor=actor,
            at=now,
            subject=locked,
            data={
                "expires_at": {"before": before.expires_at, "after": after.expires_at},
                "original_expires_at": locked.original_expires_at,
                "cancellation_date": {"before": before.cancellation_date, "after": after.cancellation_date},
                "new_grant_date": {"before": before.new_grant_date, "after": after.new_grant_date},
                "pricing_date": {"before": before.pricing_date, "after": after.pricing_date},
                "reason": reason,
                "announcement_id": notice.pk,
                "notice_due_at": after.notice_due_at,
                "tendered_so_far": {
                    "tendered_shares": figures.tendered_shares,
                    "participants": figures.participants,
                    "eligible_shares": figures.eligible_shares,
                    "eligible_employees": figures.eligible_employees,
                    "percent_of_eligible": figures.percent_of_eligible,
                },
            },
            channel=channel_of(request),
            request=request,
        )
    from soxp_portal.offers.tasks import send_extension_notice

    transaction.on_commit(lambda: send_extension_notice.enqueue(notice.pk))
    return notice


def invite_awaiting_employees(
    *, actor: User, base_url: str, now: datetime | None = None, request: HttpRequest | None = None
) -> int:
    """Invites every employee who has never signed in and has no password yet; returns how many.

    ``invitations.invite`` writes the ``invitation.sent`` event naming them before any email is sent,
    and sends once it has committed.
    """
    return invite(users_awaiting_invitation(), actor=actor, base_url=base_url, now=now, request=request)


# Ratios from value (issue 15) ----------------------------------------------------------------------------


def business_days_left(offer: Offer, now: datetime) -> int:
    """Business days after today through the expiration date, both read in the offer's time zone:
    ``rules.calendar.business_days_between(today, expiration date)``, today excluded and the expiration
    date (the cancellation date) included. For soxp-2003, expiring on Monday 2003-01-20 (Martin Luther King
    Day, not a business day), that is 10 on Friday 2003-01-03 (January 6-10 and 13-17) and 9 on Monday
    2003-01-06."""
    today = now.astimezone(offer.zone).date()
    return business_days_between(today, window.cancellation_date(offer.terms))


def ratio_change_refusal(offer: Offer, now: datetime) -> str | None:
    """Why band ratios cannot become final or change at `now`, or None: at least
    `BUSINESS_DAYS_AFTER_RATIO_CHANGE` business days must be left (``business_days_left``), so that
    employees have them to consider the ratios (Rule 14e-1(b)); otherwise the administrator extends first."""
    if offer.closed_at is not None:
        return f"The offer {offer.name} is closed; its ratios can no longer change."
    if offer.phase(now) is OfferPhase.EXPIRED:
        return f"The offer's deadline, {format_instant(offer.expires_at, offer.zone)}, has passed."
    left = business_days_left(offer, now)
    if left >= BUSINESS_DAYS_AFTER_RATIO_CHANGE:
        return None
    return (
        f"Only {left} business day{'s' if left != 1 else ''} remain before the deadline, "
        f"{format_instant(offer.expires_at, offer.zone)} (counting the days after today through the "
        f"expiration date, weekends and federal holidays left out). Making the ratios final or changing them "
        f"needs at least {BUSINESS_DAYS_AFTER_RATIO_CHANGE}, so that employees have them to consider the "
        "ratios: extend the offer first, then set the ratios."
    )


def _ratio_announcement(offer: Offer, stage: RatioStage, bands: Sequence[PriceBandTerms]) -> tuple[str, str]:
    """The announcement's title and body: each band's prices and its ratio, per award."""
    from soxp_portal.rules.eligibility import band_in_words
    from soxp_portal.rules.ratios import ratio_in_words
    from soxp_portal.rules.terms import AWARD_PLURALS

    word = "final" if stage is RatioStage.FINAL else "preliminary"
    title = f"The {word} exchange ratios are set"
    lines = []
    for award in dict.fromkeys(band.award_type for band in bands):
        lines.append(f"For {AWARD_PLURALS[award]}:")
        lines += [
            f"- exercise price {band_in_words(band)}: {ratio_in_words(band.new_shares, band.for_tendered)}"
            for band in bands
            if band.award_type is award
        ]
    deadline = format_instant(offer.expires_at, offer.zone)
    closing = (
        "These ratios are final: the exchange is made at them."
        if stage is RatioStage.FINAL
        else "These ratios are preliminary: they may still change, and you will be told if they do."
    )
    body = "\n".join(
        [
            f"The {word} exchange ratios, in new shares for tendered shares, rounded per grant:",
            *lines,
            "",
            closing,
            f"An election already made stays in force at these ratios unless you change it or withdraw it "
            f"before the deadline, {deadline}. If they change what your election gives, you are emailed "
            "your new figures.",
        ]
    )
    return title, body


def set_band_ratios(
    offer: Offer,
    inputs: ValuationInputs,
    *,
    stage: RatioStage,
    old_terms: Mapping[BandKey, Decimal] | None = None,
    expected: Mapping[BandKey, Decimal] | None = None,
    actor: User,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> RatioSetting:
    """Sets each price band's ratio to its proposal from value (``offers.ratios.ratio_proposals``,
    "1 new for X tendered") and the offer's ratio stage; returns the record kept of it.

    The one change of terms allowed while the offer is open: only the bands' ratios, only here. Making the
    ratios final, or changing them, is refused unless `BUSINESS_DAYS_AFTER_RATIO_CHANGE` business days
    remain (``ratio_change_refusal``); final ratios do not become preliminary again. `expected` is the X
    the administrator was shown for each band: a proposal that has moved since (the census changed) is
    refused, never saved unseen.

    In one transaction under the offer's lock: the band rows' ratios, the stage and ``ratios_set_at``, the
    record (``RatioSetting``: inputs, working, bands before and after), an announcement to employees, one
    ``RatioChangeEmail`` per employee whose election in force now gives other new shares (with their
    figures; withdrawn and non-participating employees get none), the census judged again, and the
    ``offer.ratios_set`` event. The emails are delivered by the task worker once it has committed.
    Elections stay in force: their ``TenderedGrant`` rows keep what was shown when they were made, and the
    close computes every grant's new shares from the ratios in force (``closing.planning``).
    """
    from soxp_portal.offers.ratios import (
        affected_elections,
        band_name,
        inputs_record,
        ratio_proposals,
        working_record,
    )
    from soxp_portal.rules.ratios import band_keys

    now = now or timezone.now()
    old_terms = dict(old_terms or {})
    with transaction.atomic():
        locked = Offer.objects.select_for_update(no_key=True).get(pk=offer.pk)
        _hold_ratios(locked, exclusive=True)  # submissions in flight commit first; new ones wait
        terms_before = offer_terms(locked)
        bands_before = terms_before.price_bands
        if not bands_before:
            raise OfferError(
                f"The offer {locked.name} has one flat ratio and no price bands: ratios from value are set "
                "per band. Add price bands to its terms before it opens."
            )
        if locked.closed_at is not None or locked.phase(now) in (OfferPhase.EXPIRED, OfferPhase.CLOSED):
            raise OfferError(ratio_change_refusal(locked, now) or "The offer is over.")
        stage_before = RatioStage(locked.ratio_stage)
        if stage_before is RatioStage.FINAL and stage is RatioStage.PRELIMINARY and locked.ratios_set_at:
            raise OfferError(
                "The ratios are final; they cannot become preliminary again. They may still change as final "
                "ratios, with the time left that a change needs."
            )
        proposals = ratio_proposals(locked, inputs, old_terms=old_terms, now=now)
        problems = [f"{band_name(p.key)}: {p.problem}" for p in proposals if p.problem]
        if problems:
            raise OfferError(" ".join(problems))
        proposed = {p.key: p.tendered_per_new for p in proposals}
        if expected is not None and dict(expected) != proposed:
            raise OfferError(
                "The proposal changed since it was shown (the census or the bands changed): nothing was "
                "saved. Look at the working again and save."
            )
        bands_after = tuple(
            dataclasses.replace(band, new_shares=Decimal(1), for_tendered=proposed[key])
            for key, band in zip(band_keys(bands_before), bands_before, strict=True)
        )
        ratios_change = bands_after != bands_before
        if not ratios_change and stage is stage_before and locked.ratios_set_at is not None:
            raise OfferError("The ratios and their stage are already so: nothing was changed.")
        if ratios_change or stage is RatioStage.FINAL:
            refusal = ratio_change_refusal(locked, now)
            if refusal:
                raise OfferError(refusal)
        for key, band in zip(band_keys(bands_after), bands_after, strict=True):
            PriceBand.objects.filter(offer=locked, award_type=key[0].value, position=key[1]).update(
                ratio_new=band.new_shares, ratio_tendered=band.for_tendered
            )
        locked.ratio_stage, locked.ratios_set_at = stage.value, now
        locked.save(update_fields=["ratio_stage", "ratios_set_at", "updated_at"])
        locked.refresh_from_db()
        terms_after = locked.terms
        title, body = _ratio_announcement(locked, stage, bands_after)
        notice = Announcement.objects.create(
            offer=locked, title=title, body=body, published_at=now, created_by=actor
        )
        setting = RatioSetting.objects.create(
            offer=locked,
            stage=stage.value,
            stage_before=stage_before.value,
            set_at=now,
            set_by=actor,
            inputs=inputs_record(inputs, old_terms),
            working=working_record(proposals),
            bands_before=[_band_record(band) for band in bands_before],
            bands_after=[_band_record(band) for band in bands_after],
            announcement=notice,
        )
        emailed: list[str] = []
        for batch in itertools.batched(
            affected_elections(locked, terms_before, terms_after), RATIO_EMAILS_BATCH
        ):
            RatioChangeEmail.objects.bulk_create(
                RatioChangeEmail(
                    setting=setting,
                    employee_id=item.employee_pk,
                    election_id=item.election_id,
                    figures=item.figures,
                    next_attempt_at=now,
                )
                for item in batch
            )
            emailed += (item.employee_id for item in batch)
        _judge_census(locked, now)  # the terms' digest moved with the ratios
        record(
            AuditEventType.OFFER_RATIOS_SET,
            actor=actor,
            at=now,
            subject=locked,
            data={
                "ratio_setting_id": setting.pk,
                "stage": {"before": stage_before.value, "after": stage.value},
                "price_bands": {"before": setting.bands_before, "after": setting.bands_after},
                "inputs": setting.inputs,
                "working": setting.working,
                "business_days_left": business_days_left(locked, now),
                "announcement_id": notice.pk,
                "employees_emailed": emailed,
            },
            channel=channel_of(request),
            request=request,
        )
    from soxp_portal.offers.ratio_emails import deliver_ratio_emails

    if emailed:
        transaction.on_commit(deliver_ratio_emails.enqueue, robust=True)
    return setting
