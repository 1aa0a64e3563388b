"""Single sign-on by OpenID Connect: the company's identity provider vouches for the person.

The client is Authlib's (``authlib.integrations.django_client``). What it checks, and what is added here:

- **discovery**: the provider's ``/.well-known/openid-configuration`` is read from ``OIDC_ISSUER``; its
  ``issuer`` must be that very URL (OpenID Connect Discovery 1.0, section 4.3), checked here;
- **PKCE** (S256), **state** and **nonce**: Authlib makes them per sign-in and keeps them in the session;
  a ``state`` it did not hand out, or one already used, is refused (it is deleted on first use);
- **the ID token**: its signature against the provider's JWKS (fetched again once for an unknown key
  id), its issuer, its expiry (``OIDC_CLOCK_SKEW_SECONDS`` of leeway) and nonce are Authlib's checks;
  its **audience** is added here, because Authlib only checks ``azp`` and would accept a token issued
  to another client that names this one as authorised party.

A person is matched to exactly one census employee (by ``OIDC_IDENTITY_CLAIM``: their email or census
id) or, failing that, to an existing administrator or auditor login by email; nobody is ever created
from a token. Roles come from a groups claim when ``OIDC_GROUPS_CLAIM`` is set (:func:`apply_provider_roles`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import requests
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.django_client import DjangoOAuth2App, OAuth
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from joserfc.errors import JoseError

from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role, roles_of
from soxp_portal.offers.models import Employee

log = logging.getLogger(__name__)

#: The ID token of the sign-in, kept for the provider's end-session (``id_token_hint``).
ID_TOKEN_SESSION_KEY = "_soxp_oidc_id_token"  # noqa: S105 (a session key, not a secret)
_CLIENT_NAME = "portal"
_clients: dict[tuple[Any, ...], DjangoOAuth2App] = {}


class SignInRefused(Exception):
    """Why a sign-in through the provider was refused: ``reason`` for the audit trail, ``message``
    for the person."""

    def __init__(self, reason: str, message: str, *, detail: str = "", claims: dict[str, Any] | None = None):
        super().__init__(message)
        self.reason = reason
        self.message = message
        self.detail = detail
        self.claims = claims or {}


@dataclass(frozen=True)
class Identity:
    """Who the provider says signed in: the verified claims, the login they match and the ID token."""

    user: User
    claims: dict[str, Any] = field(repr=False)
    raw_id_token: str = field(repr=False)


def is_configured() -> bool:
    return bool(settings.OIDC_ISSUER and settings.OIDC_CLIENT_ID)


def client() -> DjangoOAuth2App:
    """Authlib's client for the configured provider, one per configuration (its discovery document
    and JWKS are cached on it, so a process reads them once)."""
    key = (
        settings.OIDC_ISSUER,
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET,
        settings.OIDC_SCOPES,
        settings.OIDC_TIMEOUT_SECONDS,
    )
    if key not in _clients:
        oauth = OAuth()
        oauth.register(
            _CLIENT_NAME,
            client_id=settings.OIDC_CLIENT_ID,
            client_secret=settings.OIDC_CLIENT_SECRET,
            server_metadata_url=settings.OIDC_ISSUER.rstrip("/") + "/.well-known/openid-configuration",
            client_kwargs={
                "scope": settings.OIDC_SCOPES,
                "code_challenge_method": "S256",
                "default_timeout": settings.OIDC_TIMEOUT_SECONDS,
            },
        )
        _clients[key] = oauth.create_client(_CLIENT_NAME)
    return _clients[key]


@receiver(setting_changed)
def _forget_clients(setting: str, **kwargs: Any) -> None:
    if setting.startswith("OIDC_"):
        _clients.clear()


def _metadata() -> dict[str, Any]:
    """The provider's discovery document, refused if it names another issuer."""
    metadata: dict[str, Any] = client().load_server_metadata()
    if metadata.get("issuer") != settings.OIDC_ISSUER:
        _clients.clear()
        raise SignInRefused(
            "discovery",
            "The identity provider is not set up as the portal expects.",
            detail=f"discovery names the issuer {metadata.get('issuer')!r}, not {settings.OIDC_ISSUER!r}",
        )
    return metadata


def start_sign_in(request: HttpRequest, redirect_uri: str) -> HttpResponse:
    """The redirect to the provider, with a new state, nonce and PKCE challenge kept in the session."""
    _metadata()
    response: HttpResponse = client().authorize_redirect(request, redirect_uri)
    return response


def provider_unavailable(error: Exception) -> SignInRefused:
    return SignInRefused(
        "provider_unavailable",
        "The identity provider could not be reached. Try again in a few minutes.",
        detail=f"{type(error).__name__}: {error}",
    )


def finish_sign_in(request: HttpRequest) -> Identity:
    """Checks the provider's answer (state, code, ID token) and finds the login it names.

    Raises :class:`SignInRefused` for anything wrong; the caller audits it.
    """
    try:
        _metadata()
        token = client().authorize_access_token(
            request,
            claims_options={
                "iss": {"essential": True, "value": settings.OIDC_ISSUER},
                "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
            },
            leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
        )
    except MismatchingStateError as error:
        raise SignInRefused(
            "state",
            "This sign-in link was already used or was not started here. Start again from the sign-in page.",
            detail=str(error),
        ) from error
    except OAuthError as error:
        raise SignInRefused(
            "provider_error",
            "The identity provider did not sign you in. Start again from the sign-in page.",
            detail=f"{error.error}: {error.description}",
        ) from error
    except JoseError as error:
        raise SignInRefused(
            "id_token_invalid",
            "The identity provider's answer could not be verified, so you are not signed in.",
            detail=f"{type(error).__name__}: {error}",
        ) from error
    except requests.RequestException as error:
        raise provider_unavailable(error) from error
    claims = token.get("userinfo")
    if not claims:
        raise SignInRefused(
            "id_token_missing",
            "The identity provider's answer could not be verified, so you are not signed in.",
            detail="the token response has no ID token",
        )
    claims = dict(claims)
    return Identity(user=person_for(claims), claims=claims, raw_id_token=token["id_token"])


UNKNOWN_PERSON = (
    "The portal does not know you: your company account matches no one in the offer's census and no "
    "administrator or auditor. If you hold stock options, contact the stock administrator."
)


def _email_of(claims: dict[str, Any]) -> str:
    return str(claims.get("email") or "").strip().lower()


def person_for(claims: dict[str, Any]) -> User:
    """The one login these verified claims name: a census employee's, else an administrator's or
    auditor's. Refuses terminated employees, unknown people and emails outside the allowed domains."""
    email = _email_of(claims)
    domains = {domain.lower().lstrip("@") for domain in settings.OIDC_ALLOWED_EMAIL_DOMAINS}
    if domains and email.rpartition("@")[2] not in domains:
        raise SignInRefused(
            "email_domain",
            "Your company account's email address is not one this portal accepts.",
            claims=claims,
        )
    if claims.get("email_verified") is False:
        raise SignInRefused(
            "email_unverified",
            "Your identity provider has not verified your email address, so the portal cannot use it.",
            claims=claims,
        )
    value = str(claims.get(settings.OIDC_IDENTITY_CLAIM) or "").strip()
    if not value:
        raise SignInRefused(
            "claim_missing",
            "Your identity provider did not say who you are in the way the portal expects.",
            detail=f"no {settings.OIDC_IDENTITY_CLAIM!r} claim",
            claims=claims,
        )
    employees = Employee.objects.select_related("user")
    if settings.OIDC_IDENTITY_FIELD == "employee_id":
        employee = employees.filter(employee_id=value).first()
    else:
        employee = employees.filter(email__iexact=value).first()
    if employee is not None:
        if employee.status == Employee.Status.TERMINATED:
            raise SignInRefused(
                "terminated",
                "The census records your employment as ended, so you cannot sign in to this offer's "
                "portal. If this is wrong, contact the stock administrator.",
                claims=claims,
            )
        if employee.user is None or not employee.user.is_active:
            raise SignInRefused("inactive", UNKNOWN_PERSON, claims=claims)
        return employee.user
    staff = User.objects.filter(email__iexact=email, is_active=True).first() if email else None
    if staff is not None and (staff.is_superuser or staff.is_staff or roles_of(staff.pk).groups):
        return staff
    raise SignInRefused("unknown_person", UNKNOWN_PERSON, claims=claims)


def provider_roles(claims: dict[str, Any]) -> frozenset[str] | None:
    """The role groups the provider's groups claim gives, or None when roles are not taken from it."""
    if not settings.OIDC_GROUPS_CLAIM:
        return None
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    names = {groups} if isinstance(groups, str) else {str(group) for group in groups}
    wanted = set()
    if names & set(settings.OIDC_STOCK_ADMINISTRATOR_GROUPS):
        wanted.add(Role.STOCK_ADMINISTRATOR.value)
    if names & set(settings.OIDC_AUDITOR_GROUPS):
        wanted.add(Role.AUDITOR.value)
    return frozenset(wanted)


def apply_provider_roles(user: User, claims: dict[str, Any], request: HttpRequest) -> None:
    """Gives the login exactly the staff roles its provider groups map to (audited as ``role.changed``
    when they change; nothing is written when they are already right). Superuser and staff flags are
    the portal's own and are not touched."""
    from soxp_portal.audit.signals import role_change

    wanted = provider_roles(claims)
    if wanted is None:
        return
    current = roles_of(user.pk).groups
    if wanted == current:
        return
    with role_change(
        user,
        request=request,
        via=f"identity provider: the {settings.OIDC_GROUPS_CLAIM!r} claim at sign-in",
        data={"provider_groups": sorted(_groups_claim(claims))},
    ):
        user.groups.remove(*Group.objects.filter(name__in=current - wanted))
        user.groups.add(*(Group.objects.get_or_create(name=name)[0] for name in sorted(wanted - current)))


def _groups_claim(claims: dict[str, Any]) -> list[str]:
    groups = claims.get(settings.OIDC_GROUPS_CLAIM) or []
    return [groups] if isinstance(groups, str) else [str(group) for group in groups]


def may_sign_in(user: User) -> bool:
    """After the provider's roles are applied: an employee or a holder of a staff role."""
    return (
        Employee.objects.filter(user=user).exists()
        or user.is_superuser
        or user.is_staff
        or bool(roles_of(user.pk).groups)
    )


def record_refusal(request: HttpRequest, refusal: SignInRefused) -> None:
    """``auth.sso_refused``: the reason, what the provider said about the person (never a token).
    Limited per source like every refusal anyone can repeat (``audit.repeats``): a replayed callback
    costs one request."""
    from soxp_portal.audit.models import AuditEventType
    from soxp_portal.audit.repeats import record_repeatable

    claims = refusal.claims
    subject = None
    email = _email_of(claims)
    if email:
        subject = User.objects.filter(email__iexact=email).first()
    record_repeatable(
        AuditEventType.AUTH_SSO_REFUSED,
        request,
        subject=subject,
        data={
            "reason": refusal.reason,
            "detail": refusal.detail,
            "issuer": settings.OIDC_ISSUER,
            "subject_claim": str(claims.get("sub", "")),
            "email": email,
            "identity_claim": settings.OIDC_IDENTITY_CLAIM,
            "identity": str(claims.get(settings.OIDC_IDENTITY_CLAIM, "")),
        },
    )


def end_session_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """The provider's end-session address for this sign-in, or None when it has none (Google) or
    cannot be reached now."""
    try:
        metadata = _metadata()
    except (SignInRefused, requests.RequestException, ValueError) as error:
        log.warning("No end-session address: %s", error)
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    result = client().create_logout_url(
        post_logout_redirect_uri=post_logout_redirect_uri,
        id_token_hint=id_token,
        client_id=settings.OIDC_CLIENT_ID,
    )
    url: str = result["url"]
    return url
