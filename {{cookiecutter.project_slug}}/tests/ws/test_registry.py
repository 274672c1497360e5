"""The registry refuses a protocol with holes, so startup fails instead of a client."""

import pytest

from {{ cookiecutter.package_name }}.api.ws.catalog import MESSAGES, TOPICS
from {{ cookiecutter.package_name }}.api.ws.context import MessageContext
from {{ cookiecutter.package_name }}.api.ws.handlers import HANDLER_SETS, build_registry
from {{ cookiecutter.package_name }}.api.ws.registry import HandlerSet, Registry, RegistryError
from {{ cookiecutter.package_name }}.api.ws.schemas import Empty
from {{ cookiecutter.package_name }}.api.ws.specs import MessageSpec


def test_every_declared_message_type_has_a_handler() -> None:
    registry = build_registry()
    assert {route.spec.name for route in registry.routes} == {spec.name for spec in MESSAGES}


def test_declared_type_without_a_handler_fails_the_build() -> None:
    orphan = MessageSpec("items.archive", Empty, None, "Not implemented.")
    with pytest.raises(RegistryError, match=r"declared without a handler: \['items.archive'\]"):
        Registry.build((*MESSAGES, orphan), TOPICS, HANDLER_SETS)


def test_handler_for_an_undeclared_type_fails_the_build() -> None:
    extra = HandlerSet()

    @extra.on("items.archive")
    async def archive(data: Empty, context: MessageContext) -> None:
        return None

    with pytest.raises(RegistryError, match="undeclared message types"):
        Registry.build(MESSAGES, TOPICS, (*HANDLER_SETS, extra))


def test_two_handlers_for_one_type_fail_the_build() -> None:
    twin = HandlerSet()

    @twin.on("ping")
    async def ping(data: Empty, context: MessageContext) -> Empty:
        return Empty()

    with pytest.raises(RegistryError, match="two handlers"):
        Registry.build(MESSAGES, TOPICS, (*HANDLER_SETS, twin))


def test_roles_for_an_unknown_type_or_topic_are_refused() -> None:
    with pytest.raises(RegistryError, match="unknown message type"):
        build_registry().require_roles(messages={"items.nope": ["admin"]})
    with pytest.raises(RegistryError, match="unknown topic"):
        build_registry().require_roles(topics={"nope": ["admin"]})


def test_require_roles_leaves_the_original_open() -> None:
    registry = build_registry()
    guarded = registry.require_roles(messages={"items.delete": ["admin"]})
    route, open_route = guarded.route("items.delete"), registry.route("items.delete")
    assert route is not None
    assert open_route is not None
    assert route.roles == {"admin"}
    assert open_route.roles == frozenset()
