"""Access token validation: signature against the realm's keys, then the claims.

Checked: the algorithm (asymmetric allow-list, and it must match the key), the signature,
`exp` and `nbf` (with leeway), `iss`, `aud`, `azp` (when restricted), `typ` (access tokens only)
and `sub`. Anything else about a token is the policy's business (roles).

A client sends the same token with every request until it expires: a verified token's principal
is kept (per process, bounded) until the token's `exp`, at most `VERIFIED_TTL_SECONDS`, so the
signature is not checked again on every request. The price: a token whose signing key leaves the
realm stays accepted for up to that long.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt

from {{ cookiecutter.package_name }}.auth.jwks import ALLOWED_ALGORITHMS, JwksCache, UnknownKeyError
from {{ cookiecutter.package_name }}.auth.roles import Role, roles_from_claims


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling, as the token says."""

    subject: str
    username: str | None
    roles: frozenset[Role]
    expires_at: int
    client: str | None

    def has_roles(self, required: frozenset[Role]) -> bool:
        return required <= self.roles


class InvalidTokenError(Exception):
    """The token is not acceptable. `reason` is a stable label (logs, metrics); `message` is
    safe to show the client."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


VERIFIED_TOKENS = 1024
"""Verified tokens kept per process; the oldest goes first."""
VERIFIED_TTL_SECONDS = 60.0
"""Longest a verified token is trusted without checking it again."""


@dataclass(frozen=True, slots=True)
class TokenValidator:
    keys: JwksCache
    issuer: str
    audience: str
    client_id: str
    authorized_parties: frozenset[str]
    leeway_seconds: float
    clock: Callable[[], float] = time.time
    _verified: dict[str, tuple[Principal, float]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    async def validate(self, token: str) -> Principal:
        now = self.clock()
        if (cached := self._verified.get(token)) is not None:
            principal, recheck_at = cached
            if now < recheck_at:
                return principal
            del self._verified[token]
        principal = await self._verify(token)
        # Until `exp` without the leeway: a token in its leeway is verified every time, and an
        # expired one gets its `expired` answer from the full check, as it always did.
        recheck_at = min(float(principal.expires_at), now + VERIFIED_TTL_SECONDS)
        if len(self._verified) >= VERIFIED_TOKENS:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = (principal, recheck_at)
        return principal

    async def _verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidTokenError("malformed", "The access token is malformed.") from None
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in ALLOWED_ALGORITHMS:
            raise InvalidTokenError("algorithm", "The token's signing algorithm is not accepted.")
        if not isinstance(kid, str):
            raise InvalidTokenError("malformed", "The access token names no signing key (kid).")
        try:
            key = await self.keys.key(kid)
        except UnknownKeyError:
            # With no key at all, Keycloak has not been reachable since startup: say so.
            reason = "unknown_key" if self.keys.key_ids else "keys_unavailable"
            raise InvalidTokenError(reason, "The token's signing key is unknown.") from None
        claims = self._decode(token, key, algorithm)
        return self._principal(claims)

    def _decode(self, token: str, key: jwt.PyJWK, algorithm: str) -> dict[str, Any]:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[algorithm],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidTokenError("expired", "The access token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise InvalidTokenError("not_yet_valid", "The access token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise InvalidTokenError("audience", "The token is not meant for this API.") from None
        except jwt.InvalidIssuerError:
            raise InvalidTokenError("issuer", "The token's issuer is not trusted.") from None
        except jwt.InvalidSignatureError:
            raise InvalidTokenError("signature", "The token's signature is invalid.") from None
        except jwt.InvalidAlgorithmError:
            raise InvalidTokenError(
                "algorithm", "The token's algorithm does not match its key."
            ) from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidTokenError("claims", f"The token has no `{exc.claim}` claim.") from None
        except jwt.PyJWTError:
            raise InvalidTokenError("malformed", "The access token is malformed.") from None
        return claims

    def _principal(self, claims: Mapping[str, Any]) -> Principal:
        token_type = claims.get("typ")
        if token_type is not None and str(token_type).lower() != "bearer":
            # An ID token can carry the API's client as `aud`; only access tokens authorize.
            raise InvalidTokenError("token_type", "Only access tokens are accepted.")
        party = claims.get("azp")
        if self.authorized_parties and party not in self.authorized_parties:
            raise InvalidTokenError("party", "The token was issued to a client not allowed here.")
        subject = claims["sub"]
        if not isinstance(subject, str) or not subject:
            raise InvalidTokenError("claims", "The token's `sub` claim is not a string.")
        username = claims.get("preferred_username")
        return Principal(
            subject=subject,
            username=username if isinstance(username, str) else None,
            roles=roles_from_claims(claims, self.client_id),
            expires_at=int(claims["exp"]),
            client=party if isinstance(party, str) else None,
        )
