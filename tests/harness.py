"""Baking projects and running commands in them, for the template's own tests."""

from __future__ import annotations

import ast
import functools
import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from combos import TEMPLATE_DIR, Combo
from cookiecutter.main import cookiecutter

POST_GEN_HOOK = TEMPLATE_DIR / "hooks" / "post_gen_project.py"
PACKAGE_DIR_IN_TEMPLATE = "{{cookiecutter.package_name}}"
PROJECT_DIR_IN_TEMPLATE = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"

# Files that record the answers (cruft, cookiecutter replay); they may name disabled options.
ANSWER_FILES = frozenset({".cruft.json", ".cookiecutter.json", ".copier-answers.yml"})
# Made by the steps (uv sync, mypy, pytest ...), never by the template.
GENERATED_DIRS = frozenset(
    {".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__", "htmlcov"}
)

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
OUTPUT_TAIL_LINES = 80

# Variables of the runner that must not leak into a baked project's commands: our own venv,
# our own pytest-xdist worker identity, our own make flags.
_DROPPED_ENV = re.compile(
    r"^(VIRTUAL_ENV|CONDA_PREFIX|PYTHONHOME|PYTHONPATH|UV_PROJECT_ENVIRONMENT|UV_PYTHON"
    r"|PYTEST_.*|COV_CORE_.*|MAKEFLAGS|MFLAGS|MAKELEVEL|FORCE_COLOR|DATABASE_URL|REDIS_URL)$"
)


def module_literal(source: str, name: str) -> Any:
    """The value of a module-level `NAME = <literal>` (annotated or not), without running code."""
    for node in ast.parse(source).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
        if isinstance(target, ast.Name) and target.id == name and node.value is not None:
            return ast.literal_eval(node.value)
    raise AssertionError(f"no module-level {name} = <literal>")


def load_requires(hook: Path = POST_GEN_HOOK) -> dict[str, list[str]]:
    """The pruning manifest, read as data: the hook's `REQUIRES` dict literal."""
    requires: dict[str, list[str]] = module_literal(hook.read_text(encoding="utf-8"), "REQUIRES")
    return requires


def write_cookiecutter_config(directory: Path) -> Path:
    """A cookiecutter config that keeps replay files out of the user's home."""
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "cookiecutter-config.yaml"
    config.write_text(
        f"cookiecutters_dir: {directory / 'cookiecutters'}\nreplay_dir: {directory / 'replay'}\n",
        encoding="utf-8",
    )
    return config


def bake(output_dir: Path, config_file: Path, extra_context: Mapping[str, Any]) -> Path:
    output_dir.mkdir(parents=True, exist_ok=True)
    project = cookiecutter(
        str(TEMPLATE_DIR),
        no_input=True,
        extra_context=dict(extra_context),
        output_dir=str(output_dir),
        config_file=str(config_file),
    )
    return Path(project)


def claim_combination(tmp_path_factory: pytest.TempPathFactory, combo: Combo) -> None:
    """Fail if a combination is baked twice in one run: its steps were split across workers."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # shared by the workers: <basetemp>/popen-gwN
    try:
        (root / f"matrix-{combo.id}.baked").touch(exist_ok=False)
    except FileExistsError:
        pytest.fail(
            f"{combo.id} was baked twice in this run: its steps must run in order on one worker "
            "(run with `--dist loadgroup`, see tests/conftest.py)",
            pytrace=False,
        )


def project_files(root: Path) -> list[Path]:
    """Every file of a baked project, relative to its root, without tool-made directories."""
    files = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(name for name in dirnames if name not in GENERATED_DIRS)
        files.extend(Path(dirpath, name).relative_to(root) for name in sorted(filenames))
    return files


def text_files(root: Path, files: Sequence[Path]) -> Iterator[tuple[Path, str]]:
    """(relative path, content) of every text file; binary files are skipped."""
    for relative in files:
        if relative.name in ANSWER_FILES:
            continue
        data = (root / relative).read_bytes()
        if b"\0" in data:
            continue
        try:
            yield relative, data.decode("utf-8")
        except UnicodeDecodeError:
            continue


@functools.cache
def interpreter(python_version: str) -> str:
    """The newest pyenv interpreter of that minor version, else the version for uv to find."""
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


@functools.cache
def needs_copy_link_mode(target: Path) -> bool:
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


def database_url(name: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def subprocess_env(combo: Combo, project: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not _DROPPED_ENV.match(key)}
    env.update(
        CI=os.environ.get("CI", "true"),
        NO_COLOR="1",
        UV_NO_PROGRESS="1",
        UV_PYTHON_DOWNLOADS="never",
        UV_PYTHON=interpreter(combo.python_version),
    )
    if needs_copy_link_mode(project):
        env["UV_LINK_MODE"] = "copy"
    if combo.enabled.get("use_redis"):
        # A Redis db index of its own per combination (0 is left to the developer).
        env["REDIS_URL"] = f"redis://{REDIS_HOST}:{REDIS_PORT}/{combo.index + 1}"
    # The template suite already runs one combination per core.
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    env["PYTEST_XDIST_AUTO_NUM_WORKERS"] = os.environ.get(
        "PYTEST_XDIST_AUTO_NUM_WORKERS", str(max(1, (os.cpu_count() or 1) // workers))
    )
    return env


def tail(output: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    kept = output.rstrip().splitlines()[-lines:]
    return "\n".join(kept)


def run(
    command: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            list(command),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as expired:
        output = expired.output or ""
        if isinstance(output, bytes):
            output = output.decode(errors="replace")
        return subprocess.CompletedProcess(list(command), -1, f"{output}\nTIMEOUT after {timeout}s")


def run_checked(
    command: Sequence[str], cwd: Path, env: Mapping[str, str], timeout: float = 900
) -> str:
    result = run(command, cwd, env, timeout)
    if result.returncode != 0:
        pytest.fail(
            f"`{' '.join(command)}` exited {result.returncode} in {cwd}; "
            f"last {OUTPUT_TAIL_LINES} lines:\n{tail(result.stdout)}",
            pytrace=False,
        )
    return result.stdout


def psql(sql: str, database: str = "postgres") -> str:
    psql_bin = shutil.which("psql")
    if psql_bin is None:
        pytest.fail("psql is not installed; the template tests need a PostgreSQL client")
    command = [psql_bin, "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", database]
    result = subprocess.run(
        [*command, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
    )
    if result.returncode != 0:
        pytest.fail(f"psql failed on {sql!r}: {result.stderr.strip()}", pytrace=False)
    return result.stdout


def fresh_database_name(combo: Combo, purpose: str) -> str:
    return f"tpl_{combo.id.replace('-', '_')}_{purpose}_{secrets.token_hex(3)}"


def create_database(name: str) -> None:
    psql(f'CREATE DATABASE "{name}"')


def drop_databases(prefix: str) -> None:
    """Drop the database and any a test suite derived from it (`<name>_gw0` ...)."""
    assert re.fullmatch(r"[a-z0-9_]+", prefix), prefix  # our own names; safe to inline below
    query = f"SELECT datname FROM pg_database WHERE starts_with(datname, '{prefix}')"  # noqa: S608
    names = psql(query)
    for name in names.split():
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Project:
    """A baked combination, shared by the steps that test it (in order, on one xdist worker)."""

    combo: Combo
    path: Path
    files: list[Path]
    env: dict[str, str]
    synced: bool | None = None
    sync_output: str = field(default="", repr=False)

    def sync(self) -> subprocess.CompletedProcess[str]:
        result = run(["uv", "sync"], self.path, self.env, timeout=900)
        self.synced = result.returncode == 0
        self.sync_output = result.stdout
        return result

    def require_sync(self) -> None:
        """Steps after `uv sync` skip, naming the cause, when it failed."""
        if self.synced is None:
            self.sync()
        if not self.synced:
            pytest.skip(f"uv sync failed for {self.combo.id}; see test_uv_sync[{self.combo.id}]")

    def run(self, *command: str, timeout: float = 900, **env: str) -> str:
        return run_checked(command, self.path, {**self.env, **env}, timeout)
