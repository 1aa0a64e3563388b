"""Production settings: what PRODUCTION=true refuses, what it turns on, and `check --deploy` clean."""

import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from soxp_portal.deployment import DEVELOPMENT_SECRET_KEY, refuse_unsafe_production

ROOT = Path(__file__).resolve().parents[1]
STRONG_KEY = secrets.token_urlsafe(50)
SAFE = {"debug": False, "secret_key": STRONG_KEY, "secure_cookies": True}


def production_settings(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict:
    """settings.py as a fresh process would read it with PRODUCTION=true and ``env``."""
    for name in ("DEBUG", "SECURE_COOKIES", "TRUSTED_PROXY_COUNT", "EMAIL_BACKEND", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PRODUCTION", "true")
    monkeypatch.setenv("SECRET_KEY", STRONG_KEY)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "soxp_portal" / "settings.py"))


def test_a_safe_production_configuration_starts() -> None:
    refuse_unsafe_production(**SAFE)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"debug": True}, "DEBUG must be false"),
        ({"secret_key": ""}, "SECRET_KEY must be set"),
        ({"secret_key": DEVELOPMENT_SECRET_KEY}, "published key"),
        ({"secret_key": "django-insecure-" + STRONG_KEY}, "published key"),
        ({"secret_key": "..."}, "published key"),
        ({"secret_key": STRONG_KEY[:49]}, "at least 50 characters"),
        ({"secret_key": "ab" * 40}, "at least 5 different ones"),
        ({"secure_cookies": False}, "SECURE_COOKIES must not be false"),
    ],
)
def test_each_unsafe_setting_is_refused_with_its_reason(change: dict, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        refuse_unsafe_production(**{**SAFE, **change})


def test_every_problem_is_named_at_once() -> None:
    with pytest.raises(ImproperlyConfigured) as refused:
        refuse_unsafe_production(debug=True, secret_key="short", secure_cookies=False)
    assert str(refused.value).count("\n- ") == 3


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "true"}, "DEBUG must be false"),
        ({"SECRET_KEY": DEVELOPMENT_SECRET_KEY}, "published key"),
        ({"SECURE_COOKIES": "false"}, "SECURE_COOKIES must not be false"),
    ],
)
def test_settings_refuse_to_load(monkeypatch: pytest.MonkeyPatch, env: dict, message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        production_settings(monkeypatch, **env)


def test_production_turns_on_https_hsts_secure_cookies_and_smtp(monkeypatch: pytest.MonkeyPatch) -> None:
    values = production_settings(monkeypatch)
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] == 31_536_000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is True
    assert values["SESSION_COOKIE_SECURE"] is values["CSRF_COOKIE_SECURE"] is True
    assert values["MAILERS"]["default"]["BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert "SECURE_PROXY_SSL_HEADER" not in values, "no proxy is trusted unless configured"


def test_a_trusted_proxy_makes_its_forwarded_protocol_count(monkeypatch: pytest.MonkeyPatch) -> None:
    values = production_settings(monkeypatch, TRUSTED_PROXY_COUNT="1")
    assert values["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")


def test_development_defaults_stay_plain_http(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRODUCTION", "SECRET_KEY", "SECURE_COOKIES", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    values = runpy.run_path(str(ROOT / "soxp_portal" / "settings.py"))
    assert values["SECRET_KEY"] == DEVELOPMENT_SECRET_KEY
    assert values["SECURE_SSL_REDIRECT"] is False
    assert values["SECURE_HSTS_SECONDS"] == 0
    assert values["SESSION_COOKIE_SECURE"] is False


def test_check_deploy_is_clean_with_production_settings(tmp_path: Path) -> None:
    env = {
        "PATH": "/usr/bin:/bin",
        "PRODUCTION": "true",
        "SECRET_KEY": STRONG_KEY,
        "ALLOWED_HOSTS": "portal.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    }
    result = subprocess.run(  # our own manage.py, with a fixed command line
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_password_sign_in_cannot_be_off_without_single_sign_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OIDC_ISSUER", raising=False)
    with pytest.raises(ImproperlyConfigured, match="no one could sign in"):
        production_settings(monkeypatch, PASSWORD_SIGN_IN="false")
    values = production_settings(
        monkeypatch,
        PASSWORD_SIGN_IN="false",
        OIDC_ISSUER="https://login.microsoftonline.com/tenant/v2.0",
        OIDC_CLIENT_ID="portal",
        OIDC_ALLOWED_EMAIL_DOMAINS="corp.example, example.org",
    )
    assert values["PASSWORD_SIGN_IN"] is False
    assert values["OIDC_ALLOWED_EMAIL_DOMAINS"] == ["corp.example", "example.org"]


def test_the_identity_provider_is_reached_over_https_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ImproperlyConfigured, match="OIDC_ISSUER must be an https"):
        production_settings(monkeypatch, OIDC_ISSUER="http://idp.example", OIDC_CLIENT_ID="portal")
