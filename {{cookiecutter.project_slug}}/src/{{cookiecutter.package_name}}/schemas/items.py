"""Input and output models of the items resource."""

import uuid
from datetime import datetime
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

# PostgreSQL text cannot hold NUL: refuse it as invalid input (422), not a database error (500).
# The patterns tell API clients (and the schema fuzzer) exactly what is accepted.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=NOT_BLANK)
]
Description = Annotated[str, StringConstraints(max_length=2000, pattern=NO_NUL)]


class ItemCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description | None = None


class ItemUpdate(BaseModel):
    """Partial update: only the fields sent are changed."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"minProperties": 1})

    # May be left out, never null: the schema says so (the None default stays out of it).
    name: Name | SkipJsonSchema[None] = None
    description: Description | None = None

    @model_validator(mode="after")
    def _not_empty(self) -> Self:
        if not self.model_fields_set:
            raise ValueError("send at least one field to change")
        if "name" in self.model_fields_set and self.name is None:
            raise ValueError("name cannot be null")
        return self


class ItemRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    items: list[ItemRead]
    limit: int
    offset: int | None = Field(description="Absent in cursor mode.")
    total: int | None = Field(description="Absent in cursor mode.")
    next_cursor: str | None = Field(description="Pass as `cursor` to get the next page.")
