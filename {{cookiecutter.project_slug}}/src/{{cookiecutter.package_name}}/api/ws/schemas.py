"""`data` models that exist only on the WebSocket side (HTTP carries these in the path)."""

import uuid
from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

from {{ cookiecutter.package_name }}.schemas.items import ItemUpdate

TopicName = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Empty(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TopicRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    topic: TopicName


class Subscriptions(BaseModel):
    topics: list[str]


class ItemRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID


class ItemChanges(BaseModel):
    """`items.update`: the item and the fields to change (the body of PATCH /items/{id})."""

    model_config = ConfigDict(extra="forbid")

    id: uuid.UUID
    changes: ItemUpdate
