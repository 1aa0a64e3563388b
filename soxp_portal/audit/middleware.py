"""A request id on every request, so an audit event can be matched to the log lines of its request."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


def clean_request_id(value: object) -> str | None:
    """The id if it is a short token of safe characters, else None.

    The header comes from the client or a proxy: it is echoed in the response and stored in the
    audit trail, so anything long or with spaces, quotes or control characters is not trusted.
    """
    if isinstance(value, str) and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return None


class RequestIdMiddleware:
    """Sets ``request.request_id`` (the proxy's ``X-Request-ID`` if usable, else a new uuid4 hex)
    and echoes it in the response's ``X-Request-ID`` header.

    Place it near the top of ``MIDDLEWARE`` so that responses made by later middleware (a lockout,
    a CSRF failure) carry the id too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = clean_request_id(request.headers.get(REQUEST_ID_HEADER)) or uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        response = self.get_response(request)
        response[REQUEST_ID_HEADER] = request_id
        return response
