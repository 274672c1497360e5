"""Liveness (the process answers) and readiness (every dependency answers)."""

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from {{ cookiecutter.package_name }}.api.http.problems import problem_response, problem_responses
from {{ cookiecutter.package_name }}.dependencies import ContainerDep
from {{ cookiecutter.package_name }}.errors import Problem, problem_type
from {{ cookiecutter.package_name }}.readiness import OK, check_all
from {{ cookiecutter.package_name }}.request_context import current_request_id

router = APIRouter(prefix="/health", tags=["health"])


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses=problem_responses(503))
async def ready(container: ContainerDep) -> Response:
    checks = await check_all(container.readiness)
    if all(result == OK for result in checks.values()):
        return JSONResponse({"status": "ok", "checks": checks})
    problem = Problem(
        type=problem_type("not_ready"),
        title="Service Unavailable",
        status=503,
        detail="A dependency is unavailable.",
        instance="/health/ready",
        code="not_ready",
        request_id=current_request_id(),
        checks=checks,
    )
    return problem_response(problem, {"Retry-After": "5"})
