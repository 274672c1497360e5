"""Queries of the items table."""

import uuid
from typing import Any

from sqlalchemy import delete, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from {{ cookiecutter.package_name }}.errors import ConflictError
from {{ cookiecutter.package_name }}.models import Item
from {{ cookiecutter.package_name }}.schemas.pagination import Cursor


class ItemRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def get(self, item_id: uuid.UUID) -> Item | None:
        return await self._session.get(Item, item_id)

    async def add(self, *, name: str, description: str | None) -> Item | None:
        """Insert, or return None when the name is taken (one round trip, no race)."""
        stmt = (
            insert(Item)
            .values(id=uuid.uuid4(), name=name, description=description)
            .on_conflict_do_nothing(index_elements=[Item.name])
            .returning(Item)
        )
        return await self._session.scalar(stmt)

    async def update(self, item_id: uuid.UUID, changes: dict[str, Any]) -> Item | None:
        stmt = update(Item).where(Item.id == item_id).values(**changes).returning(Item)
        try:
            async with self._session.begin_nested():
                return await self._session.scalar(
                    stmt, execution_options={"populate_existing": True}
                )
        except IntegrityError as exc:
            raise ConflictError("Another item already has this name.") from exc

    async def delete(self, item_id: uuid.UUID) -> bool:
        deleted = await self._session.scalar(
            delete(Item).where(Item.id == item_id).returning(Item.id)
        )
        return deleted is not None

    async def count(self) -> int:
        return await self._session.scalar(select(func.count()).select_from(Item)) or 0

    async def list_page(self, *, limit: int, offset: int) -> list[Item]:
        stmt = select(Item).order_by(Item.created_at, Item.id).limit(limit).offset(offset)
        return list(await self._session.scalars(stmt))

    async def list_after(self, *, limit: int, after: Cursor | None) -> list[Item]:
        stmt = select(Item).order_by(Item.created_at, Item.id).limit(limit)
        if after is not None:
            stmt = stmt.where(tuple_(Item.created_at, Item.id) > (after.created_at, after.id))
        return list(await self._session.scalars(stmt))
