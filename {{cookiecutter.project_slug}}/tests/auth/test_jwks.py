"""The key cache: fetched rarely, refetched on rotation, kept when Keycloak is down."""

import base64

import httpx
import pytest

from {{ cookiecutter.package_name }}.auth.breaker import BreakerState, CircuitBreaker
from {{ cookiecutter.package_name }}.auth.jwks import JwksCache
from {{ cookiecutter.package_name }}.auth.tokens import InvalidTokenError
from tests.auth.conftest import MakeValidator
from tests.auth.issuer import Issuer, SigningKey


async def test_keys_are_fetched_once_not_per_token(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    validator = await make_validator(private_issuer)
    for _ in range(5):
        await validator.validate(private_issuer.token())
    assert private_issuer.jwks_requests == 1


async def test_unknown_kid_refetches_the_keys_after_rotation(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    validator = await make_validator(private_issuer, jwks_min_refetch_seconds=0)
    old_key = private_issuer.keys[0]
    new_key = private_issuer.rotate()
    assert (await validator.validate(private_issuer.token(key=new_key))).subject
    assert (await validator.validate(private_issuer.token(key=old_key))).subject
    assert private_issuer.jwks_requests == 2


async def test_unknown_kid_refetch_is_rate_limited(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    validator = await make_validator(private_issuer, jwks_min_refetch_seconds=3600)
    strangers = [SigningKey.rsa(), SigningKey.rsa(), SigningKey.rsa()]
    for key in strangers:
        with pytest.raises(InvalidTokenError, match="unknown"):
            await validator.validate(private_issuer.token(key=key))
    assert private_issuer.jwks_requests == 1  # the startup fetch only


async def test_cached_keys_keep_working_while_the_issuer_is_down(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    validator = await make_validator(
        private_issuer, jwks_min_refetch_seconds=0, jwks_max_age_seconds=0.001
    )
    private_issuer.stop()
    principal = await validator.validate(private_issuer.token())
    assert principal.subject
    assert validator.keys.fetches["failure"] >= 1


async def test_unknown_kid_while_the_issuer_is_down_is_an_invalid_token(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    validator = await make_validator(private_issuer, jwks_min_refetch_seconds=0)
    private_issuer.stop()
    with pytest.raises(InvalidTokenError) as caught:
        await validator.validate(private_issuer.token(key=SigningKey.rsa()))
    assert caught.value.reason == "unknown_key"
    assert validator.keys.fetches["failure"] == 1


async def test_breaker_opens_after_repeated_failures_and_stops_fetching(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    validator = await make_validator(
        private_issuer, jwks_min_refetch_seconds=0, breaker_failures=2, breaker_reset_seconds=3600
    )
    private_issuer.stop()
    for _ in range(4):
        with pytest.raises(InvalidTokenError):
            await validator.validate(private_issuer.token(key=SigningKey.rsa()))
    assert validator.keys.breaker.state is BreakerState.OPEN
    assert validator.keys.fetches["failure"] == 2  # then the open circuit skips the fetches


async def test_keys_are_refetched_when_older_than_max_age(private_issuer: Issuer) -> None:
    now = [0.0]
    async with httpx.AsyncClient() as http:
        cache = JwksCache(
            http,
            f"{private_issuer.issuer_url}/protocol/openid-connect/certs",
            breaker=CircuitBreaker("test", failure_threshold=3, reset_seconds=30),
            max_age_seconds=300,
            min_refetch_seconds=10,
            clock=lambda: now[0],
        )
        kid = private_issuer.keys[0].kid
        await cache.key(kid)
        now[0] = 299.0
        await cache.key(kid)
        assert private_issuer.jwks_requests == 1
        now[0] = 300.0
        await cache.key(kid)
        assert private_issuer.jwks_requests == 2


async def test_only_asymmetric_signing_keys_are_kept(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    secret = base64.urlsafe_b64encode(b"s" * 32).rstrip(b"=").decode()
    encryption_key = {**SigningKey.rsa(kid="enc").jwk(), "use": "enc", "alg": "RSA-OAEP"}
    private_issuer.extra_jwks = [
        {"kty": "oct", "kid": "hmac", "alg": "HS256", "k": secret},
        encryption_key,
        {"kty": "RSA", "kid": "broken", "alg": "RS256"},
    ]
    validator = await make_validator(private_issuer)
    assert validator.keys.key_ids == {private_issuer.keys[0].kid}
