"""The longest names the pre-gen hook accepts still give a lint-clean, formatted project.

Generated code is laid out for 100-column lines; a long package name must not push an import
past that and make `ruff format --check` fail on the first `make lint`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from combos import combinations
from harness import Project, bake, project_files, subprocess_env

pytestmark = pytest.mark.matrix

LONGEST = {
    "project_name": "Longest Name",
    "project_slug": "a" * 36 + "-svc",
    "package_name": "p" * 30,
}


def test_longest_names_pass_ruff(tmp_path: Path, cookiecutter_config: Path) -> None:
    combo = combinations()[0]  # everything on: the most code
    path = bake(tmp_path, cookiecutter_config, {**combo.extra_context, **LONGEST})
    project = Project(combo, path, project_files(path), subprocess_env(combo, path))
    project.require_sync()
    project.run("uv", "run", "ruff", "check", ".")
    project.run("uv", "run", "ruff", "format", "--check", ".")
