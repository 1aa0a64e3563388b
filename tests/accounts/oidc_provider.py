"""A small OpenID Connect provider on 127.0.0.1, for the single sign-on tests: real HTTP, real keys.

It speaks the authorization-code flow as the portal uses it (discovery, authorize, token with PKCE and
the client's secret, JWKS, end-session) and signs ID tokens with joserfc (RS256). A test sets who
signs in next (``claims``) and can make the provider misbehave the ways the portal must refuse: an
ID token for another audience, an expired one, one signed with a key that is not the published one.

The whole flow also runs against the OpenID Certified npm ``oidc-provider``
(``tests/accounts/test_sso_certified.py``): success, unknown person, terminated, replayed callback,
expired ID token, roles from groups, end-session. This provider stays for what an honest certified one
never does: an ID token for another audience (also one naming the portal as authorised party), one
signed with a key that is not the published one, a discovery document naming another issuer, no
end-session endpoint.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "soxp-portal"
CLIENT_SECRET = "test-client-secret"


@functools.cache
def _keys() -> tuple[RSAKey, RSAKey]:
    """The provider's signing key and another with the same key id (for a bad signature), made once
    per process: RSA key generation is the slow part of a test."""
    return (
        RSAKey.generate_key(2048, parameters={"kid": "test-key"}),
        RSAKey.generate_key(2048, parameters={"kid": "test-key"}),
    )


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    code_challenge: str
    nonce: str
    claims: dict[str, Any]


@dataclass
class Provider:
    """Per test: who signs in next and how the ID token is made."""

    claims: dict[str, Any] = field(default_factory=dict)
    audience: str = CLIENT_ID
    authorized_party: str | None = None
    lifetime: int = 300
    issued_ago: int = 0
    sign_with_other_key: bool = False
    end_session: bool = True
    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"}))
    other_key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "test-key"})
    )
    grants: dict[str, Grant] = field(default_factory=dict)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    @property
    def issuer(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def discovery(self) -> dict[str, Any]:
        document = {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
        }
        if self.end_session:
            document["end_session_endpoint"] = f"{self.issuer}/logout"
        return document

    def id_token(self, grant: Grant) -> str:
        now = int(time.time()) - self.issued_ago
        claims = {
            "iss": self.issuer,
            "aud": self.audience,
            "iat": now,
            "exp": now + self.lifetime,
            "nonce": grant.nonce,
            **grant.claims,
        }
        if self.authorized_party:
            claims["azp"] = self.authorized_party
        key = self.other_key if self.sign_with_other_key else self.key
        return jwt.encode({"alg": "RS256", "kid": "test-key"}, claims, key)

    def start(self) -> Provider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _send(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode() if body is not None else b""
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                if body is not None:
                    self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                url = urlparse(self.path)
                query = {name: values[0] for name, values in parse_qs(url.query).items()}
                if url.path == "/.well-known/openid-configuration":
                    self._send(200, provider.discovery())
                elif url.path == "/jwks":
                    self._send(200, KeySet([provider.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    self._send(*provider.authorize(query))
                elif url.path == "/logout":
                    self._send(200, {"signed_out": True})
                else:
                    self._send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {
                    name: values[0] for name, values in parse_qs(self.rfile.read(length).decode()).items()
                }
                if urlparse(self.path).path == "/token":
                    self._send(*provider.token(form, self.headers.get("Authorization", "")))
                else:
                    self._send(404, {"error": "not_found"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def authorize(self, query: dict[str, str]) -> tuple[int, Any, dict[str, str]]:
        """Signs in ``self.claims`` at once (no login page) and sends the browser back with a code."""
        if query.get("client_id") != CLIENT_ID or query.get("response_type") != "code":
            return 400, {"error": "invalid_request"}, {}
        if query.get("code_challenge_method") != "S256" or not query.get("code_challenge"):
            return 400, {"error": "invalid_request", "error_description": "PKCE (S256) required"}, {}
        if "openid" not in query.get("scope", "").split() or not query.get("nonce"):
            return 400, {"error": "invalid_request", "error_description": "openid scope and nonce"}, {}
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            client_id=query["client_id"],
            redirect_uri=query["redirect_uri"],
            code_challenge=query["code_challenge"],
            nonce=query["nonce"],
            claims=dict(self.claims),
        )
        location = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
        return 302, None, {"Location": location}

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, Any]:
        """The code for tokens: the client's secret, the redirect URI and the PKCE verifier must match;
        a code works once."""
        self.token_requests.append(form)
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        grant = self.grants.pop(form.get("code", ""), None)
        if grant is None or form.get("grant_type") != "authorization_code":
            return 400, {"error": "invalid_grant"}
        if form.get("redirect_uri") != grant.redirect_uri:
            return 400, {"error": "invalid_grant", "error_description": "redirect_uri"}
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if challenge != grant.code_challenge:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verifier"}
        return 200, {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant),
        }
