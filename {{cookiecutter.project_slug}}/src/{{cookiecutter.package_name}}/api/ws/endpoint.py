"""`/ws`, the one WebSocket endpoint."""

from fastapi import APIRouter, WebSocket

from {{ cookiecutter.package_name }}.dependencies import ContainerDep

router = APIRouter()


@router.websocket("/ws")
async def websocket_endpoint(websocket: WebSocket, container: ContainerDep) -> None:
    await container.websockets.serve(websocket, container)
