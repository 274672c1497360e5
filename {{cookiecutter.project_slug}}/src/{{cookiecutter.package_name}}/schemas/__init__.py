"""Pydantic models at the boundary: what commands take and return."""
