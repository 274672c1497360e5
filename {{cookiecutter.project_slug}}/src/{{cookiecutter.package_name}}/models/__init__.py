"""ORM models. Import every model here so Alembic autogenerate sees it."""

# scaffold: registry

from {{ cookiecutter.package_name }}.models.audit import AuditRecord
from {{ cookiecutter.package_name }}.models.base import Base
from {{ cookiecutter.package_name }}.models.items import Item

__all__ = ["AuditRecord", "Base", "Item"]
