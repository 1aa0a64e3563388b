"""The portal's URLs and one page that fails, for the error page tests."""

from django.contrib.sessions.exceptions import SessionInterrupted
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import path

from soxp_portal.urls import handler400  # noqa: F401  # the portal's handlers, in this URLconf
from soxp_portal.urls import urlpatterns as portal_urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("A page that fails, for the 500 page.")


def session_lost(request: HttpRequest) -> HttpResponse:
    raise SessionInterrupted("The request's session was deleted before the request completed.")


def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation("A request that is not acceptable.")


urlpatterns = [
    path("test/broken/", broken),
    path("test/session-lost/", session_lost),
    path("test/suspicious/", suspicious),
    *portal_urlpatterns,
]
