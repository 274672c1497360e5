"""Messages that change data are audited like HTTP writes: type, outcome, resource, client."""

import uuid

from sqlalchemy import select

from {{ cookiecutter.package_name }}.container import Container
from {{ cookiecutter.package_name }}.models import AuditRecord
from tests.ws.conftest import Connect, request


async def audited(container: Container, resource_id: str) -> list[AuditRecord]:
    await container.audit.flush()
    async with container.session_factory() as session:
        query = (
            select(AuditRecord)
            .where(AuditRecord.resource_id == resource_id)
            .order_by(AuditRecord.id)
        )
        return list((await session.scalars(query)).all())


async def test_writes_are_audited_with_type_status_resource_and_client(
    ws_connect: Connect, container: Container
) -> None:
    async with ws_connect(client="127.0.9.9") as ws:
        created = await request(ws, "items.create", {"name": "ws-audited"}, id=41)
        item_id = created["data"]["id"]
        await request(ws, "items.update", {"id": item_id, "changes": {"name": "ws-audited-2"}})
        await request(ws, "items.get", {"id": item_id})
        await request(ws, "items.delete", {"id": item_id})
    entries = await audited(container, item_id)
    assert [(e.action, e.status, e.outcome) for e in entries] == [
        ("items.create", 200, "success"),
        ("items.update", 200, "success"),
        ("items.delete", 200, "success"),
    ]
    assert {e.client_ip for e in entries} == {"127.0.9.9"}
    assert entries[0].details is not None
    assert entries[0].details["message_id"] == 41
    assert all(e.request_id for e in entries)
    assert entries[0].actor is None  # anonymous


async def test_rejected_write_is_audited_with_its_problem_status(
    ws_connect: Connect, container: Container
) -> None:
    missing = str(uuid.uuid4())
    async with ws_connect() as ws:
        reply = await request(ws, "items.delete", {"id": missing})
    assert reply["error"]["status"] == 404
    [entry] = await audited(container, missing)
    assert (entry.action, entry.status, entry.outcome) == ("items.delete", 404, "rejected")
    assert entry.request_id == reply["error"]["request_id"]


async def test_reads_are_not_audited(ws_connect: Connect, container: Container) -> None:
    missing = str(uuid.uuid4())
    async with ws_connect() as ws:
        await request(ws, "items.get", {"id": missing})
    assert await audited(container, missing) == []
