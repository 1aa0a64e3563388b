"""The two refusals Django answers itself, in the portal's 403 page and in the audit trail; and a session
that could not be saved, in the portal's error page.

``handler403`` (``soxp_portal.urls``) answers every ``PermissionDenied``: a page behind a role the
user does not hold (``accounts.roles``), an account that is not an employee's. ``CSRF_FAILURE_VIEW``
answers a form whose CSRF token is missing or wrong: a page left open past the session, or a form
posted from another site. Each is recorded as ``access.refused`` or ``csrf.failed`` with the user (if
signed in), the client's address, the path and the reason, through ``audit.repeats``, so that a
flood of them is summarised instead of filling the chain.
"""

from django.contrib.sessions.exceptions import SessionInterrupted
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

from soxp_portal.accounts.roles import employee_of
from soxp_portal.audit.models import AuditEventType
from soxp_portal.audit.repeats import record_repeatable

DEFAULT_REFUSAL = "Your login does not give access to this page."
CSRF_HEADING = "This form could not be accepted"
CSRF_MESSAGE = (
    "The portal could not check that the form came from one of its own pages: it may have been open "
    "for longer than your session, or been sent from another site. Nothing was changed. Go back, "
    "reload the page and try again."
)


def _forbidden(request: HttpRequest, **context: str) -> HttpResponse:
    return HttpResponseForbidden(render_to_string("403.html", context, request=request))


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page, saying why; the refusal is audited as ``access.refused``."""
    reason = str(exception or "") or DEFAULT_REFUSAL
    record_repeatable(
        AuditEventType.ACCESS_REFUSED,
        request,
        data={"reason": reason},
        employee=employee_of(request.user) if hasattr(request, "user") else None,
    )
    return _forbidden(request, exception=reason)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """The 403 page for a refused form; audited as ``csrf.failed`` with Django's reason."""
    record_repeatable(
        AuditEventType.CSRF_FAILED,
        request,
        data={"reason": reason or "CSRF verification failed."},
        employee=employee_of(request.user) if hasattr(request, "user") else None,
    )
    return _forbidden(request, heading=CSRF_HEADING, exception=CSRF_MESSAGE)


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """Django's 400, except for a session that could not be saved after the view ran
    (``SessionInterrupted``: the database cut the connection, or the session was ended in another tab).
    That is no fault of the request, and the view may have recorded an election: the 500 page says to
    check before trying again, answered as 503. It renders without the database, as the 500 page does."""
    if isinstance(exception, SessionInterrupted):
        return HttpResponse(render_to_string("500.html"), status=503)
    return defaults.bad_request(request, exception)
