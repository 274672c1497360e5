"""Alert rules: valid for promtool, tested, labelled, and each with a runbook that exists."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.monitoring.files import (
    MONITORING_DOC,
    PROMETHEUS_CONFIG,
    RULE_TESTS,
    alert_rules,
    compose,
    load_yaml,
    markdown_anchors,
    rule_files,
)

SEVERITIES = {"critical", "warning"}
ANNOTATIONS = {"summary", "description", "runbook"}


def promtool(*args: str | Path) -> subprocess.CompletedProcess[str]:
    executable = shutil.which("promtool")
    if executable is None:
        pytest.skip("promtool is not installed (Debian/Ubuntu: apt-get install prometheus)")
    return subprocess.run(  # noqa: S603 (promtool from PATH, our own files)
        [executable, *map(str, args)], capture_output=True, text=True, check=False
    )


def test_promtool_accepts_the_prometheus_config() -> None:
    result = promtool("check", "config", PROMETHEUS_CONFIG)
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_accepts_every_rule_file() -> None:
    result = promtool("check", "rules", *rule_files())
    assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_unit_tests_pass() -> None:
    result = promtool("test", "rules", *sorted(RULE_TESTS.glob("*.test.yml")))
    assert result.returncode == 0, result.stdout + result.stderr


def test_alert_names_are_unique() -> None:
    names = [rule.name for rule in alert_rules()]
    assert len(names) == len(set(names))


def test_every_alert_has_a_severity_and_its_annotations() -> None:
    problems = [
        f"{rule.file.name}: {rule.name}"
        for rule in alert_rules()
        if rule.labels.get("severity") not in SEVERITIES
        or not {key for key, text in rule.annotations.items() if text.strip()} >= ANNOTATIONS
    ]
    assert not problems, f"need severity {SEVERITIES} and annotations {ANNOTATIONS}: {problems}"


def test_every_runbook_is_a_section_of_the_monitoring_doc() -> None:
    anchors = markdown_anchors(MONITORING_DOC)
    missing = []
    for rule in alert_rules():
        page, _, anchor = rule.annotations.get("runbook", "").partition("#")
        if page != "docs/monitoring.md" or anchor not in anchors:
            missing.append(f"{rule.name}: {rule.annotations.get('runbook')}")
    assert not missing


def test_every_alert_is_tested_firing_and_quiet() -> None:
    """Each rule file has `tests/<name>.test.yml`, with a case where each of its alerts fires
    and one where it does not."""
    problems = []
    for path in rule_files():
        tests = RULE_TESTS / f"{path.stem}.test.yml"
        if not tests.is_file():
            problems.append(f"{path.name}: no {tests.name}")
            continue
        cases = [
            case for test in load_yaml(tests)["tests"] for case in test.get("alert_rule_test", [])
        ]
        for rule in (rule for rule in alert_rules() if rule.file == path):
            named = (case for case in cases if case["alertname"] == rule.name)
            outcomes = {bool(case["exp_alerts"]) for case in named}
            if outcomes != {True, False}:
                problems.append(f"{rule.name}: tested firing/quiet = {sorted(outcomes)}")
    assert not problems


def test_prometheus_loads_every_rule_file_and_sends_alerts_to_alertmanager() -> None:
    config = load_yaml(PROMETHEUS_CONFIG)
    assert config["rule_files"] == ["rules/*.yml"]
    targets = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert targets == ["alertmanager:9093"]
    assert "alertmanager" in compose()["services"]


def test_prometheus_scrapes_every_replica_traefik_alertmanager_and_itself() -> None:
    jobs = {job["job_name"]: job for job in load_yaml(PROMETHEUS_CONFIG)["scrape_configs"]}
    assert set(jobs) == {"app", "traefik", "alertmanager", "prometheus"}
    discovery = jobs["app"]["dns_sd_configs"]
    assert discovery == [{"names": ["app"], "type": "A", "port": 8000, "refresh_interval": "15s"}]
    assert jobs["traefik"]["static_configs"] == [{"targets": ["traefik:8082"]}]


def test_alertmanager_routes_only_to_receivers_it_defines() -> None:
    config = load_yaml(PROMETHEUS_CONFIG.parents[1] / "alertmanager" / "alertmanager.yml")
    receivers = {receiver["name"] for receiver in config["receivers"]}
    routes = [config["route"], *config["route"].get("routes", [])]
    assert {route["receiver"] for route in routes if "receiver" in route} <= receivers
