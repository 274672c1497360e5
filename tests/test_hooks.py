"""Bad answers fail in pre_gen_project with one line naming the field and leave nothing on disk;
good answers bake; post_gen_project prunes, fills secrets and can run again."""

from __future__ import annotations

import json
import re
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from combos import TEMPLATE_DIR, load_options
from cookiecutter.environment import StrictEnvironment
from cookiecutter.exceptions import FailedHookException
from cookiecutter.main import cookiecutter
from harness import load_requires, module_literal

HOOKS = TEMPLATE_DIR / "hooks"
DEFAULT_ANSWERS: dict[str, Any] = {
    "project_name": "Acme Service",
    "project_slug": "acme-service",
    "package_name": "acme_service",
    "description": "A service.",
    "author_name": "Jane Doe",
    "author_email": "jane@example.com",
    "version": "0.1.0",
    "python_version": "3.13",
    "use_redis": True,
    "use_keycloak": True,
    "use_websockets": True,
}

HOSTILE_ANSWERS = {**DEFAULT_ANSWERS, "project_name": "A''''\"\"\"\\\n{{ x }}</script>é😀"}

# (test id, command-line answers, field the error line must name)
BAD_ANSWERS = [
    ("slug-underscore", ["project_slug=acme_service"], "project_slug"),
    ("slug-uppercase", ["project_slug=Acme-Service"], "project_slug"),
    ("slug-double-hyphen", ["project_slug=acme--service"], "project_slug"),
    ("slug-trailing-hyphen", ["project_slug=acme-"], "project_slug"),
    ("slug-one-char", ["project_slug=a"], "project_slug"),
    ("slug-too-long", ["project_slug=" + "a" * 41], "project_slug"),
    ("package-too-long", ["package_name=" + "a" * 31], "package_name"),
    ("slug-from-bad-name", ["project_name=Acme! Service"], "project_slug"),
    ("package-hyphen", ["package_name=acme-service"], "package_name"),
    ("package-leading-digit", ["package_name=1acme"], "package_name"),
    ("package-keyword", ["package_name=class"], "package_name"),
    ("package-soft-keyword", ["package_name=match"], "package_name"),
    ("package-soft-keyword-type", ["package_name=type"], "package_name"),
    ("package-stdlib", ["package_name=json"], "package_name"),
    ("package-dependency", ["package_name=fastapi"], "package_name"),
    ("package-project-folder", ["package_name=tests"], "package_name"),
    ("email-no-at", ["author_email=jane.example.com"], "author_email"),
    ("email-no-domain", ["author_email=jane@"], "author_email"),
    ("version-v-prefix", ["version=v1.0.0"], "version"),
    ("version-semver-prerelease", ["version=1.0.0-beta"], "version"),
    ("empty-project-name", ["project_name=", "project_slug=acme"], "project_name"),
    ("quote-in-project-name", ['project_name=Acme "Q" \\x', "project_slug=acme"], "project_name"),
    ("empty-author", ["author_name= "], "author_name"),
    ("newline-in-description", ["description=two\nlines"], "description"),
]

# Answers the command line cannot express, fed as a replay file (as cruft or --replay do).
BAD_REPLAYED_ANSWERS = [
    ("python-3.10", {"python_version": "3.10"}, "python_version"),
    ("redis-maybe", {"use_redis": "maybe"}, "use_redis"),
    ("keycloak-string-false", {"use_keycloak": "false"}, "use_keycloak"),
    ("websockets-number", {"use_websockets": 1}, "use_websockets"),
]


def cookiecutter_cli(output: Path, config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    output.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "cookiecutter",
        "--config-file",
        str(config),
        "-o",
        str(output),
    ]
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=120,
        check=False,
    )


def assert_one_error_line(result: subprocess.CompletedProcess[str], field: str) -> None:
    assert result.returncode != 0, f"bake succeeded:\n{result.stdout}"
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got:\n{result.stderr}"
    assert re.match(rf"ERROR: {field}: .+ is not valid; expected .+", lines[0]), lines[0]


@pytest.mark.parametrize(
    ("answers", "field"), [pytest.param(a, f, id=i) for i, a, f in BAD_ANSWERS]
)
def test_bad_answer_fails_with_one_line_and_leaves_nothing(
    tmp_path: Path, cookiecutter_config: Path, answers: list[str], field: str
) -> None:
    out = tmp_path / "out"
    result = cookiecutter_cli(out, cookiecutter_config, "--no-input", str(TEMPLATE_DIR), *answers)
    assert_one_error_line(result, field)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    ("answers", "field"), [pytest.param(a, f, id=i) for i, a, f in BAD_REPLAYED_ANSWERS]
)
def test_bad_replayed_answer_fails_with_one_line_and_leaves_nothing(
    tmp_path: Path, cookiecutter_config: Path, answers: dict[str, Any], field: str
) -> None:
    replay = tmp_path / "answers.json"
    replay.write_text(json.dumps({"cookiecutter": {**DEFAULT_ANSWERS, **answers}}))
    out = tmp_path / "out"
    result = cookiecutter_cli(
        out, cookiecutter_config, "--replay-file", str(replay), str(TEMPLATE_DIR)
    )
    assert_one_error_line(result, field)
    assert list(out.iterdir()) == []


@pytest.mark.parametrize(
    "answers", [["python_version=3.10"], ["use_redis=maybe"], ["project_name="]], ids=str
)
def test_answer_refused_by_cookiecutter_leaves_nothing(
    tmp_path: Path, cookiecutter_config: Path, answers: list[str]
) -> None:
    out = tmp_path / "out"
    result = cookiecutter_cli(out, cookiecutter_config, "--no-input", str(TEMPLATE_DIR), *answers)
    assert result.returncode != 0
    assert list(out.iterdir()) == []


def test_non_boolean_toggle_through_the_api_fails_and_leaves_nothing(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    with pytest.raises((FailedHookException, ValueError)):
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            extra_context={"use_redis": "maybe"},
            output_dir=str(tmp_path),
            config_file=str(cookiecutter_config),
        )
    with pytest.raises(FailedHookException):
        cookiecutter(
            str(TEMPLATE_DIR),
            no_input=True,
            extra_context={"use_redis": ["yes"]},
            output_dir=str(tmp_path),
            config_file=str(cookiecutter_config),
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("answers", "package"),
    [
        pytest.param([], "acme_service", id="defaults"),
        pytest.param(["package_name=billing_core"], "billing_core", id="package-override"),
        pytest.param(["python_version=3.12"], "acme_service", id="python-3.12"),
        pytest.param(
            ["use_redis=false", "use_keycloak=no", "use_websockets=0"], "acme_service", id="all-off"
        ),
    ],
)
def test_good_answers_bake(
    tmp_path: Path, cookiecutter_config: Path, answers: list[str], package: str
) -> None:
    out = tmp_path / "out"
    result = cookiecutter_cli(out, cookiecutter_config, "--no-input", str(TEMPLATE_DIR), *answers)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [p.name for p in out.iterdir()] == ["acme-service"]
    project = out / "acme-service"
    assert (project / "src" / package).is_dir()
    assert "cd acme-service" in result.stdout
    assert result.stderr == ""


def test_default_bake_of_the_api_matches_cookiecutter_json(
    tmp_path: Path, cookiecutter_config: Path
) -> None:
    project = cookiecutter(
        str(TEMPLATE_DIR),
        no_input=True,
        output_dir=str(tmp_path),
        config_file=str(cookiecutter_config),
    )
    expected = load_options()["project_name"].lower().replace(" ", "-")
    assert Path(project).name == expected


def render_hook(name: str, answers: dict[str, Any]) -> str:
    source = (HOOKS / name).read_text(encoding="utf-8")
    context = {"cookiecutter": answers}
    return StrictEnvironment(context=context).from_string(source).render(**context)


@pytest.mark.parametrize("name", ["pre_gen_project.py", "post_gen_project.py"])
def test_hooks_are_valid_python_before_and_after_rendering(name: str) -> None:
    compile((HOOKS / name).read_text(encoding="utf-8"), name, "exec")
    hostile = {**DEFAULT_ANSWERS, "project_name": "A'''\"\"\"\\\n{{ x }}</script>é😀"}
    compile(render_hook(name, hostile), name, "exec")


def test_pre_gen_hook_passes_the_default_answers(tmp_path: Path) -> None:
    script = tmp_path / "pre_gen_project.py"
    script.write_text(render_hook("pre_gen_project.py", DEFAULT_ANSWERS))
    result = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert (result.returncode, result.stderr) == (0, "")


def test_enabled_lists_every_boolean_option() -> None:
    toggles = {key for key, value in load_options().items() if isinstance(value, bool)}
    rendered = render_hook("post_gen_project.py", DEFAULT_ANSWERS)
    assert set(module_literal(rendered, "ENABLED")) == toggles


def run_post_gen(project: Path, answers: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    script = project.parent / "post_gen_project.py"
    script.write_text(render_hook("post_gen_project.py", {**DEFAULT_ANSWERS, **answers}))
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, cwd=project
    )


def make_every_manifest_path(project: Path) -> None:
    project.mkdir(parents=True, exist_ok=True)
    for pattern in load_requires():
        path = project / pattern.format(package=DEFAULT_ANSWERS["package_name"])
        if path.suffix:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("x\n")
        else:
            (path / "sub").mkdir(parents=True)
            (path / "sub" / "module.py").write_text("x\n")


@pytest.mark.parametrize("disabled", ["use_redis", "use_keycloak", "use_websockets"])
def test_post_gen_prunes_the_paths_of_a_disabled_option_and_reruns(
    tmp_path: Path, disabled: str
) -> None:
    project = tmp_path / "acme-service"
    make_every_manifest_path(project)
    run_post_gen(project, {disabled: False})
    run_post_gen(project, {disabled: False})  # again, as cruft update does
    for pattern, options in load_requires().items():
        path = project / pattern.format(package=DEFAULT_ANSWERS["package_name"])
        assert path.exists() == (disabled not in options), pattern


def test_post_gen_removes_folders_that_only_held_pruned_paths(tmp_path: Path) -> None:
    project = tmp_path / "acme-service"
    make_every_manifest_path(project)
    (project / "tests" / "test_kept.py").write_text("x\n")
    run_post_gen(project, {"use_redis": False, "use_keycloak": False, "use_websockets": False})
    folders = sorted(p.relative_to(project).as_posix() for p in project.rglob("*") if p.is_dir())
    assert folders == ["tests"], folders
    assert (project / "tests" / "test_kept.py").exists()


ENV_EXAMPLE = """\
# Secrets below are replaced in .env at bake time; change-me stays in comments.
ENVIRONMENT=development
SECRET_KEY=change-me
POSTGRES_PASSWORD = change-me
NOT_A_SECRET=change-me-later
DATABASE_URL=postgresql+asyncpg://app:${POSTGRES_PASSWORD}@db/app
EMPTY=
"""


def test_post_gen_creates_env_with_fresh_secrets(tmp_path: Path) -> None:
    project = tmp_path / "acme-service"
    project.mkdir()
    (project / ".env.example").write_text(ENV_EXAMPLE)
    run_post_gen(project, {})
    env = (project / ".env").read_text()
    expected = re.sub(
        r"(?m)^(SECRET_KEY=|POSTGRES_PASSWORD = )change-me$", r"\1<secret>", ENV_EXAMPLE
    )
    masked = re.sub(r"(?m)^(SECRET_KEY=|POSTGRES_PASSWORD = )[\w-]{43}$", r"\1<secret>", env)
    assert masked == expected
    secrets = re.findall(r"(?m)^(?:SECRET_KEY=|POSTGRES_PASSWORD = )(.+)$", env)
    assert len(set(secrets)) == 2
    assert stat.S_IMODE((project / ".env").stat().st_mode) == 0o600
    run_post_gen(project, {})
    assert (project / ".env").read_text() == env, "an existing .env must be kept"


def test_post_gen_without_env_example_creates_no_env(tmp_path: Path) -> None:
    project = tmp_path / "acme-service"
    project.mkdir()
    result = run_post_gen(project, {})
    assert not (project / ".env").exists()
    assert "make test" in result.stdout
