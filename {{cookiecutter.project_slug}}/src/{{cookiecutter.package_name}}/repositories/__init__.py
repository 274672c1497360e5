"""Repositories: the only code that builds SQL. They flush, never commit."""
