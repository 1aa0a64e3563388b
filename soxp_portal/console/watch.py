"""Watching one offer: participation at a glance, the employees, elections received on paper, and the
confirmation emails that could not be delivered.

The figures come from ``offers.participation``; every change goes through ``offers.actions`` (paper
elections and withdrawals, with the administrator as the actor) or the reminder task. The dashboard
and the employee list run a fixed number of queries whatever the size of the census.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST
from django.views.generic import ListView

from soxp_portal.console.forms_watch import (
    EmployeeSearchForm,
    PaperElectionForm,
    PaperWithdrawalForm,
    ReminderForm,
)
from soxp_portal.console.views import record_download, staff_required
from soxp_portal.documents.elections import audit_hash_for, document_filename, render_election_document
from soxp_portal.offers.actions import (
    ElectionError,
    InvalidElection,
    ReceivedBeforeRecord,
    submit_election,
    withdraw_election,
)
from soxp_portal.offers.confirmations import MAX_ATTEMPTS, failed, owed, resend_failed
from soxp_portal.offers.models import ConfirmationEmail, Election, Employee, Offer
from soxp_portal.offers.participation import (
    DayCount,
    election_versions,
    elections_per_day,
    employee_ids_for_list,
    employee_rows,
    participation_summary,
)
from soxp_portal.offers.queries import current_election, elections_of, employee_status, offer_summary
from soxp_portal.offers.reminders import send_reminders
from soxp_portal.rules import window
from soxp_portal.rules.wording import format_instant

LATEST_SHOWN = 10


def _offer_context(offer: Offer, now: datetime, **extra: Any) -> dict[str, Any]:
    return {
        "offer": offer,
        "summary": offer_summary(offer),
        "phase": offer.phase(now).value,
        "is_open": offer.closed_at is None and window.is_open(offer.terms, now),
        **extra,
    }


# The chart of elections per day: an inline SVG whose geometry is worked out here, so the template only
# places ready-made numbers (the content security policy allows no inline style or script). It is drawn
# twice, wide and narrow, and CSS classes show the one that fits, so its text stays legible on a phone.
CHART_HEIGHT = 220
PLOT_LEFT, PLOT_TOP, PLOT_BOTTOM = 40, 12, 190
LABEL_WIDTH = 48  # room for a date label such as "Jan 20" at the chart's font size


@dataclass(frozen=True)
class ChartBar:
    count: DayCount
    x: float
    width: float
    election_y: float
    election_height: float
    withdrawal_y: float
    withdrawal_height: float
    label_x: float
    #: The date under the bar: the first day, Mondays and the last day, as far as there is room.
    label: str


@dataclass(frozen=True)
class GridLine:
    y: float
    value: int


@dataclass(frozen=True)
class DayChart:
    #: Prefix of the SVG's element ids, unique on the page.
    key: str
    width: int
    bars: tuple[ChartBar, ...]
    grid: tuple[GridLine, ...]
    height: int = CHART_HEIGHT
    plot_left: int = PLOT_LEFT
    plot_bottom: int = PLOT_BOTTOM
    label_y: int = PLOT_BOTTOM + 18


def _scale_top(largest: int) -> int:
    """A round top for the scale, at or above the busiest day: 1, 2, 5, 10, 20, 50, 100..."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= largest:
                return step * magnitude
        magnitude *= 10


def _labelled_days(days: list[DayCount], *, spacing: int) -> set[int]:
    """The first day, each Monday and the last day, skipping any that would crowd the previous label."""
    labelled: set[int] = set()
    last = -spacing
    for index, day in enumerate(days):
        wanted = index == 0 or day.day.weekday() == 0 or index == len(days) - 1
        if wanted and index - last >= spacing:
            labelled.add(index)
            last = index
    return labelled


def day_chart(days: list[DayCount], *, width: int, key: str) -> DayChart:
    top = _scale_top(max((day.total for day in days), default=0))
    plot_height = PLOT_BOTTOM - PLOT_TOP
    slot = (width - PLOT_LEFT) / max(len(days), 1)
    labelled = _labelled_days(days, spacing=math.ceil(LABEL_WIDTH / slot))
    bars = []
    for index, day in enumerate(days):
        election_height = plot_height * day.elections / top
        withdrawal_height = plot_height * day.withdrawals / top
        x = PLOT_LEFT + index * slot + slot * 0.15
        bars.append(
            ChartBar(
                count=day,
                x=round(x, 2),
                width=round(slot * 0.7, 2),
                election_y=round(PLOT_BOTTOM - election_height, 2),
                election_height=round(election_height, 2),
                withdrawal_y=round(PLOT_BOTTOM - election_height - withdrawal_height, 2),
                withdrawal_height=round(withdrawal_height, 2),
                label_x=round(x + slot * 0.35, 2),
                label=f"{day.day:%b} {day.day.day}" if index in labelled else "",
            )
        )
    values = [0, top // 2, top] if top % 2 == 0 else [0, top]
    grid = tuple(
        GridLine(y=round(PLOT_BOTTOM - plot_height * value / top, 2), value=value) for value in values
    )
    return DayChart(key=key, width=width, bars=tuple(bars), grid=grid)


@staff_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer.objects.select_related("new_option_plan"), slug=slug)
    now = timezone.now()
    days = elections_per_day(offer, now=now)
    latest = (
        Election.objects.filter(offer=offer)
        .select_related("employee", "entered_by")
        .order_by("-received_at", "-pk")[:LATEST_SHOWN]
    )
    context = _offer_context(
        offer,
        now,
        participation=participation_summary(offer, now=now),
        days=days,
        charts=(day_chart(days, width=720, key="chart-wide"), day_chart(days, width=360, key="chart-narrow")),
        latest=latest,
    )
    return render(request, "console/dashboard.html", context)


@method_decorator(staff_required, name="dispatch")
class EmployeeList(ListView):
    """Search (name, census id, email), filter by standing, 50 a page, each with the version in force."""

    template_name = "console/watch/employees.html"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Any] | list[int]:  # type: ignore[override]
        self.offer = get_object_or_404(
            Offer.objects.select_related("new_option_plan"), slug=self.kwargs["slug"]
        )
        self.now = timezone.now()
        self.form = EmployeeSearchForm(self.request.GET)
        cleaned = self.form.cleaned_data if self.form.is_valid() else {}
        return employee_ids_for_list(  # type: ignore[return-value]
            self.offer, query=cleaned.get("q", ""), standing=cleaned.get("standing", ""), now=self.now
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        rows = employee_rows(self.offer, context["page_obj"].object_list, now=self.now)
        return context | _offer_context(self.offer, self.now, form=self.form, rows=rows)


employees = EmployeeList.as_view()


def _offer_and_employee(slug: str, employee_id: str) -> tuple[Offer, Employee]:
    offer = get_object_or_404(Offer.objects.select_related("new_option_plan"), slug=slug)
    return offer, get_object_or_404(Employee.objects.select_related("user"), employee_id=employee_id)


@staff_required
def employee(request: HttpRequest, slug: str, employee_id: str) -> HttpResponse:
    """The employee's grants judged for the offer, and every version of their election."""
    offer, person = _offer_and_employee(slug, employee_id)
    now = timezone.now()
    versions = election_versions(elections_of(offer, person).select_related("confirmation_email"))
    status = employee_status(offer, person, now=now)
    in_force = next((version.election for version in versions if version.is_current), None)
    is_participating = in_force is not None and in_force.is_participating
    context = _offer_context(
        offer,
        now,
        person=person,
        status=status,
        versions=versions,
        is_participating=is_participating,
        # A paper form may be keyed in after the deadline if it was received before it: until closed.
        can_elect_on_paper=offer.closed_at is None and status.can_take_part,
        # With a withdrawal in force, a fax withdrawal received before it can still be kept as evidence.
        can_withdraw_on_paper=offer.closed_at is None and in_force is not None,
    )
    return render(request, "console/watch/employee.html", context)


def _recorded_message(election: Election, offer: Offer) -> str:
    what = "withdrawal" if election.kind == Election.Kind.WITHDRAWAL else "election"
    received = format_instant(election.received_at, offer.zone, seconds=True)
    effect = "" if election.takes_effect else " It is kept as evidence only: the version in force stays."
    return (
        f"{election.get_channel_display()} {what} of {election.employee.full_name} recorded as version "
        f"{election.version}, received {received}.{effect} "
        f"Confirmation {election.confirmation_number}; the employee is emailed the form."
    )


def _delivery(form: PaperElectionForm | PaperWithdrawalForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "signature": data["signature"],
        "expected_version": data["expected_version"],
        "submission_token": data["submission_token"],
        "channel": data["channel"],
        "received_at": data["received_at"],
        "evidence_only": data["evidence_only"],
    }


def _refuse(form: PaperElectionForm | PaperWithdrawalForm, error: ElectionError) -> None:
    problems = [problem.message for problem in error.problems] if isinstance(error, InvalidElection) else []
    for message in problems or [str(error)]:
        form.add_error(None, message)


@staff_required
def paper_election(request: HttpRequest, slug: str, employee_id: str) -> HttpResponse:
    """An election received by fax or by hand, entered for the employee (decision 8)."""
    offer, person = _offer_and_employee(slug, employee_id)
    now = timezone.now()
    status = employee_status(offer, person, now=now)
    current = current_election(offer, person)
    initial = {"expected_version": current.version if current else 0}
    form = PaperElectionForm(request.POST or None, initial=initial, status=status, zone=offer.zone)
    received_before_record = False
    if request.method == "POST" and form.is_valid():
        try:
            election = submit_election(
                offer, person, form.tendered(), actor=request.user, request=request, **_delivery(form)
            )
        except ElectionError as error:
            _refuse(form, error)
            received_before_record = isinstance(error, ReceivedBeforeRecord)
        else:
            messages.success(request, _recorded_message(election, offer))
            return redirect("console:employee", slug=offer.slug, employee_id=person.employee_id)
    context = _offer_context(
        offer,
        now,
        person=person,
        status=status,
        current=current,
        form=form,
        received_before_record=received_before_record,
    )
    status_code = 400 if request.method == "POST" else 200
    return render(request, "console/watch/paper_election.html", context, status=status_code)


@staff_required
def paper_withdrawal(request: HttpRequest, slug: str, employee_id: str) -> HttpResponse:
    """A withdrawal received by fax or by hand, entered for the employee."""
    offer, person = _offer_and_employee(slug, employee_id)
    now = timezone.now()
    current = current_election(offer, person)
    initial = {"expected_version": current.version if current else 0}
    form = PaperWithdrawalForm(request.POST or None, initial=initial, zone=offer.zone)
    received_before_record = False
    if request.method == "POST" and form.is_valid():
        try:
            withdrawal = withdraw_election(
                offer, person, actor=request.user, request=request, **_delivery(form)
            )
        except ElectionError as error:
            _refuse(form, error)
            received_before_record = isinstance(error, ReceivedBeforeRecord)
        else:
            messages.success(request, _recorded_message(withdrawal, offer))
            return redirect("console:employee", slug=offer.slug, employee_id=person.employee_id)
    context = _offer_context(
        offer, now, person=person, current=current, form=form, received_before_record=received_before_record
    )
    status_code = 400 if request.method == "POST" else 200
    return render(request, "console/watch/paper_withdrawal.html", context, status=status_code)


@require_POST
@staff_required
def election_pdf(request: HttpRequest, slug: str, employee_id: str, confirmation: str) -> HttpResponse:
    """The Election or Withdrawal Form of any version, as the employee received it. A POST: the download
    is audited, and a GET that wrote to the trail could be started by any link elsewhere."""
    election = get_object_or_404(
        Election.objects.select_related("offer", "offer__new_option_plan", "employee", "entered_by"),
        offer__slug=slug,
        employee__employee_id=employee_id,
        confirmation_number=confirmation,
    )
    pdf = render_election_document(election, audit_hash=audit_hash_for(election))
    record_download(
        request,
        election.offer,
        export="election-form",
        fmt="pdf",
        subject=election,
        confirmation_number=election.confirmation_number,
        version=election.version,
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document_filename(election)}"'
    return response


CONFIRMATIONS_PER_PAGE = 50


@staff_required
def confirmations(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirmation emails that failed after every attempt (``offers.confirmations``), to be sent
    again; and how many are still on their way."""
    offer = get_object_or_404(Offer.objects.select_related("new_option_plan"), slug=slug)
    failures = (
        failed()
        .filter(election__offer=offer)
        .select_related("election__employee")
        .order_by("failed_at", "pk")
    )
    page = Paginator(failures, CONFIRMATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = _offer_context(
        offer,
        timezone.now(),
        page_obj=page,
        owed=owed().filter(election__offer=offer).count(),
        oldest_owed=owed().filter(election__offer=offer).order_by("owed_since").first(),
        max_attempts=MAX_ATTEMPTS,
    )
    return render(request, "console/watch/confirmations.html", context)


@require_POST
@staff_required
def confirmations_resend(request: HttpRequest, slug: str) -> HttpResponse:
    """Every failed confirmation email of the offer, tried again from the first attempt."""
    offer = get_object_or_404(Offer, slug=slug)
    count = resend_failed(ConfirmationEmail.objects.filter(election__offer=offer))
    if count:
        messages.success(
            request, f"{count} confirmation email{pluralize(count)} will be sent again, in the background."
        )
    else:
        messages.info(request, "No confirmation email has failed: nothing to send again.")
    return redirect("console:confirmations", slug=offer.slug)


@require_POST
@staff_required
def confirmation_resend(request: HttpRequest, slug: str, employee_id: str, confirmation: str) -> HttpResponse:
    """One failed confirmation email, tried again from the first attempt."""
    election = get_object_or_404(
        Election.objects.select_related("employee"),
        offer__slug=slug,
        employee__employee_id=employee_id,
        confirmation_number=confirmation,
    )
    if resend_failed(ConfirmationEmail.objects.filter(election=election)):
        messages.success(
            request,
            f"The confirmation email of {confirmation} will be sent again to {election.employee.email}, "
            "in the background.",
        )
    else:
        messages.info(
            request,
            f"The confirmation email of {confirmation} has not failed (it was sent, or is still being "
            "tried): nothing was changed.",
        )
    url = reverse("console:employee", args=[slug, election.employee.employee_id])
    return redirect(f"{url}#election-{confirmation}")


@require_POST
@staff_required
def reminders(request: HttpRequest, slug: str) -> HttpResponse:
    """The confirmation step: how many eligible employees without an election would be emailed."""
    offer = get_object_or_404(Offer.objects.select_related("new_option_plan"), slug=slug)
    now = timezone.now()
    context = _offer_context(
        offer, now, participation=participation_summary(offer, now=now), form=ReminderForm()
    )
    return render(request, "console/watch/reminders.html", context)


@require_POST
@staff_required
def reminders_send(request: HttpRequest, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer, slug=slug)
    form = ReminderForm(request.POST)
    if not form.is_valid():
        messages.error(request, "The reminder was not sent: start again from the dashboard.")
        return redirect("console:dashboard", slug=offer.slug)
    if offer.closed_at is not None or not window.is_open(offer.terms, timezone.now()):
        messages.error(request, "The offer is not open, so no reminder was sent.")
        return redirect("console:dashboard", slug=offer.slug)
    send_reminders.enqueue(
        offer.pk, request.user.pk, str(form.cleaned_data["batch"]), request.build_absolute_uri("/")
    )
    messages.success(
        request,
        "The reminder is being emailed to every eligible employee who has not made an election. "
        "The audit trail lists everyone emailed once the sending is done.",
    )
    return redirect("console:dashboard", slug=offer.slug)
