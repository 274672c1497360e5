"""The tested matrix is exactly the product of the boolean options of cookiecutter.json."""

from __future__ import annotations

import itertools
import json

import test_matrix
from combos import COOKIECUTTER_JSON, combinations, label


def test_matrix_is_the_product_of_every_boolean_option() -> None:
    options = json.loads(COOKIECUTTER_JSON.read_text(encoding="utf-8"))
    booleans = sorted(key for key, value in options.items() if type(value) is bool)
    expected = {
        tuple(zip(booleans, values, strict=True))
        for values in itertools.product([False, True], repeat=len(booleans))
    }
    tested = {tuple(sorted(combo.toggles)) for combo in test_matrix.COMBOS}
    assert tested == expected
    assert len(test_matrix.COMBOS) == len(expected) == 2 ** len(booleans)


def test_combination_ids_are_unique_and_readable() -> None:
    ids = [combo.id for combo in combinations()]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "redis-keycloak-ws"
    assert ids[-1] == "noredis-nokeycloak-nows"


def test_every_python_version_is_in_the_matrix() -> None:
    options = json.loads(COOKIECUTTER_JSON.read_text(encoding="utf-8"))
    combos = combinations()
    assert {combo.python_version for combo in combos} == set(options["python_version"])
    assert combos[0].python_version == options["python_version"][0], "all-on uses the default"


def test_each_toggle_value_is_tested_on_every_python_version() -> None:
    combos = combinations()
    for name in combos[0].enabled:
        for enabled in (True, False):
            pythons = {c.python_version for c in combos if c.enabled[name] is enabled}
            assert len(pythons) > 1, f"{label(name, enabled)} only on {pythons}"
