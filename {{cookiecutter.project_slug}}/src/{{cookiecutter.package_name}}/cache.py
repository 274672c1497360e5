"""Read cache behind one interface: cache-aside reads, invalidated after every committed write.

`NullCache` caches nothing: every read goes to the database.
"""

from typing import Protocol


class Cache(Protocol):
    async def get(self, key: str) -> bytes | None:
        """The cached value, or None on a miss. Never raises: a broken cache is a miss."""
        ...

    async def fill(self, key: str, value: bytes) -> None:
        """Store a value just read from the database, unless `key` was invalidated recently.

        A reader that loaded the row before a concurrent write committed must not put the old
        value back after the writer's invalidation; implementations refuse such late fills.
        """
        ...

    async def invalidate(self, key: str) -> None:
        """Drop `key`; called after the write that changed it has committed."""
        ...


class NullCache:
    async def get(self, key: str) -> bytes | None:
        return None

    async def fill(self, key: str, value: bytes) -> None:
        return None

    async def invalidate(self, key: str) -> None:
        return None
