"""`python -m bench`: bake, start, measure side by side, print the table, write the docs."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from bench import figures as fig
from bench import report
from bench.httpload import wrk_path
from bench.issuer import TokenIssuer
from bench.project import TEMPLATE_DIR, BenchError, Database, Project, Render, bake
from bench.servers import Fleet
from bench.stats import Figure

FIGURES = ("render", "http", "items", "cached", "ws", "memory", "broadcast", "matrix")
MATRIX_CACHE = TEMPLATE_DIR / ".pytest_cache" / "v" / "template" / "matrix"
VERSIONED = (
    "fastapi", "starlette", "uvicorn", "uvloop", "httptools", "websockets", "pydantic",
    "sqlalchemy", "asyncpg", "structlog", "orjson", "prometheus-client", "redis", "pyjwt",
)  # fmt: skip


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--rounds",
        type=int,
        default=int(os.environ.get("BENCH_ROUNDS", "5")),
        help="alternating runs per side; the median is reported (default 5)",
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=float(os.environ.get("BENCH_SECONDS", "3")),
        help="length of one load run (default 3)",
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up run per side, seconds")
    parser.add_argument("--connections", type=int, default=32, help="HTTP connections (wrk -c)")
    parser.add_argument(
        "--ws-connections",
        type=int,
        default=16,
        help="WebSocket clients, one request in flight each",
    )
    parser.add_argument("--held", type=int, default=1000, help="WS connections held for memory")
    parser.add_argument("--broadcast-samples", type=int, default=100)
    parser.add_argument("--renders", type=int, default=3, help="bakes timed for the render figure")
    parser.add_argument(
        "--only", default=",".join(FIGURES), help=f"comma-separated subset of {','.join(FIGURES)}"
    )
    parser.add_argument(
        "--project", type=Path, help="reuse this baked project (and its .venv) instead of baking"
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="extra environment for the service (repeatable)",
    )
    parser.add_argument("--output", type=Path, default=TEMPLATE_DIR / "docs" / "benchmarks.md")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    parser.add_argument(
        "--no-sync", action="store_true", help="with --project: use its .venv as it is"
    )
    args = parser.parse_args(argv)
    unknown = set(args.only.split(",")) - set(FIGURES)
    if unknown:
        parser.error(f"--only: unknown figure(s) {', '.join(sorted(unknown))}")
    return args  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _terminate_cleanly()
    _raise_open_files_limit()
    run = Run(args)
    started = time.monotonic()
    load_before = report.load_average()
    try:
        versions = run.measure()
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    finally:
        run.clean_up()
    elapsed = time.monotonic() - started
    load_after = report.load_average()
    main_rows, noise_rows = report.tables(run.figures)
    print()
    print(report.text_table(report.HEADERS, main_rows))
    print()
    print("noise check (per-round ratios; CPU ratio = baseline CPU per unit / ours):")
    print(report.text_table(report.NOISE_HEADERS, noise_rows) if noise_rows else "  none")
    print(f"\nload average before {load_before}, after {load_after}; bench took {elapsed:.0f}s")
    if not args.no_write:
        command = " ".join(
            ["uv run python -m bench", *(argv if argv is not None else sys.argv[1:])]
        )
        meta = {
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            "machine": ", ".join(f"{k} {v}" for k, v in report.machine().items()),
            "load average (1/5/15 min) before / after": f"{load_before} / {load_after}",
            "method": f"{args.rounds} alternating rounds per side (ABBA order), "
            f"{args.seconds:g} s each after a {args.warmup:g} s warm-up, median reported; "
            f"HTTP: {_http_tool()} -t1 -c{args.connections}; WS: {args.ws_connections} lockstep "
            "clients (bench/wsraw.py on uvloop)",
            "bench wall time": f"{elapsed:.0f} s",
            "command": f"`make bench` (`{command}`)",
        }
        versions["wrk"] = _wrk_version()
        results = report.results_markdown(
            run.figures, meta=meta, versions=versions, notes=run.notes
        )
        report.write_results(args.output, results)
        say(f"wrote {args.output}")
    return 0


class Run:
    """One bench run: its work directory, processes, database and issuer, cleaned up at the end."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.wanted = set(args.only.split(","))
        self.work = Path(tempfile.mkdtemp(prefix="bench-"))
        self.fleet = Fleet(self.work)
        self.database: Database | None = None
        self.issuer: TokenIssuer | None = None
        self.figures: list[Figure] = []
        self.notes: list[str] = []

    def measure(self) -> dict[str, str]:
        say(f"work directory {self.work}")
        project = self.project()
        say(f"project {project.path} options {project.options}")
        if not (self.args.no_sync and self.args.project):
            say("uv sync")
            project.sync()
        self.database = Database.create()
        project.migrate(self.database.sqlalchemy_url)
        item_ids = self.database.seed_items(1000)
        if project.options["use_keycloak"]:
            slug = project.path.name
            self.issuer = TokenIssuer(realm=slug, audience=f"{slug}-api", client_id=f"{slug}-api")
            self.issuer.start()
            say(f"token issuer on {self.issuer.url}")
        args = self.args
        options = fig.Options(
            rounds=args.rounds,
            seconds=args.seconds,
            warmup=args.warmup,
            http_connections=args.connections,
            ws_connections=args.ws_connections,
            held_connections=args.held,
            broadcast_samples=args.broadcast_samples,
            env=fig.env_pairs(args.env),
        )
        bench = fig.Bench(project, self.database, self.fleet, options, item_ids, self.issuer)
        steps: list[tuple[str, Callable[[], Figure | list[Figure]]]] = [
            ("http", bench.http_live),
            ("items", lambda: bench.items_get(cached=False)),
            ("cached", lambda: bench.items_get(cached=True)),
            ("ws", bench.ws_round_trips),
            ("memory", bench.ws_memory),
            ("broadcast", bench.broadcast),
        ]
        for key, step in steps:
            if key in self.wanted:
                say(f"measuring {key}")
                self.figures.extend(_guarded(key, step))
        if "matrix" in self.wanted:
            self.figures.append(_matrix())
        self.notes.extend(bench.notes)
        return project.version_of(*VERSIONED)

    def project(self) -> Project:
        """Bake (timing the renders when asked), or reuse --project."""
        renders: list[Render] = []
        path = self.args.project
        if "render" in self.wanted or path is None:
            for i in range(max(1, self.args.renders if "render" in self.wanted else 1)):
                render = bake(self.work / f"render-{i}", self.work / "cookiecutter-home")
                renders.append(render)
                say(f"rendered {render.project.name} in {render.seconds:.2f}s")
                path = path or render.project
        if "render" in self.wanted:
            self.figures.append(fig.render_figure(renders))
        if path is None:
            raise BenchError("no project to measure")
        return Project.load(path.resolve())

    def clean_up(self) -> None:
        self.fleet.stop_all()
        if self.issuer is not None:
            self.issuer.stop()
        if self.database is not None:
            self.database.drop()
        if self.args.keep:
            say(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def _guarded(key: str, step: Callable[[], Figure | list[Figure]]) -> list[Figure]:
    """A figure that fails is reported as skipped with its error; the others still run."""
    try:
        result = step()
    except Exception as exc:
        traceback.print_exc()
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        return [Figure(name=key, unit="", skipped=f"failed: {type(exc).__name__}: {message}")]
    return result if isinstance(result, list) else [result]


def _matrix() -> Figure:
    """The last full matrix run's wall time: from BENCH_MATRIX_SECONDS, the template tests'
    record in .pytest_cache, or (BENCH_MATRIX=1) a run made now."""
    if value := os.environ.get("BENCH_MATRIX_SECONDS"):
        return fig.matrix_figure(float(value), "from BENCH_MATRIX_SECONDS")
    if fig.os_env_flag("BENCH_MATRIX"):
        say("running the template matrix (BENCH_MATRIX=1)")
        subprocess.run(
            ["uv", "run", "pytest", "-n", "2", "--dist", "loadgroup", "-m", "matrix", "tests",
             "-q", "-p", "no:randomly"],
            cwd=TEMPLATE_DIR, check=False, timeout=5400,
        )  # fmt: skip
    if MATRIX_CACHE.exists():
        record = json.loads(MATRIX_CACHE.read_text())
        return fig.matrix_figure(
            float(record["seconds"]),
            f"recorded by the template tests on {record['date']}: {record['combinations']} "
            f"combinations, {record['failed']} failed, pytest -n {record['workers']}",
        )
    return fig.matrix_figure(
        None, "no full matrix run recorded here (run `make test`, or BENCH_MATRIX=1 make bench)"
    )


def _http_tool() -> str:
    return "wrk" if wrk_path() else "httpx (wrk not installed)"


def _wrk_version() -> str:
    wrk = wrk_path()
    if wrk is None:
        return "not installed (httpx fallback)"
    output = subprocess.run([wrk, "--version"], capture_output=True, text=True, check=False)
    return (output.stdout + output.stderr).split("Copyright")[0].replace("wrk", "").strip()


def _raise_open_files_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _terminate_cleanly() -> None:
    """SIGTERM unwinds like Ctrl-C, so the `finally` blocks stop every process we started."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def say(message: str) -> None:
    print(f"bench: {message}", flush=True)
