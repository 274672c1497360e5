"""A stand-in for Keycloak: keys generated here, the JWKS served over real HTTP on 127.0.0.1."""

import json
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from {{ cookiecutter.package_name }}.auth.roles import Role
from {{ cookiecutter.package_name }}.settings import KeycloakSettings

REALM = "test-realm"


@dataclass
class SigningKey:
    kid: str
    algorithm: str
    private_key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    @classmethod
    def rsa(cls, kid: str | None = None) -> "SigningKey":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return cls(kid or f"rsa-{uuid.uuid4().hex[:8]}", "RS256", private)

    @classmethod
    def ec(cls, kid: str | None = None) -> "SigningKey":
        private = ec.generate_private_key(ec.SECP256R1())
        return cls(kid or f"ec-{uuid.uuid4().hex[:8]}", "ES256", private)

    def jwk(self) -> dict[str, Any]:
        algorithm = jwt.get_algorithm_by_name(self.algorithm)
        public: dict[str, Any] = algorithm.to_jwk(self.private_key.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "alg": self.algorithm, "use": "sig"}


@dataclass
class Issuer:
    """Keycloak's JWKS endpoint and token minting, for one realm. `stop()` makes it unreachable."""

    realm: str = REALM
    keys: list[SigningKey] = field(default_factory=lambda: [SigningKey.rsa()])
    extra_jwks: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    jwks_requests: int = 0
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer_url(self) -> str:
        return f"{self.url}/realms/{self.realm}"

    def start(self) -> "Issuer":
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path != f"/realms/{issuer.realm}/protocol/openid-connect/certs":
                    self.send_error(404)
                    return
                issuer.jwks_requests += 1
                body = json.dumps(issuer.jwks()).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Close the port: fetches are refused at once, like a Keycloak that is down."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.jwk() for key in self.keys] + self.extra_jwks}

    def rotate(self) -> SigningKey:
        """Keycloak's key rotation: a new active key is published next to the old one."""
        key = SigningKey.rsa()
        self.keys.insert(0, key)
        return key

    def settings(self, **overrides: Any) -> KeycloakSettings:
        return KeycloakSettings(url=self.url, realm=self.realm, **overrides)

    def env(self) -> dict[str, str]:
        """The same configuration as environment variables (for a uvicorn process)."""
        return {"KEYCLOAK_URL": self.url, "KEYCLOAK_REALM": self.realm}

    def claims(
        self, *, roles: Iterable[Role] = tuple(Role), lifetime: int = 300, **overrides: Any
    ) -> dict[str, Any]:
        defaults = KeycloakSettings()
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer_url,
            "aud": [defaults.audience, "account"],
            "azp": defaults.client_id,
            "sub": "7f1c2a9e-0000-4000-8000-000000000001",
            "typ": "Bearer",
            "preferred_username": "alice",
            "iat": now,
            "exp": now + lifetime,
            "realm_access": {"roles": ["offline_access", "uma_authorization"]},
            "resource_access": {defaults.client_id: {"roles": [role.value for role in roles]}},
        }
        claims.update(overrides)
        return claims

    def token(
        self,
        *,
        key: SigningKey | None = None,
        headers: dict[str, Any] | None = None,
        roles: Iterable[Role] = tuple(Role),
        **claims: Any,
    ) -> str:
        """An access token as Keycloak would mint it; `claims` override or add claims."""
        key = key or self.keys[0]
        return jwt.encode(
            self.claims(roles=roles, **claims),
            key.private_key,
            algorithm=key.algorithm,
            headers={"kid": key.kid, **(headers or {})},
        )
