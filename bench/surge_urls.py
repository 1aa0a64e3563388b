"""The portal's URLs and bench/surge.py's two reference views, measured beside the pages in each run.

A: no database and no template, the floor of a request through the portal's middleware.
B: one primary-key SELECT and a small template, what a page that does almost nothing costs.
"""

from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from soxp_portal.offers.models import Offer
from soxp_portal.urls import handler403  # noqa: F401 (the portal's 403 page)
from soxp_portal.urls import urlpatterns as portal_urlpatterns

_SMALL = engines["django"].from_string(
    "<!doctype html><title>{{ offer.name }}</title><h1>{{ offer.name }}</h1>"
    "<p>Open until {{ offer.expires_at|date:'DATETIME_FORMAT' }}.</p>"
)


def reference_a(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"<!doctype html><title>A</title><p>A</p>")


def reference_b(request: HttpRequest, pk: int) -> HttpResponse:
    offer = Offer.objects.only("name", "expires_at").get(pk=pk)
    return HttpResponse(_SMALL.render({"offer": offer}))


urlpatterns = [
    path("bench/a/", reference_a),
    path("bench/b/<int:pk>/", reference_b),
    *portal_urlpatterns,
]
