"""Version 1 of the HTTP API: one `include_router` per resource."""

# scaffold: registry

from fastapi import APIRouter

from {{ cookiecutter.package_name }}.api.http import items
from {{ cookiecutter.package_name }}.api.http.problems import problem_responses

# Any operation may meet a bug (500) or an unavailable dependency (503, with Retry-After).
router = APIRouter(prefix="/api/v1", responses=problem_responses(500, 503))
router.include_router(items.router)
