"""The shared directory of prometheus_client's multiprocess mode, for `python -m` with workers.

Each worker writes its metrics to files there and any worker's `/metrics` merges them all
(`metrics.exposition`). This module never imports prometheus_client: the parent process only
prepares the directory its workers inherit through the environment.
"""

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MULTIPROC_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def multiprocess_metrics(workers: int) -> Iterator[Path | None]:
    """Yield the directory the workers share, or None with one worker and none configured.

    A configured `PROMETHEUS_MULTIPROC_DIR` is created if needed and emptied of a previous
    run's files; otherwise, with several workers, a private directory is made and removed.
    """
    configured = os.environ.get(MULTIPROC_DIR_ENV)
    if configured:
        directory = Path(configured)
        directory.mkdir(parents=True, exist_ok=True)
        for stale in directory.glob("*.db"):
            stale.unlink()
        yield directory
        return
    if workers <= 1:
        yield None
        return
    directory = Path(tempfile.mkdtemp(prefix="prometheus-"))
    os.environ[MULTIPROC_DIR_ENV] = str(directory)
    try:
        yield directory
    finally:
        os.environ.pop(MULTIPROC_DIR_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)
