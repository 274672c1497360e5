"""Authentication and authorization: Keycloak access tokens validated locally, roles, policy."""
