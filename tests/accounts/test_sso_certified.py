"""Single sign-on, the whole flow, against a certified OpenID Connect provider on 127.0.0.1.

The provider is the npm ``oidc-provider`` (OpenID Certified: Basic, Config, RP-Initiated Logout),
pinned in package.json and run by Node (``tests/oidc/provider.mjs``, ``tests/accounts/certified_provider.py``):
its discovery, authorization with PKCE required, token endpoint (client_secret_basic), RS256 ID tokens,
JWKS and end-session, not ours. The Django test client is the browser on the portal's side, a
``requests.Session`` the browser at the provider; the portal's calls to the provider are real HTTP.

What an honest certified provider cannot do stays with the project's own provider
(``tests/accounts/test_sso.py``, ``tests/accounts/oidc_provider.py``): an ID token for another audience,
one for another audience naming the portal as authorised party, one signed with a key that is not the
published one, a discovery document naming another issuer. The expired ID token is here as well as
there: this provider's ID token lifetime is set to 1 s, and the browser comes back 5 s later (the
portal's clock moved by time-machine, not a 2 s sleep).
"""

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import requests
import time_machine
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from soxp_portal.accounts import oidc
from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role, roles_of
from soxp_portal.accounts.two_factor import SIGN_IN_METHOD
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Employee
from tests.accounts import certified_provider
from tests.accounts.certified_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    POST_LOGOUT_REDIRECT_URI,
    CertifiedProvider,
    authorization_at_provider,
    sign_in_at_provider,
)
from tests.accounts.helpers import signed_in_pk
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def provider_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CertifiedProvider]:
    yield from certified_provider.start(Path(tmp_path_factory.mktemp("oidc-provider")))


@pytest.fixture
def provider(provider_process: CertifiedProvider, settings: Settings) -> Iterator[CertifiedProvider]:
    settings.OIDC_ISSUER = provider_process.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Example Corp"
    settings.OIDC_SCOPES = "openid email profile"
    settings.OIDC_IDENTITY_CLAIM = "email"
    settings.OIDC_IDENTITY_FIELD = "email"
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = []
    settings.OIDC_GROUPS_CLAIM = ""
    yield provider_process
    provider_process.set_accounts({})


def account(email: str, **claims: object) -> dict[str, object]:
    return {"email": email, "email_verified": True, **claims}


def last_event(event_type: AuditEventType) -> AuditEvent:
    event = AuditEvent.objects.filter(event_type=event_type).order_by("-sequence").first()
    assert event is not None, f"no {event_type} event"
    return event


def assert_refused(response: HttpResponse, client: Client, reason: str, text: str = "") -> AuditEvent:
    assert response.status_code == 403, response.content
    page = response.content.decode()
    assert "You are not signed in" in page
    assert text in page
    assert signed_in_pk(client) is None
    event = last_event(AuditEventType.AUTH_SSO_REFUSED)
    assert event.data["reason"] == reason, event.data
    return event


def test_discovery_is_the_certified_providers(provider: CertifiedProvider) -> None:
    metadata = oidc.client().load_server_metadata()
    assert metadata["issuer"] == provider.issuer
    assert metadata["code_challenge_methods_supported"] == ["S256"]
    assert metadata["end_session_endpoint"] == f"{provider.issuer}/session/end"


def test_an_employee_signs_in_and_the_session_works(
    client: Client, provider: CertifiedProvider, alice: Employee, settings: Settings
) -> None:
    provider.set_accounts({"alice.login": account(alice.email)})
    response = client.get(sign_in_at_provider(client, "alice.login", next_url="/test/employee/"))
    assert response.status_code == 302, response.content
    assert response["Location"] == "/test/employee/"
    assert signed_in_pk(client) == alice.user.pk
    # Their page, and the session holds on the next requests.
    assert client.get("/test/employee/").content == f"employee {alice.employee_id}".encode()
    assert client.get("/").status_code == 200
    assert client.session[SIGN_IN_METHOD] == "oidc"
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE
    event = last_event(AuditEventType.AUTH_SIGNED_IN)
    assert event.data == {"method": "oidc"}
    assert event.actor_email == alice.user.email


def test_an_employee_is_found_by_the_census_id_claim(
    client: Client, provider: CertifiedProvider, settings: Settings
) -> None:
    settings.OIDC_SCOPES = "openid email employee"
    settings.OIDC_IDENTITY_CLAIM = "employee_number"
    settings.OIDC_IDENTITY_FIELD = "employee_id"
    employee = EmployeeFactory(employee_id="E-4711", email="dana@example.com")
    provider.set_accounts({"dana": account("dana.other@example.com", employee_number="E-4711")})
    assert client.get(sign_in_at_provider(client, "dana")).status_code == 302
    assert signed_in_pk(client) == employee.user.pk


def test_a_person_the_census_does_not_know_gets_a_clear_page_and_no_login(
    client: Client, provider: CertifiedProvider, alice: Employee
) -> None:
    provider.set_accounts({"stranger": account("stranger@example.com")})
    logins = User.objects.count()
    response = client.get(sign_in_at_provider(client, "stranger"))
    event = assert_refused(response, client, "unknown_person", "The portal does not know you")
    assert event.data["email"] == "stranger@example.com"
    assert event.data["subject_claim"] == "stranger"
    assert event.data["issuer"] == provider.issuer
    assert User.objects.count() == logins


def test_a_terminated_employee_is_refused(client: Client, provider: CertifiedProvider) -> None:
    employee = EmployeeFactory(status=Employee.Status.TERMINATED, termination_date="2002-12-31")
    provider.set_accounts({"former": account(employee.email)})
    response = client.get(sign_in_at_provider(client, "former"))
    event = assert_refused(response, client, "terminated", "employment as ended")
    assert event.subject_id == str(employee.user.pk)


def test_a_replayed_callback_is_refused(client: Client, provider: CertifiedProvider, alice: Employee) -> None:
    provider.set_accounts({"alice.login": account(alice.email)})
    callback = sign_in_at_provider(client, "alice.login")
    assert client.get(callback).status_code == 302
    assert signed_in_pk(client) == alice.user.pk
    client.post("/accounts/logout/")
    # The same callback URL again (the browser's history, a copied link): its state was used up.
    assert_refused(client.get(callback), client, "state", "already used")
    # And in another browser that started no sign-in.
    other = Client()
    assert_refused(other.get(callback), other, "state")


def test_an_expired_id_token_is_refused(
    client: Client, provider: CertifiedProvider, alice: Employee, settings: Settings
) -> None:
    settings.OIDC_CLOCK_SKEW_SECONDS = 0
    provider.set_accounts({"alice.login": account(alice.email)}, id_token_ttl=1)
    callback = sign_in_at_provider(client, "alice.login")
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=True):
        response = client.get(callback)
    event = assert_refused(response, client, "id_token_invalid", "could not be verified")
    assert "ExpiredTokenError" in event.data["detail"]

    # The control: a token of the usual lifetime, coming back as late, signs in.
    provider.set_accounts({"alice.login": account(alice.email)}, id_token_ttl=600)
    callback = sign_in_at_provider(client, "alice.login")
    with time_machine.travel(timezone.now() + timedelta(seconds=5), tick=True):
        assert client.get(callback).status_code == 302
    assert signed_in_pk(client) == alice.user.pk


def test_a_stock_administrator_group_gives_the_role_and_it_is_audited(
    client: Client, provider: CertifiedProvider, alice: Employee, settings: Settings
) -> None:
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_STOCK_ADMINISTRATOR_GROUPS = ["soxp-admins"]
    settings.OIDC_AUDITOR_GROUPS = ["internal-audit"]
    provider.set_accounts({"alice.login": account(alice.email, groups=["everyone", "soxp-admins"])})
    assert client.get(sign_in_at_provider(client, "alice.login")).status_code == 302
    assert roles_of(alice.user.pk).groups == {Role.STOCK_ADMINISTRATOR.value}
    event = last_event(AuditEventType.ROLE_CHANGED)
    assert event.data["groups_added"] == [Role.STOCK_ADMINISTRATOR.value]
    assert event.data["provider_groups"] == ["everyone", "soxp-admins"]
    assert "identity provider" in event.data["via"]
    assert client.get("/test/administrator/").content == b"administrator page"


def test_an_administrator_whose_group_was_taken_away_loses_the_role_and_is_refused(
    client: Client, provider: CertifiedProvider, settings: Settings
) -> None:
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_STOCK_ADMINISTRATOR_GROUPS = ["soxp-admins"]
    administrator = UserFactory(email="ada@example.com")
    administrator.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    provider.set_accounts({"ada": account("ada@example.com", groups=["everyone"])})
    assert_refused(client.get(sign_in_at_provider(client, "ada")), client, "no_role")
    assert roles_of(administrator.pk).groups == frozenset()
    assert last_event(AuditEventType.ROLE_CHANGED).data["groups_removed"] == [Role.STOCK_ADMINISTRATOR.value]


def test_sign_out_offers_the_providers_end_session_and_it_ends_there(
    client: Client, provider: CertifiedProvider, alice: Employee
) -> None:
    provider.set_accounts({"alice.login": account(alice.email)})
    browser = requests.Session()
    client.get(sign_in_at_provider(client, "alice.login", browser=browser))
    id_token = client.session[oidc.ID_TOKEN_SESSION_KEY]
    assert client.post("/accounts/logout/")["Location"] == "/accounts/signed-out/"
    assert signed_in_pk(client) is None
    page = client.get("/accounts/signed-out/").content.decode()
    assert "Sign out of Example Corp too" in page
    match = re.search(r'id="end-session" href="([^"]+)"', page)
    assert match, page
    end_session = html.unescape(match.group(1))
    assert end_session.startswith(f"{provider.issuer}/session/end?id_token_hint={id_token}&")

    # The provider accepts the portal's ID token hint and return address: it asks, signs the person
    # out, and sends the browser back to the portal's sign-in page.
    question = browser.get(end_session, timeout=10)
    assert question.status_code == 200, question.text
    form = re.search(r'action="([^"]+)".*?name="xsrf" value="([^"]+)"', question.text, re.DOTALL)
    assert form, question.text
    answer = browser.post(
        form.group(1), data={"xsrf": form.group(2), "logout": "yes"}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 303, answer.text
    # (with the state the portal's end-session request carried, as RP-Initiated Logout 1.0 says)
    assert answer.headers["Location"].startswith(POST_LOGOUT_REDIRECT_URI + "?state=")

    # Signed out there too: the next sign-in asks for the login again.
    start = client.get("/accounts/sso/")
    assert authorization_at_provider(browser, start["Location"], "alice.login").status_code == 303
