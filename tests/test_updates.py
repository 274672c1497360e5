"""A project baked with plain cookiecutter takes a later template commit with `cruft update`.

The template is copied into a fresh git repository (so uncommitted work is tested too) and
committed; a project is baked from that commit, put under git and edited by its "user"; the
template then gets a second commit, and `cruft update` must bring that change in cleanly.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from combos import TEMPLATE_DIR
from cookiecutter.main import cookiecutter

pytestmark = pytest.mark.matrix

BIN = Path(sys.executable).parent
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "Template Test",
    "GIT_AUTHOR_EMAIL": "template-test@example.com",
    "GIT_COMMITTER_NAME": "Template Test",
    "GIT_COMMITTER_EMAIL": "template-test@example.com",
}
PROJECT_TEMPLATE = "{{cookiecutter.project_slug}}"
ADDED_GUIDE = "docs/added-by-the-template.md"


def sh(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        env={**os.environ, **GIT_IDENTITY, **(env or {})},
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"`{' '.join(map(str, command))}` exited {result.returncode} in {cwd}:\n"
        f"{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def commit_all(repo: Path, message: str) -> str:
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "--no-verify", "-m", message, cwd=repo)
    return sh("git", "rev-parse", "HEAD", cwd=repo).strip()


def copy_template(target: Path) -> None:
    """The template's files as git sees them (tracked or new, not ignored) into `target`."""
    listed = sh(
        "git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=TEMPLATE_DIR
    )
    for relative in filter(None, listed.split("\0")):
        source = TEMPLATE_DIR / relative
        if source.is_file():
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)


def test_cruft_update_applies_a_later_template_commit(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    template = tmp_path / "template"
    template.mkdir()
    sh("git", "init", "-q", "-b", "main", cwd=template)
    copy_template(template)
    first = commit_all(template, "template v1")

    project = Path(
        cookiecutter(
            str(template),
            no_input=True,
            output_dir=str(tmp_path / "out"),
            config_file=str(cookiecutter_config),
            extra_context={"use_redis": False},
        )
    )
    state = (project / ".cruft.json").read_text(encoding="utf-8")
    assert f'"commit": "{first}"' in state
    assert f'"template": "{template}"' in state
    sh("git", "init", "-q", "-b", "main", cwd=project)
    commit_all(project, "baked")
    readme = project / "README.md"
    readme.write_text("Our own introduction.\n\n" + readme.read_text(encoding="utf-8"))
    commit_all(project, "our change")
    env_before = (project / ".env").read_text(encoding="utf-8")

    template_readme = template / PROJECT_TEMPLATE / "README.md"
    template_readme.write_text(
        template_readme.read_text(encoding="utf-8") + "\nA line added by template v2.\n"
    )
    guide = template / PROJECT_TEMPLATE / ADDED_GUIDE
    guide.write_text("# A guide\n\nFor {{ cookiecutter.project_name }}.\n", encoding="utf-8")
    second = commit_all(template, "template v2")

    cruft_env = {"COOKIECUTTER_CONFIG": str(cookiecutter_config)}
    output = sh(BIN / "cruft", "update", "--skip-apply-ask", cwd=project, env=cruft_env)
    assert "has been updated" in output

    text = readme.read_text(encoding="utf-8")
    assert text.startswith("Our own introduction.\n"), "the project's own change was lost"
    assert text.endswith("A line added by template v2.\n")
    assert (project / ADDED_GUIDE).read_text(encoding="utf-8") == "# A guide\n\nFor Acme Service.\n"
    assert not list(project.rglob("*.rej")), "the update left rejected hunks"
    assert (project / ".env").read_text(encoding="utf-8") == env_before, ".env was touched"
    assert f'"commit": "{second}"' in (project / ".cruft.json").read_text(encoding="utf-8")
    sh(BIN / "cruft", "check", cwd=project, env=cruft_env)
    sh(sys.executable, "-m", "ruff", "check", "--no-cache", ".", cwd=project)
