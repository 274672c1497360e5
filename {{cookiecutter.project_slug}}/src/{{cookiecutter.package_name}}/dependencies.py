"""Typed providers: HTTP routes use them via `Depends`, other transports call them directly.

Providers that do no I/O are still `async def`: FastAPI runs a plain `def` in the threadpool,
two thread hops per request for nothing. A resource's commands provider opens its unit of work
itself: each request's commands get one unit of work, from one dependency.
"""

# scaffold: registry

from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import Depends
from starlette.requests import HTTPConnection

from {{ cookiecutter.package_name }}.commands.items import ItemCommands
from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.settings import Settings


async def get_container(connection: HTTPConnection) -> Container:
    return cast(Container, connection.app.state.container)


ContainerDep = Annotated[Container, Depends(get_container)]


async def get_settings_dep(container: ContainerDep) -> Settings:
    return container.settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


async def get_item_commands(connection: HTTPConnection) -> AsyncIterator[ItemCommands]:
    # One dependency rather than three (container, unit of work, commands): FastAPI's solving
    # of each is a good part of a cached read's CPU (~10% measured on a cache hit).
    container = await get_container(connection)
    async with container.unit_of_work() as uow:
        yield ItemCommands(uow, container.cache)


ItemCommandsDep = Annotated[ItemCommands, Depends(get_item_commands)]
