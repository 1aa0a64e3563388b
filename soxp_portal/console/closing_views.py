"""Closing an offer: the steps of ``closing.actions`` in order, each shown before it is taken.

The close page shows every step with where it stands: done (when, by whom), available, or not yet and
why. Before the tenders are accepted it shows what the accept will do (the pre-close reconciliation:
every election whose basis changed, and the totals), worked out by a background run that the page's
first visit asks for (``closing.preview``), followed as a step is, stored, and shown as out of date, with
a button to work it out again, once the census, the elections or the terms change. Every step
is a POST; a refusal (``ClosingError``) becomes a message and changes nothing but the audit trail,
which records it (``console.refused``).

The long steps (accept, cancel, new grants, a price correction) are carried out by a background task
(``closing.background``): the POST asks for one, and the step's section shows its run (queued,
running with its progress, done, or failed with the reason). ``static/js/console.js`` fetches the run's
fragment (``step_run``) every few seconds while it is queued or running, and reloads the page when it
ends; a run whose worker has stopped can be restarted from it (``restart_run``).

The tender list follows the promise-to-grant letters while they are made: it asks the browser to
reload it every few seconds (a ``Refresh`` header: no script, which the content security policy
would refuse) until every letter is emailed.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import QuerySet, Sum
from django.forms import Field, Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_GET, require_POST
from django.views.generic import ListView

from soxp_portal.closing.actions import ClosingError, correct_termination, issue_letters, record_termination
from soxp_portal.closing.background import active_run, restart_step, start_step
from soxp_portal.closing.models import (
    ClosePreviewRow,
    ClosePreviewRun,
    NewGrant,
    PromiseLetter,
    StepRun,
    Tender,
)
from soxp_portal.closing.preview import preview_state, start_preview
from soxp_portal.closing.queries import (
    PRICE_CORRECTION_AT_CLOSE,
    PRICE_CORRECTION_RULE,
    blackout_grants,
    close_steps,
    closing_of,
    correction_problem,
    forfeited_tenders,
    grants_at_close,
    letter_progress,
    new_grant_preview,
    new_grant_totals,
    new_grants_of,
    price_correction,
    pricing_in_words,
    run_status,
    step_runs,
    tender_rows,
    tender_totals,
)
from soxp_portal.console.forms_closing import (
    AcceptForm,
    NewGrantsForm,
    PriceCorrectionForm,
    TenderSearchForm,
    TerminationCorrectionForm,
    TerminationForm,
)
from soxp_portal.console.views import record_download, record_refusal, staff_required
from soxp_portal.console.watch import _offer_context
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.rules.wording import format_date, format_instant, format_money

RECONCILIATION_PAGE_SIZE = 25
LIST_PAGE_SIZE = 50
FORFEITED_SHOWN = 10
FLAGS_SHOWN = 50
REFRESH_SECONDS = 5


def _offer(slug: str) -> Offer:
    return get_object_or_404(Offer.objects.select_related("new_option_plan"), slug=slug)


def _back(offer: Offer, anchor: str) -> HttpResponse:
    return redirect(f"{reverse('console:close', args=[offer.slug])}#{anchor}")


#: Django's own messages, which do not say which field they are about ("This field is required.").
GENERIC_ERRORS = frozenset(
    {"required", "invalid", "max_length", "min_length", "invalid_choice", "null_characters_not_allowed"}
)


def _is_generic(field: Field, code: str | None) -> bool:
    """Django's own wording for `code`, not one the form wrote for the field."""
    if code not in GENERIC_ERRORS:
        return False
    defaults = next(
        (
            cls.default_error_messages
            for cls in type(field).__mro__
            if code in vars(cls).get("default_error_messages", {})
        ),
        {},
    )
    return field.error_messages.get(code, defaults.get(code)) == defaults.get(code)


def _refuse(request: HttpRequest, offer: Offer, anchor: str, form: Form) -> HttpResponse:
    """An invalid form: each error as a message, and back to the step. Nothing was changed.

    The messages stand apart from the form, so each of Django's generic ones is prefixed with its
    field's label; the portal's own name their field already ("The closing price must be ...")."""
    for name, errors in form.errors.as_data().items():
        field = form.fields.get(name)
        for error in errors:
            prefix = f"{field.label}: " if field is not None and _is_generic(field, error.code) else ""
            for text in error.messages:
                messages.error(request, prefix + text)
    return _back(offer, anchor)


def _refused_step(
    request: HttpRequest, offer: Offer, action: str, refusal: ClosingError | str, anchor: str
) -> HttpResponse:
    """A step the close's order or calendar refused: the reason as a message, audited, back to the step."""
    reason = str(refusal)
    record_refusal(request, offer, action=action, reason=reason)
    messages.error(request, reason)
    return _back(offer, anchor)


def _close_context(request: HttpRequest, offer: Offer, now: datetime) -> dict[str, Any]:
    closing = closing_of(offer)
    steps = close_steps(offer, closing, now)
    runs = step_runs(offer, now)
    at_close = grants_at_close(offer)
    context = _offer_context(
        offer,
        now,
        closing=closing,
        steps=steps,
        runs=runs,
        active_run=runs.active,
        pricing=pricing_in_words(offer),
        cancellation_date=offer.cancellation_date(),
        new_grant_date=offer.new_grant_date(),
        accept_form=AcceptForm(),
        termination_form=TerminationForm(),
        price_form=NewGrantsForm(offer=offer),
        correction_form=PriceCorrectionForm(offer=offer),
        price_correction=price_correction(offer, closing),
        price_correction_rule=PRICE_CORRECTION_RULE + (PRICE_CORRECTION_AT_CLOSE if at_close else ""),
        at_close=at_close,
    )
    if not steps.accept.is_done and runs.active is not None:
        return context  # the accept is under way: its progress, not a plan worked out again meanwhile
    if not steps.accept.is_done:
        return context | _preview_context(request, offer, now)
    flags = blackout_grants(offer, closing)
    forfeited = forfeited_tenders(offer)
    return context | {
        "totals": tender_totals(offer),
        "letters": letter_progress(offer),
        "forfeited": forfeited[:FORFEITED_SHOWN],
        "flags": flags[:FLAGS_SHOWN],
        "flag_count": flags.count(),
        "granted": new_grant_totals(offer) if steps.new_grants.is_done else None,
    }


def _preview_context(request: HttpRequest, offer: Offer, now: datetime) -> dict[str, Any]:
    """The plan the page shows (the latest worked out), whether it is current, and the run under way."""
    state = preview_state(offer)
    context: dict[str, Any] = {"preview_state": state, "preview": state.shown}
    if state.latest is not None and state.latest != state.shown:
        context["preview_run"] = run_status(state.latest, now)
    if state.shown is not None:
        rows = ClosePreviewRow.objects.filter(run=state.shown).order_by("position")
        paginator = Paginator(rows, RECONCILIATION_PAGE_SIZE)
        paginator.count = state.shown.changed  # stored by the run: no COUNT over its rows
        context["page_obj"] = paginator.get_page(request.GET.get("page"))
        context["preview_status"] = run_status(state.shown, now)
    return context


@staff_required
def close(request: HttpRequest, slug: str) -> HttpResponse:
    """Every step of the close, in order, with what it will do or what it did. Before the accept, the
    first visit asks for the plan to be worked out (``closing.preview``): with the immediate task backend
    it is there at once; otherwise the page follows its progress."""
    offer = _offer(slug)
    now = timezone.now()
    first_visit = offer.closed_at is None and not ClosePreviewRun.objects.filter(offer=offer).exists()
    if first_visit and active_run(offer) is None:
        start_preview(offer, actor=request.user, now=now, request=request)  # type: ignore[arg-type]
    return render(request, "console/closing/close.html", _close_context(request, offer, now))


@require_POST
@staff_required
def work_out_preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The plan worked out again (it is out of date, or its run failed); back to it."""
    offer = _offer(slug)
    run = start_preview(offer, actor=request.user, now=timezone.now(), request=request)  # type: ignore[arg-type]
    if run.state == ClosePreviewRun.State.DONE:
        messages.success(
            request, "The plan is worked out again from the census and the elections as they are now."
        )
    elif run.state == ClosePreviewRun.State.FAILED:
        messages.error(request, run.error)
    else:
        messages.info(
            request,
            "The plan is being worked out in the background; its progress is shown below, and the page shows "
            "the plan once it is done.",
        )
    return _back(offer, "accept")


@require_GET
@staff_required
def preview_run(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """The preview run's state and progress, the fragment the close page fetches while it is under way."""
    offer = _offer(slug)
    run = get_object_or_404(
        ClosePreviewRun.objects.select_related("requested_by", "restarted_by", "offer"),
        offer=offer,
        pk=run_id,
    )
    response = render(
        request,
        "console/closing/_preview_run.html",
        {"offer": offer, "status": run_status(run, timezone.now())},
    )
    response["Cache-Control"] = "no-store"
    return response


#: Where each step's section is on the close page, and where the page goes once the step is done.
STEP_ANCHORS = {
    StepRun.Step.ACCEPT: ("accept", "cancel"),
    StepRun.Step.CANCEL: ("cancel", "letters"),
    StepRun.Step.NEW_GRANTS: ("new-grants", "new-grants"),
    StepRun.Step.PRICE_CORRECTION: ("correct-price", "new-grants"),
}


def _start(
    request: HttpRequest, offer: Offer, step: str, *, closing_price: Decimal | None = None, reason: str = ""
) -> HttpResponse:
    """Asks for the step to be carried out in the background; back to its section, which follows it."""
    anchor, next_anchor = STEP_ANCHORS[step]  # type: ignore[index]
    try:
        run = start_step(
            offer,
            step,
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
            request=request,
            closing_price=closing_price,
            reason=reason,
        )
    except ClosingError as error:
        return _refused_step(request, offer, f"close.{step.replace('-', '_')}", error, anchor)
    if run.state == StepRun.State.DONE:  # a task backend that runs tasks at once
        messages.success(request, _done_message(offer, run))
        return _back(offer, next_anchor)
    if run.state == StepRun.State.FAILED:
        messages.error(request, run.error)
        return _back(offer, anchor)
    messages.info(
        request,
        f"{run.get_step_display()} has started. It runs in the background, in one piece: nothing is changed "
        "until all of it is done. Its section below shows how far it is; you may leave this page meanwhile.",
    )
    return _back(offer, anchor)


def _done_message(offer: Offer, run: StepRun) -> str:
    """What a step did, from the rows it left, as the page said when it ran inside the request."""
    if run.step == StepRun.Step.ACCEPT:
        totals = tender_totals(offer)
        return (
            f"The tenders are decided: {totals.accepted:,} accepted ({totals.shares:,} shares for "
            f"{totals.new_shares:,} new shares), {totals.not_accepted:,} not accepted. The offer is closed "
            "to elections. Next: cancel the tendered grants and issue the letters."
        )
    if run.step == StepRun.Step.CANCEL:
        totals = tender_totals(offer)
        return (
            f"{totals.grants:,} tendered grants ({totals.shares:,} shares) are cancelled as of "
            f"{format_date(offer.cancellation_date())}."
        )
    granted = new_grant_totals(offer)
    if run.step == StepRun.Step.NEW_GRANTS:
        if not granted.rsu_grants:  # options only: worded as it always was
            return (
                f"{granted.grants:,} new options ({granted.shares:,} shares) are granted to "
                f"{granted.participants:,} participants on {format_date(offer.new_grant_date())} at "
                f"{format_money(run.price)}."  # type: ignore[arg-type]
            )
        price = (
            f", the options at {format_money(run.price)}; RSUs have no exercise price"
            if run.price is not None
            else "; RSUs have no exercise price"
        )
        return (
            f"{granted.in_words} are granted to {granted.participants:,} participants on "
            f"{format_date(offer.new_grant_date())}{price}."
        )
    options = granted.option_grants
    return (
        f"The exercise price of the {options:,} new option{'s' if options != 1 else ''} is "
        f"corrected to {format_money(run.price)}; the correction, with the price before it and your reason, "  # type: ignore[arg-type]
        "is in the audit trail."
    )


@require_GET
@staff_required
def step_run(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """One run's state and progress, the fragment the close page fetches while the run is under way."""
    offer = _offer(slug)
    run = get_object_or_404(
        StepRun.objects.select_related("requested_by", "restarted_by", "offer"), offer=offer, pk=run_id
    )
    response = render(
        request, "console/closing/_run.html", {"offer": offer, "status": run_status(run, timezone.now())}
    )
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@staff_required
def restart_run(request: HttpRequest, slug: str, run_id: int) -> HttpResponse:
    """A run whose worker stopped, taken up again by a new task (``background.restart_step``)."""
    offer = _offer(slug)
    run = get_object_or_404(StepRun, offer=offer, pk=run_id)
    anchor = STEP_ANCHORS[run.step][0]  # type: ignore[index]
    try:
        run = restart_step(offer, run.pk, actor=request.user, now=timezone.now())  # type: ignore[arg-type]
    except ClosingError as error:
        return _refused_step(request, offer, "close.restart", error, anchor)
    messages.info(
        request,
        f"{run.get_step_display()} is started again. Nothing of the stopped attempt was kept; its section "
        "below shows how far the new one is.",
    )
    return _back(offer, anchor)


@require_POST
@staff_required
def accept(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1: accept or reject every final election (decision 7); the offer closes to elections."""
    offer = _offer(slug)
    form = AcceptForm(request.POST)
    if not form.is_valid():
        return _refuse(request, offer, "accept", form)
    return _start(request, offer, StepRun.Step.ACCEPT)


@require_POST
@staff_required
def cancel(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 2: cancel the accepted grants' shares as of the cancellation date."""
    return _start(request, _offer(slug), StepRun.Step.CANCEL)


@require_POST
@staff_required
def letters(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 3: the promise-to-grant letters are made and emailed in the background."""
    offer = _offer(slug)
    try:
        issue_letters(offer, actor=request.user, now=timezone.now(), request=request)  # type: ignore[arg-type]
    except ClosingError as error:
        return _refused_step(request, offer, "close.letters", error, "letters")
    what = "grant notices" if grants_at_close(offer) else "promise-to-grant letters"
    messages.success(
        request,
        f"The {what} are being made and emailed to the "
        f"{letter_progress(offer).participants:,} accepted participants; this page follows their progress.",
    )
    return redirect("console:close-tenders", slug=offer.slug)


@require_POST
@staff_required
def termination(request: HttpRequest, slug: str) -> HttpResponse:
    """Between acceptance and the new grant date: a participant left, so the promise is forfeited."""
    offer = _offer(slug)
    form = TerminationForm(request.POST)
    if not form.is_valid():
        return _refuse(request, offer, "terminations", form)
    try:
        tender = record_termination(
            offer,
            form.employee,
            termination_date=form.cleaned_data["termination_date"],
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
            request=request,
        )
    except ClosingError as error:
        return _refused_step(request, offer, "close.termination", error, "terminations")
    forfeited = tender.accepted_grants.aggregate(shares=Sum("new_shares", default=0))["shares"]
    messages.success(
        request,
        f"{tender.employee.full_name}'s promise is forfeited: employment ended "
        f"{format_date(form.cleaned_data['termination_date'])}, so the {forfeited:,} new shares will not be "
        "granted and the cancelled options stay cancelled. They are emailed a notice.",
    )
    return _back(offer, "terminations")


@require_POST
@staff_required
def termination_correction(request: HttpRequest, slug: str, employee_id: str) -> HttpResponse:
    """Before the new grants: a termination recorded with a wrong date, or in error, is corrected."""
    offer = _offer(slug)
    employee = get_object_or_404(Employee, employee_id=employee_id)
    form = TerminationCorrectionForm(request.POST)
    if not form.is_valid():
        return _refuse(request, offer, "terminations", form)
    try:
        correct_termination(
            offer,
            employee,
            termination_date=form.corrected_date,
            reason=form.cleaned_data["reason"],
            actor=request.user,  # type: ignore[arg-type]
            now=timezone.now(),
            request=request,
        )
    except ClosingError as error:
        return _refused_step(request, offer, "close.termination_correction", error, "terminations")
    if form.corrected_date is None:
        done = f"The termination of {employee.full_name} is withdrawn: the promised grant stands again"
    else:
        done = f"{employee.full_name}'s termination is corrected to {format_date(form.corrected_date)}"
    messages.success(request, f"{done}. They are emailed a corrected notice; the audit trail keeps both.")
    return _back(offer, "terminations")


@require_POST
@staff_required
def new_grants(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 4: the closing price, shown back with what it grants; confirmed, the new options are made."""
    offer = _offer(slug)
    form = NewGrantsForm(request.POST, offer=offer)
    if not form.is_valid():
        return _refuse(request, offer, "new-grants", form)
    price = form.cleaned_data["closing_price"]
    now = timezone.now()
    if not form.cleaned_data["confirmed"]:
        return _confirm_new_grants(request, offer, form, now)
    return _start(request, offer, StepRun.Step.NEW_GRANTS, closing_price=price)


def _confirm_new_grants(
    request: HttpRequest, offer: Offer, form: NewGrantsForm, now: datetime
) -> HttpResponse:
    closing = closing_of(offer)
    step = close_steps(offer, closing, now).new_grants
    if not step.is_available:
        done = closing and closing.new_grants_created_at
        note = (
            f"The new grants were already made on {format_instant(done, offer.zone)}." if done else step.note
        )
        return _refused_step(request, offer, "close.new_grants", note, "new-grants")
    context = _offer_context(
        offer,
        now,
        form=form,
        price=form.cleaned_data["closing_price"],
        pricing=pricing_in_words(offer),
        preview=new_grant_preview(offer),
    )
    return render(request, "console/closing/new_grants_confirm.html", context)


@require_POST
@staff_required
def correct_price(request: HttpRequest, slug: str) -> HttpResponse:
    """After step 4: a closing price typed wrong, shown back with what it changes; confirmed, every new
    option gets the corrected exercise price, while the rule allows (``PRICE_CORRECTION_RULE``)."""
    offer = _offer(slug)
    form = PriceCorrectionForm(request.POST, offer=offer)
    if not form.is_valid():
        return _refuse(request, offer, "correct-price", form)
    price, reason = form.cleaned_data["closing_price"], form.cleaned_data["reason"]
    now = timezone.now()
    if not form.cleaned_data["confirmed"]:
        return _confirm_correction(request, offer, form, now)
    return _start(request, offer, StepRun.Step.PRICE_CORRECTION, closing_price=price, reason=reason)


def _confirm_correction(
    request: HttpRequest, offer: Offer, form: PriceCorrectionForm, now: datetime
) -> HttpResponse:
    refusal = correction_problem(offer, closing_of(offer), form.cleaned_data["closing_price"])
    if refusal:
        messages.error(request, refusal)
        return _back(offer, "correct-price")
    context = _offer_context(
        offer,
        now,
        form=form,
        price=form.cleaned_data["closing_price"],
        pricing=pricing_in_words(offer),
        granted=new_grant_totals(offer),
        rule=PRICE_CORRECTION_RULE,
    )
    return render(request, "console/closing/correct_price_confirm.html", context)


@method_decorator(staff_required, name="dispatch")
class TenderList(ListView):
    """Every participant's tender with its letter, 50 a page; reloads itself while letters are made."""

    template_name = "console/closing/tenders.html"
    paginate_by = LIST_PAGE_SIZE

    def get_queryset(self) -> QuerySet[Tender]:
        self.offer = _offer(self.kwargs["slug"])
        self.form = TenderSearchForm(self.request.GET)
        cleaned = self.form.cleaned_data if self.form.is_valid() else {}
        return tender_rows(self.offer, shown=cleaned.get("shown", ""), query=cleaned.get("q", "").strip())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        closing = closing_of(self.offer)
        progress = letter_progress(self.offer)
        self.refresh = bool(closing and closing.letters_requested_at and not progress.is_complete)
        return context | _offer_context(
            self.offer,
            timezone.now(),
            form=self.form,
            closing=closing,
            progress=progress,
            refresh=self.refresh,
        )

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        if self.refresh:
            response["Refresh"] = str(REFRESH_SECONDS)
        return response


tenders = TenderList.as_view()


@require_POST
@staff_required
def letter_pdf(request: HttpRequest, slug: str, employee_id: str) -> FileResponse:
    """The participant's promise-to-grant letter as it was issued and emailed; 404 until it exists. A POST,
    as every audited download is."""
    letter = get_object_or_404(
        PromiseLetter.objects.select_related("tender__offer", "tender__employee"),
        tender__offer__slug=slug,
        tender__employee__employee_id=employee_id,
    )
    try:
        handle = letter.pdf.open("rb")
    except FileNotFoundError:
        raise Http404("The letter's file is missing from storage.") from None
    record_download(
        request,
        letter.tender.offer,
        export="promise-letter",
        fmt="pdf",
        subject=letter.tender,
        sha256=letter.sha256,
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"promise-to-grant-{slug}-{employee_id}.pdf",
        content_type="application/pdf",
    )


@method_decorator(staff_required, name="dispatch")
class NewGrantList(ListView):
    """The new options granted, 50 a page, each with the old grant it replaces."""

    template_name = "console/closing/new_grants.html"
    paginate_by = LIST_PAGE_SIZE

    def get_queryset(self) -> QuerySet[NewGrant]:
        self.offer = _offer(self.kwargs["slug"])
        return new_grants_of(self.offer)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        return context | _offer_context(
            self.offer,
            timezone.now(),
            closing=closing_of(self.offer),
            granted=new_grant_totals(self.offer),
            forfeited_count=forfeited_tenders(self.offer).count(),
        )


new_grant_list = NewGrantList.as_view()
