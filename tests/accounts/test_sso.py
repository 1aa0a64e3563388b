"""Single sign-on against a real OpenID Connect provider on 127.0.0.1 (tests/accounts/oidc_provider.py).

The Django test client plays the browser on the portal's side; the browser's visit to the provider is
a real HTTP request (requests), and the portal's calls to the provider (discovery, token, JWKS) are
real HTTP too.

This provider is the project's own, so a test can make it misbehave: an ID token for another audience
(also one naming the portal as authorised party), one signed with another key, discovery naming another
issuer, no end-session endpoint are only tested here. The whole flow against the OpenID Certified npm
``oidc-provider`` (success, unknown person, terminated, replayed callback, expired ID token, roles from
groups, end-session) is ``test_sso_certified.py``.
"""

from collections.abc import Iterator

import pytest
import requests
from django.contrib.auth.models import Group
from django.http import HttpResponse
from django.test import Client
from pytest_django import Settings

from soxp_portal.accounts import oidc
from soxp_portal.accounts.models import User
from soxp_portal.accounts.roles import Role, roles_of
from soxp_portal.accounts.two_factor import SIGN_IN_METHOD
from soxp_portal.audit.models import AuditEvent, AuditEventType
from soxp_portal.offers.models import Employee
from tests.accounts.helpers import path_of, signed_in_pk
from tests.accounts.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider
from tests.factories import EmployeeFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def provider(settings: Settings) -> Iterator[Provider]:
    running = Provider().start()
    settings.OIDC_ISSUER = running.issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Example Corp"
    settings.OIDC_IDENTITY_CLAIM = "email"
    settings.OIDC_IDENTITY_FIELD = "email"
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = []
    settings.OIDC_GROUPS_CLAIM = ""
    yield running
    running.stop()


def claims_of(employee: Employee, **extra: object) -> dict[str, object]:
    return {"sub": f"sub-{employee.employee_id}", "email": employee.email, "email_verified": True, **extra}


def to_provider(client: Client, next_url: str = "") -> str:
    """The portal's redirect to the provider, followed as a browser would: the provider's answer (its
    redirect back to the portal's callback, as a path with its query)."""
    start = client.get("/accounts/sso/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.content
    assert start["Location"].startswith("http://127.0.0.1:")
    answer = requests.get(start["Location"], allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text
    return path_of(answer.headers["Location"])


def sign_in(client: Client, next_url: str = "") -> HttpResponse:
    return client.get(to_provider(client, next_url))


def last_event(event_type: AuditEventType) -> AuditEvent:
    event = AuditEvent.objects.filter(event_type=event_type).order_by("-sequence").first()
    assert event is not None, f"no {event_type} event"
    return event


def assert_refused(response: HttpResponse, client: Client, reason: str, text: str = "") -> AuditEvent:
    assert response.status_code == 403, response.content
    assert "You are not signed in" in response.content.decode()
    if text:
        assert text in response.content.decode()
    assert signed_in_pk(client) is None
    event = last_event(AuditEventType.AUTH_SSO_REFUSED)
    assert event.data["reason"] == reason, event.data
    return event


def test_an_employee_signs_in_through_the_provider(
    client: Client, provider: Provider, alice: Employee, settings: Settings
) -> None:
    provider.claims = claims_of(alice)
    response = sign_in(client)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert signed_in_pk(client) == alice.user.pk
    assert client.get("/test/employee/").content == f"employee {alice.employee_id}".encode()
    assert client.session[SIGN_IN_METHOD] == "oidc"
    event = last_event(AuditEventType.AUTH_SIGNED_IN)
    assert event.data == {"method": "oidc"}
    assert event.actor_email == alice.user.email
    # PKCE: the portal sent the verifier, and the provider checked it against the challenge.
    assert provider.token_requests[-1]["code_verifier"]
    # The idle time-out holds for this session as for any other.
    assert client.session.get_expiry_age() == settings.SESSION_COOKIE_AGE


def test_the_sign_in_comes_back_to_the_page_asked_for(
    client: Client, provider: Provider, alice: Employee
) -> None:
    provider.claims = claims_of(alice)
    assert sign_in(client, next_url="/test/employee/")["Location"] == "/test/employee/"
    assert sign_in(Client(), next_url="https://evil.example/")["Location"] == "/"


def test_an_employee_is_found_by_census_id(client: Client, provider: Provider, settings: Settings) -> None:
    settings.OIDC_IDENTITY_CLAIM = "employee_number"
    settings.OIDC_IDENTITY_FIELD = "employee_id"
    employee = EmployeeFactory(employee_id="E-4711", email="dana@example.com")
    provider.claims = {"sub": "x", "email": "dana.other@example.com", "employee_number": "E-4711"}
    assert sign_in(client).status_code == 302
    assert signed_in_pk(client) == employee.user.pk


def test_an_id_token_for_another_audience_is_refused(
    client: Client, provider: Provider, alice: Employee
) -> None:
    provider.claims = claims_of(alice)
    provider.audience = "another-application"
    assert_refused(sign_in(client), client, "id_token_invalid", "could not be verified")


def test_an_id_token_for_another_audience_is_refused_even_when_it_names_the_portal_as_party(
    client: Client, provider: Provider, alice: Employee
) -> None:
    """Authlib alone checks only ``azp`` here; the portal adds the audience check (accounts/oidc.py)."""
    provider.claims = claims_of(alice)
    provider.audience = "another-application"
    provider.authorized_party = CLIENT_ID
    event = assert_refused(sign_in(client), client, "id_token_invalid")
    assert "aud" in event.data["detail"]


def test_an_expired_id_token_is_refused(client: Client, provider: Provider, alice: Employee) -> None:
    provider.claims = claims_of(alice)
    provider.issued_ago = 3600
    provider.lifetime = 600
    event = assert_refused(sign_in(client), client, "id_token_invalid")
    assert "ExpiredTokenError" in event.data["detail"]


def test_an_id_token_signed_with_another_key_is_refused(
    client: Client, provider: Provider, alice: Employee
) -> None:
    provider.claims = claims_of(alice)
    provider.sign_with_other_key = True
    event = assert_refused(sign_in(client), client, "id_token_invalid")
    assert "BadSignatureError" in event.data["detail"]


def test_a_replayed_state_is_refused(client: Client, provider: Provider, alice: Employee) -> None:
    provider.claims = claims_of(alice)
    callback = to_provider(client)
    assert client.get(callback).status_code == 302
    client.post("/accounts/logout/")
    # The same answer again (say, from the browser's history): its state was used up.
    assert_refused(client.get(callback), client, "state", "already used")
    # And an answer to a sign-in that another browser started.
    other = Client()
    assert_refused(other.get(to_provider(Client())), other, "state")


def test_an_answer_without_a_state_is_refused(client: Client, provider: Provider) -> None:
    assert_refused(client.get("/accounts/sso/callback/?code=made-up"), client, "state")


def test_a_person_the_census_does_not_know_gets_a_clear_page_and_no_login(
    client: Client, provider: Provider, alice: Employee
) -> None:
    provider.claims = {"sub": "stranger", "email": "stranger@example.com", "email_verified": True}
    logins = User.objects.count()
    event = assert_refused(sign_in(client), client, "unknown_person", "The portal does not know you")
    assert event.data["email"] == "stranger@example.com"
    assert User.objects.count() == logins


def test_a_terminated_employee_is_refused(client: Client, provider: Provider) -> None:
    employee = EmployeeFactory(status=Employee.Status.TERMINATED, termination_date="2002-12-31")
    provider.claims = claims_of(employee)
    event = assert_refused(sign_in(client), client, "terminated", "employment as ended")
    assert event.subject_id == str(employee.user.pk)


def test_an_email_outside_the_allowed_domains_is_refused(
    client: Client, provider: Provider, settings: Settings, alice: Employee
) -> None:
    settings.OIDC_ALLOWED_EMAIL_DOMAINS = ["corp.example"]
    provider.claims = claims_of(alice)
    assert_refused(sign_in(client), client, "email_domain")


def test_an_unverified_email_is_refused(client: Client, provider: Provider, alice: Employee) -> None:
    provider.claims = claims_of(alice, email_verified=False)
    assert_refused(sign_in(client), client, "email_unverified")


def test_discovery_naming_another_issuer_is_refused(
    client: Client, provider: Provider, settings: Settings
) -> None:
    settings.OIDC_ISSUER = provider.issuer + "/"
    response = client.get("/accounts/sso/")
    assert response.status_code == 403
    assert last_event(AuditEventType.AUTH_SSO_REFUSED).data["reason"] == "discovery"


def test_an_unreachable_provider_is_a_clear_page(client: Client, settings: Settings) -> None:
    settings.OIDC_ISSUER = "http://127.0.0.1:9"
    settings.OIDC_CLIENT_ID = CLIENT_ID
    response = client.get("/accounts/sso/")
    assert response.status_code == 503
    assert "could not be reached" in response.content.decode()


def test_an_administrator_without_census_row_signs_in_and_needs_no_second_factor_here(
    client: Client, provider: Provider
) -> None:
    administrator = UserFactory(email="ada@example.com")
    administrator.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    provider.claims = {"sub": "ada", "email": "ADA@example.com"}
    assert sign_in(client, next_url="/test/administrator/")["Location"] == "/test/administrator/"
    assert client.get("/test/administrator/").content == b"administrator page"


def test_roles_follow_the_providers_groups_and_each_change_is_audited(
    client: Client, provider: Provider, settings: Settings, alice: Employee
) -> None:
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_STOCK_ADMINISTRATOR_GROUPS = ["soxp-admins"]
    settings.OIDC_AUDITOR_GROUPS = ["soxp-auditors", "internal-audit"]
    provider.claims = claims_of(alice, groups=["everyone", "internal-audit"])
    sign_in(client)
    assert roles_of(alice.user.pk).groups == {Role.AUDITOR.value}
    event = last_event(AuditEventType.ROLE_CHANGED)
    assert event.data["groups_added"] == [Role.AUDITOR.value]
    assert event.data["provider_groups"] == ["everyone", "internal-audit"]
    assert "identity provider" in event.data["via"]
    changes = AuditEvent.objects.filter(event_type=AuditEventType.ROLE_CHANGED).count()

    sign_in(Client())  # the same groups: nothing changes, nothing is written
    assert AuditEvent.objects.filter(event_type=AuditEventType.ROLE_CHANGED).count() == changes

    provider.claims = claims_of(alice, groups=["soxp-admins"])
    sign_in(Client())
    assert roles_of(alice.user.pk).groups == {Role.STOCK_ADMINISTRATOR.value}
    event = last_event(AuditEventType.ROLE_CHANGED)
    assert event.data["groups_added"] == [Role.STOCK_ADMINISTRATOR.value]
    assert event.data["groups_removed"] == [Role.AUDITOR.value]


def test_an_administrator_whose_groups_were_taken_away_loses_the_role_and_is_refused(
    client: Client, provider: Provider, settings: Settings
) -> None:
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_STOCK_ADMINISTRATOR_GROUPS = ["soxp-admins"]
    administrator = UserFactory(email="ada@example.com")
    administrator.groups.add(Group.objects.get_or_create(name=Role.STOCK_ADMINISTRATOR.value)[0])
    provider.claims = {"sub": "ada", "email": "ada@example.com", "groups": ["everyone"]}
    assert_refused(sign_in(client), client, "no_role")
    assert roles_of(administrator.pk).groups == frozenset()
    assert last_event(AuditEventType.ROLE_CHANGED).data["groups_removed"] == [Role.STOCK_ADMINISTRATOR.value]


def test_sign_out_ends_the_session_and_offers_the_providers_end_session(
    client: Client, provider: Provider, alice: Employee
) -> None:
    provider.claims = claims_of(alice)
    sign_in(client)
    id_token = client.session[oidc.ID_TOKEN_SESSION_KEY]
    response = client.post("/accounts/logout/")
    assert signed_in_pk(client) is None
    assert response["Location"] == "/accounts/signed-out/"
    page = client.get("/accounts/signed-out/").content.decode()
    assert "Sign out of Example Corp too" in page
    assert f"{provider.issuer}/logout?id_token_hint={id_token}" in page
    assert "post_logout_redirect_uri=http%3A%2F%2Ftestserver%2Faccounts%2Flogin%2F" in page
    # Offered once.
    assert client.get("/accounts/signed-out/")["Location"] == "/accounts/login/"


def test_sign_out_without_an_end_session_endpoint_goes_to_sign_in(
    client: Client, provider: Provider, alice: Employee
) -> None:
    provider.end_session = False
    provider.claims = claims_of(alice)
    sign_in(client)
    response = client.post("/accounts/logout/")
    assert response["Location"] == "/accounts/login/"
    assert signed_in_pk(client) is None


def test_the_sign_in_page_offers_the_provider(client: Client, provider: Provider) -> None:
    page = client.get("/accounts/login/?next=/test/employee/").content.decode()
    assert 'href="/accounts/sso/?next=/test/employee/"' in page
    assert "Sign in with Example Corp" in page
    assert 'name="password"' in page


def test_password_sign_in_can_be_switched_off(
    client: Client, provider: Provider, settings: Settings, alice: Employee
) -> None:
    settings.PASSWORD_SIGN_IN = False
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with Example Corp" in page
    assert 'name="password"' not in page
    assert "Forgot your password" not in page
    response = client.post("/accounts/login/", {"username": alice.email, "password": "correct-horse-battery"})
    assert response.status_code == 403
    assert signed_in_pk(client) is None
    assert client.get("/accounts/password-reset/").status_code == 404


def test_single_sign_on_is_not_there_unless_configured(client: Client, settings: Settings) -> None:
    settings.OIDC_ISSUER = ""
    assert client.get("/accounts/sso/").status_code == 404
    assert client.get("/accounts/sso/callback/").status_code == 404
    assert "sso-sign-in" not in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "state=%00&code=%00",
        "state=" + "x" * 5000 + "&code=y",
        "error=access_denied&error_description=%F0%9F%92%A5",
    ],
)
def test_a_hostile_or_failed_answer_is_refused_not_an_error(
    client: Client, provider: Provider, alice: Employee, query: str
) -> None:
    provider.claims = claims_of(alice)
    to_provider(client)  # a sign-in was started: its state is in the session
    response = client.get(f"/accounts/sso/callback/?{query}")
    assert response.status_code == 403
    assert signed_in_pk(client) is None
