"""Checks the rows the audit trail vouches for against what their events recorded.

The chain (``verify.py``) proves that no event was changed; it says nothing of the rows the events
are about. Someone with write access to the database could change an election's signature or a
tendered grant's new shares in place, and every page, export and regenerated PDF would show the
changed row under the original event's hash. So every row below is compared with its event:

============================ ============================================= ==========================
rows (table)                 event (subject)                               fields compared
============================ ============================================= ==========================
``offers_election``          ``election.submitted`` / ``.modified`` /      confirmation_number,
                             ``.withdrawn`` (the election)                 version, kind, channel,
                                                                           received_at, recorded_at,
                                                                           signature, takes_effect
                                                                           (``data.election``);
                                                                           offer_id, employee_id,
                                                                           entered_by_id (the event's
                                                                           offer, employee and actor)
``offers_tenderedgrant``     the same event (``data.election.tendered``)   per grant_id: shares_tendered,
                                                                           new_shares
``closing_tender``           ``tenders.accepted`` (the tender)             outcome, reason, election
                                                                           (confirmation number);
                                                                           decided_at (the event's time),
                                                                           offer_id, employee_id
                             ``termination.recorded``, or                  forfeited_on, forfeit_reason,
                             ``new_grants.created`` with ``forfeited``     forfeit_recorded_at (the
                             (the tender); none: not forfeited             event's time)
``closing_acceptedgrant``    ``tenders.accepted`` (``data.grants``)        per grant_id: shares,
                                                                           new_shares,
                                                                           performance_condition
``closing_promiseletter``    ``letters.issued`` (the tender)               sha256, pdf (the file's name),
                                                                           issued_at (the event's time),
                                                                           and the SHA-256 of the stored
                                                                           file itself
``closing_newgrant``         ``new_grants.created`` (``data.granted``)     per grant_id: shares, the grant
                                                                           it replaces, plan, option_type,
                                                                           grant_date, expiration_date,
                                                                           performance_condition;
                                                                           exercise_price, created_at
                                                                           (the event's time), employee_id
============================ ============================================= ==========================

Every difference is reported, not only the first: a field whose stored value is not the audited one
(with both values and the event), a row that no event records, a row an event records that is gone,
and a row or an event that cannot be read (``reading.py``).

**Older events** hold fewer fields: events written before the records check have no
``performance_condition`` in ``tenders.accepted``, no plan, option type, dates or condition in
``new_grants.created``'s ``granted``, no ``forfeited_on`` for a promise forfeited on the grant date,
and no ``forfeit_reason`` in ``termination.recorded``. Events are never changed (that is the point of
the chain), so an older event is checked on the fields it holds, and a field it does not hold is not
checked.

**Not compared**, on purpose: an election's ``submission_token`` (the form's token against double
posts: the trail never holds tokens) and a letter's ``emailed_at`` (set when the email leaves, which
no event records).

**Scale.** Elections and tenders are read in chunks of ``chunk_size`` in primary key order, each chunk
with its lines and all its events: three queries a chunk for elections (the elections, their
tendered grants, their events), three for tenders (the tenders with their letters, their accepted
and new grants, their events). The events whose row is gone are then found a chunk of events at a
time: three queries a chunk, and one more for a chunk that has any. So the number of queries grows
with the number of chunks, never with the number of rows, and memory holds one chunk. The letters'
PDF files are read from storage one at a time, to hash them.
"""

from __future__ import annotations

import enum
import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import SuspiciousFileOperation
from django.db import models
from django.db.models import F, Prefetch, Q
from django.db.models.fields.files import FieldFile

from soxp_portal.audit.chain import to_json_safe
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.audit.reading import Unreadable, chunks_safely, read_safely
from soxp_portal.audit.verify import DEFAULT_CHUNK_SIZE, event_unreadable_fields, unreadable_problem
from soxp_portal.closing.models import AcceptedGrant, NewGrant, PromiseLetter, Tender
from soxp_portal.offers.models import Election, TenderedGrant
from soxp_portal.rules.wording import join_in_words

ELECTION_EVENTS = (
    AuditEventType.ELECTION_SUBMITTED,
    AuditEventType.ELECTION_MODIFIED,
    AuditEventType.ELECTION_WITHDRAWN,
)
TENDER_EVENTS = (
    AuditEventType.TENDERS_ACCEPTED,
    AuditEventType.LETTERS_ISSUED,
    AuditEventType.NEW_GRANTS_CREATED,
    AuditEventType.NEW_GRANTS_PRICE_CORRECTED,
    AuditEventType.TERMINATION_RECORDED,
)
#: The fields of an election that its event's ``data.election`` holds under the same names.
ELECTION_SNAPSHOT_FIELDS = (
    "confirmation_number",
    "version",
    "kind",
    "channel",
    "received_at",
    "recorded_at",
    "signature",
    "takes_effect",
)
#: What each checked table is called in the report, singular and plural.
TABLE_NOUNS = {
    Election: ("election", "elections"),
    TenderedGrant: ("tendered grant", "tendered grants"),
    Tender: ("tender", "tenders"),
    AcceptedGrant: ("accepted grant", "accepted grants"),
    PromiseLetter: ("promise-to-grant letter", "promise-to-grant letters"),
    NewGrant: ("new grant", "new grants"),
}

_ABSENT: Any = object()
"""An event that does not hold a field (an older event): the field is not checked."""


class Problem(enum.StrEnum):
    CHANGED = "changed"
    UNAUDITED = "unaudited"
    MISSING = "missing"
    UNREADABLE_ROW = "unreadable row"
    UNREADABLE_EVENT = "unreadable event"


PROBLEM_WORDS = {
    Problem.CHANGED: "Differs",
    Problem.UNAUDITED: "No audit event",
    Problem.MISSING: "Row missing",
    Problem.UNREADABLE_ROW: "Row cannot be read",
    Problem.UNREADABLE_EVENT: "Event cannot be read",
}


@dataclass(frozen=True, slots=True)
class Difference:
    """One way a stored row disagrees with the audit trail.

    ``row`` names the row: "id 12 (ABCDE-FGHJK)", or without an id for a row that is gone.
    ``stored`` and ``audited`` are JSON texts of the two values (strings in quotes); ``sequence`` is
    the event's number, None for a row no event records.
    """

    problem: Problem
    table: str
    row: str
    field: str = ""
    stored: str = ""
    audited: str = ""
    sequence: int | None = None

    @property
    def problem_in_words(self) -> str:
        return PROBLEM_WORDS[self.problem]

    def __str__(self) -> str:
        where = f"{self.table} {self.row}"
        event = f"event #{self.sequence}"
        match self.problem:
            case Problem.CHANGED:
                return f"{where}: {self.field} is {self.stored}, but {event} recorded {self.audited}"
            case Problem.UNAUDITED if self.sequence is None:
                return f"{where}: no audit event records this row"
            case Problem.UNAUDITED:
                return f"{where}: {event} does not record this row"
            case Problem.MISSING:
                return f"{where}: the row is missing, but {event} recorded it: {self.audited}"
            case Problem.UNREADABLE_ROW:
                return f"{where}: the row cannot be read ({self.field})"
            case _:
                return f"{where} is not checked against {event}: {self.field}"


@dataclass(frozen=True, slots=True)
class RecordsReport:
    """What was checked (rows read, per table) and every difference found."""

    checked: tuple[tuple[type[models.Model], int], ...]
    differences: tuple[Difference, ...]

    @property
    def consistent(self) -> bool:
        return not self.differences

    @property
    def rows_checked(self) -> int:
        return sum(count for _, count in self.checked)

    @property
    def checked_in_words(self) -> str:
        """ "3 elections, 7 tendered grants, 1 tender, ..." """
        parts = []
        for model, count in self.checked:
            singular, plural = TABLE_NOUNS[model]
            parts.append(f"{count:,} {singular if count == 1 else plural}")
        return join_in_words(parts)


@dataclass(frozen=True, slots=True)
class _UnreadableEvent:
    sequence: int
    subject_id: str
    problem: str


type _EventOrUnreadable = AuditEvent | _UnreadableEvent


def verify_records(*, chunk_size: int = DEFAULT_CHUNK_SIZE) -> RecordsReport:
    """Compares every election, tendered grant, tender, accepted grant, letter and new grant with
    the events that recorded it (the module's docstring has the table), and finds the events whose
    row is gone."""
    check = _Check()
    for elections in chunks_safely(_elections(), chunk_size=chunk_size):
        events = _events_about(Election, ELECTION_EVENTS, elections)
        for election in elections:
            if isinstance(election, Unreadable):
                check.unreadable_row(election)
            else:
                _check_election(check, election, str(election.pk), events.get(str(election.pk), []))
    for tenders in chunks_safely(_tenders(), chunk_size=chunk_size):
        events = _events_about(Tender, TENDER_EVENTS, tenders)
        for tender in tenders:
            if isinstance(tender, Unreadable):
                check.unreadable_row(tender)
            else:
                _check_tender(check, tender, str(tender.pk), events.get(str(tender.pk), []))
    _check_rows_gone(check, chunk_size)
    return check.report()


def _elections() -> models.QuerySet[Election]:
    return Election.objects.prefetch_related(Prefetch("tendered_grants", queryset=_lines(TenderedGrant)))


def _tenders() -> models.QuerySet[Tender]:
    """The tenders with their letters, accepted grants and new grants. Only the text that names them
    is read of the employee, the election, the census grant and the plan (annotations, not joins of
    whole rows), so a garbled census row does not stop the close's own rows from being checked."""
    lines = _lines(AcceptedGrant).annotate(plan_name=F("new_grant__plan__name")).select_related("new_grant")
    return (
        Tender.objects.annotate(
            employee_number=F("employee__employee_id"), election_number=F("election__confirmation_number")
        )
        .select_related("letter")
        .prefetch_related(Prefetch("accepted_grants", queryset=lines))
    )


def _lines[M: models.Model](model: type[M]) -> models.QuerySet[M]:
    """Grant lines with their grant's id as ``grant_code``."""
    return model._default_manager.annotate(grant_code=F("grant__grant_id")).order_by("pk")


# Comparing --------------------------------------------------------------------------------------


def shown(value: Any) -> str:
    """A value as the report shows it: JSON, as the event holds it (text in quotes, null for none), its
    keys sorted: PostgreSQL's jsonb does not keep the order they were written in."""
    try:
        safe = to_json_safe(value)
    except (TypeError, ValueError):
        return repr(value)
    return json.dumps(safe, ensure_ascii=False, sort_keys=True)


def same(stored: Any, audited: Any) -> bool:
    """Whether a stored value is the audited one, compared as the event wrote it (``to_json_safe``).

    Decimals are compared as numbers: the database gives a price back with all its places
    ("1.2300") while the event holds it as it was entered ("1.23").
    """
    if isinstance(stored, Decimal) and isinstance(audited, str):
        try:
            return Decimal(audited) == stored
        except InvalidOperation:
            return False
    try:
        return to_json_safe(stored) == to_json_safe(audited)
    except (TypeError, ValueError):
        return False


class _Check:
    """Collects the differences and counts the rows read."""

    def __init__(self) -> None:
        self.differences: list[Difference] = []
        self.counts: Counter[type[models.Model]] = Counter()

    def report(self) -> RecordsReport:
        checked = tuple((model, self.counts[model]) for model in TABLE_NOUNS)
        return RecordsReport(checked=checked, differences=tuple(self.differences))

    def add(self, problem: Problem, model: type[models.Model], row: str, **details: Any) -> None:
        self.differences.append(Difference(problem, model._meta.db_table, row, **details))

    def compare(
        self,
        model: type[models.Model],
        row: str,
        field: str,
        stored: Any,
        audited: Any,
        sequence: int,
        *,
        stored_in_words: str | None = None,
    ) -> None:
        if audited is _ABSENT or same(stored, audited):
            return
        self.add(
            Problem.CHANGED,
            model,
            row,
            field=field,
            stored=stored_in_words or shown(stored),
            audited=shown(audited),
            sequence=sequence,
        )

    def unreadable_row(self, row: Unreadable) -> None:
        fields = join_in_words(list(row.fields)) or "a row checked with it cannot be read"
        self.add(Problem.UNREADABLE_ROW, row.model, f"id {row.pk}", field=fields)

    def readable(
        self, events: Iterable[_EventOrUnreadable], model: type[models.Model], row: str
    ) -> list[AuditEvent]:
        """The events that can be read; each one that cannot is reported against `row`."""
        readable = []
        for event in events:
            if isinstance(event, _UnreadableEvent):
                self.add(Problem.UNREADABLE_EVENT, model, row, field=event.problem, sequence=event.sequence)
            else:
                readable.append(event)
        return readable


@dataclass(frozen=True, slots=True)
class _Field:
    """One field of a line compared with its entry in the event: the stored column's name, how to
    read it from the line, and the entry's key that holds the audited value."""

    name: str
    stored: Callable[[Any], Any]
    key: str


def _entry_field(name: str) -> _Field:
    """A field the line and the event's entry hold under the same name."""
    return _Field(name, lambda line: getattr(line, name), name)


def _check_lines(
    check: _Check,
    model: type[models.Model],
    stored: Mapping[str, tuple[str, Any]],
    audited: Any,
    fields: Sequence[_Field],
    sequence: int,
    missing_row: Callable[[str], str],
) -> None:
    """Compares the lines of one event (grants, by grant id) with the stored rows, both ways.

    `stored` maps each grant id to the row's name and the row; `audited` is the event's list of
    entries. An event that holds no such list (an older one) checks nothing.
    """
    if not isinstance(audited, list):
        return
    entries = {str(entry.get("grant_id")): entry for entry in audited if isinstance(entry, Mapping)}
    for key, (row, line) in stored.items():
        entry = entries.get(key)
        if entry is None:
            check.add(Problem.UNAUDITED, model, row, sequence=sequence)
            continue
        for field in fields:
            audited_value = entry.get(field.key, _ABSENT)
            check.compare(model, row, field.name, field.stored(line), audited_value, sequence)
    for key, entry in entries.items():
        if key not in stored:
            check.add(Problem.MISSING, model, missing_row(key), audited=shown(entry), sequence=sequence)


def _data(event: AuditEvent, key: str | None = None) -> Mapping[str, Any]:
    """The event's data (or one object in it) as a mapping; empty where the event holds none."""
    data = event.data if isinstance(event.data, Mapping) else {}
    if key is None:
        return data
    inner = data.get(key)
    return inner if isinstance(inner, Mapping) else {}


# Elections and their tendered grants ------------------------------------------------------------

_TENDERED_FIELDS = (_entry_field("shares_tendered"), _entry_field("new_shares"))


def _check_election(
    check: _Check, election: Election | None, subject_id: str, events: Sequence[_EventOrUnreadable]
) -> None:
    """One election (None: gone) against its event, and its tendered grants against the event's."""
    readable = [event for event in events if isinstance(event, AuditEvent)]
    if election is None:
        number = next((_data(e, "election").get("confirmation_number") for e in readable), None)
        row = f"id {subject_id}" + (f" ({number})" if number else "")
    else:
        row = f"id {election.pk} ({election.confirmation_number})"
        check.counts[Election] += 1
    readable = check.readable(events, Election, row)
    confirmation = election.confirmation_number if election else "?"
    lines = {
        line.grant_code: (f"id {line.pk} (election {confirmation}, grant {line.grant_code})", line)
        for line in (election.tendered_grants.all() if election else ())
    }
    check.counts[TenderedGrant] += len(lines)
    if election is not None and not events:
        check.add(Problem.UNAUDITED, Election, row)
        for line_row, _ in lines.values():
            check.add(Problem.UNAUDITED, TenderedGrant, line_row)
        return
    for event in readable:
        snapshot = _data(event, "election")
        if election is None:
            summary = {name: snapshot.get(name) for name in ELECTION_SNAPSHOT_FIELDS}
            check.add(Problem.MISSING, Election, row, audited=shown(summary), sequence=event.sequence)
            confirmation = str(snapshot.get("confirmation_number", "?"))
        else:
            _compare_election(check, election, row, event, snapshot)
        _check_lines(
            check,
            TenderedGrant,
            lines,
            snapshot.get("tendered"),
            _TENDERED_FIELDS,
            event.sequence,
            lambda grant_id, number=confirmation: f"(election {number}, grant {grant_id})",
        )


def _compare_election(
    check: _Check, election: Election, row: str, event: AuditEvent, snapshot: Mapping[str, Any]
) -> None:
    def compare(field: str, stored: Any, audited: Any) -> None:
        check.compare(Election, row, field, stored, audited, event.sequence)

    compare("offer_id", election.offer_id, event.offer_id)
    compare("employee_id", election.employee_id, event.employee_id)
    compare("entered_by_id", election.entered_by_id, event.actor_id)
    for name in ELECTION_SNAPSHOT_FIELDS:
        compare(name, getattr(election, name), snapshot.get(name, _ABSENT))


# Tenders, their accepted grants, letters and new grants ------------------------------------------

_ACCEPTED_FIELDS = (
    _entry_field("shares"),
    _entry_field("new_shares"),
    _entry_field("performance_condition"),
)


def _check_tender(
    check: _Check, tender: Tender | None, subject_id: str, events: Sequence[_EventOrUnreadable]
) -> None:
    """One tender (None: gone) against the events of the close that are about it."""
    readable = [event for event in events if isinstance(event, AuditEvent)]
    employee = tender.employee_number if tender else next((e.employee_number for e in readable), "")
    row = f"id {subject_id}" + (f" ({employee})" if employee else "")
    readable = check.readable(events, Tender, row)
    by_type: dict[str, list[AuditEvent]] = defaultdict(list)
    for event in readable:
        by_type[event.event_type].append(event)
    lines = list(tender.accepted_grants.all()) if tender else []
    if tender is not None:
        check.counts[Tender] += 1
        check.counts[AcceptedGrant] += len(lines)
    if tender is not None and not any(
        isinstance(event, _UnreadableEvent) or event.event_type == AuditEventType.TENDERS_ACCEPTED
        for event in events
    ):
        check.add(Problem.UNAUDITED, Tender, row)
        for line in lines:
            check.add(Problem.UNAUDITED, AcceptedGrant, _accepted_row(line, employee))
    else:
        _check_acceptance(check, tender, row, employee, lines, by_type[AuditEventType.TENDERS_ACCEPTED])
    if tender is not None:
        _check_forfeiture(check, tender, row, by_type)
    _check_letter(check, tender, employee, by_type[AuditEventType.LETTERS_ISSUED], events)
    _check_new_grants(
        check,
        lines,
        by_type[AuditEventType.NEW_GRANTS_CREATED],
        events,
        corrections=by_type[AuditEventType.NEW_GRANTS_PRICE_CORRECTED],
    )


def _accepted_row(line: AcceptedGrant, employee: str) -> str:
    return f"id {line.pk} (grant {line.grant_code} of {employee})"


def _check_acceptance(
    check: _Check,
    tender: Tender | None,
    row: str,
    employee: str,
    lines: Sequence[AcceptedGrant],
    events: Sequence[AuditEvent],
) -> None:
    stored = {line.grant_code: (_accepted_row(line, employee), line) for line in lines}
    for event in events:
        data = _data(event)
        if tender is None:
            summary = {name: data.get(name) for name in ("outcome", "reason", "election")}
            check.add(Problem.MISSING, Tender, row, audited=shown(summary), sequence=event.sequence)
        else:

            def compare(field: str, stored: Any, audited: Any, sequence: int = event.sequence) -> None:
                check.compare(Tender, row, field, stored, audited, sequence)

            compare("outcome", tender.outcome, data.get("outcome", _ABSENT))
            compare("reason", tender.reason, data.get("reason", _ABSENT))
            compare("election_id", tender.election_number, data.get("election", _ABSENT))
            compare("decided_at", tender.decided_at, event.at)
            compare("offer_id", tender.offer_id, event.offer_id)
            compare("employee_id", tender.employee_id, event.employee_id)
        _check_lines(
            check,
            AcceptedGrant,
            stored,
            data.get("grants"),
            _ACCEPTED_FIELDS,
            event.sequence,
            lambda grant_id: f"(grant {grant_id} of {employee})",
        )


def _check_forfeiture(
    check: _Check, tender: Tender, row: str, by_type: Mapping[str, Sequence[AuditEvent]]
) -> None:
    """The last event that forfeited the promise says when and why; with none, it stands."""
    forfeits = [
        *by_type.get(AuditEventType.TERMINATION_RECORDED, ()),
        *(
            event
            for event in by_type.get(AuditEventType.NEW_GRANTS_CREATED, ())
            if "forfeited" in _data(event)
        ),
    ]
    if forfeits:
        last = max(forfeits, key=lambda event: event.sequence)
        data = _data(last)
        is_termination = last.event_type == AuditEventType.TERMINATION_RECORDED
        if is_termination and data.get("termination_date", _ABSENT) is None:
            audited = (None, "", None)  # a termination recorded in error, withdrawn: the promise stands
        elif is_termination:
            audited = (data.get("termination_date", _ABSENT), data.get("forfeit_reason", _ABSENT), last.at)
        else:
            audited = (data.get("forfeited_on", _ABSENT), data.get("forfeited", _ABSENT), last.at)
        sequence = last.sequence
    elif accepted := by_type.get(AuditEventType.TENDERS_ACCEPTED):
        audited, sequence = (None, "", None), accepted[0].sequence
    else:
        return
    stored = (tender.forfeited_on, tender.forfeit_reason, tender.forfeit_recorded_at)
    for name, value, recorded in zip(
        ("forfeited_on", "forfeit_reason", "forfeit_recorded_at"), stored, audited, strict=True
    ):
        check.compare(Tender, row, name, value, recorded, sequence)


def _check_letter(
    check: _Check,
    tender: Tender | None,
    employee: str,
    events: Sequence[AuditEvent],
    all_events: Sequence[_EventOrUnreadable],
) -> None:
    letter: PromiseLetter | None = getattr(tender, "letter", None) if tender else None
    if letter is not None:
        check.counts[PromiseLetter] += 1
        row = f"id {letter.pk} (letter of {employee})"
        if not events and not any(isinstance(event, _UnreadableEvent) for event in all_events):
            check.add(Problem.UNAUDITED, PromiseLetter, row)
    for event in events:
        data = _data(event)
        if letter is None:
            summary = {"sha256": data.get("sha256"), "file": data.get("file")}
            missing = f"(letter of {employee})"
            check.add(
                Problem.MISSING, PromiseLetter, missing, audited=shown(summary), sequence=event.sequence
            )
            continue
        audited_sha256 = data.get("sha256", _ABSENT)
        check.compare(PromiseLetter, row, "sha256", letter.sha256, audited_sha256, event.sequence)
        check.compare(PromiseLetter, row, "pdf", letter.pdf.name, data.get("file", _ABSENT), event.sequence)
        check.compare(PromiseLetter, row, "issued_at", letter.issued_at, event.at, event.sequence)
        if audited_sha256 is not _ABSENT:
            digest = file_sha256(letter.pdf)
            check.compare(
                PromiseLetter,
                row,
                "pdf (SHA-256 of the stored file)",
                digest,
                audited_sha256,
                event.sequence,
                stored_in_words=None if digest else "(no file can be read)",
            )


def file_sha256(stored: FieldFile) -> str | None:
    """The SHA-256 of a stored file, read in chunks; None when there is no file to read."""
    digest = hashlib.sha256()
    try:
        with stored.open("rb") as content:
            for chunk in content.chunks():
                digest.update(chunk)
    except (OSError, ValueError, SuspiciousFileOperation):
        return None
    return digest.hexdigest()


#: A new grant's fields, read from (the new grant, its accepted grant), and their keys in the event's
#: entry for it; ``_check_new_grants`` adds the event's own exercise price, time and employee to it.
_NEW_GRANT_FIELDS = (
    _Field("shares", lambda pair: pair[0].shares, "shares"),
    _Field("accepted_grant_id (the grant it replaces)", lambda pair: pair[1].grant_code, "replaces"),
    _Field("plan_id", lambda pair: pair[1].plan_name, "plan"),
    *(
        _Field(name, lambda pair, name=name: getattr(pair[0], name), name)
        for name in ("option_type", "grant_date", "expiration_date", "performance_condition")
    ),
    _Field("exercise_price", lambda pair: pair[0].exercise_price, "exercise_price"),
    _Field("created_at", lambda pair: pair[0].created_at, "created_at"),
    _Field("employee_id", lambda pair: pair[0].employee_id, "employee_id"),
)


def _check_new_grants(
    check: _Check,
    lines: Sequence[AcceptedGrant],
    events: Sequence[AuditEvent],
    all_events: Sequence[_EventOrUnreadable],
    *,
    corrections: Sequence[AuditEvent] = (),
) -> None:
    """Each new grant against the event that created it; its exercise price against the last
    ``new_grants.price_corrected`` event after that one, if the price was corrected since."""
    granted = [(line.new_grant, line) for line in lines if getattr(line, "new_grant", None) is not None]
    stored = {new.grant_id: (f"id {new.pk} ({new.grant_id})", (new, line)) for new, line in granted}
    check.counts[NewGrant] += len(stored)
    listing = [event for event in events if isinstance(_data(event).get("granted"), list)]
    if not listing and not any(isinstance(event, _UnreadableEvent) for event in all_events):
        for row, _ in stored.values():
            check.add(Problem.UNAUDITED, NewGrant, row)
        return
    for event in listing:
        data = _data(event)
        shared = {"created_at": event.at, "employee_id": event.employee_id}
        if "exercise_price" in data:
            shared["exercise_price"] = data["exercise_price"]
        sequence = event.sequence
        later = [fix for fix in corrections if fix.sequence > event.sequence]
        price = _data(later[-1]).get("exercise_price") if later else None
        if isinstance(price, Mapping) and "after" in price:
            shared["exercise_price"], sequence = price["after"], later[-1].sequence
        entries = [{**entry, **shared} for entry in data["granted"] if isinstance(entry, Mapping)]
        _check_lines(check, NewGrant, stored, entries, _NEW_GRANT_FIELDS, sequence, lambda key: f"({key})")


# Reading the events ------------------------------------------------------------------------------


def _events_about(
    model: type[models.Model], event_types: Sequence[str], rows: Sequence[Any]
) -> dict[str, list[_EventOrUnreadable]]:
    """The events of these types about these rows, in sequence order, by subject id: one query."""
    keys = [str(row.pk) for row in rows]
    events = AuditEvent.objects.filter(
        subject_type=model._meta.label, subject_id__in=keys, event_type__in=event_types
    ).order_by("sequence")
    by_subject: dict[str, list[_EventOrUnreadable]] = defaultdict(list)
    for event in _readable_events(events):
        by_subject[event.subject_id].append(event)
    return by_subject


def _readable_events(events: models.QuerySet[AuditEvent]) -> list[_EventOrUnreadable]:
    """The events, with each that cannot be read (``reading.py``) as an ``_UnreadableEvent``."""
    found: list[_EventOrUnreadable] = []
    for event in read_safely(events):
        if isinstance(event, Unreadable):
            sequence, subject_id = (
                AuditEvent.objects.filter(pk=event.pk).values_list("sequence", "subject_id").get()
            )
            found.append(_UnreadableEvent(sequence, subject_id, unreadable_problem(event.fields)))
        elif fields := event_unreadable_fields(event):
            found.append(_UnreadableEvent(event.sequence, event.subject_id, unreadable_problem(fields)))
        else:
            found.append(event)
    return found


def _check_rows_gone(check: _Check, chunk_size: int) -> None:
    """The events whose election or tender no longer exists: what they recorded is missing."""
    about_rows = AuditEvent.objects.filter(
        Q(subject_type=Election._meta.label, event_type__in=ELECTION_EVENTS)
        | Q(subject_type=Tender._meta.label, event_type__in=TENDER_EVENTS)
    )
    after = 0
    while True:
        refs = list(
            about_rows.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "subject_type", "subject_id")[:chunk_size]
        )
        if not refs:
            return
        for model, event_keys in _events_of_rows_gone(refs).items():
            events = _readable_events(AuditEvent.objects.filter(pk__in=event_keys).order_by("sequence"))
            by_subject: dict[str, list[_EventOrUnreadable]] = defaultdict(list)
            for event in events:
                by_subject[event.subject_id].append(event)
            for subject_id, about in by_subject.items():
                if model is Election:
                    _check_election(check, None, subject_id, about)
                else:
                    _check_tender(check, None, subject_id, about)
        if len(refs) < chunk_size:
            return
        after = refs[-1][0]


def _events_of_rows_gone(refs: Sequence[tuple[int, str, str]]) -> dict[type[models.Model], list[int]]:
    """Of these (event, subject type, subject id), the events whose row does not exist, by model: one
    query per model. A subject id that is not the text of a row's id names no row."""
    gone: dict[type[models.Model], list[int]] = {}
    for model in (Election, Tender):
        about = [
            (pk, subject_id) for pk, subject_type, subject_id in refs if subject_type == model._meta.label
        ]
        ids = {int(subject_id) for _, subject_id in about if _is_row_id(subject_id)}
        rows = model._base_manager.filter(pk__in=ids).order_by()
        existing = {str(pk) for pk in rows.values_list("pk", flat=True)}
        missing = [pk for pk, subject_id in about if subject_id not in existing]
        if missing:
            gone[model] = missing
    return gone


def _is_row_id(text: str) -> bool:
    return text.isascii() and text.isdigit() and str(int(text)) == text
