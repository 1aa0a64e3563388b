"""The auditor's pages: the trail filtered and exported, one event, an employee's timeline, the events
near an offer's deadline, and the chain's status. Read-only, for the auditor role (superusers pass;
stock administrators do not unless they are auditors too).

Times: each page shows every time in one zone, named in its column headers and beside each time, to
the second. By default that is the offer's time zone, in which the deadline was announced (a page
about one offer uses that offer's; the others use the zone every offer shares, or UTC if they differ);
``?tz=utc`` shows the same page in UTC, as the trail stores it, and a link on the page switches. The
events page reads its From and To filters in the zone it shows, and the switch keeps the same instants.

Exports: the Download CSV button of the events page or the deadline report POSTs (with its CSRF
token) to ``events.csv`` or ``deadline.csv`` with the page's own query string, and downloads the same
filtered view. A download is a POST because it writes to the trail: a GET that did would let any link
or image on another site add events in the auditor's name. The download is itself an audit event
(``export.downloaded``, with the filters), written *before* the file is streamed. The file then
states the chain's last link at that moment, which is the export's own event: its last two rows are
``# chain_last_sequence,<n>`` and ``# chain_last_hash,<hash>``, and it lists the matching events up
to and including event #n, so events written while it streams do not appear. A cut-off download has
no such rows.
"""

from __future__ import annotations

import csv
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from soxp_portal.accounts.roles import Role, role_required
from soxp_portal.audit import queries
from soxp_portal.audit.chain import GENESIS_HASH, JSONValue, event_hash
from soxp_portal.audit.log import record
from soxp_portal.audit.models import AuditChannel, AuditEvent, AuditEventType
from soxp_portal.audit.reading import Unreadable, read_safely
from soxp_portal.audit.records import verify_records
from soxp_portal.audit.verify import event_unreadable_fields, unreadable_problem, verify_chain
from soxp_portal.console.fields import BoundedDateTimeField
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.offers.reports import neutralise

auditor_required = role_required(Role.AUDITOR)

PAGE_SIZE = 50
#: The chain page lists this many of the records' differences; ``manage.py verify_audit`` lists all.
MAX_SHOWN_DIFFERENCES = 500
NO_CHANNEL = "none"
MAX_WINDOW_MINUTES = 7 * 24 * 60
DEFAULT_WINDOW_MINUTES = int(queries.DEFAULT_DEADLINE_WINDOW.total_seconds() // 60)


#: The query parameter and value that show an audit page in UTC rather than the offer's time zone.
ZONE_PARAMETER, UTC_VALUE = "tz", "utc"
UTC_NAME = "UTC"


@dataclass(frozen=True)
class ShownZone:
    """The one time zone an audit page shows its times in, and the other one it can switch to."""

    #: "America/Los_Angeles" or "UTC": the zone of every time on the page.
    name: str
    #: The zone the page shows without ``?tz=utc``; "UTC" when there is no single offer's zone.
    offer_zone: str

    @property
    def is_utc(self) -> bool:
        return self.name == UTC_NAME

    @property
    def can_switch(self) -> bool:
        return self.offer_zone != UTC_NAME

    @property
    def other(self) -> str:
        """The zone the page's switch shows."""
        return self.offer_zone if self.is_utc else UTC_NAME

    @property
    def query(self) -> str:
        """What links to the other audit pages add to keep this zone: "tz=utc", or nothing."""
        return f"{ZONE_PARAMETER}={UTC_VALUE}" if self.is_utc and self.can_switch else ""


def shown_zone(request: HttpRequest, offer_zones: Iterable[str]) -> ShownZone:
    """UTC when asked (``?tz=utc``); otherwise the zone the offers share, or UTC if they differ."""
    zones = set(offer_zones)
    offer_zone = zones.pop() if len(zones) == 1 else UTC_NAME
    asks_utc = request.GET.get(ZONE_PARAMETER) == UTC_VALUE
    return ShownZone(name=UTC_NAME if asks_utc else offer_zone, offer_zone=offer_zone)


def _offer_zones() -> Iterable[str]:
    return Offer.objects.order_by().values_list("time_zone", flat=True).distinct()


def switch_url(request: HttpRequest, zone: ShownZone, instants: dict[str, datetime | None]) -> str:
    """This page in the other zone, the same filters kept: `instants` (From and To) re-expressed in it."""
    query = request.GET.copy()
    if zone.is_utc:
        query.pop(ZONE_PARAMETER, None)
    else:
        query[ZONE_PARAMETER] = UTC_VALUE
    for name, instant in instants.items():
        if instant is not None:
            query[name] = instant.astimezone(ZoneInfo(zone.other)).replace(tzinfo=None).isoformat()
    return f"{request.path}?{query.urlencode()}" if query else request.path


class ZonedDateTimeField(BoundedDateTimeField):
    """Read and shown in the page's zone (set by the form), whatever time zone is active, as its label says.

    A wall-clock time that does not exist in that zone or happens twice (when daylight saving time
    starts or ends) is refused rather than guessed; in UTC every time exists once.
    """

    widget = forms.DateTimeInput(attrs={"type": "datetime-local", "step": "1"}, format="%Y-%m-%dT%H:%M:%S")
    zone = ZoneInfo(UTC_NAME)

    def to_python(self, value: Any) -> datetime | None:
        with timezone.override(self.zone):
            return super().to_python(value)

    def prepare_value(self, value: Any) -> Any:
        with timezone.override(self.zone):
            return super().prepare_value(value)


class EventFilterForm(forms.Form):
    employee = forms.CharField(
        label="Employee ID", required=False, max_length=64, help_text="The census ID, e.g. E1001."
    )
    event_type = forms.ChoiceField(
        label="Event type",
        required=False,
        choices=[("", "Any type"), (queries.ANY_REFUSAL, "Every refusal"), *AuditEventType.choices],
    )
    channel = forms.ChoiceField(
        label="Channel",
        required=False,
        choices=[("", "Any channel"), *AuditChannel.choices, (NO_CHANNEL, "None")],
    )
    since = ZonedDateTimeField(label="From", required=False, help_text="On or after.")
    until = ZonedDateTimeField(label="To", required=False, help_text="Before.")

    def __init__(self, *args: Any, zone_name: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("since", "until"):
            field = cast(ZonedDateTimeField, self.fields[name])
            field.zone = ZoneInfo(zone_name)
            field.label = f"{field.label} ({zone_name})"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        widths = {"employee": "col-lg-2", "event_type": "col-lg-2", "channel": "col-lg-2"}
        self.helper.layout = Layout(
            Row(
                *(
                    Column(name, css_class=f"col-12 col-sm-6 {widths.get(name, 'col-lg-3')}")
                    for name in self.fields
                )
            )
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        since, until = cleaned.get("since"), cleaned.get("until")
        if since and until and until <= since:
            self.add_error("until", "Choose an end after the start.")
        return cleaned

    def filters(self) -> queries.EventFilters:
        channel = self.cleaned_data["channel"]
        return queries.EventFilters(
            employee_id=self.cleaned_data["employee"].strip(),
            event_type=self.cleaned_data["event_type"],
            channel=None if channel == "" else ("" if channel == NO_CHANNEL else channel),
            since=self.cleaned_data["since"],
            until=self.cleaned_data["until"],
        )


class DeadlineWindowForm(forms.Form):
    window = forms.IntegerField(
        label="Minutes before the deadline",
        required=False,
        min_value=1,
        max_value=MAX_WINDOW_MINUTES,
        help_text="Events from this long before the deadline, and every event after it.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(Row(Column("window", css_class="col-sm-6 col-lg-4")))

    def minutes(self) -> int:
        """The window asked for; the default (shown with the form's error) when it is empty or invalid."""
        if not self.is_valid() or self.cleaned_data["window"] is None:
            return DEFAULT_WINDOW_MINUTES
        return int(self.cleaned_data["window"])


@dataclass(frozen=True)
class UnreadableRow:
    """An event that cannot be read (a column changed by raw SQL): its number and what fails. The
    chain status reports it as the break; the pages show it as such instead of failing."""

    sequence: int
    problem: str


def _unreadable(event: AuditEvent | Unreadable) -> str | None:
    """What cannot be read of an event, in words, or None when all of it can."""
    fields = event.fields if isinstance(event, Unreadable) else event_unreadable_fields(event)
    if isinstance(event, Unreadable) or fields:
        return unreadable_problem(fields)
    return None


def _readable_page(selected: QuerySet[AuditEvent], keys: list[int]) -> list[AuditEvent | UnreadableRow]:
    """The events of one page, in its order, each that cannot be read as an ``UnreadableRow``."""
    read = {event.pk: event for event in read_safely(selected.filter(pk__in=keys))}
    problems = {key: problem for key, event in read.items() if (problem := _unreadable(event))}
    # Only the rows that cannot be read are asked their number again (an integer, always readable).
    sequences = {}
    if problems:
        sequences = dict(AuditEvent.objects.filter(pk__in=problems).values_list("pk", "sequence"))
    return [
        UnreadableRow(sequences[key], problems[key]) if key in problems else cast(AuditEvent, read[key])
        for key in keys
    ]


@require_GET
@auditor_required
def events(request: HttpRequest) -> HttpResponse:
    offers = list(Offer.objects.order_by("-opens_at"))
    zone = shown_zone(request, (offer.time_zone for offer in offers))
    form = EventFilterForm(request.GET, zone_name=zone.name)
    context: dict[str, Any] = {"form": form, "offers": offers, "zone": zone}
    if not form.is_valid():
        context["switch_url"] = switch_url(request, zone, {})
        return render(request, "console/audit/events.html", context)
    filters = form.filters()
    selected = queries.events(filters)
    page_obj = Paginator(selected.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    context.update(
        page_obj=page_obj,
        rows=[(shown, None) for shown in _readable_page(selected, list(page_obj))],
        switch_url=switch_url(request, zone, {"since": filters.since, "until": filters.until}),
    )
    return render(request, "console/audit/events.html", context)


@require_POST
@auditor_required
def events_csv(request: HttpRequest) -> HttpResponse:
    """The events page's view as CSV: its filters are the query string of the page it was asked from."""
    zone = shown_zone(request, _offer_zones())
    form = EventFilterForm(request.GET, zone_name=zone.name)
    if not form.is_valid():
        return redirect(f"{reverse('console:audit-events')}?{request.GET.urlencode()}")
    filters = form.filters()
    return _export(request, queries.events(filters), report="events", filters=filters.as_data())


@require_GET
@auditor_required
def event(request: HttpRequest, sequence: int) -> HttpResponse:
    key = get_object_or_404(AuditEvent.objects.values_list("pk", flat=True), sequence=sequence)
    [read] = read_safely(queries.events().filter(pk=key))
    problem = _unreadable(read)
    if problem:
        context = {"sequence": sequence, "problem": problem, "zone": shown_zone(request, _offer_zones())}
        return render(request, "console/audit/event_unreadable.html", context)
    shown = cast(AuditEvent, read)
    previous_hash = (
        AuditEvent.objects.filter(sequence=sequence - 1).values_list("hash", flat=True).first()
        if sequence > 1
        else GENESIS_HASH
    )
    zone = shown_zone(request, _offer_zones())
    context = {
        "event": shown,
        "zone": zone,
        "switch_url": switch_url(request, zone, {}),
        "data_json": json.dumps(shown.data, indent=2, sort_keys=True, ensure_ascii=False),
        "is_hash_valid": event_hash(shown) == shown.hash,
        "is_linked": previous_hash == shown.previous_hash,
        "has_next": AuditEvent.objects.filter(sequence=sequence + 1).exists(),
    }
    return render(request, "console/audit/event.html", context)


@require_GET
@auditor_required
def employee(request: HttpRequest, employee_id: str) -> HttpResponse:
    person = get_object_or_404(Employee, employee_id=employee_id)
    zone = shown_zone(request, _offer_zones())
    context = {
        "employee": person,
        "entries": queries.election_timeline(person),
        "zone": zone,
        "switch_url": switch_url(request, zone, {}),
    }
    return render(request, "console/audit/employee.html", context)


@require_GET
@auditor_required
def deadline(request: HttpRequest, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer, slug=slug)
    form = DeadlineWindowForm({"window": DEFAULT_WINDOW_MINUTES, **request.GET.dict()})
    minutes = form.minutes()
    near = queries.events_near_deadline(offer, window=timedelta(minutes=minutes))
    page_obj = Paginator(near, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [(shown, queries.deadline_distance(shown.at, offer.expires_at)) for shown in page_obj]
    zone = shown_zone(request, [offer.time_zone])
    context = {
        "audited_offer": offer,
        "form": form,
        "minutes": minutes,
        "page_obj": page_obj,
        "rows": rows,
        "zone": zone,
        "switch_url": switch_url(request, zone, {}),
    }
    return render(request, "console/audit/deadline.html", context)


@require_POST
@auditor_required
def deadline_csv(request: HttpRequest, slug: str) -> HttpResponse:
    """The deadline report as CSV, for the window in the query string of the page it was asked from."""
    offer = get_object_or_404(Offer, slug=slug)
    minutes = DeadlineWindowForm({"window": DEFAULT_WINDOW_MINUTES, **request.GET.dict()}).minutes()
    near = queries.events_near_deadline(offer, window=timedelta(minutes=minutes))
    return _export(request, near, report="deadline", filters={"offer": offer.slug, "window_minutes": minutes})


@require_GET
@auditor_required
def chain(request: HttpRequest) -> HttpResponse:
    records = verify_records()
    context = {
        "report": verify_chain(),
        "records": records,
        "differences": records.differences[:MAX_SHOWN_DIFFERENCES],
    }
    return render(request, "console/audit/chain.html", context)


def _export(
    request: HttpRequest, selected: QuerySet[AuditEvent], *, report: str, filters: dict[str, JSONValue]
) -> StreamingHttpResponse:
    """Records the download, then streams the rows selected up to and including its own event."""
    now = timezone.now()
    exported = record(
        AuditEventType.EXPORT_DOWNLOADED,
        actor=request.user,
        at=now,
        channel=AuditChannel.WEB,
        data={"report": report, "format": "csv", "filters": filters},
        request=request,
    )
    rows = queries.export_rows(selected.filter(sequence__lte=exported.sequence))
    trailer = [("# chain_last_sequence", exported.sequence), ("# chain_last_hash", exported.hash)]
    response = StreamingHttpResponse(
        _csv_lines(queries.EXPORT_COLUMNS, rows, trailer), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="audit-{report}-{now:%Y%m%dT%H%M%SZ}.csv"'
    return response


class _Line:
    """A file-like object whose ``write`` hands the text back, so csv.writer can feed a generator."""

    def write(self, text: str) -> str:
        return text


def _csv_lines(
    columns: Iterable[str], rows: Iterable[Iterable[object]], trailer: Iterable[Iterable[object]]
) -> Iterator[str]:
    """The header, the rows and the trailer as CSV lines, every cell neutralised."""
    writer = csv.writer(_Line(), lineterminator="\n")
    for cells in itertools.chain([columns], rows, trailer):
        yield writer.writerow([neutralise(cell) for cell in cells])
