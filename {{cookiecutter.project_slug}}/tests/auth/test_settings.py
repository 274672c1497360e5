"""Keycloak settings: env names, the derived issuer and JWKS addresses."""

import pytest
from pydantic import ValidationError

from {{ cookiecutter.package_name }}.settings import Settings


def load(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_issuer_and_jwks_url_derive_from_url_and_realm(monkeypatch: pytest.MonkeyPatch) -> None:
    keycloak = load(
        monkeypatch, {"KEYCLOAK_URL": "https://sso.example.com/", "KEYCLOAK_REALM": "shop"}
    ).keycloak
    assert keycloak.issuer_url == "https://sso.example.com/realms/shop"
    assert keycloak.jwks_url == "https://sso.example.com/realms/shop/protocol/openid-connect/certs"


def test_issuer_can_differ_from_the_internal_url(monkeypatch: pytest.MonkeyPatch) -> None:
    keycloak = load(
        monkeypatch,
        {
            "KEYCLOAK_URL": "http://keycloak.auth.svc:8080",
            "KEYCLOAK_ISSUER": "https://sso.example.com/realms/shop",
        },
    ).keycloak
    assert keycloak.issuer_url == "https://sso.example.com/realms/shop"
    assert keycloak.jwks_url.startswith("http://keycloak.auth.svc:8080/")


def test_authorized_parties_are_comma_separated(monkeypatch: pytest.MonkeyPatch) -> None:
    keycloak = load(monkeypatch, {"KEYCLOAK_AUTHORIZED_PARTIES": "web-app, mobile-app"}).keycloak
    assert keycloak.authorized_parties == ["web-app", "mobile-app"]


def test_leeway_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="leeway_seconds"):
        load(monkeypatch, {"KEYCLOAK_LEEWAY_SECONDS": "3600"})
