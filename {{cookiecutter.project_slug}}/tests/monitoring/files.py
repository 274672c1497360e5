"""The monitoring configuration of this repository, loaded for the tests that check it."""

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.monitoring.promql import variable_selector

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "monitoring"
PROMETHEUS_CONFIG = MONITORING / "prometheus" / "prometheus.yml"
RULES = MONITORING / "prometheus" / "rules"
RULE_TESTS = MONITORING / "prometheus" / "tests"
DASHBOARDS = MONITORING / "grafana" / "dashboards"
PROVISIONING = MONITORING / "grafana" / "provisioning"
MONITORING_DOC = ROOT / "docs" / "monitoring.md"
ALLOY_CONFIG = MONITORING / "alloy" / "config.alloy"


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = load_yaml(ROOT / "compose.yaml")
    return loaded


@dataclass(frozen=True)
class AlertRule:
    file: Path
    name: str
    expr: str
    labels: dict[str, str]
    annotations: dict[str, str]


def rule_files() -> list[Path]:
    return sorted(RULES.glob("*.yml"))


def alert_rules() -> list[AlertRule]:
    rules = []
    for path in rule_files():
        for group in load_yaml(path)["groups"]:
            rules += [
                AlertRule(
                    path,
                    rule["alert"],
                    rule["expr"],
                    rule.get("labels", {}),
                    rule.get("annotations", {}),
                )
                for rule in group["rules"]
                if "alert" in rule
            ]
    return rules


def dashboards() -> dict[str, dict[str, Any]]:
    """File name -> dashboard JSON."""
    return {
        path.name: json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(DASHBOARDS.glob("*.json"))
    }


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, rows' nested (collapsed) panels included; rows themselves left out."""
    for panel in dashboard.get("panels", []):
        if panel.get("type") == "row":
            yield from panels(panel)
        else:
            yield panel


@dataclass(frozen=True)
class Query:
    dashboard: str
    where: str
    datasource: str
    expr: str


def dashboard_queries() -> list[Query]:
    """Every query of every dashboard: panel targets and the PromQL of query variables."""
    queries = []
    for name, dashboard in dashboards().items():
        for panel in panels(dashboard):
            for target in panel.get("targets", []):
                source = target.get("datasource") or panel.get("datasource") or {}
                where = f"panel {panel.get('title')!r}"
                queries.append(Query(name, where, source.get("uid", ""), target.get("expr", "")))
        for variable in dashboard.get("templating", {}).get("list", []):
            if variable.get("type") != "query":
                continue
            uid = variable.get("datasource", {}).get("uid", "")
            query = variable.get("query")
            text = query.get("query", "") if isinstance(query, dict) else str(query or "")
            selector = variable_selector(text) if uid == "prometheus" else None
            if selector:
                where = f"variable {variable['name']!r}"
                queries.append(Query(name, where, uid, selector))
    return queries


def prometheus_expressions() -> dict[str, str]:
    """Where -> PromQL, for every alert rule and every Prometheus dashboard query."""
    found = {f"{rule.file.name}: alert {rule.name}": rule.expr for rule in alert_rules()}
    for query in dashboard_queries():
        if query.datasource == "prometheus":
            found[f"{query.dashboard}: {query.where}: {query.expr}"] = query.expr
    return found


def markdown_anchors(path: Path) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown file."""
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*$", path.read_text(encoding="utf-8"), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(slug)
    return anchors


def alloy() -> str:
    return ALLOY_CONFIG.read_text(encoding="utf-8")


def alloy_labels() -> set[str]:
    """The labels Alloy's pipeline sets: relabel targets, and the keys of `stage.labels`."""
    targets = set(re.findall(r'target_label\s*=\s*"(\w+)"', alloy()))
    staged = re.findall(r"stage\.labels\s*\{\s*values\s*=\s*\{([^}]*)\}", alloy())
    return targets | {key for block in staged for key in re.findall(r"(\w+)\s*=", block)}


def dashboard_variables() -> dict[str, str]:
    """Name -> the value that selects everything, for every dashboard variable."""
    return {
        variable["name"]: variable.get("allValue") or ".*"
        for dashboard in dashboards().values()
        for variable in dashboard.get("templating", {}).get("list", [])
    }
