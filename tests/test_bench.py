"""The benchmark harness's own logic: parsing, statistics, tables, frames. No timing here."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest

from bench.httpload import LoadError, parse_wrk
from bench.profile import summarize
from bench.report import BEGIN, END, markdown_table, text_table, write_results
from bench.stats import Better, Figure, alternating, percentile
from bench.wsraw import client_frame, parse_frames

WRK_OUTPUT = """\
Running 3s test @ http://127.0.0.1:40000/health/live
  1 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     7.05ms    1.25ms  20.01ms   90.12%
    Req/Sec     4.56k   300.00     5.00k    80.00%
  Latency Distribution
     50%  850.00us
     75%    7.20ms
     90%    7.80ms
     99%    1.20s
  13650 requests in 3.00s, 1.87MB read
  Socket errors: connect 0, read 2, write 0, timeout 1
  Non-2xx or 3xx responses: 12
Requests/sec:   4548.32
Transfer/sec:    624.10KB
"""


def test_wrk_output_is_parsed_with_units() -> None:
    result = parse_wrk(WRK_OUTPUT)
    assert result.requests == 13650
    assert result.seconds == pytest.approx(3.0)
    assert result.rate == pytest.approx(4548.32)
    assert result.p50 == pytest.approx(850e-6)
    assert result.p99 == pytest.approx(1.2)
    assert result.errors == 12 + 3  # non-2xx answers and socket errors both invalidate a run


def test_wrk_output_without_errors_counts_none() -> None:
    clean = "\n".join(
        line for line in WRK_OUTPUT.splitlines() if "errors" not in line and "Non-2xx" not in line
    )
    assert parse_wrk(clean).errors == 0


def test_unexpected_wrk_output_is_an_error() -> None:
    with pytest.raises(LoadError):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused")


def test_runs_alternate_so_drift_hits_both_sides() -> None:
    assert alternating(4) == [("s", "b"), ("b", "s"), ("s", "b"), ("b", "s")]


def test_percentile_is_nearest_rank() -> None:
    samples = [float(n) for n in range(1, 101)]
    assert percentile(samples, 0.5) == 50
    assert percentile(samples, 0.99) == 99
    assert percentile([3.0], 0.99) == 3


def test_throughput_figure_passes_on_the_ratio_of_medians() -> None:
    figure = Figure("HTTP", "req/s", values=[80, 90, 85], baselines=[100, 100, 100], target=0.8)
    assert figure.ratio == pytest.approx(0.85)
    assert figure.paired_ratios == pytest.approx([0.8, 0.9, 0.85])
    assert figure.verdict == "pass"
    figure.target = 0.9
    assert figure.verdict == "MISS"


def test_lower_is_better_figure_without_baseline_checks_the_value() -> None:
    figure = Figure("render", "s", better=Better.LOWER, values=[1.5, 2.5, 1.8], target=2.0)
    assert figure.ratio is None
    assert figure.verdict == "pass"  # median 1.8 s


def test_cpu_ratio_is_baseline_cost_over_ours() -> None:
    figure = Figure("x", "req/s", cpu_values=[2e-4, 2e-4], cpu_baselines=[1e-4, 1e-4])
    assert figure.cpu_ratio == pytest.approx(0.5)


def test_skipped_figure_says_so() -> None:
    assert Figure("ws", "msg/s", target=0.6, skipped="no /ws").verdict == "skipped"


def test_tables_align_and_escape() -> None:
    rows = [("a|b", "1"), ("long name", "22")]
    text = text_table(("figure", "value"), rows)
    assert text.splitlines()[0] == "figure     value"
    assert text.splitlines()[3] == "long name  22"
    assert "a\\|b" in markdown_table(("figure", "value"), rows)


def test_results_replace_only_their_block(tmp_path: Path) -> None:
    document = tmp_path / "benchmarks.md"
    document.write_text(f"# Benchmarks\n\nmethod\n\n{BEGIN}\nold\n{END}\n\n## Findings\n")
    write_results(document, f"{BEGIN}\nnew\n{END}")
    assert document.read_text() == f"# Benchmarks\n\nmethod\n\n{BEGIN}\nnew\n{END}\n\n## Findings\n"


def test_results_are_appended_to_a_document_without_a_block(tmp_path: Path) -> None:
    document = tmp_path / "benchmarks.md"
    write_results(document, f"{BEGIN}\nnew\n{END}")
    assert document.read_text() == f"# Benchmarks\n\n{BEGIN}\nnew\n{END}\n"


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536])
def test_client_frames_are_masked_text_frames(size: int) -> None:
    payload = b"x" * size
    frame = client_frame(payload)
    assert frame[0] == 0x81  # FIN, text
    assert frame[1] & 0x80  # masked, as clients must
    assert frame.endswith(b"\0\0\0\0" + payload)  # a zero key leaves the payload as it is


def test_server_frames_are_split_when_complete() -> None:
    def server_frame(payload: bytes) -> bytes:
        if len(payload) < 126:
            return bytes([0x81, len(payload)]) + payload
        return bytes([0x81, 126]) + struct.pack("!H", len(payload)) + payload

    stream = bytearray(server_frame(b"one") + server_frame(b"y" * 300) + server_frame(b"tail")[:3])
    assert parse_frames(stream) == [(1, b"one"), (1, b"y" * 300)]
    assert stream == server_frame(b"tail")[:3]  # the partial frame waits for more bytes


def test_profile_summary_counts_frames_below_the_server_loop() -> None:
    raw = "\n".join(
        [
            "main (m.py:1);Server.run (s.py:2);app (a.py:3);log (l.py:4) 3",
            "main (m.py:1);Server.run (s.py:2);app (a.py:3) 1",
            "main (m.py:1);import (i.py:9) 4",  # start-up, not serving: counted from its root
        ]
    )
    summary = summarize(raw, top=10)
    assert "8 samples" in summary
    assert " 50.0%  Server.run (s.py:2)" in summary
    assert " 37.5%  log (l.py:4)" in summary
