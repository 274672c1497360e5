"""Everything `/ws` needs that lives as long as the process, built once by the container.

The composition root chooses the broadcaster, the authentication step and any roles
(`registry=build_registry().require_roles(...)`); nothing here changes for that.
"""

from typing import TYPE_CHECKING

import structlog
from starlette.websockets import WebSocket

from {{ cookiecutter.package_name }}.api.ws import session
from {{ cookiecutter.package_name }}.api.ws.broadcaster import Broadcaster
from {{ cookiecutter.package_name }}.api.ws.close_codes import CloseCode
from {{ cookiecutter.package_name }}.api.ws.connection import Connection
from {{ cookiecutter.package_name }}.api.ws.dispatch import Dispatcher
from {{ cookiecutter.package_name }}.api.ws.handlers import build_registry
from {{ cookiecutter.package_name }}.api.ws.identity import Authenticate, anonymous
from {{ cookiecutter.package_name }}.api.ws.manager import ConnectionManager
from {{ cookiecutter.package_name }}.api.ws.origins import normalize
from {{ cookiecutter.package_name }}.api.ws.registry import Registry
from {{ cookiecutter.package_name }}.rate_limit import InProcessRateLimiter, RateLimiter
from {{ cookiecutter.package_name }}.settings import Settings

if TYPE_CHECKING:
    from {{ cookiecutter.package_name }}.container import Container

logger = structlog.get_logger(__name__)


class WebSocketHub:
    def __init__(
        self,
        settings: Settings,
        broadcaster: Broadcaster,
        *,
        registry: Registry | None = None,
        authenticate: Authenticate = anonymous,
    ) -> None:
        self.settings = settings.ws
        # Browsers allowed to connect: WS_ALLOWED_ORIGINS, else the CORS origins.
        self.allowed_origins = normalize(settings.ws.allowed_origins or settings.cors_origins)
        self.broadcaster = broadcaster
        self.registry = registry if registry is not None else build_registry()
        self.authenticate = authenticate
        self.connections = ConnectionManager(
            max_connections=settings.ws.max_connections,
            max_per_client=settings.ws.max_connections_per_client,
        )
        self.dispatcher = Dispatcher(self.registry, broadcaster)
        # A connection lives in one process: its message budget needs no shared store, and
        # counting each frame here costs no round trip.
        self.message_limiter: RateLimiter = InProcessRateLimiter()

    async def serve(self, websocket: WebSocket, container: "Container") -> None:
        await session.serve(websocket, self, container)

    def slow_consumer(self, connection: Connection) -> None:
        self.connections.slow_consumer(connection)
        logger.warning("ws_slow_consumer_dropped", connection_id=connection.id)

    async def close(self) -> None:
        """Refuse new sockets and close open ones with 1001, each within WS_CLOSE_TIMEOUT."""
        open_sockets = len(self.connections)
        await self.connections.close_all(CloseCode.GOING_AWAY, "server shutting down")
        logger.info("ws_closed_all", connections=open_sockets)
