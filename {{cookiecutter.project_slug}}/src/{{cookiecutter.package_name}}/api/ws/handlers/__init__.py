"""Message handlers, one module per resource; `build_registry` binds them to the catalog."""

from {{ cookiecutter.package_name }}.api.ws.catalog import MESSAGES, TOPICS
from {{ cookiecutter.package_name }}.api.ws.handlers import items, system, topics
from {{ cookiecutter.package_name }}.api.ws.registry import Registry

HANDLER_SETS = (system.handlers, topics.handlers, items.handlers)


def build_registry() -> Registry:
    return Registry.build(MESSAGES, TOPICS, HANDLER_SETS)
