"""`items.*`: the example resource, through the same commands as `/api/v1/items`."""

from {{ cookiecutter.package_name }}.api.ws.context import MessageContext
from {{ cookiecutter.package_name }}.api.ws.registry import HandlerSet
from {{ cookiecutter.package_name }}.api.ws.schemas import ItemChanges, ItemRef
from {{ cookiecutter.package_name }}.commands.items import ItemCommands
from {{ cookiecutter.package_name }}.schemas.items import ItemCreate, ItemPage, ItemRead
from {{ cookiecutter.package_name }}.schemas.pagination import PageParams

handlers = HandlerSet()


@handlers.on("items.create")
async def create_item(data: ItemCreate, context: MessageContext) -> ItemRead:
    items = ItemCommands(await context.unit_of_work(), context.cache)
    return await items.create(data)


@handlers.on("items.get")
async def get_item(data: ItemRef, context: MessageContext) -> ItemRead:
    items = ItemCommands(await context.unit_of_work(), context.cache)
    return await items.get(data.id)


@handlers.on("items.list")
async def list_items(data: PageParams, context: MessageContext) -> ItemPage:
    items = ItemCommands(await context.unit_of_work(), context.cache)
    return await items.list_page(data)


@handlers.on("items.update")
async def update_item(data: ItemChanges, context: MessageContext) -> ItemRead:
    items = ItemCommands(await context.unit_of_work(), context.cache)
    return await items.update(data.id, data.changes)


@handlers.on("items.delete")
async def delete_item(data: ItemRef, context: MessageContext) -> None:
    items = ItemCommands(await context.unit_of_work(), context.cache)
    await items.delete(data.id)
