"""A minimal FastAPI + asyncpg handler for `GET /api/v1/items/{id}`: one query, no layers."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from fastapi import FastAPI, HTTPException

pool: asyncpg.Pool | None = None


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global pool  # noqa: PLW0603
    size = int(os.environ.get("DATABASE_POOL_SIZE", "10"))
    pool = await asyncpg.create_pool(os.environ["BENCH_ASYNCPG_DSN"], min_size=size, max_size=size)
    try:
        yield
    finally:
        await pool.close()


app = FastAPI(lifespan=lifespan)

QUERY = "SELECT id, name, description, created_at, updated_at FROM items WHERE id = $1"


@app.get("/api/v1/items/{item_id}")
async def get_item(item_id: uuid.UUID) -> dict[str, Any]:
    assert pool is not None  # noqa: S101
    row = await pool.fetchrow(QUERY, item_id)
    if row is None:
        raise HTTPException(status_code=404)
    return dict(row)
