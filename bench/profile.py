"""`python -m bench.profile`: where the service spends its CPU under one of the bench's loads.

`http-live`, `items`, `ws-ping`: starts the service as `make bench` does, drives it with the
same load and records it with py-spy (`--gil`: only samples holding the GIL, i.e. Python CPU,
not waits), then prints the frames with the largest inclusive and self share. py-spy comes from
PATH or `uvx py-spy`. `middleware`: CPU per `/health/live` request through the app in-process,
leaving out one middleware at a time; `db`: the item read in-process, layer by layer from the
whole app down to asyncpg, and the statements it runs (bench/asgi_cost.py).
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench import wsraw
from bench.figures import Bench, Options, env_pairs
from bench.issuer import TokenIssuer
from bench.project import Database, Project, bake
from bench.servers import Fleet, Server

TARGETS = ("http-live", "items", "ws-ping", "middleware", "db")


def py_spy() -> list[str]:
    found = shutil.which("py-spy")
    return [found] if found else ["uvx", "py-spy"]


def summarize(raw: str, top: int, anchor: str = "Server.run") -> str:
    """Inclusive and self shares of frames, from py-spy's raw (collapsed stacks) output."""
    inclusive: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        start = next((i for i, f in enumerate(frames) if f.startswith(anchor)), 0)
        frames = frames[start:]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    if not total:
        return "no samples"
    lines = [f"{total} samples", "", "inclusive:"]
    lines += [f"  {n / total:6.1%}  {f}" for f, n in inclusive.most_common(top)]
    lines += ["", "self:"]
    lines += [f"  {n / total:6.1%}  {f}" for f, n in own.most_common(top // 2)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("target", choices=TARGETS)
    parser.add_argument("--project", type=Path, help="a baked project (default: bake one)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--top", type=int, default=50)
    parser.add_argument("--env", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--no-sync", action="store_true", help="use --project's .venv as it is")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="bench-profile-"))
    fleet = Fleet(work)
    database: Database | None = None
    issuer: TokenIssuer | None = None
    try:
        path = args.project or bake(work / "project", work / "cookiecutter-home").project
        project = Project.load(path.resolve())
        if not (args.no_sync and args.project):
            project.sync()
        database = Database.create()
        project.migrate(database.sqlalchemy_url)
        ids = database.seed_items(100)
        if project.options["use_keycloak"]:  # as `make bench`: tokens from a local issuer
            slug = project.path.name
            issuer = TokenIssuer(realm=slug, audience=f"{slug}-api", client_id=f"{slug}-api")
            issuer.start()
        bench = Bench(project, database, fleet, Options(env=env_pairs(args.env)), ids, issuer)
        if args.target in ("middleware", "db"):
            return _in_process_costs(bench, args.target)
        with bench.service("profiled") as server:
            drive = _driver(bench, server, args.target)
            drive(1.0)  # warm
            output = work / "py-spy.txt"
            spy = subprocess.Popen(
                [*py_spy(), "record", "--pid", str(server.pid), "--duration",
                 str(round(args.seconds)), "--rate", "250", "--format", "raw", "--gil",
                 "--nonblocking", "--output", str(output)],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
            )  # fmt: skip
            time.sleep(0.5)
            load = threading.Thread(target=drive, args=(args.seconds,))
            load.start()
            load.join()
            _, errors = spy.communicate(timeout=60)
            if spy.returncode != 0 or not output.exists():
                print(f"py-spy failed: {errors.decode(errors='replace')}", file=sys.stderr)
                return 1
        print(summarize(output.read_text(), args.top))
        return 0
    finally:
        fleet.stop_all()
        if issuer is not None:
            issuer.stop()
        if database is not None:
            database.drop()
        shutil.rmtree(work, ignore_errors=True)


def _in_process_costs(bench: Bench, target: str) -> int:
    """CPU per request of the app in-process (bench/asgi_cost.py), variant by variant."""
    env = {
        **bench.service_env(PORT="8000"),
        "BENCH_ASYNCPG_DSN": bench.database.asyncpg_dsn,
        "REDIS_CACHE_TTL_SECONDS": "0",  # the item reads reach PostgreSQL
        **({"BENCH_TOKEN": token} if (token := bench.token()) else {}),
    }
    path = "/health/live" if target == "middleware" else f"/api/v1/items/{bench.item_ids[0]}"
    script = Path(__file__).resolve().parent / "asgi_cost.py"
    result = subprocess.run(
        [str(bench.project.python), str(script), bench.project.package, path, "500"],
        env=env, cwd=bench.fleet.run_dir, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        text=True, timeout=600, check=False,
    )  # fmt: skip
    print(result.stderr)
    return result.returncode


def _driver(bench: Bench, server: Server, target: str):  # type: ignore[no-untyped-def]
    headers = bench.auth_headers()
    if target == "http-live":
        return lambda seconds: bench.http_sample(server, "/health/live", seconds)
    if target == "items":
        path = f"/api/v1/items/{bench.item_ids[0]}"
        return lambda seconds: bench.http_sample(server, path, seconds, headers)

    def frame(n: int) -> bytes:
        return wsraw.client_frame(b'{"id":"%d","type":"ping","data":{}}' % n)

    return lambda seconds: bench.ws_sample(server, seconds, frame, auth=True)


if __name__ == "__main__":
    sys.exit(main())
