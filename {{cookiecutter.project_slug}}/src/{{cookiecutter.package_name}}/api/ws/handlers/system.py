"""`ping`: an application-level keep-alive for clients that cannot send protocol pings."""

from {{ cookiecutter.package_name }}.api.ws.context import MessageContext
from {{ cookiecutter.package_name }}.api.ws.registry import HandlerSet
from {{ cookiecutter.package_name }}.api.ws.schemas import Empty

handlers = HandlerSet()


@handlers.on("ping")
async def ping(data: Empty, context: MessageContext) -> Empty:
    return Empty()
