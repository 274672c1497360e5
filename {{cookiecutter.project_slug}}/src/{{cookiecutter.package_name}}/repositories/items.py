"""Queries of the items table.

Core statements returning rows (`ItemRow`), not ORM objects: a session still runs them (the
unit of work's transaction, or a read outside one), but nothing is loaded into its identity map.
The fixed statements are built once: building a `select()` per call cost about as much CPU as
running it (SQLAlchemy derives the statement's cache key each time).
"""

import uuid
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.errors import ConflictError
from {{ cookiecutter.package_name }}.models import Item
from {{ cookiecutter.package_name }}.schemas.pagination import Cursor

ItemRow = Row[uuid.UUID, str, str | None, datetime, datetime]
"""The columns `ItemRead` is made of, by attribute: `row.id`, `row.name`, ..."""

ITEMS = cast(Table, Item.__table__)  # declared as the broader FromClause
COLUMNS = (Item.id, Item.name, Item.description, Item.created_at, Item.updated_at)
ORDER = (Item.created_at, Item.id)

_GET = select(*COLUMNS).where(Item.id == bindparam("item_id"))
_COUNT = select(func.count()).select_from(ITEMS)
_PAGE = select(*COLUMNS).order_by(*ORDER).limit(bindparam("limit")).offset(bindparam("offset"))
_FIRST = select(*COLUMNS).order_by(*ORDER).limit(bindparam("limit"))
_CURSOR = tuple_(
    bindparam("created_at", type_=Item.created_at.type), bindparam("id", type_=Item.id.type)
)
_AFTER = _FIRST.where(tuple_(*ORDER) > _CURSOR)
_ADD = (
    insert(ITEMS)
    .values(id=bindparam("id"), name=bindparam("name"), description=bindparam("description"))
    .on_conflict_do_nothing(index_elements=[Item.name])
    .returning(*COLUMNS)
)
_DELETE = delete(ITEMS).where(Item.id == bindparam("item_id")).returning(Item.id)


class ItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, item_id: uuid.UUID) -> ItemRow | None:
        result = await self._session.execute(_GET, {"item_id": item_id})
        row: ItemRow | None = result.first()
        return row

    async def add(self, *, name: str, description: str | None) -> ItemRow | None:
        """Insert, or return None when the name is taken (one round trip, no race)."""
        params = {"id": uuid.uuid4(), "name": name, "description": description}
        row: ItemRow | None = (await self._session.execute(_ADD, params)).first()
        return row

    async def update(self, item_id: uuid.UUID, changes: dict[str, Any]) -> ItemRow | None:
        stmt = update(ITEMS).where(Item.id == item_id).values(**changes).returning(*COLUMNS)
        try:
            async with self._session.begin_nested():
                row: ItemRow | None = (await self._session.execute(stmt)).first()
                return row
        except IntegrityError as exc:
            raise ConflictError("Another item already has this name.") from exc

    async def delete(self, item_id: uuid.UUID) -> bool:
        deleted = await self._session.scalar(_DELETE, {"item_id": item_id})
        return deleted is not None

    async def count(self) -> int:
        return await self._session.scalar(_COUNT) or 0

    async def list_page(self, *, limit: int, offset: int) -> list[ItemRow]:
        result = await self._session.execute(_PAGE, {"limit": limit, "offset": offset})
        return list(result.all())

    async def list_after(self, *, limit: int, after: Cursor | None) -> list[ItemRow]:
        if after is None:
            result = await self._session.execute(_FIRST, {"limit": limit})
        else:
            params = {"limit": limit, "created_at": after.created_at, "id": after.id}
            result = await self._session.execute(_AFTER, params)
        return list(result.all())
