"""`keycloak/realm.json` (imported by compose) agrees with the settings and the `Role` enum."""

import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from {{ cookiecutter.package_name }}.auth.roles import Role
from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import KeycloakSettings, Settings

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((ROOT / "keycloak" / "realm.json").read_text())
    return document


@pytest.fixture(scope="module")
def api_client(realm: dict[str, Any]) -> dict[str, Any]:
    clients: list[dict[str, Any]] = [
        c for c in realm["clients"] if c["clientId"] == KeycloakSettings().client_id
    ]
    assert len(clients) == 1
    return clients[0]


def test_realm_and_client_match_the_default_settings(
    realm: dict[str, Any], api_client: dict[str, Any]
) -> None:
    defaults = KeycloakSettings()
    assert realm["realm"] == defaults.realm
    assert api_client["enabled"] is True


def test_access_tokens_carry_the_api_as_audience(api_client: dict[str, Any]) -> None:
    audiences = [
        mapper["config"]
        for mapper in api_client["protocolMappers"]
        if mapper["protocolMapper"] == "oidc-audience-mapper"
    ]
    assert [config["included.client.audience"] for config in audiences] == [
        KeycloakSettings().audience
    ]
    assert audiences[0]["access.token.claim"] == "true"


def test_client_roles_are_exactly_the_role_enum(realm: dict[str, Any]) -> None:
    roles = realm["roles"]["client"][KeycloakSettings().client_id]
    assert {role["name"] for role in roles} == {role.value for role in Role}


def test_dev_user_holds_every_role_and_its_password_comes_from_env(
    realm: dict[str, Any],
) -> None:
    (user,) = realm["users"]
    assert user["clientRoles"][KeycloakSettings().client_id] == sorted(r.value for r in Role)
    (credential,) = user["credentials"]
    assert credential["value"] == "${KEYCLOAK_DEV_PASSWORD}"
    assert credential["temporary"] is False
    assert user["username"] == "${KEYCLOAK_DEV_USERNAME}"


def test_client_is_public_with_pkce_and_no_implicit_flow(api_client: dict[str, Any]) -> None:
    assert api_client["publicClient"] is True
    assert api_client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert api_client["implicitFlowEnabled"] is False
    assert api_client["serviceAccountsEnabled"] is False


def test_redirects_go_only_to_swagger_ui_of_the_dev_origins(
    api_client: dict[str, Any], settings: Settings
) -> None:
    redirect_path = create_app(settings).swagger_ui_oauth2_redirect_url
    origins = set()
    for uri in api_client["redirectUris"]:
        assert "*" not in uri
        parts = urlsplit(uri)
        assert parts.path == redirect_path
        origins.add(f"{parts.scheme}://{parts.netloc}")
    assert set(api_client["webOrigins"]) == origins
    assert f"http://127.0.0.1:{Settings(_env_file=None).port}" in origins


def test_env_example_leaves_the_dev_password_to_the_generator() -> None:
    env = (ROOT / ".env.example").read_text()
    assert re.search(r"^KEYCLOAK_DEV_PASSWORD=change-me$", env, re.MULTILINE)
    assert re.search(r"^KEYCLOAK_ADMIN_PASSWORD=change-me$", env, re.MULTILINE)


def test_compose_imports_the_realm_with_the_dev_password() -> None:
    compose = (ROOT / "compose.yaml").read_text()
    assert "./keycloak/realm.json:/opt/keycloak/data/import/realm.json:ro" in compose
    assert "--import-realm" in compose
    assert "KEYCLOAK_DEV_PASSWORD: ${KEYCLOAK_DEV_PASSWORD:?" in compose
    assert f"KC_HOSTNAME: {KeycloakSettings().url}" in compose
