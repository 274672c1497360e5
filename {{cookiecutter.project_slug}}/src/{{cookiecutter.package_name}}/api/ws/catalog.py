"""The protocol: every message type a client may send, and every topic it may subscribe to.

Adding a message type: declare it here, write its handler in `handlers/`. Startup fails while
one has no handler. A message type that changes data is `audited=True`, like an HTTP write.
docs/websocket-protocol.md and /asyncapi.json describe what is declared.
"""

from {{ cookiecutter.package_name }}.api.ws.schemas import (
    Empty,
    ItemChanges,
    ItemRef,
    Subscriptions,
    TopicRef,
)
from {{ cookiecutter.package_name }}.api.ws.specs import EventSpec, MessageSpec, TopicSpec
from {{ cookiecutter.package_name }}.commands.items import TOPIC as ITEMS_TOPIC
from {{ cookiecutter.package_name }}.schemas.items import ItemCreate, ItemPage, ItemRead
from {{ cookiecutter.package_name }}.schemas.pagination import PageParams

MESSAGES: tuple[MessageSpec, ...] = (
    MessageSpec("ping", Empty, Empty, "Check the connection; any message resets the idle timer."),
    MessageSpec("subscribe", TopicRef, Subscriptions, "Receive the events of a topic."),
    MessageSpec("unsubscribe", TopicRef, Subscriptions, "Stop receiving a topic's events."),
    MessageSpec(
        "items.create", ItemCreate, ItemRead, "Create an item (POST /api/v1/items).", audited=True
    ),
    MessageSpec("items.get", ItemRef, ItemRead, "Read an item (GET /api/v1/items/{id})."),
    MessageSpec("items.list", PageParams, ItemPage, "A page of items (GET /api/v1/items)."),
    MessageSpec(
        "items.update",
        ItemChanges,
        ItemRead,
        "Change an item (PATCH /api/v1/items/{id}).",
        audited=True,
    ),
    MessageSpec(
        "items.delete", ItemRef, None, "Delete an item (DELETE /api/v1/items/{id}).", audited=True
    ),
)

TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        ITEMS_TOPIC,
        "Changes to items, whether made over HTTP or WebSocket.",
        events=(
            EventSpec("items.created", ItemRead, "An item was created."),
            EventSpec("items.updated", ItemRead, "An item was changed."),
            EventSpec("items.deleted", ItemRef, "An item was deleted."),
        ),
    ),
)
