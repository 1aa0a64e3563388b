"""RequestIdMiddleware: every request gets an id, echoed in the response and used by record()."""

import re

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import RequestFactory

from soxp_portal.audit.log import record
from soxp_portal.audit.middleware import RequestIdMiddleware
from soxp_portal.audit.models import AuditEvent, AuditEventType
from tests.audit.conftest import NOW


def view_recording_an_event(request: HttpRequest) -> HttpResponse:
    record(AuditEventType.EXPORT_DOWNLOADED, actor=None, at=NOW, request=request)
    return HttpResponse("ok")


@pytest.mark.django_db
def test_new_request_id_is_set_echoed_and_recorded() -> None:
    request = RequestFactory().get("/console/export/")

    response = RequestIdMiddleware(view_recording_an_event)(request)

    request_id = request.request_id  # type: ignore[attr-defined]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    assert response["X-Request-ID"] == request_id
    assert AuditEvent.objects.get().request_id == request_id


def test_each_request_gets_its_own_id() -> None:
    middleware = RequestIdMiddleware(lambda request: HttpResponse())

    first, second = (middleware(RequestFactory().get("/"))["X-Request-ID"] for _ in range(2))

    assert first != second


def test_the_proxys_request_id_is_kept() -> None:
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID="edge-7f3a.1")

    response = RequestIdMiddleware(lambda request: HttpResponse())(request)

    assert request.request_id == response["X-Request-ID"] == "edge-7f3a.1"  # type: ignore[attr-defined]


@pytest.mark.parametrize("header", ["", "has space", "x" * 129, 'quote"d', "semi;colon"])
def test_an_unsafe_request_id_is_replaced(header: str) -> None:
    request = RequestFactory().get("/", HTTP_X_REQUEST_ID=header)

    response = RequestIdMiddleware(lambda request: HttpResponse())(request)

    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
