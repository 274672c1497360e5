"""Shared fixtures, and a summary of the option matrix at the end of the run."""

from __future__ import annotations

import re
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from combos import combinations
from harness import write_cookiecutter_config

# `tests/test_matrix.py::test_lint[redis-keycloak-ws]` -> group `redis-keycloak-ws`.
MATRIX_NODEID = re.compile(r"test_matrix\.py::\w+\[(?P<combo>[^\]]+)\]")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadgroup` that also groups the matrix steps by combination id.

    xdist 3.8 groups by suffixing node ids with `@group`, which pytest >= 9.2 no longer lets it
    do (pytest-dev/pytest-xdist#1386): every step would then bake its own project on any worker.
    The combination id is already in the node id, so the scheduler reads it from there.
    """
    if config.getoption("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling  # noqa: PLC0415 (only with xdist)

    class CombinationScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            match = MATRIX_NODEID.search(nodeid)
            return match["combo"] if match else super()._split_scope(nodeid)

    return CombinationScheduling(config, log)


@pytest.fixture(scope="session")
def cookiecutter_config(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_cookiecutter_config(tmp_path_factory.mktemp("cookiecutter-home"))


class MatrixReport:
    """Collects matrix results (on the xdist controller too) for the terminal summary."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.finished: float | None = None
        self.outcomes: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.busy: dict[str, float] = defaultdict(float)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if "matrix" not in report.keywords or "[" not in report.nodeid:
            return
        combo = report.nodeid.split("[", 1)[1].split("]", 1)[0]
        self.busy[combo] += report.duration
        self.finished = time.monotonic()
        if report.when == "call":
            self.outcomes[combo][report.outcome] += 1
        elif report.outcome != "passed":
            self.outcomes[combo]["skipped" if report.skipped else "error"] += 1

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self.finished is None:
            return
        pythons = {combo.id: combo.python_version for combo in combinations()}
        write = terminalreporter.write_line
        terminalreporter.section("template matrix")
        for combo, outcomes in sorted(self.outcomes.items()):
            counts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(outcomes.items()))
            python = pythons.get(combo, "?")
            write(f"{combo:<28} py{python:<5} {self.busy[combo]:7.1f}s  {counts}")
        wall = self.finished - self.started
        write(f"matrix wall time: {wall:.0f}s for {len(self.outcomes)} combination(s)")
        cache = getattr(terminalreporter.config, "cache", None)  # None with -p no:cacheprovider
        config = terminalreporter.config
        selected = not (config.getoption("keyword") or config.getoption("markexpr"))
        if cache is not None and selected and len(self.outcomes) == len(pythons):
            # The whole matrix ran, every step: `make bench` reports this as its wall time.
            failed = sum(1 for o in self.outcomes.values() if o.get("failed") or o.get("error"))
            cache.set(
                "template/matrix",
                {
                    "seconds": round(wall, 1),
                    "combinations": len(self.outcomes),
                    "failed": failed,
                    "workers": config.getoption("numprocesses", None) or 1,
                    "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                },
            )


def pytest_configure(config: pytest.Config) -> None:
    config.pluginmanager.register(MatrixReport(), "template-matrix-report")
