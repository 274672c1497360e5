"""deploy/k8s of every combination renders (base and overlays) and validates offline, strictly,
and says what the service needs: probes, non-root read-only pods, one replica when fan-out is
in-process, option-specific settings only when the option is on.

The matrix runs the same validation through `make check-config`; this test covers every
combination in seconds, without `uv sync`.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from combos import Combo, combinations
from harness import bake
from kubernetes_validate import utils as kubernetes_validate

KUBERNETES_VERSION = "1.35.0"
UID = 10001
PRESTOP_SLEEP_SECONDS = 5
DEFAULT_GRACEFUL_SHUTDOWN_SECONDS = 30

Resource = dict[str, Any]


@pytest.fixture(scope="module", params=combinations(), ids=lambda combo: combo.id)
def rendered(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    cookiecutter_config: Path,
) -> tuple[Combo, Path, dict[str, list[Resource]]]:
    combo: Combo = request.param
    project = bake(tmp_path_factory.mktemp(combo.id), cookiecutter_config, combo.extra_context)
    manifests = load_module(project / "scripts" / "k8s_manifests.py")
    renders = {
        directory.relative_to(project / "deploy" / "k8s").as_posix(): manifests.render(directory)
        for directory in manifests.kustomizations()
    }
    return combo, project, renders


def load_module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def of_kind(resources: list[Resource], kind: str) -> list[Resource]:
    return [resource for resource in resources if resource["kind"] == kind]


def test_base_and_overlays_are_rendered(rendered: tuple[Combo, Path, Any]) -> None:
    _, _, renders = rendered
    assert set(renders) == {"base", "overlays/dev", "overlays/prod"}


def test_manifests_validate_strictly(rendered: tuple[Combo, Path, Any]) -> None:
    _, _, renders = rendered
    for name, resources in renders.items():
        for resource in resources:
            # Raises on a schema violation, and on a kind it has no schema for.
            kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
            assert resource["metadata"].get("namespace") or name == "base"


def test_pods_run_non_root_read_only_without_capabilities(
    rendered: tuple[Combo, Path, Any],
) -> None:
    _, project, renders = rendered
    assert f"USER {UID}:{UID}" in (project / "Dockerfile").read_text(encoding="utf-8")
    workloads = of_kind(renders["overlays/prod"], "Deployment") + of_kind(
        renders["overlays/prod"], "Job"
    )
    assert len(workloads) == 2
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        assert pod["securityContext"]["runAsUser"] == UID
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
        assert pod["automountServiceAccountToken"] is False
        volumes = {volume["name"]: volume for volume in pod["volumes"]}
        for container in pod["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] is True
            assert context["allowPrivilegeEscalation"] is False
            assert context["capabilities"] == {"drop": ["ALL"]}
            tmp = [m for m in container["volumeMounts"] if m["mountPath"] == "/tmp"]  # noqa: S108
            assert tmp
            assert "emptyDir" in volumes[tmp[0]["name"]]
            assert container["image"].startswith("registry.example.com/")


def test_deployment_probes_and_graceful_termination(rendered: tuple[Combo, Path, Any]) -> None:
    _, project, renders = rendered
    (deployment,) = of_kind(renders["base"], "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["ports"] == [{"name": "http", "containerPort": 8000}]
    assert container["lifecycle"]["preStop"]["exec"]["command"] == [
        "sleep",
        str(PRESTOP_SLEEP_SECONDS),
    ]
    main = next((project / "src").glob("*/__main__.py")).read_text(encoding="utf-8")
    found = re.search(r"timeout_graceful_shutdown=(\d+)", main)
    graceful = int(found[1]) if found else DEFAULT_GRACEFUL_SHUTDOWN_SECONDS
    assert pod["terminationGracePeriodSeconds"] > PRESTOP_SLEEP_SECONDS + graceful


def test_service_and_budget_select_the_api_pods_only(rendered: tuple[Combo, Path, Any]) -> None:
    _, _, renders = rendered
    resources = renders["base"]
    (deployment,) = of_kind(resources, "Deployment")
    (job,) = of_kind(resources, "Job")
    api_labels = deployment["spec"]["template"]["metadata"]["labels"]
    job_labels = job["spec"]["template"]["metadata"]["labels"]
    for selector in (
        of_kind(resources, "Service")[0]["spec"]["selector"],
        of_kind(resources, "PodDisruptionBudget")[0]["spec"]["selector"]["matchLabels"],
        deployment["spec"]["selector"]["matchLabels"],
    ):
        assert selector.items() <= api_labels.items()
        assert not selector.items() <= job_labels.items()
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "alembic",
        "upgrade",
        "head",
    ]


def test_replicas_stay_at_one_while_fan_out_is_in_process(
    rendered: tuple[Combo, Path, Any],
) -> None:
    combo, _, renders = rendered
    single = combo.enabled["use_websockets"] and not combo.enabled["use_redis"]
    for name, resources in renders.items():
        (deployment,) = of_kind(resources, "Deployment")
        (hpa,) = of_kind(resources, "HorizontalPodAutoscaler")
        if single:
            assert (deployment["spec"]["replicas"], hpa["spec"]["maxReplicas"]) == (1, 1), name
        else:
            assert hpa["spec"]["maxReplicas"] > 1, name
    if not single:
        (prod_hpa,) = of_kind(renders["overlays/prod"], "HorizontalPodAutoscaler")
        assert prod_hpa["spec"]["minReplicas"] >= 2


def test_ingress_keeps_long_lived_connections_open_only_with_websockets(
    rendered: tuple[Combo, Path, Any],
) -> None:
    combo, _, renders = rendered
    (ingress,) = of_kind(renders["base"], "Ingress")
    annotations = ingress["metadata"].get("annotations", {})
    timeouts = {key for key in annotations if key.endswith(("proxy-read-timeout", "send-timeout"))}
    assert bool(timeouts) == combo.enabled["use_websockets"]


def test_configuration_names_only_documented_settings(rendered: tuple[Combo, Path, Any]) -> None:
    combo, project, renders = rendered
    doc = (project / "docs" / "configuration.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Z0-9_]+)` \|", doc, re.MULTILINE))
    (config_map,) = of_kind(renders["overlays/dev"], "ConfigMap")
    (secret,) = of_kind(renders["overlays/dev"], "Secret")
    names = set(config_map["data"]) | set(secret["stringData"])
    assert names <= documented, names - documented
    assert ("REDIS_URL" in names) == combo.enabled["use_redis"]
    assert any(name.startswith("KEYCLOAK_") for name in names) == combo.enabled["use_keycloak"]
    assert all("change-me" in value for value in secret["stringData"].values())
    assert not of_kind(renders["overlays/prod"], "Secret"), "prod must not ship example secrets"
