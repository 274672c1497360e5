"""`/asyncapi.json` describes exactly what the registry serves."""

from typing import Any

import httpx

from {{ cookiecutter.package_name }}.api.ws.catalog import MESSAGES, TOPICS


def resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in refs(value)]
    return []


async def test_asyncapi_lists_every_message_type_and_event(client: httpx.AsyncClient) -> None:
    response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document["asyncapi"].startswith("3.")
    operations = document["operations"]
    for spec in MESSAGES:
        assert operations[spec.name]["action"] == "receive"
        assert operations[spec.name]["reply"]["messages"]
    for topic in TOPICS:
        for event in topic.events:
            assert operations[event.name]["action"] == "send"


async def test_asyncapi_references_all_resolve(client: httpx.AsyncClient) -> None:
    document = (await client.get("/asyncapi.json")).json()
    for ref in refs(document):
        assert resolve(document, ref) is not None, ref
