"""The audit log: who did what, from HTTP writes and messages, kept in the `audit_log` table.

`AuditLog.record(AuditEntry.from_context(...))` never blocks; a background task writes entries
in batches (docs/operations.md).
"""

from {{ cookiecutter.package_name }}.audit.entry import AuditEntry, redact
from {{ cookiecutter.package_name }}.audit.log import AuditLog

__all__ = ["AuditEntry", "AuditLog", "redact"]
