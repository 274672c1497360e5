"""The realm's public signing keys (JWKS), fetched rarely and kept when Keycloak is down.

Keys are fetched at startup, again when they are older than `max_age_seconds`, and again when a
token names an unknown `kid` (key rotation) -- but never more than once per
`min_refetch_seconds`, and not at all while the circuit breaker is open. A failed fetch keeps
the keys already cached, so tokens signed with them still validate.
"""

import asyncio
import time
from collections.abc import Callable
from typing import Any

import httpx
import jwt
import structlog

from {{ cookiecutter.package_name }}.auth.breaker import CircuitBreaker
from {{ cookiecutter.package_name }}.auth.metrics import JWKS_FETCH_FAILED, JWKS_FETCHED

logger = structlog.get_logger(__name__)

# Asymmetric algorithms only: `none` and HMAC (HS*) never verify a token here, so a token signed
# with the public key as an HMAC secret cannot pass.
ALLOWED_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class UnknownKeyError(Exception):
    """No cached key has the token's `kid`, and the keys could not be refetched just now."""


class JwksCache:
    def __init__(
        self,
        http: httpx.AsyncClient,
        url: str,
        *,
        breaker: CircuitBreaker,
        max_age_seconds: float,
        min_refetch_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.breaker = breaker
        self._http = http
        self._max_age = max_age_seconds
        self._min_refetch = min_refetch_seconds
        self._clock = clock
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = asyncio.Lock()
        self.fetches: dict[str, int] = {"success": 0, "failure": 0}

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    async def key(self, kid: str) -> jwt.PyJWK:
        """The key with this id, refetching the set first when it is stale or lacks the id."""
        key = self._keys.get(kid)
        if key is not None and not self._stale():
            return key
        await self.refresh()
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKeyError(kid)
        return key

    async def refresh(self) -> bool:
        """Fetch the key set unless one was tried within `min_refetch_seconds` or the circuit
        is open. Returns whether a fetch succeeded; a failure keeps the cached keys."""
        async with self._lock:
            now = self._clock()
            last = self._attempted_at
            recently = last is not None and now - last < self._min_refetch
            if recently or not self.breaker.allows_call():
                return False
            self._attempted_at = now
            try:
                keys = await self._fetch()
            except (httpx.HTTPError, ValueError) as exc:
                self.breaker.record_failure()
                self.fetches["failure"] += 1
                JWKS_FETCH_FAILED.inc()
                logger.warning(
                    "jwks_fetch_failed",
                    url=self.url,
                    error=str(exc) or type(exc).__name__,
                    circuit=self.breaker.state.name.lower(),
                    cached_keys=len(self._keys),
                )
                return False
            self.breaker.record_success()
            self.fetches["success"] += 1
            JWKS_FETCHED.inc()
            self._keys, self._fetched_at = keys, now
            logger.info("jwks_fetched", url=self.url, keys=sorted(keys))
            return True

    def _stale(self) -> bool:
        return self._fetched_at is None or self._clock() - self._fetched_at >= self._max_age

    async def _fetch(self) -> dict[str, jwt.PyJWK]:
        response = await self._http.get(self.url, headers={"Accept": "application/json"})
        response.raise_for_status()
        document = response.json()
        entries = document.get("keys") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            raise ValueError("the JWKS document has no `keys` list")
        keys = {}
        for entry in entries:
            if (pair := _signing_key(entry)) is not None:
                keys[pair[0]] = pair[1]
        if not keys:
            raise ValueError("the JWKS document has no usable signing key")
        return keys


def _signing_key(entry: Any) -> tuple[str, jwt.PyJWK] | None:
    """A verification key we accept, or None: encryption keys, symmetric keys, keys for
    algorithms outside the allow-list and malformed entries are skipped."""
    if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
        return None
    if entry.get("use", "sig") != "sig" or entry.get("kty") == "oct":
        return None
    if "alg" in entry and entry["alg"] not in ALLOWED_ALGORITHMS:
        return None
    try:
        key = jwt.PyJWK(entry)
    except jwt.PyJWTError:
        return None
    if key.algorithm_name not in ALLOWED_ALGORITHMS:
        return None
    return entry["kid"], key
