"""Figures: samples of a subject and its baseline taken in alternating runs, and their verdict."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum


class Better(Enum):
    HIGHER = "higher"  # throughput
    LOWER = "lower"  # latency, memory, time


@dataclass
class Figure:
    """One row of the table.

    `values` and `baselines` are the per-round samples (round i of each ran back to back);
    `target` is the minimum (HIGHER) or maximum (LOWER) of the ratio value/baseline, or of the
    value itself when there is no baseline.
    """

    name: str
    unit: str
    better: Better = Better.HIGHER
    values: list[float] = field(default_factory=list)
    baselines: list[float] = field(default_factory=list)
    baseline_name: str = ""
    target: float | None = None
    target_text: str = ""
    note: str = ""
    skipped: str = ""  # why the figure could not be measured
    # Server CPU seconds per unit of work (request, round trip), same order as the samples.
    cpu_values: list[float] = field(default_factory=list)
    cpu_baselines: list[float] = field(default_factory=list)

    @property
    def value(self) -> float | None:
        return median(self.values)

    @property
    def baseline(self) -> float | None:
        return median(self.baselines)

    @property
    def ratio(self) -> float | None:
        value, baseline = self.value, self.baseline
        if value is None or baseline is None or baseline == 0:
            return None
        return value / baseline

    @property
    def paired_ratios(self) -> list[float]:
        """value/baseline of each round: their spread shows how noisy the machine was."""
        return [v / b for v, b in zip(self.values, self.baselines, strict=False) if b]

    @property
    def cpu_ratio(self) -> float | None:
        """Baseline CPU per unit / ours: like the throughput ratio, but robust to a busy machine."""
        ours, theirs = median(self.cpu_values), median(self.cpu_baselines)
        if not ours or theirs is None:
            return None
        return theirs / ours

    @property
    def verdict(self) -> str:
        if self.skipped:
            return "skipped"
        if self.target is None:
            return "info"
        measured = self.ratio if self.baselines else self.value
        if measured is None:
            return "n/a"
        ok = measured >= self.target if self.better is Better.HIGHER else measured <= self.target
        return "pass" if ok else "MISS"


def median(samples: Sequence[float]) -> float | None:
    return statistics.median(samples) if samples else None


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile (`fraction` in 0..1) of a non-empty sample."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(1, round(fraction * len(ordered) + 0.5 - 1e-9))
    return ordered[min(rank, len(ordered)) - 1]


def alternating(rounds: int) -> list[tuple[str, str]]:
    """Run order of subject (`s`) and baseline (`b`) per round: s b, b s, s b ... (ABBA), so
    drift of the machine's load during the run hits both sides alike."""
    return [("s", "b") if i % 2 == 0 else ("b", "s") for i in range(rounds)]
