"""Logs: Alloy ships this project's container logs to Loki with a few bounded labels."""

from tests.monitoring.files import MONITORING, alloy, alloy_labels, compose, load_yaml

# Bounded labels only; a container name or id would make new streams on every restart.
ALLOWED_LABELS = {"service", "stream", "level"}


def test_alloy_sets_only_bounded_labels() -> None:
    assert alloy_labels() == ALLOWED_LABELS


def test_alloy_reads_only_this_projects_containers_through_the_socket() -> None:
    assert 'host = "unix:///var/run/docker.sock"' in alloy()
    project = compose()["name"]
    assert f'values = ["com.docker.compose.project={project}"]' in alloy()


def test_alloy_pushes_to_the_loki_service() -> None:
    assert 'url = "http://loki:3100/loki/api/v1/push"' in alloy()
    assert "loki" in compose()["services"]


def test_loki_keeps_logs_on_the_filesystem_with_retention() -> None:
    config = load_yaml(MONITORING / "loki" / "loki.yml")
    assert config["auth_enabled"] is False
    assert config["common"]["storage"]["filesystem"]
    assert config["schema_config"]["configs"][-1]["object_store"] == "filesystem"
    assert config["compactor"]["retention_enabled"] is True
    assert config["limits_config"]["retention_period"]
