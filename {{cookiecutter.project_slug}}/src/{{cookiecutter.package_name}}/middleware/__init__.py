"""Pure ASGI middleware: cheap, and it sees every connection type, not just HTTP."""
