"""The multiprocess directory: made for several workers, emptied of a previous run, and the
live gauges of a dead worker dropped while its counters stay."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.metrics import forget_dead_workers
from {{ cookiecutter.package_name }}.worker_metrics import MULTIPROC_DIR_ENV, multiprocess_metrics


def test_one_worker_without_a_directory_needs_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_ENV, raising=False)
    with multiprocess_metrics(workers=1) as directory:
        assert directory is None
        assert MULTIPROC_DIR_ENV not in os.environ


def test_several_workers_share_a_private_directory(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_ENV, raising=False)
    with multiprocess_metrics(workers=2) as directory:
        assert directory is not None
        assert directory.is_dir()
        assert os.environ[MULTIPROC_DIR_ENV] == str(directory)
    assert not directory.exists()
    assert MULTIPROC_DIR_ENV not in os.environ


def test_a_configured_directory_is_emptied_of_a_previous_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    configured = tmp_path / "prometheus"
    configured.mkdir()
    (configured / "counter_123.db").write_bytes(b"stale")
    (configured / "README").write_text("not ours")
    monkeypatch.setenv(MULTIPROC_DIR_ENV, str(configured))
    with multiprocess_metrics(workers=4) as directory:
        assert directory == configured
        assert sorted(p.name for p in configured.iterdir()) == ["README"]
    assert configured.is_dir()  # the operator's directory stays


def test_a_dead_workers_live_gauges_go_and_its_counters_stay(tmp_path: Path) -> None:
    dead = _pid_of_ended_process()
    files = [
        f"gauge_livesum_{dead}.db",
        f"gauge_livemin_{dead}.db",
        f"counter_{dead}.db",
        f"gauge_livesum_{os.getpid()}.db",
    ]
    for name in files:
        (tmp_path / name).write_bytes(b"")

    forget_dead_workers(tmp_path)

    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([f"counter_{dead}.db", f"gauge_livesum_{os.getpid()}.db"])


def _pid_of_ended_process() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()  # reaped: no process has this id any more
    return process.pid
