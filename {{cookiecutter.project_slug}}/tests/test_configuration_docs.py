"""docs/configuration.md and .env.example describe exactly the settings that exist."""

import re
import subprocess
import sys
from pathlib import Path

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from {{ cookiecutter.package_name }}.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
# `NAME=value` or `# NAME=value`: a variable, set or shown commented out with its default.
ENV_LINE = re.compile(r"^\s*#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)
# `${NAME}`, `${NAME:-x}`, `$$NAME`: what compose.yaml and the Makefile read from `.env`.
INTERPOLATED = re.compile(r"\$\{?([A-Z][A-Z0-9_]*)")


def settings_fields(model: type[BaseModel] = Settings, prefix: str = "") -> dict[str, FieldInfo]:
    """Env name -> field, for every setting: `FIELD`, or `GROUP_FIELD` in a nested group."""
    fields: dict[str, FieldInfo] = {}
    for name, field in model.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseModel):
            fields |= settings_fields(group, f"{prefix}{name.upper()}_")
        else:
            fields[f"{prefix}{name.upper()}"] = field
    return fields


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def env_example_names() -> set[str]:
    return set(ENV_LINE.findall(read(".env.example")))


def compose_only_names() -> set[str]:
    """The allow-list: variables that compose.yaml or the Makefile take from `.env` for
    themselves (POSTGRES_PASSWORD ...), not for the service."""
    interpolated = set(INTERPOLATED.findall(read("compose.yaml") + read("Makefile")))
    return interpolated - set(settings_fields())


def test_every_setting_has_a_description() -> None:
    missing = [env for env, field in settings_fields().items() if not field.description]
    assert not missing, f"add Field(description=...) in settings.py for {missing}"


def test_configuration_doc_matches_settings() -> None:
    generated = subprocess.run(  # noqa: S603 (our interpreter, our script)
        [sys.executable, str(ROOT / "scripts" / "settings_doc.py")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert generated in read("docs/configuration.md"), (
        "docs/configuration.md is out of date with settings.py: run `make docs-config`"
    )


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", read("docs/configuration.md"), re.M))
    assert set(settings_fields()) == documented


def test_env_example_lists_every_setting() -> None:
    missing = set(settings_fields()) - env_example_names()
    assert not missing, f".env.example lacks {sorted(missing)} (a commented default is enough)"


def test_env_example_names_only_settings_and_compose_variables() -> None:
    unknown = env_example_names() - set(settings_fields()) - compose_only_names()
    assert not unknown, f".env.example names variables nothing reads: {sorted(unknown)}"
