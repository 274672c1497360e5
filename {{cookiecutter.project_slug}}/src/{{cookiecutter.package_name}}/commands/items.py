"""Use cases of the items resource."""

import uuid
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.cache import Cache
from {{ cookiecutter.package_name }}.errors import (
    ConflictError,
    NotFoundError,
    ValidationFailedError,
)
from {{ cookiecutter.package_name }}.events import Event
from {{ cookiecutter.package_name }}.repositories.items import ItemRepository, ItemRow
from {{ cookiecutter.package_name }}.schemas.items import ItemCreate, ItemPage, ItemRead, ItemUpdate
from {{ cookiecutter.package_name }}.schemas.pagination import Cursor, PageParams
from {{ cookiecutter.package_name }}.unit_of_work import UnitOfWork

TOPIC = "items"


def cache_key(item_id: uuid.UUID) -> str:
    return f"items:{item_id}"


class ItemCommands:
    def __init__(self, uow: UnitOfWork, cache: Cache) -> None:
        self._uow = uow
        self._cache = cache

    @property
    def _items(self) -> ItemRepository:
        """The items of this unit's transaction (begun on first use): for writes."""
        return ItemRepository(self._uow.session)

    async def create(self, data: ItemCreate) -> ItemRead:
        item = await self._items.add(name=data.name, description=data.description)
        if item is None:
            raise ConflictError(f"An item named {data.name!r} already exists.")
        result = ItemRead.model_validate(item)
        self._uow.record(Event("items.created", TOPIC, result.model_dump(mode="json")))
        await self._uow.commit()
        return result

    async def get(self, item_id: uuid.UUID) -> ItemRead:
        if (cached := await self._cache.get(cache_key(item_id))) is not None:
            return ItemRead.model_validate_json(cached)
        item = await self._uow.read(lambda session: ItemRepository(session).get(item_id))
        if item is None:
            raise NotFoundError(f"Item {item_id} does not exist.")
        result = ItemRead.model_validate(item)
        await self._cache.fill(cache_key(item_id), result.model_dump_json().encode())
        return result

    async def list_page(self, params: PageParams) -> ItemPage:
        if params.cursor is not None:
            if params.offset:
                raise ValidationFailedError("Use either offset or cursor, not both.")
            after = Cursor.decode(params.cursor)
            rows = await self._uow.read(
                lambda session: ItemRepository(session).list_after(
                    limit=params.limit + 1, after=after
                )
            )
            offset, total = None, None
        else:

            async def page_and_total(session: AsyncSession) -> tuple[list[ItemRow], int]:
                items = ItemRepository(session)
                page = await items.list_page(limit=params.limit + 1, offset=params.offset)
                return page, await items.count()

            rows, total = await self._uow.read(page_and_total)
            offset = params.offset
        # One extra row tells whether a next page exists without a second query.
        has_next = len(rows) > params.limit
        rows = rows[: params.limit]
        next_cursor = (
            Cursor(created_at=rows[-1].created_at, id=rows[-1].id).encode() if has_next else None
        )
        return ItemPage(
            items=[ItemRead.model_validate(row) for row in rows],
            limit=params.limit,
            offset=offset,
            total=total,
            next_cursor=next_cursor,
        )

    async def update(self, item_id: uuid.UUID, data: ItemUpdate) -> ItemRead:
        item = await self._items.update(item_id, data.model_dump(exclude_unset=True))
        if item is None:
            raise NotFoundError(f"Item {item_id} does not exist.")
        result = ItemRead.model_validate(item)
        self._uow.record(Event("items.updated", TOPIC, result.model_dump(mode="json")))
        self._uow.after_commit(partial(self._cache.invalidate, cache_key(item_id)))
        await self._uow.commit()
        return result

    async def delete(self, item_id: uuid.UUID) -> None:
        if not await self._items.delete(item_id):
            raise NotFoundError(f"Item {item_id} does not exist.")
        self._uow.record(Event("items.deleted", TOPIC, {"id": str(item_id)}))
        self._uow.after_commit(partial(self._cache.invalidate, cache_key(item_id)))
        await self._uow.commit()
