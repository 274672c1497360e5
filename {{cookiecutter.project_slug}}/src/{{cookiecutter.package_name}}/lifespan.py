"""Startup and shutdown: build the container, expose it to requests, tear it down."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import structlog
from fastapi import FastAPI

from {{ cookiecutter.package_name }} import __version__
from {{ cookiecutter.package_name }}.container import build_container
from {{ cookiecutter.package_name }}.metrics import publish_app_info
from {{ cookiecutter.package_name }}.settings import Settings

logger = structlog.get_logger(__name__)


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    logger.info("startup", environment=settings.environment, version=__version__)
    publish_app_info(__version__, settings.environment.value)
    async with build_container(settings) as container:
        app.state.container = container
        try:
            yield
        finally:
            logger.info("shutdown")
    logger.info("shutdown_complete")
