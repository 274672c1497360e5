"""Liveness (the process answers) and readiness (every dependency answers)."""

import asyncio

from fastapi import APIRouter
from starlette.responses import JSONResponse, Response

from {{ cookiecutter.package_name }}.api.http.problems import problem_response, problem_responses
from {{ cookiecutter.package_name }}.container import ReadinessCheck
from {{ cookiecutter.package_name }}.dependencies import ContainerDep
from {{ cookiecutter.package_name }}.errors import Problem, problem_type
from {{ cookiecutter.package_name }}.request_context import current_request_id

router = APIRouter(prefix="/health", tags=["health"])

CHECK_TIMEOUT_SECONDS = 2.0


@router.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", responses=problem_responses(503))
async def ready(container: ContainerDep) -> Response:
    names = list(container.readiness)
    results = await asyncio.gather(*(_check(container.readiness[name]) for name in names))
    checks = dict(zip(names, results, strict=True))
    if all(result == "ok" for result in checks.values()):
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


async def _check(check: ReadinessCheck) -> str:
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except Exception:
        return "unavailable"
    return "ok"
