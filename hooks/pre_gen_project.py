"""Validate the answers before anything is rendered; print one line naming the field on failure.

Cookiecutter renders this file with Jinja. The answers arrive as one JSON object in a raw string
(`tojson` escapes quotes, newlines and backslashes), so the rendered file is valid Python whatever
was typed, and the unrendered file is valid Python too (ruff lints it).
"""

from __future__ import annotations

import json
import keyword
import re
import sys

ANSWERS: dict[str, object] = json.loads(r'{{ cookiecutter | tojson }}')

MIN_COOKIECUTTER = (2, 7)
PYTHON_VERSIONS = ("3.12", "3.13")
TOGGLES = ("use_redis", "use_keycloak", "use_websockets")
# Generated code is formatted for names up to these lengths (100-column lines stay stable).
MAX_SLUG = 40
MAX_PACKAGE = 30

# Top-level names the generated project imports or lays out; a package with one of these names
# would shadow it.
RESERVED_PACKAGES = frozenset(
    {
        "alembic",
        "annotated_types",
        "anyio",
        "app",
        "asyncpg",
        "click",
        "conftest",
        "cryptography",
        "docs",
        "fastapi",
        "greenlet",
        "h11",
        "httpcore",
        "httptools",
        "httpx",
        "jwt",
        "mako",
        "migrations",
        "mypy",
        "prometheus_client",
        "pydantic",
        "pydantic_core",
        "pydantic_settings",
        "pytest",
        "pytest_asyncio",
        "redis",
        "ruff",
        "sniffio",
        "sqlalchemy",
        "src",
        "starlette",
        "structlog",
        "tests",
        "typing_extensions",
        "uvicorn",
        "uvloop",
        "watchfiles",
        "websockets",
        "xdist",
        "yaml",
    }
)
# `type` became a soft keyword in 3.12; the running interpreter may be older.
SOFT_KEYWORDS = frozenset(getattr(keyword, "softkwlist", ())) | {"_", "case", "match", "type"}
STDLIB_MODULES = frozenset(getattr(sys, "stdlib_module_names", ()))

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
PACKAGE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
EMAIL_RE = re.compile(
    r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
# PEP 440 public versions in canonical form, without epoch or local part: 1.0, 0.1.0, 1.2.0rc1.
VERSION_RE = re.compile(r"^\d+(?:\.\d+)*(?:(?:a|b|rc)\d+)?(?:\.post\d+)?(?:\.dev\d+)?$")
# Free text lands inside TOML, YAML and JSON strings; keep it to one plain line.
TEXT_RE = re.compile(r'^[^"\\\x00-\x1f\x7f]*$')


class InvalidAnswer(Exception):
    def __init__(self, field: str, accepted: str) -> None:
        super().__init__(field, accepted)
        self.field = field
        self.accepted = accepted


def check_text(field: str, *, required: bool, max_len: int) -> None:
    value = ANSWERS.get(field)
    accepted = f"one line of at most {max_len} characters without double quotes or backslashes"
    if not isinstance(value, str) or not TEXT_RE.match(value) or len(value) > max_len:
        raise InvalidAnswer(field, accepted)
    if required and not value.strip():
        raise InvalidAnswer(field, "a non-empty " + accepted)


def check_slug() -> None:
    slug = ANSWERS.get("project_slug")
    if (
        not isinstance(slug, str)
        or not SLUG_RE.match(slug)
        or not 2 <= len(slug) <= MAX_SLUG
        or "--" in slug
    ):
        raise InvalidAnswer(
            "project_slug",
            f"2 to {MAX_SLUG} characters of lowercase letters, digits and single hyphens, "
            "starting with a letter and not ending with a hyphen (e.g. acme-service)",
        )


def check_package() -> None:
    name = ANSWERS.get("package_name")
    if not isinstance(name, str) or not PACKAGE_RE.match(name) or len(name) > MAX_PACKAGE:
        raise InvalidAnswer(
            "package_name",
            f"a lowercase Python identifier of at most {MAX_PACKAGE} characters: letters, "
            "digits and underscores, not starting with a digit (e.g. acme_service)",
        )
    if keyword.iskeyword(name) or name in SOFT_KEYWORDS:
        raise InvalidAnswer("package_name", "a name that is not a Python keyword")
    if name in STDLIB_MODULES:
        raise InvalidAnswer("package_name", "a name that does not shadow a standard library module")
    if name in RESERVED_PACKAGES:
        raise InvalidAnswer(
            "package_name", "a name that does not shadow a dependency or a project folder"
        )


def check_pattern(field: str, pattern: re.Pattern[str], accepted: str) -> None:
    value = ANSWERS.get(field)
    if not isinstance(value, str) or not pattern.match(value):
        raise InvalidAnswer(field, accepted)


def check_python_version() -> None:
    if ANSWERS.get("python_version") not in PYTHON_VERSIONS:
        raise InvalidAnswer("python_version", "one of " + ", ".join(PYTHON_VERSIONS))


def check_toggles() -> None:
    # A string such as "false" is truthy in a Jinja `if` and would render the feature anyway.
    for field in TOGGLES:
        if not isinstance(ANSWERS.get(field), bool):
            raise InvalidAnswer(field, "true or false (cookiecutter >= 2.7 converts key=false)")


def check_cookiecutter_version() -> None:
    try:
        from cookiecutter import __version__
    except ImportError:  # rendered by another tool (e.g. cruft with a vendored engine)
        return
    parts = re.findall(r"\d+", __version__)[:2]
    if tuple(int(part) for part in parts) < MIN_COOKIECUTTER:
        print(
            f"ERROR: cookiecutter: version {__version__} is not supported; "
            f"use cookiecutter >= {'.'.join(map(str, MIN_COOKIECUTTER))} (e.g. uvx cookiecutter)",
            file=sys.stderr,
        )
        sys.exit(1)


def main() -> None:
    check_cookiecutter_version()
    try:
        check_text("project_name", required=True, max_len=100)
        check_slug()
        check_package()
        check_text("description", required=False, max_len=200)
        check_text("author_name", required=True, max_len=100)
        check_pattern("author_email", EMAIL_RE, "an email address such as jane@example.com")
        check_pattern("version", VERSION_RE, "a PEP 440 version such as 0.1.0 or 1.0.0rc1")
        check_python_version()
        check_toggles()
    except InvalidAnswer as error:
        given = json.dumps(ANSWERS.get(error.field), ensure_ascii=False)
        message = f"ERROR: {error.field}: {given} is not valid; expected {error.accepted}"
        print(message, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
