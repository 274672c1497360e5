"""Render deploy/k8s without kubectl, and validate it offline with kubernetes-validate.

    python scripts/k8s_manifests.py render deploy/k8s/overlays/prod   # YAML on stdout
    python scripts/k8s_manifests.py check                             # what `make check-k8s` runs

The renderer implements the part of kustomize that deploy/k8s uses: `resources` (files and
directories), `namespace`, `images` and `patches` with a `target` (kind and name) holding JSON 6902
operations. Any other field is an error, never silently skipped: if you need more of kustomize,
render with `kubectl kustomize` and validate its output instead.
"""

from __future__ import annotations

import argparse
import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S_DIR = ROOT / "deploy" / "k8s"
BUILD_DIR = ROOT / "build" / "k8s"
DEFAULT_KUBERNETES_VERSION = "1.35.0"

SUPPORTED_FIELDS = frozenset({"apiVersion", "kind", "resources", "namespace", "images", "patches"})
CLUSTER_SCOPED_KINDS = frozenset(
    {"Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "IngressClass"}
)

Resource = dict[str, Any]


class KustomizeError(Exception):
    pass


def render(directory: Path) -> list[Resource]:
    """The resources of the kustomization in `directory`, with its transformations applied."""
    kustomization = _load_one(directory / "kustomization.yaml")
    unsupported = set(kustomization) - SUPPORTED_FIELDS
    if unsupported:
        raise KustomizeError(f"{directory}: unsupported kustomization fields {sorted(unsupported)}")
    resources: list[Resource] = []
    for entry in kustomization.get("resources", []):
        path = (directory / entry).resolve()
        if path.is_dir():
            resources += render(path)
        else:
            resources += _load_all(path)
    for patch in kustomization.get("patches", []):
        _apply_patch(resources, patch, directory)
    for image in kustomization.get("images", []):
        _set_image(resources, image)
    if "namespace" in kustomization:
        for resource in resources:
            if resource["kind"] not in CLUSTER_SCOPED_KINDS:
                resource["metadata"]["namespace"] = kustomization["namespace"]
    return resources


def _load_one(path: Path) -> dict[str, Any]:
    documents = _load_all(path)
    if len(documents) != 1:
        raise KustomizeError(f"{path}: expected one YAML document, found {len(documents)}")
    return documents[0]


def _load_all(path: Path) -> list[Resource]:
    if not path.is_file():
        raise KustomizeError(f"{path}: no such file")
    with path.open(encoding="utf-8") as handle:
        documents = [document for document in yaml.safe_load_all(handle) if document]
    for document in documents:
        if not isinstance(document, dict):
            raise KustomizeError(f"{path}: a document is not a mapping")
    return documents


def _apply_patch(resources: list[Resource], patch: dict[str, Any], directory: Path) -> None:
    target = patch.get("target", {})
    if set(target) - {"kind", "name"} or not {"kind", "name"} <= set(target):
        raise KustomizeError(f"{directory}: a patch target needs exactly `kind` and `name`")
    text = (directory / patch["path"]).read_text("utf-8") if "path" in patch else patch["patch"]
    operations = yaml.safe_load(text)
    if not isinstance(operations, list):
        raise KustomizeError(f"{directory}: only JSON 6902 patches (a list of operations) work")
    matches = [
        r
        for r in resources
        if r["kind"] == target["kind"] and r["metadata"]["name"] == target["name"]
    ]
    if not matches:
        raise KustomizeError(f"{directory}: no {target['kind']}/{target['name']} to patch")
    for resource in matches:
        for operation in operations:
            _apply_operation(resource, operation)


def _apply_operation(document: Resource, operation: dict[str, Any]) -> None:
    """One RFC 6902 operation (add, remove, replace), in place."""
    op, path = operation["op"], operation["path"]
    keys = [key.replace("~1", "/").replace("~0", "~") for key in path.split("/")[1:]]
    if not keys:
        raise KustomizeError(f"cannot {op} the whole document")
    parent: Any = document
    for key in keys[:-1]:
        parent = parent[int(key)] if isinstance(parent, list) else parent[key]
    last = keys[-1]
    value = copy.deepcopy(operation.get("value"))
    if isinstance(parent, list):
        index = len(parent) if last == "-" else int(last)
        if op == "add":
            parent.insert(index, value)
        elif op == "replace":
            parent[index] = value
        elif op == "remove":
            del parent[index]
        else:
            raise KustomizeError(f"unsupported patch operation {op!r}")
        return
    if op in {"replace", "remove"} and last not in parent:
        raise KustomizeError(f"{op} {path}: no such field")
    if op in {"add", "replace"}:
        parent[last] = value
    elif op == "remove":
        del parent[last]
    else:
        raise KustomizeError(f"unsupported patch operation {op!r}")


def _set_image(resources: list[Resource], image: dict[str, str]) -> None:
    for container in _containers(resources):
        reference = container["image"].split("@", 1)[0]
        # A colon after the last slash starts the tag (a registry port comes before it).
        slash = reference.rfind("/")
        name, colon, tag = reference[slash + 1 :].partition(":")
        name = reference[: slash + 1] + name
        if name != image["name"]:
            continue
        name = image.get("newName", name)
        tag = image.get("newTag", tag if colon else "")
        if "digest" in image:
            container["image"] = f"{name}@{image['digest']}"
        else:
            container["image"] = f"{name}:{tag}" if tag else name


def _containers(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in {"containers", "initContainers"} and isinstance(value, list):
                found += value
            else:
                found += _containers(value)
    elif isinstance(node, list):
        for item in node:
            found += _containers(item)
    return found


def kustomizations() -> list[Path]:
    """The base and every overlay."""
    return sorted(path.parent for path in K8S_DIR.rglob("kustomization.yaml"))


def check(kubernetes_version: str) -> int:
    """Render each kustomization to build/k8s/ and run `kubernetes-validate --strict` on it."""
    BUILD_DIR.mkdir(parents=True, exist_ok=True)
    failed = 0
    for directory in kustomizations():
        name = directory.relative_to(K8S_DIR).as_posix().replace("/", "-")
        output = BUILD_DIR / f"{name}.yaml"
        try:
            resources = render(directory)
        except (KustomizeError, KeyError, IndexError, ValueError, yaml.YAMLError) as error:
            print(f"FAIL {directory.relative_to(ROOT)}: {error!r}")
            failed += 1
            continue
        output.write_text(yaml.safe_dump_all(resources, sort_keys=False), encoding="utf-8")
        command = [sys.executable, "-m", "kubernetes_validate", "--strict", "--quiet"]
        result = subprocess.run(  # noqa: S603 (our own interpreter and paths)
            [*command, "--kubernetes-version", kubernetes_version, str(output)],
            capture_output=True,
            text=True,
            check=False,
        )
        # --quiet prints only problems; an unknown kind is a warning there, a failure here.
        problems = (result.stdout + result.stderr).strip()
        if result.returncode != 0 or problems:
            print(f"FAIL {directory.relative_to(ROOT)}:\n{problems}")
            failed += 1
        else:
            print(
                f"ok   {directory.relative_to(ROOT)}: {len(resources)} resources valid for "
                f"Kubernetes {kubernetes_version} (strict) -> {output.relative_to(ROOT)}"
            )
    return 1 if failed else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    render_parser = commands.add_parser("render", help="print the rendered YAML of a directory")
    render_parser.add_argument("directory", type=Path)
    check_parser = commands.add_parser("check", help="render and validate base and overlays")
    check_parser.add_argument("--kubernetes-version", default=DEFAULT_KUBERNETES_VERSION)
    args = parser.parse_args()
    if args.command == "render":
        print(yaml.safe_dump_all(render(args.directory), sort_keys=False), end="")
        return 0
    return check(args.kubernetes_version)


if __name__ == "__main__":
    sys.exit(main())
