"""`/api/v1/items`: the example resource over HTTP."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from {{ cookiecutter.package_name }}.api.http.problems import problem_responses
from {{ cookiecutter.package_name }}.dependencies import ItemCommandsDep
from {{ cookiecutter.package_name }}.schemas.items import ItemCreate, ItemPage, ItemRead, ItemUpdate
from {{ cookiecutter.package_name }}.schemas.pagination import PageParams

router = APIRouter(prefix="/items", tags=["items"])


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses=problem_responses(400, 409, 413, 422),
)
async def create_item(
    data: ItemCreate, commands: ItemCommandsDep, request: Request, response: Response
) -> ItemRead:
    item = await commands.create(data)
    response.headers["Location"] = request.app.url_path_for("get_item", item_id=str(item.id))
    return item


@router.get("", responses=problem_responses(422))
async def list_items(params: Annotated[PageParams, Query()], commands: ItemCommandsDep) -> ItemPage:
    return await commands.list_page(params)


@router.get("/{item_id}", responses=problem_responses(404, 422))
async def get_item(item_id: uuid.UUID, commands: ItemCommandsDep) -> ItemRead:
    return await commands.get(item_id)


@router.patch("/{item_id}", responses=problem_responses(400, 404, 409, 413, 422))
async def update_item(item_id: uuid.UUID, data: ItemUpdate, commands: ItemCommandsDep) -> ItemRead:
    return await commands.update(item_id, data)


@router.delete(
    "/{item_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404, 422),
)
async def delete_item(item_id: uuid.UUID, commands: ItemCommandsDep) -> None:
    await commands.delete(item_id)
