"""Access token validation: signature against the realm's keys, then the claims.

Checked: the algorithm (asymmetric allow-list, and it must match the key), the signature,
`exp` and `nbf` (with leeway), `iss`, `aud`, `azp` (when restricted), `typ` (access tokens only)
and `sub`. Anything else about a token is the policy's business (roles).
"""

from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True, slots=True)
class TokenValidator:
    keys: JwksCache
    issuer: str
    audience: str
    client_id: str
    authorized_parties: frozenset[str]
    leeway_seconds: float

    async def validate(self, token: str) -> Principal:
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
