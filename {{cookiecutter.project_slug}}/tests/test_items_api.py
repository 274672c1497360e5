"""The items resource over HTTP: every route, bad input, conflicts and pagination edges."""

import uuid

import httpx
import pytest

PROBLEM = "application/problem+json"


async def create(client: httpx.AsyncClient, name: str, **extra: object) -> dict[str, object]:
    response = await client.post("/api/v1/items", json={"name": name, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


def assert_problem(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert body["request_id"] == response.headers["x-request-id"]
    return body


async def test_create_returns_201_with_location(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/items", json={"name": "  Widget ", "description": "d"})
    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Widget"
    assert body["description"] == "d"
    assert response.headers["location"] == f"/api/v1/items/{body['id']}"


async def test_get_returns_the_created_item(client: httpx.AsyncClient) -> None:
    created = await create(client, "gadget")
    response = await client.get(f"/api/v1/items/{created['id']}")
    assert response.status_code == 200
    assert response.json() == created


async def test_unknown_item_gets_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get(f"/api/v1/items/{uuid.uuid4()}")
    body = assert_problem(response, 404, "not_found")
    assert body["instance"] == response.request.url.path


async def test_malformed_id_gets_422_problem(client: httpx.AsyncClient) -> None:
    body = assert_problem(await client.get("/api/v1/items/not-a-uuid"), 422, "validation_error")
    assert body["errors"]
    assert body["errors"][0]["loc"] == ["path", "item_id"]  # type: ignore[index]


async def test_duplicate_name_gets_409_problem(client: httpx.AsyncClient) -> None:
    await create(client, "unique")
    response = await client.post("/api/v1/items", json={"name": "unique"})
    assert_problem(response, 409, "conflict")


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 201},
        {"name": 5},
        {"name": "ok", "description": "x" * 2001},
        {"name": "ok", "unexpected": True},
        [],
    ],
    ids=["missing", "empty", "blank", "too-long", "not-string", "long-desc", "extra", "array"],
)
async def test_invalid_create_gets_422_problem(client: httpx.AsyncClient, payload: object) -> None:
    body = assert_problem(await client.post("/api/v1/items", json=payload), 422, "validation_error")
    assert body["errors"]


async def test_malformed_json_gets_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/items", content=b'{"name": ', headers={"content-type": "application/json"}
    )
    assert_problem(response, 422, "validation_error")


async def test_validation_errors_do_not_echo_input(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/items", json={"name": 5, "secret": "hunter2"})
    assert "hunter2" not in response.text


async def test_patch_changes_only_sent_fields(client: httpx.AsyncClient) -> None:
    created = await create(client, "before", description="keep")
    response = await client.patch(f"/api/v1/items/{created['id']}", json={"name": "after"})
    assert response.status_code == 200
    assert response.json()["name"] == "after"
    assert response.json()["description"] == "keep"


async def test_patch_can_clear_description(client: httpx.AsyncClient) -> None:
    created = await create(client, "clear-me", description="old")
    response = await client.patch(f"/api/v1/items/{created['id']}", json={"description": None})
    assert response.json()["description"] is None


@pytest.mark.parametrize(
    "payload", [{}, {"name": None}, {"name": ""}], ids=["empty", "null", "blank"]
)
async def test_invalid_patch_gets_422_problem(client: httpx.AsyncClient, payload: object) -> None:
    created = await create(client, "patch-target")
    response = await client.patch(f"/api/v1/items/{created['id']}", json=payload)
    assert_problem(response, 422, "validation_error")


async def test_patch_to_taken_name_gets_409_problem(client: httpx.AsyncClient) -> None:
    await create(client, "taken")
    other = await create(client, "other")
    response = await client.patch(f"/api/v1/items/{other['id']}", json={"name": "taken"})
    assert_problem(response, 409, "conflict")
    # The failed update rolled back to its savepoint: the item is unchanged and usable.
    assert (await client.get(f"/api/v1/items/{other['id']}")).json()["name"] == "other"


async def test_patch_unknown_item_gets_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"/api/v1/items/{uuid.uuid4()}", json={"name": "x"})
    assert_problem(response, 404, "not_found")


async def test_delete_then_get_gets_404(client: httpx.AsyncClient) -> None:
    created = await create(client, "doomed")
    assert (await client.delete(f"/api/v1/items/{created['id']}")).status_code == 204
    assert_problem(await client.get(f"/api/v1/items/{created['id']}"), 404, "not_found")
    assert_problem(await client.delete(f"/api/v1/items/{created['id']}"), 404, "not_found")


async def test_offset_page_reports_total_and_next_cursor(client: httpx.AsyncClient) -> None:
    for index in range(5):
        await create(client, f"page-{index}")
    body = (await client.get("/api/v1/items", params={"limit": 2, "offset": 1})).json()
    assert body["total"] == 5
    assert body["offset"] == 1
    assert [item["name"] for item in body["items"]] == ["page-1", "page-2"]
    assert body["next_cursor"]


async def test_cursor_pages_visit_every_item_once(client: httpx.AsyncClient) -> None:
    names = {f"walk-{index}" for index in range(7)}
    for name in sorted(names):
        await create(client, name)
    seen: list[str] = []
    params: dict[str, str | int] = {"limit": 3}
    while True:
        body = (await client.get("/api/v1/items", params=params)).json()
        seen.extend(item["name"] for item in body["items"])
        if body["next_cursor"] is None:
            break
        assert body["total"] is None or "cursor" not in params
        params = {"limit": 3, "cursor": body["next_cursor"]}
    assert sorted(seen) == sorted(names)
    assert len(seen) == len(names)


async def test_empty_collection_page(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/v1/items")).json()
    assert body == {"items": [], "limit": 20, "offset": 0, "total": 0, "next_cursor": None}


async def test_last_page_has_no_next_cursor(client: httpx.AsyncClient) -> None:
    for index in range(2):
        await create(client, f"last-{index}")
    body = (await client.get("/api/v1/items", params={"limit": 2})).json()
    assert len(body["items"]) == 2
    assert body["next_cursor"] is None


@pytest.mark.parametrize(
    "params",
    [
        {"limit": 0},
        {"limit": 101},
        {"offset": -1},
        {"cursor": "%%%"},
        {"cursor": "bm90LWEtY3Vyc29y"},
    ],
    ids=["limit-zero", "limit-too-big", "negative-offset", "garbage-cursor", "forged-cursor"],
)
async def test_bad_page_params_get_422_problem(
    client: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    assert_problem(await client.get("/api/v1/items", params=params), 422, "validation_error")


async def test_cursor_with_offset_gets_422_problem(client: httpx.AsyncClient) -> None:
    await create(client, "a")
    await create(client, "b")
    cursor = (await client.get("/api/v1/items", params={"limit": 1})).json()["next_cursor"]
    response = await client.get("/api/v1/items", params={"cursor": cursor, "offset": 1})
    assert_problem(response, 422, "validation_error")


async def test_unknown_route_gets_404_problem(client: httpx.AsyncClient) -> None:
    assert_problem(await client.get("/nope"), 404, "not_found")


async def test_wrong_method_gets_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.put("/api/v1/items")
    assert_problem(response, 405, "method_not_allowed")
    assert "allow" in response.headers
