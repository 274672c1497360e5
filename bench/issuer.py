"""A local token issuer standing in for Keycloak: an RSA key made here, its JWKS served over
HTTP on 127.0.0.1 at Keycloak's paths, and access tokens signed with it."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm


class TokenIssuer:
    def __init__(self, *, realm: str, audience: str, client_id: str) -> None:
        self.realm = realm
        self.audience = audience
        self.client_id = client_id
        self.kid = secrets.token_hex(8)
        self._key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(RSAAlgorithm.to_jwk(self._key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256")
        self._jwks = json.dumps({"keys": [jwk]}).encode()
        self._server: ThreadingHTTPServer | None = None
        self.requests = 0  # JWKS fetches seen: the service should cache them

    @property
    def url(self) -> str:
        """What KEYCLOAK_URL points at."""
        if self._server is None:
            raise RuntimeError("the issuer is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/realms/{self.realm}"

    @property
    def jwks_path(self) -> str:
        return f"/realms/{self.realm}/protocol/openid-connect/certs"

    def start(self) -> None:
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == issuer.jwks_path:
                    issuer.requests += 1
                    body, status = issuer._jwks, 200
                elif self.path == f"/realms/{issuer.realm}/.well-known/openid-configuration":
                    body = json.dumps(
                        {"issuer": issuer.issuer, "jwks_uri": issuer.url + issuer.jwks_path}
                    ).encode()
                    status = 200
                else:
                    body, status = b"{}", 404
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def token(self, subject: str, *, roles: Iterable[str] = (), lifetime: float = 3600.0) -> str:
        now = int(time.time())
        role_list = sorted(roles)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.audience,
            "azp": self.client_id,
            "sub": subject,
            "typ": "Bearer",
            "iat": now,
            "nbf": now - 5,
            "exp": now + int(lifetime),
            "preferred_username": subject,
            "realm_access": {"roles": role_list},
            "resource_access": {self.client_id: {"roles": role_list}},
        }
        return jwt.encode(claims, self._key, algorithm="RS256", headers={"kid": self.kid})
