"""The option matrix, computed from cookiecutter.json: every key whose default is a JSON boolean."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

TEMPLATE_DIR = Path(__file__).resolve().parent.parent
COOKIECUTTER_JSON = TEMPLATE_DIR / "cookiecutter.json"

# Label of a toggle in test ids; the default is the key without `use_` (`noredis` when off).
SHORT_LABELS = {"use_websockets": "ws"}


def load_options() -> dict[str, Any]:
    options: dict[str, Any] = json.loads(COOKIECUTTER_JSON.read_text(encoding="utf-8"))
    return options


def toggle_names(options: dict[str, Any]) -> list[str]:
    return [key for key, value in options.items() if isinstance(value, bool)]


def label(toggle: str, enabled: bool) -> str:
    name = SHORT_LABELS.get(toggle, toggle.removeprefix("use_"))
    return name if enabled else f"no{name}"


@dataclass(frozen=True)
class Combo:
    """One combination of the toggles, with the Python version it is tested on."""

    index: int
    toggles: tuple[tuple[str, bool], ...]
    python_version: str

    @property
    def id(self) -> str:
        return "-".join(label(name, enabled) for name, enabled in self.toggles)

    @property
    def enabled(self) -> dict[str, bool]:
        return dict(self.toggles)

    @property
    def extra_context(self) -> dict[str, Any]:
        return {**self.enabled, "python_version": self.python_version}


def combinations(options: dict[str, Any] | None = None) -> list[Combo]:
    """itertools.product over the toggles, all-on first.

    The Python version alternates with the number of disabled toggles, so every value of every
    toggle is tested on each supported Python and the all-on combination uses the default one.
    """
    options = load_options() if options is None else options
    names = toggle_names(options)
    pythons: list[str] = options["python_version"]
    combos = []
    for index, values in enumerate(itertools.product([True, False], repeat=len(names))):
        disabled = values.count(False)
        combos.append(
            Combo(
                index=index,
                toggles=tuple(zip(names, values, strict=True)),
                python_version=pythons[disabled % len(pythons)],
            )
        )
    return combos
