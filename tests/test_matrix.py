"""Bake every option combination and run its checks, one step per test, in order.

Each combination is one xdist group (`--dist loadgroup`): its steps share one baked project and
run in file order on one worker. Run a single combination with `-k "[noredis-keycloak-ws]"`.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from combos import Combo, combinations
from harness import (
    Project,
    bake,
    claim_combination,
    create_database,
    database_url,
    drop_databases,
    fresh_database_name,
    load_requires,
    project_files,
    psql,
    subprocess_env,
    tail,
    text_files,
)

pytestmark = pytest.mark.matrix

COMBOS = combinations()

# Leftovers of Jinja. A bare `{{` is legitimate in generated files (GitHub Actions `${{ }}`,
# Prometheus/Grafana `{{ $labels.x }}`), so only template syntax and cookiecutter names count.
JINJA_LEFTOVERS = re.compile(r"\{%|%\}|\{\{-?\s*cookiecutter|cookiecutter\.")

# What a disabled option must not leave anywhere: not in a path, not in a file (case-insensitive).
RESIDUE: dict[str, str] = {
    "use_redis": r"redis",
    "use_keycloak": r"keycloak|jwks|\bjwt\b|pyjwt|access.token",
    "use_websockets": r"websocket|\bws\b|/ws\b|api/ws",
}

MAX_REPORTED = 40


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Marks on fixture params do not reach the items, so parametrize here (indirectly).
    if "project" in metafunc.fixturenames:
        params = [pytest.param(c, id=c.id, marks=pytest.mark.xdist_group(c.id)) for c in COMBOS]
        metafunc.parametrize("project", params, indirect=True, scope="session")


@pytest.fixture(scope="session")
def project(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    cookiecutter_config: Path,
) -> Project:
    combo: Combo = request.param
    claim_combination(tmp_path_factory, combo)
    path = bake(tmp_path_factory.mktemp(combo.id), cookiecutter_config, combo.extra_context)
    return Project(combo, path, project_files(path), subprocess_env(combo, path))


def report(problems: list[str], what: str, project: Project) -> str:
    shown = "\n".join(problems[:MAX_REPORTED])
    more = f"\n... and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
    return f"{len(problems)} {what} in {project.path}:\n{shown}{more}"


def test_renders_without_jinja_leftovers(project: Project) -> None:
    problems = [
        f"{path}: template syntax in the path" for path in project.files if "{" in str(path)
    ]
    for path, text in text_files(project.path, project.files):
        for number, line in enumerate(text.splitlines(), 1):
            if JINJA_LEFTOVERS.search(line):
                problems.append(f"{path}:{number}: {line.strip()[:160]}")
    assert not problems, report(problems, "Jinja leftovers", project)


def test_no_residue_of_disabled_features(project: Project) -> None:
    disabled = [name for name, on in project.combo.enabled.items() if not on]
    patterns = {name: re.compile(RESIDUE[name], re.IGNORECASE) for name in disabled}
    problems = []
    for name, pattern in patterns.items():
        problems += [
            f"{path}: path ({name} off)" for path in project.files if pattern.search(str(path))
        ]
    for path, text in text_files(project.path, project.files):
        for number, line in enumerate(text.splitlines(), 1):
            for name, pattern in patterns.items():
                if match := pattern.search(line):
                    problems.append(
                        f"{path}:{number}: {match[0]!r} ({name} off): {line.strip()[:160]}"
                    )
    assert not problems, report(problems, "residues of disabled options", project)


def test_pruned_paths_follow_the_manifest(project: Project) -> None:
    package = project.path / "src"
    names = [p.name for p in package.iterdir() if p.is_dir()] if package.is_dir() else []
    assert len(names) == 1, f"expected one package under {package}, found {names}"
    wrong = []
    for pattern, options in load_requires().items():
        keep = all(project.combo.enabled[option] for option in options)
        exists = (project.path / pattern.format(package=names[0])).exists()
        if keep != exists:
            wrong.append(f"{pattern}: {'missing' if keep else 'left behind'} (needs {options})")
    assert not wrong, "\n".join(wrong)


def test_uv_sync(project: Project) -> None:
    result = project.sync()
    assert result.returncode == 0, (
        f"`uv sync` exited {result.returncode} in {project.path} "
        f"(UV_PYTHON={project.env['UV_PYTHON']}); last lines:\n{tail(result.stdout)}"
    )


def test_lint(project: Project) -> None:
    project.require_sync()
    project.run("make", "lint")


def test_project_tests(project: Project) -> None:
    project.require_sync()
    database = fresh_database_name(project.combo, "tests")
    create_database(database)
    try:
        project.run("make", "test", timeout=1800, DATABASE_URL=database_url(database))
    finally:
        drop_databases(database)


def test_migrations(project: Project) -> None:
    project.require_sync()
    database = fresh_database_name(project.combo, "migrations")
    create_database(database)
    env = {"DATABASE_URL": database_url(database)}
    try:
        project.run("uv", "run", "alembic", "upgrade", "head", **env)
        project.run("uv", "run", "alembic", "check", **env)
        project.run("uv", "run", "alembic", "downgrade", "base", **env)
        left = psql(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND tablename <> 'alembic_version'",
            database,
        ).split()
        assert not left, f"tables left after `alembic downgrade base`: {left}"
    finally:
        drop_databases(database)


def test_config_files(project: Project) -> None:
    project.require_sync()
    project.run("make", "check-config")


# Backticked tokens in CLAUDE.md that name files: they must exist in the baked project.
PATH_TOKEN = re.compile(r"`([\w./-]+/[\w./-]*|[\w.-]+\.(?:py|md|ya?ml|json|toml|ini|lock))`")
MAKE_TOKEN = re.compile(r"`make ([\w-]+)")
MAKE_TARGET = re.compile(r"^([\w-]+):", re.MULTILINE)


def test_claude_md_is_true(project: Project) -> None:
    """Every path and make target CLAUDE.md names exists in this combination."""
    text = (project.path / "CLAUDE.md").read_text(encoding="utf-8")
    packages = [p for p in (project.path / "src").iterdir() if p.is_dir()]
    roots = [project.path, *packages]
    missing = [
        token
        for token in PATH_TOKEN.findall(text)
        if not any((root / token.rstrip("/")).exists() for root in roots)
    ]
    targets = set(MAKE_TARGET.findall((project.path / "Makefile").read_text(encoding="utf-8")))
    missing += [f"make {name}" for name in MAKE_TOKEN.findall(text) if name not in targets]
    assert not missing, f"CLAUDE.md names what {project.combo.id} does not have: {missing}"


def test_scaffolded_resource_passes_lint_and_tests(project: Project) -> None:
    """`make new-resource` gives a resource through every layer that lints and passes its tests.

    Runs last: it changes the baked project.
    """
    project.require_sync()
    project.run("make", "new-resource", "NAME=orders")
    project.run("make", "lint")
    database = fresh_database_name(project.combo, "scaffold")
    create_database(database)
    try:
        project.run(
            "uv", "run", "pytest", "tests/test_orders_api.py", DATABASE_URL=database_url(database)
        )
    finally:
        drop_databases(database)
