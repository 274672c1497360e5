"""`GET /asyncapi.json`: an AsyncAPI 3.0 document of `/ws`, generated from the registry."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from {{ cookiecutter.package_name }}.api.ws.envelope import ERROR_TYPE
from {{ cookiecutter.package_name }}.api.ws.registry import Registry
from {{ cookiecutter.package_name }}.dependencies import ContainerDep
from {{ cookiecutter.package_name }}.errors import Problem

router = APIRouter()

CHANNEL = {"$ref": "#/channels/ws"}
MESSAGE_ID = {"oneOf": [{"type": "string", "minLength": 1, "maxLength": 64}, {"type": "integer"}]}


@router.get("/asyncapi.json", include_in_schema=False)
async def asyncapi(request: Request, container: ContainerDep) -> dict[str, Any]:
    return asyncapi_document(
        container.websockets.registry, title=request.app.title, version=request.app.version
    )


def asyncapi_document(registry: Registry, *, title: str, version: str) -> dict[str, Any]:
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(Problem, "serialization")]
    for route in registry.routes:
        models.append((route.spec.input, "validation"))
        if route.spec.output is not None:
            models.append((route.spec.output, "serialization"))
    models += [(e.data, "serialization") for t in registry.topics for e in t.spec.events]
    refs, definitions = models_json_schema(models, ref_template="#/components/schemas/{model}")

    def ref(model: type[BaseModel] | None, mode: JsonSchemaMode) -> dict[str, Any]:
        return {"type": "null"} if model is None else dict(refs[(model, mode)])

    messages: dict[str, Any] = {
        ERROR_TYPE: _message(
            "An error reply: the same problem object as HTTP errors.",
            {"id": MESSAGE_ID, "type": {"type": "string"}, "error": ref(Problem, "serialization")},
            required=["id", "type", "error"],
        )
    }
    operations: dict[str, Any] = {}
    for route in registry.routes:
        name = route.spec.name
        request = _envelope(name, ref(route.spec.input, "validation"))
        messages[name] = _message(route.spec.summary, request, required=["type"])
        reply = _envelope(name, ref(route.spec.output, "serialization"))
        messages[f"{name}.reply"] = _message(
            f"Reply to {name}.", reply, required=["id", "type", "data"]
        )
        operations[name] = {
            "action": "receive",
            "channel": CHANNEL,
            "summary": route.spec.summary,
            "messages": [_channel_message(name)],
            "reply": {
                "channel": CHANNEL,
                "messages": [_channel_message(f"{name}.reply"), _channel_message(ERROR_TYPE)],
            },
            **({"x-roles": sorted(route.roles)} if route.roles else {}),
        }
    for topic in registry.topics:
        for event in topic.spec.events:
            payload = {"type": {"const": event.name}, "data": ref(event.data, "serialization")}
            messages[event.name] = _message(
                f"{event.summary} Pushed to subscribers of topic {topic.spec.name!r}.",
                payload,
                required=["type", "data"],
            )
            operations[event.name] = {
                "action": "send",
                "channel": CHANNEL,
                "summary": event.summary,
                "messages": [_channel_message(event.name)],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": f"{title} WebSocket API",
            "version": version,
            "description": "JSON frames on one endpoint; see docs/websocket-protocol.md.",
        },
        "defaultContentType": "application/json",
        "channels": {
            "ws": {
                "address": "/ws",
                "messages": {name: {"$ref": f"#/components/messages/{name}"} for name in messages},
            }
        },
        "operations": operations,
        "components": {"messages": messages, "schemas": definitions.get("$defs", {})},
    }


def _envelope(message_type: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": MESSAGE_ID, "type": {"const": message_type}, "data": data}


def _message(summary: str, properties: dict[str, Any], *, required: list[str]) -> dict[str, Any]:
    return {
        "summary": summary,
        "payload": {"type": "object", "properties": properties, "required": required},
    }


def _channel_message(name: str) -> dict[str, str]:
    return {"$ref": f"#/channels/ws/messages/{name}"}
