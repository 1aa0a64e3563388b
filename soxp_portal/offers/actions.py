"""Every change to elections goes through one function here (STYLE.md, "Side effects").

Each action reads the clock once (`now`), locks the employee's row so that two browser tabs, a double
click or a race with the deadline are settled one at a time, asks the rules whether the change is
allowed at `now`, writes the new version and its audit event in the same transaction, and hands the
confirmation email to the task queue once the transaction has committed. A refused attempt raises an
:class:`ElectionError` whose message is fit to show, and is itself audited.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from soxp_portal.accounts.models import User
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditEventType
from soxp_portal.offers.models import Election, Employee, Offer, TenderedGrant
from soxp_portal.offers.queries import current_election, employee_status
from soxp_portal.rules import window
from soxp_portal.rules.exchange import ElectionProblem, exchange_summary, validate_election
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
    now: datetime,
    request: HttpRequest | None,
) -> Election:
    received_at = received_at or now
    with transaction.atomic():
        employee = Employee.objects.select_for_update().get(pk=employee.pk)
        latest = current_election(offer, employee)
        if latest is not None and latest.submission_token == submission_token:
            return latest  # the same form posted twice (a double click): one version, not two
        _check_window(offer, received_at=received_at, now=now, channel=channel)
        if expected_version != (latest.version if latest else 0):
            raise StaleElection(
                "Your election changed after this page was loaded (in another tab or window, or by the stock "
                "administrator). Nothing was changed: review the election on record below and start again.",
                current=latest,
            )
        if not names_match(signature, employee):
            raise ElectionError(
                f"The signature must be your full name as the company records it: {employee.full_name}.",
                current=latest,
            )
        if kind == Election.Kind.WITHDRAWAL:
            if latest is None or not latest.is_participating:
                raise ElectionError(
                    "You have no election to withdraw: you are not taking part.", current=latest
                )
            lines_wanted: dict[str, tuple[int, int]] = {}
        else:
            status = employee_status(offer, employee, now=received_at)
            problems = validate_election(offer.terms, status.verdicts, status.outstanding, tendered)
            if problems:
                raise InvalidElection(problems, current=latest)
            summary = exchange_summary(offer.terms, tendered)
            lines_wanted = {line.grant_id: (line.tendered_shares, line.new_shares) for line in summary.lines}

        election = Election.objects.create(
            offer=offer,
            employee=employee,
            version=(latest.version if latest else 0) + 1,
            kind=kind,
            channel=channel,
            received_at=received_at,
            recorded_at=now,
            entered_by=actor,
            confirmation_number=new_confirmation_number(),
            signature=" ".join(signature.split()),
            submission_token=submission_token,
        )
        grants = {grant.grant_id: grant for grant in employee.grants.filter(grant_id__in=lines_wanted)}
        lines = TenderedGrant.objects.bulk_create(
            TenderedGrant(election=election, grant=grants[grant_id], shares_tendered=shares, new_shares=new)
            for grant_id, (shares, new) in lines_wanted.items()
        )
        if kind == Election.Kind.WITHDRAWAL:
            event = AuditEventType.ELECTION_WITHDRAWN
        elif latest is not None and latest.is_participating:
            event = AuditEventType.ELECTION_MODIFIED
        else:
            event = AuditEventType.ELECTION_SUBMITTED
        record(
            event,
            actor=actor,
            at=now,
            subject=election,
            employee=employee,
            offer=offer,
            on_behalf=channel != Election.Channel.WEB,
            channel=channel,
            data={
                "election": _snapshot(election, lines),
                "replaces": latest.confirmation_number if latest else None,
            },
            request=request,
        )
    from soxp_portal.offers.tasks import send_election_confirmation

    transaction.on_commit(lambda: send_election_confirmation.enqueue(election.pk))
    return election


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
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Election:
    """Submits or modifies an election: the grants tendered (grant id -> shares), whole grants only.

    `expected_version` is the version on record when the form was loaded (0 for none): a form that is
    out of date is refused, never silently applied. A new election replaces the last (slide 19).
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
        now=now,
        request=request,
    )
