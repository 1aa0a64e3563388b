"""The portal's URLs and bench/surge.py's two reference views, measured beside the pages in each run.

A: no database and no template, the floor of a request through the portal's middleware.
B: one primary-key SELECT and a small template, what a page that does almost nothing costs.
C: the floor of an employee's page: signed in (the session and the user), the employee's row, and the
   portal's base layout around one heading.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.template import engines
from django.urls import path

from soxp_portal.offers.models import Employee, Offer
from soxp_portal.urls import handler403  # noqa: F401 (the portal's 403 page)
from soxp_portal.urls import urlpatterns as portal_urlpatterns

_SMALL = engines["django"].from_string(
    "<!doctype html><title>{{ offer.name }}</title><h1>{{ offer.name }}</h1>"
    "<p>Open until {{ offer.expires_at|date:'DATETIME_FORMAT' }}.</p>"
)

_BASE_LAYOUT = engines["django"].from_string(
    '{% extends "base.html" %}{% block content %}<h1>{{ employee.first_name }}</h1>{% endblock %}'
)


def reference_a(request: HttpRequest) -> HttpResponse:
    return HttpResponse(b"<!doctype html><title>A</title><p>A</p>")


def reference_b(request: HttpRequest, pk: int) -> HttpResponse:
    offer = Offer.objects.only("name", "expires_at").get(pk=pk)
    return HttpResponse(_SMALL.render({"offer": offer}))


@login_required
def reference_c(request: HttpRequest) -> HttpResponse:
    employee = Employee.objects.get(user=request.user)
    return HttpResponse(_BASE_LAYOUT.render({"employee": employee}, request))


urlpatterns = [
    path("bench/a/", reference_a),
    path("bench/b/<int:pk>/", reference_b),
    path("bench/c/", reference_c),
    *portal_urlpatterns,
]
