"""The application factory, and `app`: what uvicorn serves (`<package>.main:app`)."""

{% if cookiecutter.use_keycloak -%}
from fastapi import Depends, FastAPI
{%- else -%}
from fastapi import FastAPI
{%- endif %}

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.api.http import health, v1
from {{ cookiecutter.package_name }}.api.http.problems import (
    UnhandledErrorMiddleware,
    install_problem_handlers,
)
{%- if cookiecutter.use_websockets %}
from {{ cookiecutter.package_name }}.api.ws import asyncapi, endpoint
{%- endif %}
{%- if cookiecutter.use_keycloak %}
from {{ cookiecutter.package_name }}.auth.dependencies import authorize
from {{ cookiecutter.package_name }}.auth.openapi import document_security
from {{ cookiecutter.package_name }}.auth.rate_limit import caller_identity
{%- endif %}
from {{ cookiecutter.package_name }}.lifespan import lifespan
from {{ cookiecutter.package_name }}.logs import configure_logging
from {{ cookiecutter.package_name }}.middleware.access_log import AccessLogMiddleware
from {{ cookiecutter.package_name }}.middleware.audit import AuditMiddleware
from {{ cookiecutter.package_name }}.middleware.rate_limit import RateLimitMiddleware
from {{ cookiecutter.package_name }}.middleware.request_id import RequestIdMiddleware
from {{ cookiecutter.package_name }}.settings import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(level=settings.log_level, json=not settings.is_development)
    app = FastAPI(
        title="{{ cookiecutter.project_name }}",
        version=__version__,
        lifespan=lifespan,
    )
    app.state.settings = settings
    install_problem_handlers(app)
{%- if cookiecutter.use_keycloak %}
    # Before the routers: every route they add passes the access rules in auth/policy.py.
    app.router.dependencies.append(Depends(authorize))
    document_security(app, settings.keycloak)
{%- endif %}
    app.include_router(health.router)
    app.include_router(v1.router)
{%- if cookiecutter.use_websockets %}
    app.include_router(endpoint.router)
    app.include_router(asyncapi.router)
{%- endif %}
    # Added last runs first: the request id must exist before anything logs.
    if settings.rate_limit.enabled:
        app.add_middleware(
            RateLimitMiddleware,
            limit=settings.rate_limit.requests,
            window=settings.rate_limit.window_seconds,
{%- if cookiecutter.use_keycloak %}
            identify=caller_identity,  # a user's budget follows them across addresses
{%- endif %}
        )
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(AccessLogMiddleware)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(RequestIdMiddleware)
    return app


app = create_app()
