"""`make help` lists every target of the Makefile, and every target is phony."""

import re
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# `name:` or `name: prerequisites ## help`, not `NAME := value`.
TARGET = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_-]*):(?!=)", re.MULTILINE)
PHONY = re.compile(r"^\.PHONY:((?:.*\\\n)*.*)$", re.MULTILINE)


def makefile() -> str:
    return (ROOT / "Makefile").read_text(encoding="utf-8")


def test_make_help_lists_every_target() -> None:
    make = shutil.which("make")
    assert make is not None, "make is not installed"
    output = subprocess.run(  # noqa: S603 (make from PATH, fixed arguments)
        [make, "--no-print-directory", "-s", "help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    listed = {line.split()[0] for line in output.splitlines() if line.strip()}
    assert listed == set(TARGET.findall(makefile()))


def test_every_target_is_phony() -> None:
    phony = {name for names in PHONY.findall(makefile()) for name in names.split() if name != "\\"}
    assert set(TARGET.findall(makefile())) <= phony
