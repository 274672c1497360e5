"""The roles the service knows, and how a token's realm and client roles map onto them."""

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


class Role(StrEnum):
    """Client roles of the API client in `keycloak/realm.json`; same-named realm roles count too."""

    READER = "reader"
    WRITER = "writer"


def roles_from_claims(claims: Mapping[str, Any], client_id: str) -> frozenset[Role]:
    """Realm roles (`realm_access`) and the API client's roles (`resource_access`) we know."""
    names: set[str] = set()
    names.update(_role_names(claims.get("realm_access")))
    resource_access = claims.get("resource_access")
    if isinstance(resource_access, Mapping):
        names.update(_role_names(resource_access.get(client_id)))
    known = {role.value for role in Role}
    return frozenset(Role(name) for name in names if name in known)


def _role_names(access: object) -> list[str]:
    if not isinstance(access, Mapping):
        return []
    roles = access.get("roles")
    if not isinstance(roles, list):
        return []
    return [name for name in roles if isinstance(name, str)]
