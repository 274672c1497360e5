"""Fuzz tier: schemathesis generates requests from the service's own OpenAPI document, sends
them to uvicorn, and checks every answer against the document (no 5xx; documented status,
content type, headers and body)."""

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.openapi import from_dict
from schemathesis.specs.openapi.checks import positive_data_acceptance

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import Settings
from tests.support import Server

pytestmark = pytest.mark.fuzz

# Bounded so the tier stays well under a minute; raise it for a deeper local run.
MAX_EXAMPLES = 40

# Built from the app itself at collection time, so each operation becomes a test of its own.
OPENAPI = create_app(Settings(_env_file=None)).openapi()
schema = from_dict(OPENAPI)


def test_the_served_document_is_the_fuzzed_one(server: Server) -> None:
    assert httpx.get(f"{server.url}/openapi.json").json()["paths"] == OPENAPI["paths"]


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,  # a real server on a shared machine: latency is not what is under test
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_every_answer_matches_the_openapi_document(
    case: schemathesis.Case[Any], server: Server, credentials: dict[str, str]
) -> None:
    excluded: list[schemathesis.CheckFunction] = []
    if case.operation.label == "GET /api/v1/items":
        # `cursor` is opaque: a generated string is not one the API handed out, so a 422 for
        # a "schema-valid" cursor is the documented answer, not a rejected valid request.
        excluded.append(positive_data_acceptance)
    case.call_and_validate(base_url=server.url, headers=credentials, excluded_checks=excluded)
