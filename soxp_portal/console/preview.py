"""The stock administrator's preview of an offer's employee pages, for one employee of the census.

Employees cannot see an offer before it opens (their pages are a 404), so this is where the
administrator checks what each will read: the overview, My options and Compare, built by the same
``portal.pages`` as the employee's own pages. It is read-only: the pages are marked Preview, leave out
every way to make, change or withdraw an election, and answer only GET (URLs under
/console/offers/<slug>/, stock administrators only).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from soxp_portal.console.forms_watch import PreviewForm
from soxp_portal.console.views import staff_required
from soxp_portal.offers.models import Employee, Offer
from soxp_portal.portal.pages import PageLinks, compare_context, grants_context, overview_context


def preview_links(offer: Offer, employee: Employee) -> PageLinks:
    """The preview's own pages for `employee`, so moving between them stays in the preview."""
    args = [offer.slug, employee.employee_id]
    return PageLinks(
        overview=reverse("console:preview-overview", args=args),
        grants=reverse("console:preview-grants", args=args),
        compare=reverse("console:preview-compare", args=args),
    )


def _offer_and_employee(slug: str, employee_id: str) -> tuple[Offer, Employee]:
    offer = get_object_or_404(Offer.objects.select_related("new_option_plan"), slug=slug)
    return offer, get_object_or_404(Employee, employee_id=employee_id)


@require_safe
@staff_required
def choose(request: HttpRequest, slug: str) -> HttpResponse:
    """Whose pages to preview; a known employee id goes straight to their overview."""
    offer = get_object_or_404(Offer, slug=slug)
    form = PreviewForm(request.GET or None)
    if form.is_valid():
        employee = form.cleaned_data["employee"]
        return redirect("console:preview-overview", slug=offer.slug, employee_id=employee.employee_id)
    status = 400 if form.is_bound else 200
    return render(request, "console/watch/preview.html", {"offer": offer, "form": form}, status=status)


def _preview_context(slug: str, employee_id: str, build: Callable[..., dict]) -> dict:
    """``build`` (one of ``portal.pages``' contexts) for the employee, with the preview's own links."""
    offer, employee = _offer_and_employee(slug, employee_id)
    return build(offer, employee, links=preview_links(offer, employee), preview_of=employee)


@require_safe
@staff_required
def overview(request: HttpRequest, slug: str, employee_id: str) -> HttpResponse:
    return render(request, "portal/home.html", _preview_context(slug, employee_id, overview_context))


@require_safe
@staff_required
def grants(request: HttpRequest, slug: str, employee_id: str) -> HttpResponse:
    context = _preview_context(slug, employee_id, partial(grants_context, query=request.GET))
    return render(request, "portal/grants.html", context)


@require_safe
@staff_required
def compare(request: HttpRequest, slug: str, employee_id: str) -> HttpResponse:
    context = _preview_context(slug, employee_id, partial(compare_context, query=request.GET))
    return render(request, "portal/compare.html", context, status=400 if context["errors"] else 200)
