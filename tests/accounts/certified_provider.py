"""The npm ``oidc-provider`` (OpenID Certified; pinned in package.json, installed by ``make
test-packages``) run by Node on 127.0.0.1 for the single sign-on tests: ``tests/oidc/provider.mjs``.

One process per test module (it starts in about half a second); each test writes who exists at the
provider (:meth:`CertifiedProvider.set_accounts`), read again at every sign-in. The person's browser at
the provider is a ``requests.Session`` (:func:`sign_in_at_provider`): it follows the portal's redirect to
the provider, posts the login the provider asks for, and brings the provider's answer back to the
portal's callback.
"""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import pytest
import requests
from django.test import Client

from tests.accounts.helpers import path_of

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "oidc" / "provider.mjs"
CLIENT_ID = "soxp-portal"
CLIENT_SECRET = "certified-provider-test-secret"
#: The Django test client's host: the portal's callback and the page after the provider's sign-out.
REDIRECT_URI = "http://testserver/accounts/sso/callback/"
POST_LOGOUT_REDIRECT_URI = "http://testserver/accounts/login/"
START_TIMEOUT_SECONDS = 30


@dataclass
class CertifiedProvider:
    issuer: str
    accounts_file: Path
    process: subprocess.Popen[str]

    def set_accounts(self, accounts: dict[str, dict[str, Any]], *, id_token_ttl: int = 600) -> None:
        """Who can sign in at the provider (login: claims), and the lifetime of its ID tokens."""
        temporary = self.accounts_file.with_suffix(".tmp")
        temporary.write_text(json.dumps({"accounts": accounts, "id_token_ttl": id_token_ttl}))
        os.replace(temporary, self.accounts_file)


def start(directory: Path) -> Iterator[CertifiedProvider]:
    """Starts the provider, yields it once its discovery document answers, and stops it."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the tests against the certified oidc-provider (npm) need it")
    if not (ROOT / "node_modules" / "oidc-provider" / "package.json").exists():
        pytest.fail("node_modules/oidc-provider is missing: `make test-packages` installs it (npm ci)")
    accounts_file = directory / "accounts.json"
    log_file = directory / "provider.log"
    with log_file.open("w") as log:
        process = subprocess.Popen(  # noqa: S603 (node and arguments of our own)
            [
                node,
                str(SCRIPT),
                "--accounts",
                str(accounts_file),
                "--client-id",
                CLIENT_ID,
                "--client-secret",
                CLIENT_SECRET,
                "--redirect-uri",
                REDIRECT_URI,
                "--post-logout-redirect-uri",
                POST_LOGOUT_REDIRECT_URI,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    try:
        ready, _, _ = select.select([process.stdout], [], [], START_TIMEOUT_SECONDS)
        line = process.stdout.readline() if ready and process.stdout else ""
        if not line:
            process.kill()
            pytest.fail(f"the oidc-provider did not start: {log_file.read_text()}")
        provider = CertifiedProvider(json.loads(line)["issuer"], accounts_file, process)
        provider.set_accounts({})
        discovery = requests.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=10)
        assert discovery.json()["issuer"] == provider.issuer
        yield provider
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()


def authorization_at_provider(browser: requests.Session, url: str, login: str) -> requests.Response:
    """The person at the provider: the authorization request, the login the provider asks for (its
    form's one field), and the provider's last redirect, not followed."""
    page = browser.get(url, timeout=10)  # to the provider's login interaction
    assert page.status_code == 200, page.text
    assert re.search(r"/interaction/[\w-]+$", page.url), page.url
    done = browser.post(page.url, data={"login": login}, allow_redirects=False, timeout=10)
    assert done.status_code == 303, done.text
    return browser.get(urljoin(page.url, done.headers["Location"]), allow_redirects=False, timeout=10)


def sign_in_at_provider(
    client: Client, login: str, next_url: str = "", browser: requests.Session | None = None
) -> str:
    """From the portal's "Sign in with ..." to the provider and back: the path (with its query) of the
    portal's callback that the provider redirected the browser to."""
    start = client.get("/accounts/sso/" + (f"?next={next_url}" if next_url else ""))
    assert start.status_code == 302, start.content
    answer = authorization_at_provider(browser or requests.Session(), start["Location"], login)
    assert answer.status_code == 303, answer.text
    location = answer.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?"), location
    return path_of(location)
