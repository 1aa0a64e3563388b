"""Setting up offers: terms, contacts, documents and decision support, the extension, the census and
invitations.

Views stay thin (STYLE.md): they check the role, load the offer, validate a form, call one action
from ``offers.actions`` (or ``import_census``) and turn a refusal into a message.

The census is checked in a dry run before it is imported. The two files of the dry run are kept on
the server (``MEDIA_ROOT/census/<uuid>/``) until the administrator confirms, and the confirm imports
exactly those bytes: asking for the files again would let a different file be confirmed than the
one whose dry run was read. The uuid is only honoured for the session that uploaded it (and the
files' SHA-256 must still match), and the import on confirm checks everything again, all or nothing.
"""

from __future__ import annotations

import hashlib
import shutil
import time
import uuid
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.views.decorators.http import require_POST

from soxp_portal.accounts.invitations import users_awaiting_invitation
from soxp_portal.console.forms_setup import (
    BasePriceBandFormSet,
    CensusConfirmForm,
    CensusUploadForm,
    ContactFormSet,
    DecisionSupportForm,
    DocumentForm,
    ExtensionForm,
    InvitationsForm,
    OfferTermsForm,
    PriceBandFormSet,
    RatiosForm,
    band_initial,
    short_window_warning,
)
from soxp_portal.console.views import record_download, record_refusal, staff_required
from soxp_portal.documents.how_it_works import explanation, render_explanation
from soxp_portal.offers.actions import (
    BUSINESS_DAYS_AFTER_RATIO_CHANGE,
    OfferError,
    PriceBandError,
    add_offer_document,
    business_days_left,
    create_offer,
    decision_support_locked_message,
    extend_offer,
    extension_effect,
    ratio_change_refusal,
    remove_offer_document,
    set_band_ratios,
    set_decision_support,
    set_offer_contacts,
    terms_locked_message,
    update_offer_terms,
)
from soxp_portal.offers.census import CensusImportError, import_census, summarise_errors, write_errors_csv
from soxp_portal.offers.models import Offer, OfferDocument
from soxp_portal.offers.participation import tender_figures
from soxp_portal.offers.ratios import band_name, price_basis_words, ratio_proposals
from soxp_portal.offers.tasks import send_pending_invitations
from soxp_portal.rules.eligibility import band_in_words
from soxp_portal.rules.ratios import BandProposal, band_keys, ratio_in_words
from soxp_portal.rules.terms import AWARD_PLURALS, RatioStage
from soxp_portal.rules.wording import format_instant, format_shares

CENSUS_SESSION_KEY = "console_census_uploads"
CENSUS_FILES = ("employees", "grants")
CENSUS_UPLOAD_LIFETIME = 24 * 60 * 60  # seconds an unconfirmed upload (or a list of errors) is kept
CENSUS_ERRORS_SESSION_KEY = "console_census_errors"
CENSUS_ERRORS_FILE = "errors.csv"


def _terms_page(
    request: HttpRequest, form: OfferTermsForm, bands: BasePriceBandFormSet, offer: Offer | None, **extra: Any
) -> HttpResponse:
    context = {
        "form": form,
        "bands": bands,
        "offer": offer,
        "warning": offer and short_window_warning(offer),
        **extra,
    }
    return render(request, "console/setup/offer_form.html", context)


def _bands_formset(request: HttpRequest, form: OfferTermsForm, offer: Offer | None) -> BasePriceBandFormSet:
    """The offer's price bands beside its terms: as saved (by award type, then lower end) when shown."""
    if request.method == "POST":
        return PriceBandFormSet(request.POST, terms=form, prefix="bands")
    saved = offer.terms.price_bands if offer else ()
    bands = PriceBandFormSet(initial=[band_initial(band) for band in saved], terms=form, prefix="bands")
    bands.name_rows(bands.forms[: len(saved)], saved)
    return bands


def _refused(
    request: HttpRequest,
    offer: Offer | None,
    action: str,
    error: OfferError,
    form: OfferTermsForm,
    bands: BasePriceBandFormSet,
) -> None:
    """The action's refusal beside what it is about: the bands' problems above the bands."""
    record_refusal(request, offer, action=action, reason=str(error))
    if isinstance(error, PriceBandError):
        bands.non_form_errors().append(str(error))
    else:
        form.add_error(None, str(error))


def _saved(request: HttpRequest, offer: Offer, message: str) -> HttpResponse:
    """Back to the terms, which show the 20-business-day warning for as long as it applies."""
    messages.success(request, message)
    return redirect("console:offer-edit", slug=offer.slug)


@staff_required
def offer_create(request: HttpRequest) -> HttpResponse:
    form = OfferTermsForm(request.POST or None)
    bands = _bands_formset(request, form, None)
    if request.method == "POST" and all([form.is_valid(), bands.is_valid()]):
        try:
            offer = create_offer(
                form.term_values(),
                covered_plans=form.cleaned_data["covered_plans"],
                price_bands=bands.bands(),
                actor=request.user,  # type: ignore[arg-type]
                request=request,
            )
        except OfferError as error:
            _refused(request, None, "offer.create", error, form, bands)
        else:
            return _saved(
                request,
                offer,
                f"The offer {offer.name} is set up; it opens {format_instant(offer.opens_at, offer.zone)}.",
            )
    return _terms_page(request, form, bands, None)


@staff_required
def offer_edit(request: HttpRequest, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer, slug=slug)
    locked = terms_locked_message(offer, timezone.now())
    if locked:
        if request.method == "POST":
            record_refusal(request, offer, action="offer.edit", reason=locked)
            messages.error(request, locked)
            return redirect("console:offer-edit", slug=offer.slug)
        return render(request, "console/setup/offer_locked.html", {"offer": offer, "locked": locked})
    form = OfferTermsForm(request.POST or None, instance=get_object_or_404(Offer, pk=offer.pk))
    bands = _bands_formset(request, form, offer)
    if request.method == "POST" and all([form.is_valid(), bands.is_valid()]):
        try:
            changes = update_offer_terms(
                offer,
                form.term_values(),
                covered_plans=form.cleaned_data["covered_plans"],
                price_bands=bands.bands(),
                actor=request.user,  # type: ignore[arg-type]
                request=request,
            )
        except OfferError as error:
            _refused(request, offer, "offer.edit", error, form, bands)
        else:
            if not changes:
                messages.info(request, "Nothing was changed.")
                return redirect("console:offer-edit", slug=offer.slug)
            return _saved(request, offer, f"Saved: {', '.join(name.replace('_', ' ') for name in changes)}.")
    return _terms_page(request, form, bands, offer)


@staff_required
def offer_documents(request: HttpRequest, slug: str) -> HttpResponse:
    """The contacts, documents and decision support employees see; they are not terms, so they may
    change while the offer is open."""
    offer = get_object_or_404(Offer, slug=slug)
    posted = request.POST.get("form")
    contacts = (
        ContactFormSet(request.POST) if posted == "contacts" else ContactFormSet(initial=offer.contacts)
    )
    document = DocumentForm(request.POST if posted == "document" else None, request.FILES or None)
    decision_support = DecisionSupportForm(
        request.POST if posted == "decision-support" else None, offer=offer
    )
    actor = request.user
    if posted == "decision-support" and decision_support.is_valid():
        try:
            changed = set_decision_support(
                offer,
                **decision_support.values(),
                actor=actor,  # type: ignore[arg-type]
                request=request,
            )
        except OfferError as error:
            record_refusal(request, offer, action="offer.decision_support", reason=str(error))
            decision_support.add_error(None, str(error))
        else:
            messages.success(
                request,
                "The decision support is saved; employees see it on their Compare page."
                if changed
                else "The decision support was already so.",
            )
            return redirect("console:offer-documents", slug=offer.slug)
    if posted == "contacts" and contacts.is_valid():
        changed = set_offer_contacts(offer, contacts.contacts(), actor=actor, request=request)  # type: ignore[arg-type]
        messages.success(request, "The contacts are saved." if changed else "The contacts were already so.")
        return redirect("console:offer-documents", slug=offer.slug)
    if posted == "document" and document.is_valid():
        upload = document.cleaned_data["file"]
        add_offer_document(
            offer,
            title=document.cleaned_data["title"],
            content=upload.read(),
            filename=Path(upload.name).name,
            actor=actor,  # type: ignore[arg-type]
            request=request,
        )
        messages.success(request, f"{document.cleaned_data['title']} is posted for employees.")
        return redirect("console:offer-documents", slug=offer.slug)
    context = {
        "offer": offer,
        "contacts": contacts,
        "document_form": document,
        "documents": offer.documents.all(),
        "decision_support": decision_support,
        "decision_support_locked": decision_support_locked_message(offer, timezone.now()),
    }
    return render(request, "console/setup/documents.html", context)


@staff_required
@require_POST
def offer_how_it_works_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """What employees read first among the offer's documents, with the generic example instead of an
    employee's grant: the administrator sees the explanation the terms produce. A POST, as every audited
    download is."""
    offer = get_object_or_404(Offer.objects.select_related("new_option_plan"), slug=slug)
    explained = explanation(offer, None, now=timezone.now())
    record_download(request, offer, export="how-it-works", fmt="pdf")
    response = HttpResponse(render_explanation(explained), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{explained.filename}"'
    return response


@staff_required
def offer_document(request: HttpRequest, slug: str, pk: int) -> FileResponse:
    """A posted document as employees open it, at any time: before the offer opens, employees cannot
    see it (their page is a 404), but the administrator checks what will be posted."""
    document = get_object_or_404(OfferDocument, offer__slug=slug, pk=pk)
    return FileResponse(
        document.file.open("rb"), as_attachment=False, filename=document.file.name.rsplit("/", 1)[-1]
    )


@require_POST
@staff_required
def offer_document_delete(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    document = get_object_or_404(OfferDocument, offer__slug=slug, pk=pk)
    remove_offer_document(document, actor=request.user, request=request)  # type: ignore[arg-type]
    messages.success(request, f"{document.title} is no longer shown to employees.")
    return redirect("console:offer-documents", slug=slug)


def _extension_drafts(offer: Offer, form: ExtensionForm, now: datetime) -> dict[str, Any]:
    """The effect of the new deadline, the figures so far and the drafts of the notice and announcement."""
    figures = tender_figures(offer, now=now)
    context = {
        "offer": offer,
        "effect": extension_effect(offer, form.cleaned_data["new_expires_at"]),
        "current": extension_effect(offer, offer.expires_at),
        "figures": figures,
        "tendered": format_shares(figures.tendered_shares),
        "eligible": format_shares(figures.eligible_shares),
        "now": now,
    }
    return {
        **context,
        "notice": render_to_string("console/setup/_notice.txt", context),
        "announcement_draft": render_to_string("console/setup/_announcement.txt", context),
    }


@staff_required
def offer_extend(request: HttpRequest, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer, slug=slug)
    now = timezone.now()
    form = ExtensionForm(request.POST or None, offer=offer, now=now)
    context: dict[str, Any] = {"offer": offer, "form": form, "ratio_days": BUSINESS_DAYS_AFTER_RATIO_CHANGE}
    if request.method != "POST" or not form.is_valid():
        if form.deadline_refusal:
            record_refusal(request, offer, action="offer.extend", reason=" ".join(form.deadline_refusal))
        return render(request, "console/setup/extend.html", context)
    announcement = form.cleaned_data["announcement"].strip()
    if form.cleaned_data["confirmed"] and announcement:
        try:
            extend_offer(
                offer,
                form.cleaned_data["new_expires_at"],
                reason=form.cleaned_data["reason"],
                announcement=announcement,
                actor=request.user,  # type: ignore[arg-type]
                now=now,
                request=request,
            )
        except OfferError as error:
            record_refusal(request, offer, action="offer.extend", reason=str(error))
            messages.error(request, str(error))
            return redirect("console:offer-extend", slug=offer.slug)
        messages.success(
            request, "The offer is extended; employees see the announcement and are being emailed."
        )
        return redirect("console:dashboard", slug=offer.slug)
    drafts = _extension_drafts(offer, form, now)
    if form.cleaned_data["confirmed"]:
        form.add_error("announcement", "Write the announcement employees will read.")
    else:
        form.data = form.data.copy()
        form.data["announcement"] = drafts["announcement_draft"]
    return render(request, "console/setup/extend_preview.html", {**context, **drafts})


def _census_folder(key: str) -> Path:
    return Path(settings.MEDIA_ROOT) / "census" / key


def _digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for name in CENSUS_FILES:
        digest.update((folder / f"{name}.csv").read_bytes())
    return digest.hexdigest()


def _discard_old_uploads() -> None:
    root = Path(settings.MEDIA_ROOT) / "census"
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and time.time() - folder.stat().st_mtime > CENSUS_UPLOAD_LIFETIME:
                shutil.rmtree(folder, ignore_errors=True)


def _keep_upload(request: HttpRequest, form: CensusUploadForm) -> str:
    """Saves the dry run's bytes for the confirm, bound to this session (see the module docstring)."""
    _discard_old_uploads()
    key = str(uuid.uuid4())
    folder = _census_folder(key)
    folder.mkdir(parents=True, mode=0o700)
    names = {}
    for name in CENSUS_FILES:
        upload = form.cleaned_data[name]
        upload.seek(0)
        (folder / f"{name}.csv").write_bytes(upload.read())
        names[name] = Path(upload.name).name
    uploads = request.session.get(CENSUS_SESSION_KEY, {})
    uploads[key] = {"names": names, "sha256": _digest(folder)}
    request.session[CENSUS_SESSION_KEY] = uploads
    return key


def _census_run(form_files: dict[str, Any], names: dict[str, str], **options: Any) -> Any:
    return import_census(
        form_files["employees"],
        form_files["grants"],
        employees_name=names["employees"],
        grants_name=names["grants"],
        **options,
    )


def _rejected(request: HttpRequest, error: CensusImportError, *, on_confirm: bool = False) -> HttpResponse:
    """The errors summarised by file, column and kind (a realistic mistake repeats on thousands of
    rows), with every error in a CSV kept for this session to download."""
    _discard_old_uploads()
    key = str(uuid.uuid4())
    folder = _census_folder(key)
    folder.mkdir(parents=True, mode=0o700)
    with (folder / CENSUS_ERRORS_FILE).open("w", encoding="utf-8", newline="") as out:
        write_errors_csv(error.errors, out)
    request.session[CENSUS_ERRORS_SESSION_KEY] = [*request.session.get(CENSUS_ERRORS_SESSION_KEY, []), key][
        -5:
    ]
    context = {
        "form": CensusUploadForm(),
        "error_count": len(error.errors),
        "groups": summarise_errors(error.errors),
        "errors_key": key,
        "on_confirm": on_confirm,
    }
    return render(request, "console/setup/census.html", context)


@staff_required
def census_errors(request: HttpRequest, key: uuid.UUID) -> FileResponse:
    """Every error of a rejected census, as CSV; only to the session that uploaded it."""
    path = _census_folder(str(key)) / CENSUS_ERRORS_FILE
    if str(key) not in request.session.get(CENSUS_ERRORS_SESSION_KEY, []) or not path.is_file():
        raise Http404("That list of errors is not available any more: upload the files again.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename="census-errors.csv",
        content_type="text/csv; charset=utf-8",
    )


@staff_required
def census(request: HttpRequest) -> HttpResponse:
    """Upload, then a dry run: what would be new, changed and unchanged, or every error located."""
    form = CensusUploadForm(request.POST or None, request.FILES or None)
    if request.method != "POST" or not form.is_valid():
        return render(request, "console/setup/census.html", {"form": form})
    files = {name: form.cleaned_data[name] for name in CENSUS_FILES}
    names = {name: Path(files[name].name).name for name in CENSUS_FILES}
    try:
        plan = _census_run(files, names, dry_run=True)
    except CensusImportError as error:
        return _rejected(request, error)
    key = _keep_upload(request, form)
    context = {
        "summary": plan.summary(),
        "names": names,
        "confirm": CensusConfirmForm(initial={"upload": key}),
    }
    return render(request, "console/setup/census_dry_run.html", context)


@require_POST
@staff_required
def census_confirm(request: HttpRequest) -> HttpResponse:
    form = CensusConfirmForm(request.POST)
    uploads = request.session.get(CENSUS_SESSION_KEY, {})
    key = str(form.cleaned_data["upload"]) if form.is_valid() else ""
    folder = _census_folder(key) if key else None
    kept = uploads.pop(key, None)
    request.session[CENSUS_SESSION_KEY] = uploads
    if kept is None or folder is None or not folder.is_dir() or _digest(folder) != kept["sha256"]:
        messages.error(
            request, "That dry run is not available any more (or not to you): upload the files again."
        )
        return redirect("console:census")
    try:
        with (folder / "employees.csv").open("rb") as employees, (folder / "grants.csv").open("rb") as grants:
            files = {"employees": employees, "grants": grants}
            plan = _census_run(files, kept["names"], actor=request.user, request=request)
    except CensusImportError as error:
        return _rejected(request, error, on_confirm=True)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    counts = plan.summary()
    messages.success(
        request,
        f"The census is imported: employees {counts['employees_new']} new, {counts['employees_changed']} "
        f"changed; grants {counts['grants_new']} new, {counts['grants_changed']} changed.",
    )
    return redirect("console:invitations")


@staff_required
def invitations(request: HttpRequest) -> HttpResponse:
    count = users_awaiting_invitation().count()
    form = InvitationsForm(request.POST or None, initial={"count": count})
    if request.method != "POST":
        return render(request, "console/setup/invitations.html", {"form": form, "count": count})
    if not form.is_valid() or form.cleaned_data["count"] != count:
        messages.warning(
            request, f"{count} employee(s) now await an invitation; check the number and send again."
        )
        return redirect("console:invitations")
    result = send_pending_invitations.enqueue(
        actor_id=request.user.pk, base_url=request.build_absolute_uri("/")
    )
    if result.status == "SUCCESSFUL":
        messages.success(request, f"Sent {result.return_value} invitation(s).")
    else:
        messages.success(request, f"{count} invitation(s) are being sent.")
    return redirect("console:invitations")


def _ratio_rows(offer: Offer, proposals: list[BandProposal]) -> list[dict[str, Any]]:
    """Each band's working as the page lays it out: its prices and current ratio beside the proposal."""
    return [
        {
            "name": band_name(proposal.key),
            "award": AWARD_PLURALS[proposal.award],
            "prices": band_in_words(proposal.band),
            "current": ratio_in_words(proposal.band.new_shares, proposal.band.for_tendered),
            "basis": price_basis_words(proposal),
            "proposal": proposal,
            "proposed": None
            if proposal.tendered_per_new is None
            else ratio_in_words(Decimal(1), proposal.tendered_per_new),
            "field": f"expected_{proposal.key[0].value}_{proposal.key[1]}",
        }
        for proposal in proposals
    ]


@staff_required
def offer_ratios(request: HttpRequest, slug: str) -> HttpResponse:
    """Exchange ratios from value: the valuation inputs, each band's Black-Scholes working and proposed
    ratio, saved as preliminary or final by ``set_band_ratios`` (which checks the time left)."""
    offer = get_object_or_404(Offer, slug=slug)
    now = timezone.now()
    latest = offer.ratio_settings.order_by("-set_at", "-pk").first()
    form = RatiosForm(request.POST or None, offer=offer, initial_inputs=latest.inputs if latest else None)
    rows = None
    if offer.terms.price_bands and request.method == "POST" and form.is_valid():
        if request.POST.get("action") == "save":
            try:
                set_band_ratios(
                    offer,
                    form.inputs(),
                    stage=RatioStage(form.cleaned_data["stage"]),
                    old_terms=form.old_terms(),
                    expected=form.expected(),
                    actor=request.user,  # type: ignore[arg-type]
                    now=now,
                    request=request,
                )
            except OfferError as error:
                record_refusal(request, offer, action="offer.ratios", reason=str(error))
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    "The ratios are saved and announced; the employees whose election they change are being "
                    "emailed their new figures.",
                )
                return redirect("console:offer-ratios", slug=offer.slug)
        rows = _ratio_rows(offer, ratio_proposals(offer, form.inputs(), old_terms=form.old_terms(), now=now))
    context = {
        "offer": offer,
        "form": form,
        "rows": rows,
        "can_save": rows is not None and all(row["proposed"] for row in rows),
        "refusal": ratio_change_refusal(offer, now) if offer.terms.price_bands else None,
        "days_left": business_days_left(offer, now),
        "ratio_days": BUSINESS_DAYS_AFTER_RATIO_CHANGE,
        "current_bands": [
            (
                band_name(key),
                AWARD_PLURALS[key[0]],
                band_in_words(band),
                ratio_in_words(band.new_shares, band.for_tendered),
            )
            for key, band in zip(band_keys(offer.terms.price_bands), offer.terms.price_bands, strict=True)
        ],
        "settings": offer.ratio_settings.select_related("set_by").order_by("-set_at", "-pk")[:20],
    }
    return render(request, "console/setup/ratios.html", context)
