"""The portal's URLs and one page that fails, for the error page tests."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from soxp_portal.urls import urlpatterns as portal_urlpatterns


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("A page that fails, for the 500 page.")


urlpatterns = [path("test/broken/", broken), *portal_urlpatterns]
