"""Grafana: provisioned datasources with fixed uids, and dashboards that only use them."""

import json
import re
from collections.abc import Iterator
from typing import Any

from tests.monitoring.files import (
    DASHBOARDS,
    MONITORING,
    PROVISIONING,
    alloy_labels,
    compose,
    dashboard_queries,
    dashboards,
    load_yaml,
    panels,
)

CORE_DASHBOARDS = {"service-overview.json", "dependencies.json", "logs.json"}
# A stream selector's matchers in LogQL: `{service=~"...", level="error"}`.
LOGQL_MATCHER = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)\s*\"")


def provisioned_uids() -> dict[str, str]:
    """uid -> type of every provisioned datasource."""
    found = {}
    for path in (PROVISIONING / "datasources").glob("*.yml"):
        for source in load_yaml(path).get("datasources", []):
            found[source["uid"]] = source["type"]
    return found


def datasource_references(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        source = node.get("datasource")
        if isinstance(source, dict):
            yield source
        for value in node.values():
            yield from datasource_references(value)
    elif isinstance(node, list):
        for value in node:
            yield from datasource_references(value)


def test_datasources_have_the_fixed_uids() -> None:
    assert provisioned_uids() == {"prometheus": "prometheus", "loki": "loki"}


def test_core_dashboards_exist_and_every_file_is_valid_json() -> None:
    assert {path.name for path in DASHBOARDS.glob("*.json")} >= CORE_DASHBOARDS
    for path in DASHBOARDS.glob("*.json"):
        json.loads(path.read_text(encoding="utf-8"))  # raises with the position of the error


def test_dashboards_have_unique_uids_named_after_their_file() -> None:
    for name, dashboard in dashboards().items():
        assert dashboard["uid"] == name.removesuffix(".json"), name
        assert dashboard["title"], name


def test_dashboards_use_only_provisioned_datasources_by_uid() -> None:
    provisioned = provisioned_uids()
    wrong = []
    for name, dashboard in dashboards().items():
        for source in datasource_references(dashboard):
            if provisioned.get(source.get("uid", "")) != source.get("type"):
                wrong.append(f"{name}: {source}")
        if "${DS_" in json.dumps(dashboard):
            wrong.append(f"{name}: an import variable (DS_...) instead of a fixed uid")
    assert not wrong


def test_every_panel_has_a_query() -> None:
    empty = [
        f"{name}: {panel.get('title')}"
        for name, dashboard in dashboards().items()
        for panel in panels(dashboard)
        if not any(target.get("expr", "").strip() for target in panel.get("targets", []))
    ]
    assert not empty


def test_log_queries_use_only_the_labels_alloy_sets() -> None:
    labels = alloy_labels()
    wrong = []
    for query in dashboard_queries():
        if query.datasource != "loki":
            continue
        selectors = re.findall(r"\{([^{}]*)\}", query.expr)
        used = {name for selector in selectors for name in LOGQL_MATCHER.findall(selector)}
        used |= {
            label.strip()
            for grouping in re.findall(r"\bby\s*\(([^)]*)\)", query.expr)
            for label in grouping.split(",")
        }
        if not used <= labels:
            wrong.append(f"{query.dashboard}: {query.where}: {sorted(used - labels)}")
    assert not wrong


def test_grafana_loads_the_dashboards_from_where_compose_mounts_them() -> None:
    provider = load_yaml(PROVISIONING / "dashboards" / "dashboards.yml")["providers"][0]
    grafana = compose()["services"]["grafana"]
    mounts = dict(volume.split(":")[:2] for volume in grafana["volumes"])
    assert mounts["./monitoring/grafana/dashboards"] == provider["options"]["path"]
    assert mounts["./monitoring/grafana/provisioning"] == "/etc/grafana/provisioning"
    home = grafana["environment"]["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home.startswith(provider["options"]["path"] + "/")
    assert (MONITORING / "grafana" / "dashboards" / home.rsplit("/", 1)[1]).is_file()
