"""The table (terminal and Markdown), the machine description, and docs/benchmarks.md."""

from __future__ import annotations

import os
import platform
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from bench.stats import Figure

BEGIN = "<!-- bench:results:begin -->"
END = "<!-- bench:results:end -->"
HEADERS = ("figure", "value", "baseline", "ratio", "target", "result")


def number(value: float | None, unit: str = "") -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def row(figure: Figure) -> tuple[str, ...]:
    if figure.skipped:
        return (figure.name, "-", "-", "-", figure.target_text or "-", "skipped")
    ratio = figure.ratio
    return (
        figure.name,
        number(figure.value, figure.unit),
        f"{number(figure.baseline, figure.unit)} ({figure.baseline_name})"
        if figure.baselines
        else "-",
        f"{ratio:.2f}" if ratio is not None else "-",
        figure.target_text or "-",
        figure.verdict,
    )


def noise_row(figure: Figure) -> tuple[str, ...] | None:
    paired = figure.paired_ratios
    if figure.skipped or not paired:
        return None
    cpu = figure.cpu_ratio
    return (
        figure.name,
        str(len(paired)),
        " ".join(f"{r:.2f}" for r in paired),
        f"{min(paired):.2f}-{max(paired):.2f}",
        f"{cpu:.2f}" if cpu is not None else "-",
    )


NOISE_HEADERS = ("figure", "rounds", "ratio per round", "spread", "CPU ratio")


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend(
        "  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) for cells in rows
    )
    return "\n".join(line.rstrip() for line in lines)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    def escape(cell: str) -> str:
        return str(cell).replace("|", "\\|")

    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines.extend("| " + " | ".join(escape(c) for c in cells) + " |" for cells in rows)
    return "\n".join(lines)


def tables(figures: Sequence[Figure]) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    main = [row(f) for f in figures]
    noise = [r for f in figures if (r := noise_row(f)) is not None]
    return main, noise


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if match:
            memory = f"{int(match[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "memory": memory,
        "kernel": platform.release(),
    }


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def results_markdown(
    figures: Sequence[Figure],
    *,
    meta: Mapping[str, str],
    versions: Mapping[str, str],
    notes: Sequence[str],
) -> str:
    main, noise = tables(figures)
    parts = [
        BEGIN,
        "",
        "## Last recorded run",
        "",
        *(f"- **{key}**: {value}" for key, value in meta.items()),
        "- **versions**: " + ", ".join(f"{name} {version}" for name, version in versions.items()),
        "",
        markdown_table(HEADERS, main),
        "",
        "Noise check: the subject/baseline ratio of each round (the two ran back to back), and "
        "the ratio of server CPU time per unit of work (baseline / ours), which a busy machine "
        "disturbs much less than throughput.",
        "",
        markdown_table(NOISE_HEADERS, noise) if noise else "(no paired figures)",
        "",
    ]
    figure_notes = [f"- {f.name}: {f.skipped or f.note}" for f in figures if f.skipped or f.note]
    if figure_notes or notes:
        parts += ["Notes of this run:", "", *figure_notes, *(f"- {n}" for n in notes), ""]
    parts.append(END)
    return "\n".join(parts)


def write_results(document: Path, results: str) -> None:
    """Replace the results block of `document`, keeping the hand-written text around it."""
    text = document.read_text() if document.exists() else ""
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + results + tail
    else:
        text = (text.rstrip() + "\n\n" if text else "# Benchmarks\n\n") + results + "\n"
    document.write_text(text)
