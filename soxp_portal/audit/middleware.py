"""A request id on every request, so an audit event can be matched to the log lines of its request.

The middleware also makes the request being handled available to code that is not handed it, such as
the receivers that audit a change of roles made in Django's admin (``current_request``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from contextvars import ContextVar

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_current_request: ContextVar[HttpRequest | None] = ContextVar("soxp_current_request", default=None)


def channel_of(request: HttpRequest | None) -> str:
    """The audit channel of an action: online when a request carries it, else the system's own doing
    (a command or a background task)."""
    from soxp_portal.audit.models import AuditChannel

    return AuditChannel.WEB if request is not None else AuditChannel.SYSTEM


def current_request() -> HttpRequest | None:
    """The request this thread (or task) is handling, or None outside a request (a command, a worker).

    Only for code that has no other way to know who acted; an action takes ``request`` as an argument.
    """
    return _current_request.get()


def clean_request_id(value: object) -> str | None:
    """The id if it is a short token of safe characters, else None.

    The header comes from the client or a proxy: it is echoed in the response and stored in the
    audit trail, so anything long or with spaces, quotes or control characters is not trusted.
    """
    if isinstance(value, str) and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return None


class RequestIdMiddleware:
    """Sets ``request.request_id`` (the proxy's ``X-Request-ID`` if usable, else a new uuid4 hex),
    echoes it in the response's ``X-Request-ID`` header, and holds the request as
    ``current_request()`` while the rest of the stack handles it.

    Place it near the top of ``MIDDLEWARE`` so that responses made by later middleware (a lockout,
    a CSRF failure) carry the id too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = _current_request.set(request)
        try:
            response = self.get_response(request)
        finally:
            _current_request.reset(token)
        response[REQUEST_ID_HEADER] = request_id
        return response
