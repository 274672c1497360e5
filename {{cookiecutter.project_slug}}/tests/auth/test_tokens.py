"""Token validation against a local issuer: what passes, and why everything else fails."""

import base64
import hashlib
import hmac
import json
import time
from dataclasses import replace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from {{ cookiecutter.package_name }}.auth.roles import Role
from {{ cookiecutter.package_name }}.auth.tokens import (
    VERIFIED_TTL_SECONDS,
    InvalidTokenError,
    TokenValidator,
)
from tests.auth.conftest import MakeValidator
from tests.auth.issuer import Issuer, SigningKey


@pytest.fixture
async def validator(private_issuer: Issuer, make_validator: MakeValidator) -> TokenValidator:
    return await make_validator(private_issuer)


async def rejected(validator: TokenValidator, token: str) -> str:
    with pytest.raises(InvalidTokenError) as caught:
        await validator.validate(token)
    return caught.value.reason


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_signed(header: dict[str, Any], claims: dict[str, Any], secret: bytes) -> str:
    """A token signed with HMAC-SHA256, built by hand (PyJWT refuses to sign with a PEM key)."""
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(signature)}"


async def test_valid_token_gives_the_principal(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    principal = await validator.validate(private_issuer.token(roles=[Role.READER]))
    assert principal.subject == private_issuer.claims()["sub"]
    assert principal.username == "alice"
    assert principal.roles == {Role.READER}
    assert principal.client == validator.client_id


async def test_realm_roles_count_as_well_as_client_roles(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token(roles=[], realm_access={"roles": ["writer", "offline_access"]})
    assert (await validator.validate(token)).roles == {Role.WRITER}


async def test_roles_of_other_clients_do_not_count(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token(roles=[], resource_access={"other-app": {"roles": ["writer"]}})
    assert (await validator.validate(token)).roles == frozenset()


async def test_ec_keys_are_accepted_too(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    private_issuer.keys.append(SigningKey.ec())
    validator = await make_validator(private_issuer)
    token = private_issuer.token(key=private_issuer.keys[-1])
    assert (await validator.validate(token)).subject


class FakeClock:
    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


async def test_a_verified_token_is_not_verified_again(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token()
    first = await validator.validate(token)
    assert await validator.validate(token) is first


async def test_a_remembered_token_is_verified_again_after_the_ttl(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    clock = FakeClock()
    validator = replace(validator, clock=clock)
    token = private_issuer.token(lifetime=3600)
    first = await validator.validate(token)
    clock.now += VERIFIED_TTL_SECONDS + 1
    assert await validator.validate(token) is not first


async def test_a_remembered_token_is_verified_again_once_it_expires(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    clock = FakeClock()
    validator = replace(validator, clock=clock)
    token = private_issuer.token(lifetime=30)
    first = await validator.validate(token)
    clock.now = first.expires_at  # the full check (which reads the real time) runs again
    assert await validator.validate(token) is not first


async def test_expired_token_is_rejected(private_issuer: Issuer, validator: TokenValidator) -> None:
    token = private_issuer.token(exp=int(time.time()) - 120)
    assert await rejected(validator, token) == "expired"


async def test_token_expired_within_the_leeway_is_accepted(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token(exp=int(time.time()) - 5)
    assert (await validator.validate(token)).subject


async def test_token_not_yet_valid_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token(nbf=int(time.time()) + 600)
    assert await rejected(validator, token) == "not_yet_valid"


async def test_token_from_another_issuer_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token(iss="http://keycloak.example/realms/other")
    assert await rejected(validator, token) == "issuer"


async def test_token_for_another_audience_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token(aud="some-other-api")
    assert await rejected(validator, token) == "audience"


async def test_token_without_audience_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    claims = private_issuer.claims()
    del claims["aud"]
    key = private_issuer.keys[0]
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    assert await rejected(validator, token) == "claims"


async def test_token_with_a_bad_signature_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    impostor = SigningKey.rsa(kid=private_issuer.keys[0].kid)  # same kid, other private key
    assert await rejected(validator, private_issuer.token(key=impostor)) == "signature"


async def test_tampered_claims_break_the_signature(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    header, _, signature = private_issuer.token(roles=[]).split(".")
    forged = _b64(json.dumps(private_issuer.claims()).encode())  # every role
    assert await rejected(validator, f"{header}.{forged}.{signature}") == "signature"


async def test_unsigned_token_alg_none_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    header = {"alg": "none", "typ": "JWT", "kid": private_issuer.keys[0].kid}
    claims = private_issuer.claims()
    token = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}."
    assert await rejected(validator, token) == "algorithm"


async def test_hs256_signed_with_the_public_key_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    key = private_issuer.keys[0]
    public_pem = key.private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": key.kid}
    token = hand_signed(header, private_issuer.claims(), public_pem)
    assert await rejected(validator, token) == "algorithm"


async def test_algorithm_must_match_the_key(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    key = private_issuer.keys[0]  # an RS256 key; the token claims PS256 with it
    token = jwt.encode(
        private_issuer.claims(), key.private_key, algorithm="PS256", headers={"kid": key.kid}
    )
    assert await rejected(validator, token) == "algorithm"


async def test_id_token_is_not_an_access_token(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    token = private_issuer.token(typ="ID", aud=validator.audience)
    assert await rejected(validator, token) == "token_type"


async def test_token_for_an_unlisted_client_is_rejected_when_parties_are_restricted(
    private_issuer: Issuer, make_validator: MakeValidator
) -> None:
    validator = await make_validator(private_issuer, authorized_parties=["web-app"])
    assert await rejected(validator, private_issuer.token(azp="other-app")) == "party"
    assert (await validator.validate(private_issuer.token(azp="web-app"))).client == "web-app"


@pytest.mark.parametrize("token", ["", "not-a-token", "a.b.c", "e30.e30.e30"])
async def test_malformed_token_is_rejected(validator: TokenValidator, token: str) -> None:
    assert await rejected(validator, token) in {"malformed", "algorithm"}


async def test_token_without_kid_is_rejected(
    private_issuer: Issuer, validator: TokenValidator
) -> None:
    key = private_issuer.keys[0]
    token = jwt.encode(private_issuer.claims(), key.private_key, algorithm="RS256")
    assert await rejected(validator, token) == "malformed"
