"""`GET /metrics`: the Prometheus text exposition, outside the API's schema and versioning."""

from fastapi import APIRouter
from starlette.responses import Response

from {{ cookiecutter.package_name }}.metrics import exposition

router = APIRouter(tags=["metrics"])

# The classic text format, which every Prometheus version reads; our names need nothing newer.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    # A plain `def`: with several workers, collecting reads their files (blocking I/O), so
    # FastAPI runs it in a thread instead of on the event loop.
    return Response(exposition(), media_type=CONTENT_TYPE)
