"""Watching one offer: participation at a glance."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from soxp_portal.console.views import staff_required
from soxp_portal.offers.models import Offer


@staff_required
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    offer = get_object_or_404(Offer, slug=slug)
    return render(request, "console/dashboard.html", {"offer": offer})
