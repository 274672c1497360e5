"""Prune the files of disabled options, create `.env` with fresh secrets, record the template
in `.cruft.json`, print the next steps.

Safe to run again on an existing project (cruft update): missing paths are skipped and an
existing `.env` is left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from typing import Any

# Path (relative to the project root, `{package}` = package name) -> options that must ALL be on
# to keep it. Pure data: tests/test_manifest.py reads it with `ast` and checks every path exists.
REQUIRES: dict[str, list[str]] = {
    "src/{package}/redis": ["use_redis"],
    "tests/redis": ["use_redis"],
    "tests/e2e/test_redis_replicas.py": ["use_redis"],
    "docs/redis.md": ["use_redis"],
    "src/{package}/redis/broadcaster.py": ["use_redis", "use_websockets"],
    "tests/redis/test_broadcaster.py": ["use_redis", "use_websockets"],
    "tests/redis/test_ws_limits.py": ["use_redis", "use_websockets"],
    "tests/e2e/ws/test_redis_fanout.py": ["use_redis", "use_websockets"],
    "src/{package}/api/ws": ["use_websockets"],
    "tests/ws": ["use_websockets"],
    "tests/e2e/ws": ["use_websockets"],
    "docs/websocket-protocol.md": ["use_websockets"],
    "examples/ws_client.py": ["use_websockets"],
    "src/{package}/auth": ["use_keycloak"],
    "tests/auth": ["use_keycloak"],
    "src/{package}/auth/ws.py": ["use_keycloak", "use_websockets"],
    "tests/auth/test_ws.py": ["use_keycloak", "use_websockets"],
    "tests/e2e/test_auth.py": ["use_keycloak"],
    "keycloak": ["use_keycloak"],
    "docs/auth.md": ["use_keycloak"],
    "docs/adr/0005-local-token-validation-with-pyjwt.md": ["use_keycloak"],
    "scripts/load_ws.py": ["use_websockets"],
    # Alert rules (with their promtool tests) and Grafana dashboards, one file per feature.
    "monitoring/prometheus/rules/redis.yml": ["use_redis"],
    "monitoring/prometheus/tests/redis.test.yml": ["use_redis"],
    "monitoring/grafana/dashboards/redis.json": ["use_redis"],
    "monitoring/prometheus/rules/keycloak.yml": ["use_keycloak"],
    "monitoring/prometheus/tests/keycloak.test.yml": ["use_keycloak"],
    "monitoring/grafana/dashboards/keycloak.json": ["use_keycloak"],
    "monitoring/prometheus/rules/websockets.yml": ["use_websockets"],
    "monitoring/prometheus/tests/websockets.test.yml": ["use_websockets"],
    "monitoring/grafana/dashboards/websockets.json": ["use_websockets"],
    "monitoring/grafana/dashboards/websocket-fanout.json": ["use_redis", "use_websockets"],
}

ENABLED: dict[str, bool] = {
    "use_redis": {{ cookiecutter.use_redis }},
    "use_keycloak": {{ cookiecutter.use_keycloak }},
    "use_websockets": {{ cookiecutter.use_websockets }},
}
PACKAGE = "{{ cookiecutter.package_name }}"
PROJECT_SLUG = "{{ cookiecutter.project_slug }}"

# The answers plus what cookiecutter adds: _template (as typed: a path, a URL or gh:org/repo),
# _repo_dir (the directory it rendered from), _checkout; cruft adds _commit. JSON in a raw string
# (see pre_gen_project.py), so any answer renders to valid Python.
CONTEXT: dict[str, Any] = json.loads(r'{{ cookiecutter | tojson }}')

# Never part of a template update: local secrets, and the state file that cruft itself rewrites.
CRUFT_SKIP = [".env", ".cruft.json"]
# cookiecutter's built-in abbreviations, which git (and so cruft) cannot clone as they are.
ABBREVIATIONS = {
    "gh": "https://github.com/{0}.git",
    "gl": "https://gitlab.com/{0}.git",
    "bb": "https://bitbucket.org/{0}",
}
URL = re.compile(r"^(((git|hg)\+)?(git|ssh|file|https?):(//)?|\w+@[\w.]+)")

# `KEY=change-me` (the whole value) gets a fresh secret in `.env`.
PLACEHOLDER_SECRET = re.compile(r"^(?P<key>\s*(?:export\s+)?[A-Za-z_]\w*\s*=\s*)change-me\s*$")


def prune(root: Path) -> None:
    for pattern, options in REQUIRES.items():
        if all(ENABLED[option] for option in options):
            continue
        path = root / pattern.format(package=PACKAGE)
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()
        # A folder that held only pruned paths goes too (e.g. examples/ of one option).
        parent = path.parent
        while parent != root and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent


def create_env_file(root: Path) -> None:
    example, env = root / ".env.example", root / ".env"
    if env.exists() or not example.is_file():
        return
    lines = []
    for line in example.read_text(encoding="utf-8").splitlines(keepends=True):
        text = line.rstrip("\r\n")
        match = PLACEHOLDER_SECRET.match(text)
        if match:
            lines.append(match["key"] + secrets.token_urlsafe(32) + line[len(text) :])
        else:
            lines.append(line)
    fd = os.open(env, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.writelines(lines)


def git(directory: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return result.stdout.strip() if result.returncode == 0 else ""


def local_template_dir(template: str) -> Path | None:
    """The template directory of a local bake; hooks run in the new project, so a relative
    path is resolved against the directory cookiecutter was started in."""
    path = Path(template).expanduser()
    if path.is_absolute():
        return path if (path / "cookiecutter.json").is_file() else None
    starts = []
    with contextlib.suppress(OSError):  # Linux: the directory cookiecutter runs in
        starts.append(Path(os.readlink(f"/proc/{os.getppid()}/cwd")))
    if os.environ.get("PWD"):
        starts.append(Path(os.environ["PWD"]))
    for start in starts:
        if (start / path / "cookiecutter.json").is_file():
            return (start / path).resolve()
    return None


def template_origin() -> tuple[str, str, str | None]:
    """(template to clone, commit, directory inside it) for cruft; commit is "" when unknown."""
    template = str(CONTEXT.get("_template") or "")
    if not template:
        return "", "", None
    prefix, _, rest = template.partition(":")
    if prefix in ABBREVIATIONS and rest:
        template = ABBREVIATIONS[prefix].format(rest)
    if URL.match(template):
        # cookiecutter cloned it into _repo_dir (its cookiecutters_dir), the commit is there.
        repo_dir = Path(str(CONTEXT.get("_repo_dir") or ""))
        commit = git(repo_dir, "rev-parse", "HEAD") if repo_dir.is_dir() else ""
        return template, commit, None
    local = local_template_dir(template)
    if local is None:
        return template, "", None
    toplevel = git(local, "rev-parse", "--show-toplevel")
    if not toplevel:
        return str(local), "", None
    directory = local.relative_to(Path(toplevel).resolve()).as_posix()
    return toplevel, git(local, "rev-parse", "HEAD"), None if directory == "." else directory


def write_cruft_state(root: Path) -> str:
    """`.cruft.json` as `cruft create` writes it, so `cruft update` works on this project."""
    if "_commit" in CONTEXT:
        return CONTEXT["_commit"]  # rendered by cruft, which writes the file itself
    template, commit, directory = template_origin()
    answers = {key: value for key, value in CONTEXT.items() if not key.startswith("_")}
    state = {
        "template": template,
        "commit": commit,
        "checkout": CONTEXT.get("_checkout"),
        "context": {"cookiecutter": {**answers, "_template": template, "_commit": commit}},
        "directory": directory,
        "skip": CRUFT_SKIP,
    }
    text = json.dumps(state, ensure_ascii=False, indent=2, separators=(",", ": ")) + "\n"
    (root / ".cruft.json").write_text(text, encoding="utf-8")
    return commit


def main() -> None:
    root = Path.cwd()
    prune(root)
    create_env_file(root)
    if not write_cruft_state(root):
        print(
            "Note: the template is not a git checkout, so .cruft.json records no commit; "
            "see 'Taking template updates' in README.md."
        )
    print(
        f"\nCreated {PROJECT_SLUG}. Next steps:\n"
        f"  cd {PROJECT_SLUG}\n"
        "  make install   # uv sync\n"
        "  make up        # the whole stack with Docker Compose\n"
        "  make test      # needs the local services listed in README.md\n"
    )


if __name__ == "__main__":
    main()
