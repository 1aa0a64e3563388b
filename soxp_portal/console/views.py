"""The console's entry: the offers an administrator runs."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from soxp_portal.accounts.roles import Role, role_required
from soxp_portal.offers.models import Offer
from soxp_portal.rules import window

staff_required = role_required(Role.STOCK_ADMINISTRATOR)


@staff_required
def offers(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        (offer, "closed" if offer.closed_at else window.phase(offer.terms, now).value)
        for offer in Offer.objects.prefetch_related("covered_plans").order_by("-opens_at")
    ]
    return render(request, "console/offers.html", {"rows": rows})
