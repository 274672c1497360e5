"""Document the policy in the OpenAPI schema, and let Swagger UI log in through Keycloak.

Protected operations get the `bearer` scheme (paste a token from `make token`) or `keycloak`
(authorization code with PKCE, the dev user's login page) and their 401/403 problems.
"""

from typing import Any

from fastapi import FastAPI

from {{ cookiecutter.package_name }}.auth.policy import http_access
from {{ cookiecutter.package_name }}.settings import KeycloakSettings

PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}


def document_security(app: FastAPI, keycloak: KeycloakSettings) -> None:
    app.swagger_ui_init_oauth = {
        "clientId": keycloak.client_id,
        "usePkceWithAuthorizationCodeGrant": True,
    }
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_security(build(), keycloak)
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]


def add_security(schema: dict[str, Any], keycloak: KeycloakSettings) -> None:
    endpoints = f"{keycloak.issuer_url}/protocol/openid-connect"
    components = schema.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(
        {
            "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"},
            "keycloak": {
                "type": "oauth2",
                "flows": {
                    "authorizationCode": {
                        "authorizationUrl": f"{endpoints}/auth",
                        "tokenUrl": f"{endpoints}/token",
                        "scopes": {},
                    }
                },
            },
        }
    )
    has_problem = "Problem" in components.get("schemas", {})
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            access = http_access(method.upper(), path)
            if access is not None and access.public:
                continue
            operation["security"] = [{"bearer": []}, {"keycloak": []}]
            responses = operation.setdefault("responses", {})
            for status, description in (("401", "Unauthorized"), ("403", "Forbidden")):
                response: dict[str, Any] = {"description": description}
                if has_problem:
                    response["content"] = {"application/problem+json": {"schema": PROBLEM_SCHEMA}}
                responses.setdefault(status, response)
