"""Startup refuses to run without its database and says which dependency is missing."""

import pytest

from {{ cookiecutter.package_name }}.main import create_app
from {{ cookiecutter.package_name }}.settings import DatabaseSettings, Settings


async def test_startup_fails_clearly_when_database_is_unreachable() -> None:
    settings = Settings(
        _env_file=None,
        database=DatabaseSettings(
            url="postgresql+asyncpg://postgres@127.0.0.1:9/none", connect_retries=1
        ),
    )
    app = create_app(settings)
    with pytest.raises(RuntimeError, match="database is unreachable after 2 attempts"):
        async with app.router.lifespan_context(app):
            pass
