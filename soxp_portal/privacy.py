"""No copy of a portal page or download is kept by a browser or a shared proxy.

Every page is personal or carries a sign-in form (with its CSRF token): an employee's grants and
elections, their PDFs and letters, the console's exports and the audit CSV. A copy left in the
browser's cache (a shared computer) or in a proxy's would outlive the session, so every response that
does not say otherwise is marked ``no-store``. Static files are served by WhiteNoise before this runs
and keep their long cache lifetimes.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response
