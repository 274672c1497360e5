"""WS_* settings: names, lists, and what production refuses."""

import pytest
from pydantic import ValidationError

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


def test_ws_env_names_map_to_the_ws_group(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load(
        monkeypatch,
        {
            "WS_MAX_MESSAGE_BYTES": "2048",
            "WS_SEND_QUEUE_SIZE": "8",
            "WS_ALLOWED_ORIGINS": "https://a.example, https://b.example",
        },
    )
    assert settings.ws.max_message_bytes == 2048
    assert settings.ws.send_queue_size == 8
    assert settings.ws.allowed_origins == ["https://a.example", "https://b.example"]


def test_production_refuses_any_websocket_origin(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValidationError, match="WS_ALLOWED_ORIGINS"):
        load(monkeypatch, {**SAFE_PRODUCTION, "WS_ALLOWED_ORIGINS": "*"})
