"""The auditor's read side: filtered events, an employee's election timeline, events near a deadline.

Everything here reads; nothing writes (the export's own audit event is written by the view that
streams it). Querysets come with their actor, employee and offer joined, so a page of 50 events
costs the same number of queries as a page of 5.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q, QuerySet

from soxp_portal.audit.chain import JSONValue, utc_iso
from soxp_portal.audit.models import REFUSAL_EVENT_TYPES, AuditEvent
from soxp_portal.offers.models import Election, Employee, Offer

DEFAULT_DEADLINE_WINDOW = timedelta(hours=1)
#: The event-type filter's value for every kind of refusal at once (``REFUSAL_EVENT_TYPES``).
ANY_REFUSAL = "refusals"
EXPORT_CHUNK_SIZE = 2000

EXPORT_COLUMNS = (
    "sequence",
    "at_utc",
    "recorded_at_utc",
    "event_type",
    "actor_email",
    "employee_number",
    "offer",
    "on_behalf",
    "channel",
    "ip_address",
    "user_agent",
    "request_id",
    "subject_type",
    "subject_id",
    "data",
    "previous_hash",
    "hash",
)


@dataclass(frozen=True, slots=True)
class EventFilters:
    """What the auditor narrowed the trail to. Empty values mean "any".

    ``channel`` is None for any channel and ``""`` for events with no channel (sign-in events of
    other systems, census imports). ``event_type`` is one dotted type, or ``ANY_REFUSAL`` for every
    kind of refusal. ``since`` is inclusive and ``until`` exclusive, both UTC.
    """

    employee_id: str = ""
    event_type: str = ""
    channel: str | None = None
    since: datetime | None = None
    until: datetime | None = None

    def as_data(self) -> dict[str, JSONValue]:
        """The filters as recorded in the export's audit event: only those that were set."""
        values = {
            "employee_id": self.employee_id or None,
            "event_type": self.event_type or None,
            "channel": self.channel,
            "since": utc_iso(self.since) if self.since else None,
            "until": utc_iso(self.until) if self.until else None,
        }
        return {key: value for key, value in values.items() if value is not None}


def events(filters: EventFilters | None = None) -> QuerySet[AuditEvent]:
    """The trail in chain order (ascending sequence), narrowed by ``filters``.

    An employee matches by the census id recorded on the event at the time *or* by the employee's
    current census id, so a person's events are found even if their id changed later.
    """
    queryset = AuditEvent.objects.select_related("actor", "employee", "offer").order_by("sequence")
    if filters is None:
        return queryset
    if filters.employee_id:
        queryset = queryset.filter(
            Q(employee_number=filters.employee_id) | Q(employee__employee_id=filters.employee_id)
        )
    if filters.event_type == ANY_REFUSAL:
        queryset = queryset.filter(event_type__in=sorted(REFUSAL_EVENT_TYPES))
    elif filters.event_type:
        queryset = queryset.filter(event_type=filters.event_type)
    if filters.channel is not None:
        queryset = queryset.filter(channel=filters.channel)
    if filters.since is not None:
        queryset = queryset.filter(at__gte=filters.since)
    if filters.until is not None:
        queryset = queryset.filter(at__lt=filters.until)
    return queryset


def events_near_deadline(
    offer: Offer, *, window: timedelta = DEFAULT_DEADLINE_WINDOW
) -> QuerySet[AuditEvent]:
    """The offer's events from ``window`` before its deadline (inclusive) onwards, late ones included.

    The deadline is the one in force (``expires_at``, after any extension).
    """
    return events().filter(offer=offer, at__gte=offer.expires_at - window)


@dataclass(frozen=True, slots=True)
class DeadlineDistance:
    """How far an instant is from a deadline. At the deadline itself counts as after: an election
    counts only if received *before* the deadline."""

    delta: timedelta  # instant - deadline

    @property
    def is_late(self) -> bool:
        return self.delta >= timedelta(0)

    def __str__(self) -> str:
        side = "after" if self.is_late else "before"
        return f"{duration_text(abs(self.delta))} {side} the deadline"


def deadline_distance(instant: datetime, deadline: datetime) -> DeadlineDistance:
    return DeadlineDistance(instant - deadline)


def duration_text(delta: timedelta) -> str:
    """ "2 days 3 h 4 min 5 s": in whole seconds like the times beside it, with the zero parts left out.

    The fraction of a second is dropped, never rounded up; a distance under one second reads "less
    than 1 s", so an election a fraction of a second before the deadline does not read "0 s" before it.
    """
    seconds_total = abs(delta) // timedelta(seconds=1)
    if seconds_total == 0 and delta:
        return "less than 1 s"
    days, rest = divmod(seconds_total, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{days} day{'' if days == 1 else 's'}"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes:
        parts.append(f"{minutes} min")
    if seconds or not parts:
        parts.append(f"{seconds} s")
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One election version, how far it was received from the deadline, and the event that recorded it."""

    election: Election
    is_in_force: bool
    distance: DeadlineDistance
    event: AuditEvent | None

    @property
    def offer(self) -> Offer:
        return self.election.offer


def election_timeline(employee: Employee) -> list[TimelineEntry]:
    """Every election version of the employee in every offer, oldest offer and version first.

    Three queries whatever the number of versions: the elections with their offers, their tendered
    grants, and the audit events whose subject they are.
    """
    elections = list(
        Election.objects.filter(employee=employee)
        .select_related("offer", "entered_by")
        .prefetch_related("tendered_grants__grant")
        .order_by("offer__opens_at", "offer_id", "version")
    )
    recorded = {
        event.subject_id: event
        for event in AuditEvent.objects.filter(
            subject_type=Election._meta.label, subject_id__in=[str(election.pk) for election in elections]
        ).order_by("sequence")
    }
    # Oldest version first, so the last one per offer that took effect is the one in force.
    in_force = {election.offer_id: election.pk for election in elections if election.takes_effect}
    return [
        TimelineEntry(
            election=election,
            is_in_force=in_force.get(election.offer_id) == election.pk,
            distance=deadline_distance(election.received_at, election.offer.expires_at),
            event=recorded.get(str(election.pk)),
        )
        for election in elections
    ]


def export_rows(queryset: QuerySet[AuditEvent]) -> Iterator[tuple[object, ...]]:
    """One row per event, in constant memory (the events are streamed in chunks).

    The actor, employee and offer are given by their text snapshots (email, census id, slug), not
    their database ids, so the file is for reading and matching hashes, not for recomputing them:
    the chain page (or ``manage.py verify_audit``) verifies the hashes.
    """
    for event in queryset.iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield (
            event.sequence,
            utc_iso(event.at),
            utc_iso(event.recorded_at),
            event.event_type,
            event.actor_email,
            event.employee_number,
            event.offer.slug if event.offer else "",
            "true" if event.on_behalf else "false",
            event.channel,
            event.ip_address or "",
            event.user_agent,
            event.request_id,
            event.subject_type,
            event.subject_id,
            json.dumps(event.data, sort_keys=True, separators=(",", ":"), ensure_ascii=False),
            event.previous_hash,
            event.hash,
        )
