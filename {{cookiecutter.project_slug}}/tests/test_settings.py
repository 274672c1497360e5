"""Settings: env names, and refusal of unsafe production configuration."""

import pytest
from pydantic import BaseModel, Field, SecretStr, ValidationError

from {{ cookiecutter.package_name }}.settings import Settings

SAFE_PRODUCTION = {
    "ENVIRONMENT": "production",
    "ALLOWED_HOSTS": "api.example.com",
    "DATABASE_URL": "postgresql+asyncpg://app:s3cure-Passw0rd@db:5432/app",
}


def load(monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> Settings:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return Settings(_env_file=None)


def test_env_names_map_to_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        {"DATABASE_URL": "postgresql+asyncpg://u@h/db", "DATABASE_POOL_SIZE": "3", "PORT": "9000"},
    )
    assert settings.database.url == "postgresql+asyncpg://u@h/db"
    assert settings.database.pool_size == 3
    assert settings.port == 9000


def test_lists_accept_comma_separated_values(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(monkeypatch, {"CORS_ORIGINS": "https://a.example, https://b.example"})
    assert settings.cors_origins == ["https://a.example", "https://b.example"]


def test_safe_production_settings_load(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load(monkeypatch, SAFE_PRODUCTION).environment == "production"


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"DEBUG": "true"}, "DEBUG"),
        ({"CORS_ORIGINS": "*"}, "CORS_ORIGINS"),
        ({"ALLOWED_HOSTS": "*"}, "ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
        ({"DATABASE_URL": "postgresql+asyncpg://postgres:postgres@db/app"}, "DATABASE_URL"),
    ],
)
def test_unsafe_production_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, override: dict[str, str], variable: str
) -> None:
    with pytest.raises(ValidationError, match=variable):
        load(monkeypatch, {**SAFE_PRODUCTION, **override})


def test_development_allows_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load(monkeypatch, {"DEBUG": "true"}).debug is True


def test_trusted_proxies_take_addresses_and_cidr_ranges(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(monkeypatch, {"TRUSTED_PROXIES": "10.0.0.1, 172.16.0.0/12, fd00::/8"})
    assert settings.trusted_proxies == ["10.0.0.1", "172.16.0.0/12", "fd00::/8"]


def test_trusted_proxy_that_is_no_address_is_refused_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ValidationError, match="TRUSTED_PROXIES: 'traefik'"):
        load(monkeypatch, {"TRUSTED_PROXIES": "10.0.0.1,traefik"})


class _Signing(BaseModel):
    key: SecretStr = SecretStr("change-me")


class SettingsWithSecrets(Settings):
    """What a feature adds: secret settings, top level and in a group."""

    api_key: SecretStr = SecretStr("")
    signing: _Signing = Field(default_factory=_Signing)


STRONG = {"API_KEY": "k" * 16 + "Zq8", "SIGNING_KEY": "s" * 16 + "Wv3"}


@pytest.mark.parametrize(
    ("override", "variable"),
    [
        ({"API_KEY": "short"}, "API_KEY"),
        ({"API_KEY": ""}, "API_KEY"),
        ({"SIGNING_KEY": "change-me-change-me-change-me"}, "SIGNING_KEY"),
        ({"SIGNING_KEY": "CHANGE_ME_0123456789abcdef"}, "SIGNING_KEY"),
    ],
)
def test_weak_secret_is_refused_in_production_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, override: dict[str, str], variable: str
) -> None:
    for name, value in {**SAFE_PRODUCTION, **STRONG, **override}.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ValidationError, match=f"{variable} is a default or shorter than 16"):
        SettingsWithSecrets(_env_file=None)


def test_strong_secrets_load_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {**SAFE_PRODUCTION, **STRONG}.items():
        monkeypatch.setenv(name, value)
    settings = SettingsWithSecrets(_env_file=None)
    assert settings.signing.key.get_secret_value() == STRONG["SIGNING_KEY"]


def test_shutdown_timeout_reaches_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load(monkeypatch, {"SHUTDOWN_TIMEOUT": "7"}).shutdown_timeout == 7
