"""The pruning manifest of the post-gen hook names only paths that exist in the template."""

from __future__ import annotations

import pytest
from combos import load_options
from harness import PACKAGE_DIR_IN_TEMPLATE, PROJECT_DIR_IN_TEMPLATE, load_requires

REQUIRES = load_requires()


@pytest.mark.parametrize("pattern", sorted(REQUIRES))
def test_manifest_path_exists_in_template(pattern: str) -> None:
    path = PROJECT_DIR_IN_TEMPLATE / pattern.format(package=PACKAGE_DIR_IN_TEMPLATE)
    assert path.exists(), f"REQUIRES lists {pattern!r} but {path} does not exist"


def test_manifest_names_only_boolean_options() -> None:
    toggles = {key for key, value in load_options().items() if isinstance(value, bool)}
    unknown = {o for options in REQUIRES.values() for o in options} - toggles
    assert not unknown, (
        f"REQUIRES names options that are not booleans in cookiecutter.json: {unknown}"
    )


def test_manifest_entries_are_relative_and_need_an_option() -> None:
    for pattern, options in REQUIRES.items():
        assert options, f"{pattern!r} lists no option"
        assert not pattern.startswith("/"), pattern
        assert ".." not in pattern.split("/"), pattern
