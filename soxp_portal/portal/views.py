"""Employee pages: the offer at a glance, option status, election, withdrawal, history and PDFs.

Every page is scoped to the signed-in employee (``request.employee``): an election of someone else
is a 404, and so is every page of an offer that has not opened yet. Views stay thin: they read
through ``offers.queries`` and ``portal.pages`` (shared with the administrator's preview) and change
state only through ``offers.actions``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from soxp_portal.accounts.roles import employee_required, is_stock_administrator
from soxp_portal.audit.models import AuditEventType
from soxp_portal.audit.repeats import record_repeatable
from soxp_portal.closing.letters import letter_filename
from soxp_portal.closing.models import PromiseLetter, Tender
from soxp_portal.documents.compare import compare_document, render_compare
from soxp_portal.documents.elections import audit_hash_for, render_election_document
from soxp_portal.documents.how_it_works import Explanation, explanation, render_explanation
from soxp_portal.offers.actions import ElectionError, InvalidElection, submit_election, withdraw_election
from soxp_portal.offers.models import Election, Offer, OfferDocument
from soxp_portal.offers.queries import (
    EmployeeStatus,
    current_election,
    current_offer,
    election_history,
    election_in_force,
    election_preview,
    election_record,
    elections_of,
    employee_status,
    is_in_force,
    offers_open_to_employees,
    shares_tendered_in,
)
from soxp_portal.portal.forms import TENDER_PREFIX, ConfirmElectionForm, TenderForm, WithdrawForm
from soxp_portal.portal.pages import (
    compare_context,
    employee_links,
    grants_context,
    overview_context,
    page_context,
)
from soxp_portal.rules.exchange import ElectionProblem, tenders_nothing, validate_election


def home(request: HttpRequest) -> HttpResponse:
    """Sends each person where they work: employees to their current offer, stock administrators to
    the console, auditors (who are not also stock administrators) to the audit trail."""
    from soxp_portal.accounts.roles import is_auditor  # local: this change is limited to home()

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if hasattr(request.user, "employee"):
        offer = current_offer(timezone.now(), request.user.employee)
        if offer is None:
            return render(request, "portal/no_offer.html")
        return redirect("portal:offer", slug=offer.slug)
    if is_stock_administrator(request.user):
        return redirect("console:home")
    if is_auditor(request.user):
        return redirect("console:audit-events")
    if request.user.is_staff:
        return redirect("admin:index")
    raise PermissionDenied("This account is not an employee's.")


def _offer(slug: str) -> Offer:
    """The offer, if it has opened: before its opening an offer does not exist for employees (404), so
    neither its name nor its terms can be read by guessing its address."""
    offers = offers_open_to_employees(timezone.now()).select_related("new_option_plan")
    return get_object_or_404(offers, slug=slug)


def _context(
    request: HttpRequest, offer: Offer, status: EmployeeStatus | None = None, **extra: Any
) -> dict[str, Any]:
    """What every page shows (``pages.page_context``), for the signed-in employee."""
    now = timezone.now()
    if status is None:
        status = employee_status(offer, request.employee, now=now)
    return page_context(offer, status, now=now, links=employee_links(offer), **extra)


@employee_required
def offer_home(request: HttpRequest, slug: str) -> HttpResponse:
    offer = _offer(slug)
    context = overview_context(offer, request.employee, links=employee_links(offer))
    return render(request, "portal/home.html", context)


def _explanation_for(request: HttpRequest, slug: str) -> tuple[Offer, Explanation]:
    """The offer explained for the signed-in employee, eligible or not: anyone may read it (once the
    offer has opened, as every page of it)."""
    offer = _offer(slug)
    now = timezone.now()
    status = employee_status(offer, request.employee, now=now)
    return offer, explanation(offer, status, now=now)


@employee_required
@require_safe
def how_it_works(request: HttpRequest, slug: str) -> HttpResponse:
    """How the exchange works, from the offer's terms, with the employee's own grant as the example."""
    offer, explained = _explanation_for(request, slug)
    return render(request, "portal/how_it_works.html", _context(request, offer, explained=explained))


@employee_required
@require_safe
def how_it_works_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The same explanation as a PDF to keep, with the employee's own grant as the example."""
    _offer_shown, explained = _explanation_for(request, slug)
    response = HttpResponse(render_explanation(explained), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{explained.filename}"'
    return response


@require_POST
@employee_required
def promise_letter(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """The employee's own promise-to-grant letter, as stored when it was issued; anyone else's is a 404.
    Audited as ``document.downloaded`` (so a POST, see ``_record_download``)."""
    letter = get_object_or_404(
        PromiseLetter.objects.select_related("tender__offer", "tender__employee"),
        pk=pk,
        tender__offer=_offer(slug),
        tender__employee=request.employee,
    )
    _record_download(request, letter.tender, document="promise-letter", sha256=letter.sha256)
    return FileResponse(
        letter.pdf.open("rb"),
        as_attachment=True,
        filename=letter_filename(letter),
        content_type="application/pdf",
    )


@employee_required
def grants(request: HttpRequest, slug: str) -> HttpResponse:
    offer = _offer(slug)
    context = grants_context(offer, request.employee, request.GET, links=employee_links(offer))
    return render(request, "portal/grants.html", context)


@employee_required
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Keep against exchange at assumptions the employee types (``pages.compare_context``)."""
    offer = _offer(slug)
    context = compare_context(offer, request.employee, request.GET, links=employee_links(offer))
    return render(request, "portal/compare.html", context, status=400 if context["errors"] else 200)


def _tender_initial(
    election: Election | None, in_force: dict[str, int], status: EmployeeStatus
) -> dict[str, Any]:
    """The employee's own choices on record: each grant of an election in force as Exchange or Keep
    (`in_force`: grant id -> shares tendered).

    Without an election in force nothing is chosen, a lookback grant included (decision 2 binds it only
    once something else is tendered).
    """
    initial: dict[str, Any] = {"expected_version": election.version if election else 0}
    if election is not None and election.is_participating:
        initial |= {TENDER_PREFIX + item.grant.grant_id: 0 for item in status.eligible_grants}
        initial |= {TENDER_PREFIX + grant_id: shares for grant_id, shares in in_force.items()}
    return initial


def _elect_page(
    request: HttpRequest,
    offer: Offer,
    form: TenderForm,
    status: EmployeeStatus,
    *,
    election: Election | None,
    http_status: int = 200,
    problems: Sequence[ElectionProblem] = (),
    **extra: Any,
) -> HttpResponse:
    """The election form, with the rules' problems (each grant's also beside that grant); `election` is
    the version in force (``queries.election_in_force``)."""
    context = _context(
        request,
        offer,
        form=form,
        status=status,
        election=election,
        problems=problems,
        problem_grant_ids={problem.grant_id for problem in problems if problem.grant_id},
        **extra,
    )
    return render(request, "portal/elect.html", context, status=http_status)


@employee_required
def elect(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 1, the choice per grant; a valid POST shows step 2, the review (nothing is saved yet), and
    the review's "Change my choices" posts the choices back here to be shown again.

    Keep for every grant is not an election (decision 10): the page is shown again saying what that
    means, not taking part, and, with an election in force, how to withdraw it.
    """
    offer = _offer(slug)
    status = employee_status(offer, request.employee, now=timezone.now())
    if request.method != "POST":
        election = election_in_force(offer, request.employee)
        initial = _tender_initial(election, shares_tendered_in(election), status)
        form = TenderForm(initial=initial, status=status)
        return _elect_page(request, offer, form, status, election=election)
    form = TenderForm(request.POST, status=status)
    if "change" in request.POST:  # "Change my choices" on the review: the form again, as chosen
        election = election_in_force(offer, request.employee)
        http_status = 200 if form.is_valid() else 400
        return _elect_page(request, offer, form, status, election=election, http_status=http_status)
    if not form.is_valid():
        election = election_in_force(offer, request.employee)
        return _elect_page(request, offer, form, status, election=election, http_status=400)
    tendered = form.tendered()
    if tenders_nothing(tendered):
        election = election_in_force(offer, request.employee)
        in_force = list(shares_tendered_in(election))
        return _elect_page(request, offer, form, status, election=election, keeps_all=True, in_force=in_force)
    problems = validate_election(offer.terms, status.verdicts, status.outstanding, tendered)
    if problems:
        election = election_in_force(offer, request.employee)
        return _elect_page(
            request, offer, form, status, election=election, http_status=400, problems=problems
        )
    confirm = ConfirmElectionForm(
        initial={**form.cleaned_data, "submission_token": uuid.uuid4()}, status=status
    )
    preview = election_preview(status, tendered)
    return render(
        request, "portal/review.html", _context(request, offer, status, form=confirm, preview=preview)
    )


def _refused(request: HttpRequest, offer: Offer, error: ElectionError) -> HttpResponse:
    """The page for a refused election: why, and the election on record."""
    return render(
        request,
        "portal/refused.html",
        _context(request, offer, error=error, election=error.current),
        status=409,
    )


def _review_again(
    request: HttpRequest, offer: Offer, status: EmployeeStatus, form: ConfirmElectionForm
) -> HttpResponse:
    """The review posted with a mistake. Choices the rules refuse (a grant that is not the employee's, a
    split grant, nothing tendered) go back to the choice with the rules' reasons, as step 1 does; with
    the choices in order, the review is shown again with what is missing (an acknowledgement, the
    signature). Nothing is recorded either way."""
    tendered = form.tendered()
    problems = validate_election(offer.terms, status.verdicts, status.outstanding, tendered)
    choice_errors = any(name == "__all__" or name.startswith(TENDER_PREFIX) for name in form.errors)
    if problems or choice_errors:
        choice = TenderForm(request.POST, status=status)
        election = election_in_force(offer, request.employee)
        return _elect_page(
            request, offer, choice, status, election=election, http_status=400, problems=problems
        )
    preview = election_preview(status, tendered)
    context = _context(request, offer, status, form=form, preview=preview)
    return render(request, "portal/review.html", context, status=400)


@require_POST
@employee_required
def confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Step 2 posted: the election is submitted (or modified) with the server's time."""
    offer = _offer(slug)
    status = employee_status(offer, request.employee, now=timezone.now())
    form = ConfirmElectionForm(request.POST, status=status)
    if not form.is_valid():
        return _review_again(request, offer, status, form)
    try:
        election = submit_election(
            offer,
            request.employee,
            form.tendered(),
            actor=request.user,
            signature=form.cleaned_data["signature"],
            expected_version=form.cleaned_data["expected_version"],
            submission_token=form.cleaned_data["submission_token"],
            request=request,
        )
    except InvalidElection as error:
        form = TenderForm(request.POST, status=status)
        election = election_in_force(offer, request.employee)
        return _elect_page(
            request, offer, form, status, election=election, http_status=400, problems=error.problems
        )
    except ElectionError as error:
        return _refused(request, offer, error)
    messages.success(
        request, f"Your election is recorded. Confirmation number {election.confirmation_number}."
    )
    return redirect("portal:election", slug=offer.slug, confirmation=election.confirmation_number)


@employee_required
def withdraw(request: HttpRequest, slug: str) -> HttpResponse:
    offer = _offer(slug)
    election = current_election(offer, request.employee)
    form = WithdrawForm(
        request.POST or None, initial={"expected_version": election.version if election else 0}
    )
    if request.method == "POST" and form.is_valid():
        try:
            withdrawal = withdraw_election(
                offer,
                request.employee,
                actor=request.user,
                signature=form.cleaned_data["signature"],
                expected_version=form.cleaned_data["expected_version"],
                submission_token=form.cleaned_data["submission_token"],
                request=request,
            )
        except ElectionError as error:
            return _refused(request, offer, error)
        messages.success(
            request, f"Your withdrawal is recorded. Confirmation number {withdrawal.confirmation_number}."
        )
        return redirect("portal:election", slug=offer.slug, confirmation=withdrawal.confirmation_number)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "portal/withdraw.html", _context(request, offer, form=form, election=election), status=status
    )


@employee_required
def history(request: HttpRequest, slug: str) -> HttpResponse:
    offer = _offer(slug)
    elections = list(election_history(offer, request.employee))
    in_force = next((election for election in elections if election.takes_effect), None)
    context = _context(request, offer, elections=elections, in_force=in_force)
    return render(request, "portal/history.html", context)


def _own_election(request: HttpRequest, offer: Offer, confirmation: str) -> Election:
    return get_object_or_404(elections_of(offer, request.employee), confirmation_number=confirmation)


@employee_required
def election(request: HttpRequest, slug: str, confirmation: str) -> HttpResponse:
    offer = _offer(slug)
    shown = election_record(offer, request.employee, confirmation)
    if shown is None:
        raise Http404("No such election of yours.")
    context = _context(request, offer, election=shown, is_current=is_in_force(shown))
    return render(request, "portal/election.html", context)


@require_POST
@employee_required
def election_pdf(request: HttpRequest, slug: str, confirmation: str) -> HttpResponse:
    """The employee's own Election or Withdrawal Form of any version; audited as ``document.downloaded``."""
    offer = _offer(slug)
    shown = _own_election(request, offer, confirmation)
    pdf = render_election_document(shown, audit_hash=audit_hash_for(shown))
    _record_download(
        request,
        shown,
        document="election-form" if shown.is_participating else "withdrawal-form",
        confirmation_number=shown.confirmation_number,
        version=shown.version,
    )
    name = f"{shown.kind}-{shown.confirmation_number}.pdf"
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _record_download(request: HttpRequest, subject: Election | Tender, *, document: str, **data: Any) -> None:
    """An employee took a copy of their own form or letter: ``document.downloaded``, before it is sent.

    The download is a POST (a button with the CSRF token), so no page elsewhere can start it, and its
    repeats are limited (``audit.repeats``): an employee downloading a form a hundred times a minute
    adds a handful of events, not a hundred.
    """
    record_repeatable(
        AuditEventType.DOCUMENT_DOWNLOADED, request, subject=subject, data={"document": document, **data}
    )


@employee_required
def offer_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    document = get_object_or_404(OfferDocument, offer=_offer(slug), pk=pk)
    return FileResponse(
        document.file.open("rb"), as_attachment=False, filename=document.file.name.rsplit("/", 1)[-1]
    )


@employee_required
@require_safe
def compare_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The Compare page's analysis as a PDF, from the same context as the page (same query string).

    Assumptions the page would refuse, or nothing to compare yet, send the employee back to the page,
    which says why.
    """
    offer = _offer(slug)
    context = compare_context(offer, request.employee, request.GET, links=employee_links(offer))
    if context["errors"] or context["page"] is None:
        query = request.GET.urlencode()
        return redirect(f"{employee_links(offer).compare}{'?' + query if query else ''}")
    document = compare_document(offer, request.employee, now=timezone.now())
    response = HttpResponse(render_compare(context, document), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    return response
