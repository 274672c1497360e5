"""Page models and the opaque keyset cursor."""

import base64
import binascii
import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from {{ cookiecutter.package_name }}.errors import ValidationFailedError

MAX_LIMIT = 100


class PageParams(BaseModel):
    """Either `offset` (with a total) or `cursor` (keyset, stable under inserts), not both."""

    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    offset: int = Field(default=0, ge=0, le=100_000)
    cursor: str | None = Field(default=None, max_length=200)


class Cursor(BaseModel):
    created_at: datetime
    id: uuid.UUID

    def encode(self) -> str:
        raw = f"{self.created_at.isoformat()}|{self.id}".encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> "Cursor":
        try:
            padded = token + "=" * (-len(token) % 4)
            created_at, _, item_id = base64.urlsafe_b64decode(padded).decode().partition("|")
            return cls(created_at=datetime.fromisoformat(created_at), id=uuid.UUID(item_id))
        except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
            raise ValidationFailedError(
                "The cursor is not one this API returned.",
                errors=[
                    {"loc": ["query", "cursor"], "msg": "invalid cursor", "type": "value_error"}
                ],
            ) from exc
