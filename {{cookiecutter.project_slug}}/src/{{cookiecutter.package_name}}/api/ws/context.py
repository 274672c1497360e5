"""What a handler gets besides its validated `data`."""

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from types import TracebackType
from typing import Self

from {{ cookiecutter.package_name }}.api.ws.broadcaster import Broadcaster
from {{ cookiecutter.package_name }}.api.ws.connection import Connection
from {{ cookiecutter.package_name }}.api.ws.registry import Registry
from {{ cookiecutter.package_name }}.cache import Cache
from {{ cookiecutter.package_name }}.unit_of_work import UnitOfWork


class MessageContext:
    """Entered around the handler; leaving it closes what the handler opened (its unit of work)
    with the handler's outcome."""

    def __init__(
        self,
        *,
        connection: Connection,
        broadcaster: Broadcaster,
        registry: Registry,
        request_id: str,
        open_unit_of_work: Callable[[], AbstractAsyncContextManager[UnitOfWork]],
        cache: Cache,
    ) -> None:
        self.connection = connection
        self.broadcaster = broadcaster
        self.registry = registry
        self.request_id = request_id
        self._open_unit_of_work = open_unit_of_work
        self._exit_stack: AsyncExitStack | None = None  # made on first use: most need none
        self.cache = cache
        self._uow: UnitOfWork | None = None

    async def unit_of_work(self) -> UnitOfWork:
        """This message's own unit of work, like one HTTP request's; opened on first use, so
        messages that need no database (`ping`, `subscribe`) cost no session."""
        if self._uow is None:
            if self._exit_stack is None:
                self._exit_stack = AsyncExitStack()
            self._uow = await self._exit_stack.enter_async_context(self._open_unit_of_work())
        return self._uow

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> bool | None:
        if self._exit_stack is None:
            return False
        return await self._exit_stack.__aexit__(exc_type, exc, traceback)
