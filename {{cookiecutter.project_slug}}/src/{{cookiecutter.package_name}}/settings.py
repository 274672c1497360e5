"""Configuration from the environment (and `.env`), grouped by dependency.

Env names are the group name plus the field: `DATABASE_URL` -> `settings.database.url`.
Every field has a description: `make docs-config` turns them into docs/configuration.md.
"""

from collections.abc import Iterator
from enum import StrEnum
from functools import lru_cache
from ipaddress import ip_network
from typing import Annotated, Self

from pydantic import (
    BaseModel,
    BeforeValidator,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from sqlalchemy.engine import make_url


class Environment(StrEnum):
    DEVELOPMENT = "development"
    STAGING = "staging"
    PRODUCTION = "production"
{%- if cookiecutter.use_redis %}


class FailMode(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
{%- endif %}


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


# A list from a comma-separated env value: `CORS_ORIGINS=https://a.example,https://b.example`.
CsvList = Annotated[list[str], NoDecode, BeforeValidator(_split_csv), Field(default_factory=list)]


class DatabaseSettings(BaseModel):
    url: str = Field(
        default="postgresql+asyncpg://postgres@127.0.0.1:5432/{{ cookiecutter.package_name }}",
        description="SQLAlchemy URL of the PostgreSQL database (asyncpg driver).",
    )
    pool_size: int = Field(default=10, ge=1, description="Connections kept open, per process.")
    max_overflow: int = Field(
        default=0,
        ge=0,
        description=(
            "Extra connections allowed above the pool size under load, each closed again when "
            "it comes back to a full pool: under steady load every request beyond the pool "
            "opens one. 0 (a fixed pool) spares PostgreSQL that churn."
        ),
    )
    pool_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait for a free pooled connection."
    )
    pool_recycle: int = Field(
        default=1800, ge=-1, description="Seconds before a connection is replaced; -1: never."
    )
    connect_timeout: float = Field(
        default=5.0, gt=0, description="Seconds to wait when opening a connection."
    )
    statement_timeout_ms: int = Field(
        default=10_000, ge=0, description="Server-side statement timeout in ms; 0 disables it."
    )
    connect_retries: int = Field(
        default=5, ge=0, description="Connection retries at startup before giving up."
    )
    slow_query_ms: int = Field(
        default=500, ge=0, description="Log statements slower than this many ms; 0 disables it."
    )
    echo: bool = Field(default=False, description="Log every SQL statement (development aid).")


class AuditSettings(BaseModel):
    queue_size: int = Field(
        default=10_000, ge=1, description="Entries waiting to be written; more are dropped."
    )
    batch_size: int = Field(default=200, ge=1, description="Most entries written per insert.")
    flush_interval: float = Field(
        default=0.5, ge=0, description="Seconds the writer waits to fill a batch."
    )
    write_retries: int = Field(
        default=3, ge=0, description="Retries of a failed batch (with backoff) before it is lost."
    )
    drain_timeout: float = Field(
        default=5.0, gt=0, description="Seconds shutdown waits to write the queued entries."
    )
    retention_days: int = Field(
        default=90, ge=0, description="Entries older than this are deleted; 0 keeps them forever."
    )
    cleanup_interval: float = Field(
        default=3600.0, gt=0, description="Seconds between two retention cleanups."
    )


class RateLimitSettings(BaseModel):
    enabled: bool = Field(default=True, description="Limit HTTP requests per client.")
    requests: int = Field(default=600, ge=1, description="Requests a client may make per window.")
    window_seconds: float = Field(default=60.0, gt=0, description="Length of the window, seconds.")
{%- if cookiecutter.use_redis %}
    fail_mode: FailMode = Field(
        default=FailMode.OPEN,
        description="When Redis is unreachable: `open` admits requests, `closed` answers 503; "
        "the default is `closed` in production.",
    )


class RedisSettings(BaseModel):
    url: str = Field(
        default="redis://127.0.0.1:6379/0",
        description="Redis URL (`redis://` or `rediss://`), with the database index.",
    )
    max_connections: int = Field(default=50, ge=1, description="Connection pool size, per process.")
    pool_timeout: float = Field(
        default=2.0, gt=0, description="Seconds to wait for a free pooled connection."
    )
    socket_timeout: float = Field(default=1.0, gt=0, description="Seconds to wait for a reply.")
    connect_timeout: float = Field(
        default=1.0, gt=0, description="Seconds to wait when opening a connection."
    )
    connect_retries: int = Field(
        default=5, ge=0, description="Connection retries at startup before giving up."
    )
    key_prefix: str = Field(
        default="{{ cookiecutter.package_name }}:",
        description="Prefix of every key and channel, to share one Redis between services.",
    )
    cache_ttl_seconds: float = Field(
        default=30.0, ge=0, description="Seconds an item read stays cached; 0 turns the cache off."
    )
    breaker_failures: int = Field(
        default=5, ge=1, description="Failures in a row that open the circuit breaker."
    )
    breaker_reset_seconds: float = Field(
        default=5.0, gt=0, description="Seconds the breaker stays open before one trial call."
    )
{%- endif %}
{%- if cookiecutter.use_keycloak %}


class KeycloakSettings(BaseModel):
    """Where to fetch the realm's signing keys, and what a valid access token must say."""

    url: str = Field(
        default="http://keycloak.localhost",
        description="Base URL the service reaches Keycloak at (the JWKS is fetched from there).",
    )
    realm: str = Field(
        default="{{ cookiecutter.project_slug }}",
        min_length=1,
        description="Realm whose tokens are accepted.",
    )
    client_id: str = Field(
        default="{{ cookiecutter.project_slug }}-api",
        min_length=1,
        description="The API's client: its client roles count, and Swagger UI logs in with it.",
    )
    audience: str = Field(
        default="{{ cookiecutter.project_slug }}-api",
        min_length=1,
        description="Required in the token's `aud`.",
    )
    issuer: str = Field(
        default="", description="Expected `iss`; empty means `<KEYCLOAK_URL>/realms/<realm>`."
    )
    authorized_parties: CsvList = Field(
        default_factory=list,
        description="Comma-separated clients (`azp`) whose tokens are accepted; empty: any.",
    )
    leeway_seconds: float = Field(
        default=30.0, ge=0, le=300, description="Clock skew allowed on `exp`, `nbf` and `iat`."
    )
    jwks_max_age_seconds: float = Field(
        default=300.0, gt=0, description="Refetch the keys after this long (rotation)."
    )
    jwks_min_refetch_seconds: float = Field(
        default=10.0, ge=0, description="At most one fetch per interval, e.g. for unknown `kid`s."
    )
    timeout_seconds: float = Field(
        default=3.0, gt=0, description="HTTP timeout of one key fetch, in seconds."
    )
    breaker_failures: int = Field(
        default=3, ge=1, description="Failed fetches in a row that open the circuit."
    )
    breaker_reset_seconds: float = Field(
        default=30.0, gt=0, description="How long an open circuit skips fetches."
    )

    @property
    def issuer_url(self) -> str:
        return self.issuer or f"{self.url.rstrip('/')}/realms/{self.realm}"

    @property
    def jwks_url(self) -> str:
        return f"{self.url.rstrip('/')}/realms/{self.realm}/protocol/openid-connect/certs"
{%- endif %}
{%- if cookiecutter.use_websockets %}


class WebSocketSettings(BaseModel):
    """`/ws` limits; the generated docs/websocket-protocol.md explains each one to clients."""

    max_message_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest accepted WebSocket message, in bytes."
    )
    max_connections: int = Field(
        default=10_000, ge=1, description="Open WebSocket connections allowed per process."
    )
    max_connections_per_client: int = Field(
        default=50, ge=1, description="Open WebSocket connections allowed per client."
    )
    connects_per_minute: int = Field(
        default=120, ge=1, description="New WebSocket connections allowed per client per minute."
    )
    message_rate: int = Field(
        default=100, ge=1, description="Frames a connection may send per rate window."
    )
    message_rate_window: float = Field(
        default=10.0, gt=0, description="Seconds of the per-connection message rate window."
    )
    max_rate_limited: int = Field(
        default=20, ge=1, description="Rate-limited frames in a row before the close (4429)."
    )
    send_queue_size: int = Field(
        default=256, ge=1, description="Frames queued for a slow client before it is dropped."
    )
    idle_timeout: float = Field(
        default=300.0, gt=0, description="Seconds without a received frame before the close."
    )
    ping_interval: float = Field(
        default=20.0, gt=0, description="Seconds between protocol pings to each client."
    )
    ping_timeout: float = Field(
        default=20.0, gt=0, description="Seconds a client has to answer a protocol ping."
    )
    close_timeout: float = Field(
        default=5.0, gt=0, description="Seconds allowed for each close the server starts."
    )
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Comma-separated browser origins allowed to connect; empty: CORS_ORIGINS.",
    )
{%- if cookiecutter.use_keycloak %}
    auth_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a new connection has to send its auth frame."
    )
{%- endif %}

    @model_validator(mode="before")
    @classmethod
    def _origins_from_csv(cls, data: object) -> object:
        if isinstance(data, dict) and "allowed_origins" in data:
            data["allowed_origins"] = _split_csv(data["allowed_origins"])
        return data
{%- endif %}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_nested_delimiter="_",
        env_nested_max_split=1,
        extra="ignore",
    )

    environment: Environment = Field(
        default=Environment.DEVELOPMENT,
        description="Console logs in development; JSON logs and safety checks elsewhere.",
    )
    debug: bool = Field(default=False, description="Debug mode; refused in production.")
    log_level: str = Field(default="INFO", description="Lowest level logged: DEBUG, INFO, ...")
    host: str = Field(default="127.0.0.1", description="Interface the server binds to.")
    port: int = Field(default=8000, ge=1, le=65535, description="Port the server listens on.")
    web_concurrency: int = Field(
        default=1, ge=1, description="Worker processes; on Kubernetes keep 1 and add replicas."
    )
    cors_origins: CsvList = Field(
        description="Comma-separated browser origins allowed by CORS; `*` refused in production."
    )
    allowed_hosts: CsvList = Field(
        description="Comma-separated host names the service answers for (`*.example.com`: any "
        "subdomain); other hosts get 400. Empty: any host; required in production."
    )
    trusted_proxies: CsvList = Field(
        description="Comma-separated IPs or CIDR ranges of the reverse proxies whose "
        "`X-Forwarded-For` and `X-Forwarded-Proto` are believed; empty: none."
    )
    max_request_body_bytes: int = Field(
        default=1024 * 1024, ge=0, description="Largest request body accepted, in bytes; more: 413."
    )
    hsts_max_age_seconds: int = Field(
        default=31_536_000,
        ge=0,
        description="`Strict-Transport-Security` max-age, sent outside development; 0: not sent.",
    )
    shutdown_timeout: int = Field(
        default=20, ge=1, description="Seconds in-flight requests get to finish after SIGTERM."
    )
    health_probe_interval: float = Field(
        default=15.0,
        gt=0,
        description="Seconds between background dependency checks (the `dependency_up` metric).",
    )

    database: DatabaseSettings = Field(default_factory=DatabaseSettings, description="PostgreSQL")
    audit: AuditSettings = Field(default_factory=AuditSettings, description="Audit log")
    rate_limit: RateLimitSettings = Field(
        default_factory=RateLimitSettings, description="Rate limiting"
    )
{%- if cookiecutter.use_redis %}
    redis: RedisSettings = Field(default_factory=RedisSettings, description="Redis")
{%- endif %}
{%- if cookiecutter.use_keycloak %}
    keycloak: KeycloakSettings = Field(default_factory=KeycloakSettings, description="Keycloak")
{%- endif %}
{%- if cookiecutter.use_websockets %}
    ws: WebSocketSettings = Field(default_factory=WebSocketSettings, description="WebSockets")
{%- endif %}

{%- if cookiecutter.use_redis %}

    @model_validator(mode="after")
    def _fail_closed_in_production(self) -> Self:
        # Unless set explicitly: a dead Redis must not lift the limits of a production service.
        explicit = "fail_mode" in self.rate_limit.model_fields_set
        if self.environment is Environment.PRODUCTION and not explicit:
            self.rate_limit.fail_mode = FailMode.CLOSED
        return self
{%- endif %}

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_networks(cls, proxies: list[str]) -> list[str]:
        for proxy in proxies:
            try:
                ip_network(proxy, strict=False)
            except ValueError:
                message = f"TRUSTED_PROXIES: {proxy!r} is not an IP address or CIDR range"
                raise ValueError(message) from None
        return proxies

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Self:
        if self.environment is not Environment.PRODUCTION:
            return self
        if self.debug:
            raise ValueError("DEBUG must be false in production")
        if "*" in self.cors_origins:
            raise ValueError("CORS_ORIGINS must list origins explicitly in production, not '*'")
        if not self.allowed_hosts or "*" in self.allowed_hosts:
            raise ValueError("ALLOWED_HOSTS must list the served host names in production")
        if _has_default_password(self.database.url):
            raise ValueError("DATABASE_URL uses a default or empty password in production")
        for variable, secret in _secrets(self):
            if len(secret) < MIN_SECRET_LENGTH or _PLACEHOLDER in secret.lower().replace("_", "-"):
                raise ValueError(
                    f"{variable} is a default or shorter than {MIN_SECRET_LENGTH} characters;"
                    " set a random secret in production"
                )
{%- if cookiecutter.use_websockets %}
        if "*" in self.ws.allowed_origins:
            raise ValueError("WS_ALLOWED_ORIGINS must list origins explicitly, not '*'")
{%- endif %}
        return self

    @property
    def is_development(self) -> bool:
        return self.environment is Environment.DEVELOPMENT


MIN_SECRET_LENGTH = 16
_DEFAULT_PASSWORDS = frozenset({"", "postgres", "password", "change-me", "changeme"})
_PLACEHOLDER = "change-me"  # what .env.example holds until the bake fills in a random secret


def _has_default_password(url: str) -> bool:
    return (make_url(url).password or "") in _DEFAULT_PASSWORDS


def _secrets(settings: BaseModel, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every `SecretStr` setting, top level or in a group, with its environment variable name."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        variable = f"{prefix}{name}".upper()
        if isinstance(value, SecretStr):
            yield variable, value.get_secret_value()
        elif isinstance(value, BaseModel) and not prefix:
            yield from _secrets(value, prefix=f"{variable}_")


@lru_cache
def get_settings() -> Settings:
    return Settings()
