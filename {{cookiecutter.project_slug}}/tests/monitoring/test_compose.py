"""compose.yaml runs the observability stack the way docs/monitoring.md describes it."""

import re
from typing import Any

from tests.monitoring.files import ROOT, compose

MONITORING_SERVICES = {"prometheus", "alertmanager", "grafana", "loki", "alloy"}
# A tag that names a release: no `latest`, no floating major (`prom/prometheus:v3`).
PINNED_TAG = re.compile(r":v?\d+\.\d+(\.\d+)?([.-][\w.]+)?$")


def services() -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = compose()["services"]
    return found


def is_one_shot(service: dict[str, Any]) -> bool:
    return str(service.get("restart")) == "no"


def test_the_monitoring_services_are_part_of_the_stack() -> None:
    assert set(services()) >= MONITORING_SERVICES | {"traefik", "app", "postgres"}


def test_only_traefik_publishes_ports() -> None:
    publishing = {name for name, service in services().items() if service.get("ports")}
    assert publishing == {"traefik"}


def test_every_image_is_pinned_to_a_release() -> None:
    loose = {
        name: service.get("image")
        for name, service in services().items()
        if "build" not in service and not PINNED_TAG.search(str(service.get("image", "")))
    }
    assert not loose, f"pin these images to a release tag: {loose}"


def test_every_long_running_service_has_a_healthcheck() -> None:
    missing = [
        name
        for name, service in services().items()
        if not is_one_shot(service)
        and (not service.get("healthcheck") or service["healthcheck"].get("disable"))
    ]
    assert not missing, f"add a healthcheck to {missing}"


def test_depends_on_conditions_can_be_met() -> None:
    wrong = []
    for name, service in services().items():
        for dependency, rule in (service.get("depends_on") or {}).items():
            target = services()[dependency]
            condition = rule.get("condition")
            healthy = bool(target.get("healthcheck")) and not target["healthcheck"].get("disable")
            if condition == "service_healthy" and not healthy:
                wrong.append(f"{name} waits for {dependency} to be healthy: it has no healthcheck")
            if condition == "service_completed_successfully" and not is_one_shot(target):
                wrong.append(f"{name} waits for {dependency} to complete: it never does")
    assert not wrong


def test_named_volumes_are_declared_and_bind_mounts_exist() -> None:
    declared = set(compose().get("volumes") or {})
    problems = []
    for name, service in services().items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                if not (ROOT / source).exists():
                    problems.append(f"{name}: {source} does not exist")
            elif not source.startswith("/") and source not in declared:
                problems.append(f"{name}: volume {source} is not declared")
    assert not problems


def test_the_docker_socket_is_mounted_read_only() -> None:
    mounts = [
        volume
        for service in services().values()
        for volume in service.get("volumes", [])
        if volume.startswith("/var/run/docker.sock")
    ]
    assert mounts
    assert all(volume.endswith(":ro") for volume in mounts), mounts


def test_the_public_api_router_hides_metrics() -> None:
    rule = services()["app"]["labels"]["traefik.http.routers.app.rule"]
    assert "Host(`api.localhost`)" in rule
    assert "!PathPrefix(`/metrics`)" in rule


def test_grafana_and_prometheus_are_routed_by_host() -> None:
    for name, host in (("grafana", "grafana.localhost"), ("prometheus", "prometheus.localhost")):
        labels = services()[name]["labels"]
        assert labels[f"traefik.http.routers.{name}.rule"] == f"Host(`{host}`)"


def test_grafana_takes_its_admin_password_from_env_and_refuses_anonymous_users() -> None:
    environment = services()["grafana"]["environment"]
    assert environment["GF_SECURITY_ADMIN_PASSWORD"].startswith("${GRAFANA_ADMIN_PASSWORD")
    assert environment["GF_AUTH_ANONYMOUS_ENABLED"] == "false"
    assert "GRAFANA_ADMIN_PASSWORD=change-me" in (ROOT / ".env.example").read_text("utf-8")


def test_traefik_exports_metrics_on_an_internal_entrypoint() -> None:
    command = services()["traefik"]["command"]
    assert "--metrics.prometheus=true" in command
    assert "--metrics.prometheus.entryPoint=metrics" in command
    assert "--entryPoints.metrics.address=:8082" in command
    assert services()["traefik"]["ports"] == ["80:80"]
