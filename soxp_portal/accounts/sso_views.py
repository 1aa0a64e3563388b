"""Single sign-on pages: off to the identity provider, and back (``accounts.oidc`` does the checking)."""

import requests
from django.conf import settings
from django.contrib.auth import login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET

from soxp_portal.accounts import oidc
from soxp_portal.accounts.two_factor import SIGN_IN_METHOD, Method
from soxp_portal.accounts.views import MODEL_BACKEND

NEXT = "_soxp_sso_next"


def _refused(request: HttpRequest, refusal: oidc.SignInRefused) -> HttpResponse:
    oidc.record_refusal(request, refusal)
    status = 503 if refusal.reason == "provider_unavailable" else 403
    return render(
        request,
        "accounts/sso_refused.html",
        {"message": refusal.message, "reason": refusal.reason, "password_sign_in": settings.PASSWORD_SIGN_IN},
        status=status,
    )


@require_GET
def start(request: HttpRequest) -> HttpResponse:
    """To the provider's sign-in, coming back to ``?next=`` (same host only) afterwards."""
    if not oidc.is_configured():
        raise Http404("Single sign-on is not set up here.")
    next_url = request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure())
    request.session[NEXT] = next_url if safe else ""
    try:
        return oidc.start_sign_in(request, request.build_absolute_uri(reverse("accounts:sso-callback")))
    except oidc.SignInRefused as refusal:
        return _refused(request, refusal)
    except (requests.RequestException, ValueError) as error:
        return _refused(request, oidc.provider_unavailable(error))


@require_GET
def callback(request: HttpRequest) -> HttpResponse:
    """The provider's answer: signs the person it names in, or says why not (and audits it)."""
    if not oidc.is_configured():
        raise Http404("Single sign-on is not set up here.")
    try:
        identity = oidc.finish_sign_in(request)
        # The provider's roles stay applied even when the sign-in is then refused: a role it took away
        # is gone from the portal too.
        oidc.apply_provider_roles(identity.user, identity.claims, request)
        if not oidc.may_sign_in(identity.user):
            raise oidc.SignInRefused("no_role", oidc.UNKNOWN_PERSON, claims=identity.claims)
        with transaction.atomic():
            request._soxp_sign_in_method = Method.OIDC  # type: ignore[attr-defined]
            next_url = request.session.get(NEXT, "")
            login(request, identity.user, backend=MODEL_BACKEND)
            request.session[SIGN_IN_METHOD] = Method.OIDC
            request.session[oidc.ID_TOKEN_SESSION_KEY] = identity.raw_id_token
    except oidc.SignInRefused as refusal:
        return _refused(request, refusal)
    return redirect(next_url or settings.LOGIN_REDIRECT_URL)
