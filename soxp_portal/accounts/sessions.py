"""The session as an idle time-out, renewed at most once every SESSION_RENEW_SECONDS.

A session lives SESSION_COOKIE_AGE after it was last saved. Saving it on every request
(SESSION_SAVE_EVERY_REQUEST) makes that age an exact idle time-out, but costs an UPDATE and a commit
on every page an employee opens, most of a page's cost at a deadline hour (docs/performance.md,
bench/surge.py). Instead, a request renews the session only when its last renewal is at least
SESSION_RENEW_SECONDS old: a session then ends between SESSION_COOKIE_AGE - SESSION_RENEW_SECONDS and
SESSION_COOKIE_AGE after the last request, and a signed-in employee's pages write nothing in between.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

RENEWED_AT = "_soxp_renewed_at"


class SessionRenewalMiddleware:
    """Marks a used, non-empty session modified once its last renewal is SESSION_RENEW_SECONDS old, so
    that Django's SessionMiddleware (listed before this one, so it answers after) saves it with a new
    expiry and sends the cookie again."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if session.accessed and not session.modified and not session.is_empty():
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= settings.SESSION_RENEW_SECONDS:
                session[RENEWED_AT] = now
        return response
