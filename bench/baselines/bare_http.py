"""A bare FastAPI app with one route: the ceiling for `/health/live`."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/health/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}
