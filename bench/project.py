"""The project under test: baked from this template, synced with uv, on a database of its own."""

from __future__ import annotations

import functools
import os
import re
import resource
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

TEMPLATE_DIR = Path(__file__).resolve().parents[1]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")

# Our own venv and tool variables must not leak into the baked project's commands.
_DROPPED_ENV = re.compile(
    r"^(VIRTUAL_ENV|CONDA_PREFIX|PYTHONHOME|PYTHONPATH|UV_PROJECT_ENVIRONMENT|UV_PYTHON"
    r"|PYTEST_.*|MAKEFLAGS|MFLAGS|MAKELEVEL|FORCE_COLOR|DATABASE_URL|REDIS_URL)$"
)


class BenchError(RuntimeError):
    pass


def clean_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not _DROPPED_ENV.match(key)}
    env.update(NO_COLOR="1", UV_NO_PROGRESS="1", UV_PYTHON_DOWNLOADS="never")
    env.update(extra or {})
    return env


def run(command: Sequence[str], *, cwd: Path, env: Mapping[str, str], timeout: float) -> str:
    try:
        result = subprocess.run(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BenchError(f"`{' '.join(command)}` timed out after {timeout}s") from exc
    if result.returncode != 0:
        tail = "\n".join((result.stdout + result.stderr).splitlines()[-40:])
        raise BenchError(f"`{' '.join(command)}` exited {result.returncode} in {cwd}:\n{tail}")
    return result.stdout


@functools.cache
def interpreter(python_version: str) -> str:
    """The newest pyenv interpreter of that minor version (uv cannot download one here)."""
    if explicit := os.environ.get("BENCH_UV_PYTHON"):
        return explicit
    pyenv = shutil.which("pyenv")
    if pyenv is None:
        return python_version
    listed = subprocess.run(
        [pyenv, "versions", "--bare"], capture_output=True, text=True, check=False
    ).stdout.split()
    pattern = re.compile(rf"{re.escape(python_version)}\.(\d+)")
    patches = {int(m[1]): v for v in listed if (m := pattern.fullmatch(v))}
    if not patches:
        return python_version
    prefix = subprocess.run(
        [pyenv, "prefix", patches[max(patches)]], capture_output=True, text=True, check=True
    ).stdout.strip()
    executable = Path(prefix, "bin", f"python{python_version}")
    return str(executable) if executable.exists() else python_version


@dataclass
class Render:
    project: Path
    seconds: float  # wall
    cpu_seconds: float  # user + system of the cookiecutter process and its hooks


def bake(output_dir: Path, config_home: Path, **answers: str) -> Render:
    """Render the template with its hooks (as a user would), timed."""
    config_home.mkdir(parents=True, exist_ok=True)
    config = config_home / "cookiecutter-config.yaml"
    config.write_text(
        f"cookiecutters_dir: {config_home / 'cookiecutters'}\n"
        f"replay_dir: {config_home / 'replay'}\n"
    )
    output_dir.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "cookiecutter", "--no-input", "--config-file", str(config),
        "-o", str(output_dir), str(TEMPLATE_DIR),
        *(f"{key}={value}" for key, value in answers.items()),
    ]  # fmt: skip
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    run(command, cwd=output_dir, env=clean_env(), timeout=120)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime)
    projects = [path for path in output_dir.iterdir() if path.is_dir()]
    if len(projects) != 1:
        raise BenchError(f"expected one baked project in {output_dir}, found {projects}")
    return Render(projects[0], elapsed, cpu)


@dataclass
class Project:
    path: Path
    package: str
    python_version: str
    options: dict[str, bool]

    @classmethod
    def load(cls, path: Path) -> Project:
        """Read the answers from the baked files (pyproject, package dir, present features)."""
        packages = [p.name for p in (path / "src").iterdir() if (p / "__init__.py").exists()]
        if len(packages) != 1:
            raise BenchError(f"expected one package under {path / 'src'}, found {packages}")
        package = packages[0]
        source = path / "src" / package
        python_version = (path / ".python-version").read_text().strip()
        pyproject = (path / "pyproject.toml").read_text()
        options = {
            "use_redis": '"redis' in pyproject,
            "use_keycloak": (source / "auth").is_dir(),
            "use_websockets": (source / "api" / "ws").is_dir(),
        }
        return cls(path, package, python_version, options)

    @property
    def python(self) -> Path:
        return self.path / ".venv" / "bin" / "python"

    def has(self, relative: str) -> bool:
        """Whether the package has a module or folder (features are detected, not assumed)."""
        return (self.path / "src" / self.package / relative).exists()

    def env(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = clean_env({"UV_PYTHON": interpreter(self.python_version)})
        if _needs_copy_link_mode(self.path):
            env["UV_LINK_MODE"] = "copy"
        env.update(extra or {})
        return env

    def sync(self) -> None:
        run(["uv", "sync", "--frozen"] if (self.path / "uv.lock").exists() else ["uv", "sync"],
            cwd=self.path, env=self.env(), timeout=600)  # fmt: skip

    def migrate(self, database_url: str) -> None:
        run(
            [str(self.path / ".venv" / "bin" / "alembic"), "upgrade", "head"],
            cwd=self.path,
            env=self.env({"DATABASE_URL": database_url}),
            timeout=120,
        )

    def version_of(self, *distributions: str) -> dict[str, str]:
        code = (
            "import importlib.metadata as m, sys, json\n"
            "out = {'python': sys.version.split()[0]}\n"
            "for d in sys.argv[1:]:\n"
            "    try: out[d] = m.version(d)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(out))"
        )
        import json  # noqa: PLC0415

        output = run([str(self.python), "-c", code, *distributions], cwd=self.path,
                     env=self.env(), timeout=60)  # fmt: skip
        versions: dict[str, str] = json.loads(output)
        return versions


@functools.cache
def _needs_copy_link_mode(target: Path) -> bool:
    """uv hardlinks from its cache, which only works on the same filesystem."""
    cache = (
        os.environ.get("UV_CACHE_DIR")
        or subprocess.run(
            ["uv", "cache", "dir"], capture_output=True, text=True, check=False
        ).stdout.strip()
    )
    if not cache:
        return True
    cache_path = Path(cache)
    while not cache_path.exists():
        cache_path = cache_path.parent
    return cache_path.stat().st_dev != target.stat().st_dev


def psql(sql: str, database: str = "postgres") -> str:
    psql_bin = shutil.which("psql")
    if psql_bin is None:
        raise BenchError("psql is not installed; the bench needs a PostgreSQL client")
    command = [psql_bin, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", database]
    return run(
        [*command, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        cwd=Path.cwd(),
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
        timeout=60,
    )


@dataclass
class Database:
    name: str
    password: str  # trust auth ignores it; production settings refuse an empty one

    @classmethod
    def create(cls) -> Database:
        database = cls(f"bench_{secrets.token_hex(4)}", secrets.token_urlsafe(12))
        psql(f'CREATE DATABASE "{database.name}"')
        return database

    @property
    def sqlalchemy_url(self) -> str:
        return f"postgresql+asyncpg://{PG_USER}:{self.password}@{PG_HOST}:{PG_PORT}/{self.name}"

    @property
    def asyncpg_dsn(self) -> str:
        return f"postgresql://{PG_USER}:{self.password}@{PG_HOST}:{PG_PORT}/{self.name}"

    def seed_items(self, count: int) -> list[str]:
        """Insert `count` items (as the migration made the table) and return their ids."""
        rows = f"generate_series(1, {int(count)}) n"
        psql(
            "INSERT INTO items (id, name, description) SELECT gen_random_uuid(), "  # noqa: S608
            f"'bench item ' || n, 'seeded by the bench' FROM {rows}",
            self.name,
        )
        return psql("SELECT id FROM items ORDER BY name", self.name).split()

    def drop(self) -> None:
        psql(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
