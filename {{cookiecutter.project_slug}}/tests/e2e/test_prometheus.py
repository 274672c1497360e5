"""A real Prometheus scrapes a running server and loads the alert rules.

Every alert rule and every Prometheus query of the dashboards runs without error, and every
metric they name is in the scrape. Needs the `prometheus` binary (Debian/Ubuntu package
`prometheus`); skipped, saying so, without it.
"""

import contextlib
import shutil
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
{% if cookiecutter.use_websockets %}
from tests.e2e.ws.traffic import drive_websocket_traffic
{%- endif %}
from tests.monitoring.files import RULES, dashboard_variables, prometheus_expressions
from tests.monitoring.promql import BUILTIN_VARIABLES, is_external, metric_names, substitute
from tests.support import Server, client_headers, free_port

PROMETHEUS = shutil.which("prometheus")
# Guards against a hang, never a measured expectation.
STARTUP_TIMEOUT = 60.0
UNEVALUATED = "0001-01-01T00:00:00Z"


def drive_http_traffic(server: Server) -> None:
    """Requests that give every HTTP metric a sample: success, 404s, an unmatched path, and
    the same read twice (a cache miss, then a hit where there is a cache)."""
    with httpx.Client(base_url=server.url, headers=client_headers(), timeout=10) as http:
        assert http.get("/health/ready").status_code == 200
        created = http.post("/api/v1/items", json={"name": f"scraped-{uuid.uuid4().hex[:8]}"})
        assert created.status_code == 201, created.text
        for _ in range(2):
            assert http.get(created.headers["location"]).status_code == 200
        assert http.get(f"/api/v1/items/{uuid.uuid4()}").status_code == 404
        assert http.get("/no/such/path").status_code == 404


def wait_for(what: str, condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not condition():
        if process.poll() is not None:
            raise RuntimeError(f"prometheus exited with {process.returncode} before {what}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"no {what} after {STARTUP_TIMEOUT}s")
        time.sleep(0.2)


def api(url: str, path: str, **params: str) -> Any:
    """The `data` of a Prometheus API answer; raises with Prometheus' error otherwise."""
    response = httpx.get(f"{url}{path}", params=params, timeout=10)
    try:
        body = response.json()
    except ValueError:  # plain text, e.g. "Service Unavailable" while it starts
        raise AssertionError(f"{response.status_code}: {response.text[:200]}") from None
    if body.get("status") != "success":
        raise AssertionError(f"{body.get('errorType')}: {body.get('error')}")
    return body["data"]


def scraped(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError, AssertionError):
        results = api(url, "/api/v1/query", query='up{job="app"}')["result"]
        return any(result["value"][1] == "1" for result in results)
    return False


def rules(url: str) -> list[dict[str, Any]]:
    groups = api(url, "/api/v1/rules")["groups"]
    return [rule for group in groups for rule in group["rules"]]


def rules_evaluated(url: str) -> bool:
    with contextlib.suppress(httpx.HTTPError, AssertionError):
        loaded = rules(url)
        return bool(loaded) and all(rule["lastEvaluation"] != UNEVALUATED for rule in loaded)
    return False


@contextlib.contextmanager
def running_prometheus(target: str, workdir: Path) -> Iterator[str]:
    """Prometheus on a free loopback port, scraping `target` every second as job `app` and
    evaluating the rule files every second."""
    assert PROMETHEUS is not None
    config = workdir / "prometheus.yml"
    config.write_text(
        yaml.safe_dump(
            {
                "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
                "rule_files": [str(RULES / "*.yml")],
                "scrape_configs": [{"job_name": "app", "static_configs": [{"targets": [target]}]}],
            }
        ),
        encoding="utf-8",
    )
    url = f"http://127.0.0.1:{free_port()}"
    log = workdir / "prometheus.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(  # noqa: S603 (the installed prometheus, our arguments)
            [
                PROMETHEUS,
                f"--config.file={config}",
                f"--storage.tsdb.path={workdir / 'data'}",
                f"--web.listen-address={url.removeprefix('http://')}",
            ],
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for("successful scrape", lambda: scraped(url), process)
        wait_for("evaluation of every rule", lambda: rules_evaluated(url), process)
        yield url
    except (RuntimeError, TimeoutError) as error:
        raise RuntimeError(f"{error}; prometheus log:\n{log.read_text(errors='replace')}") from None
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def prometheus(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if PROMETHEUS is None:
        pytest.skip("prometheus is not installed (Debian/Ubuntu: apt-get install prometheus)")
    drive_http_traffic(server)
{%- if cookiecutter.use_websockets %}
    drive_websocket_traffic(server)
{%- endif %}
    with running_prometheus(f"127.0.0.1:{server.port}", tmp_path_factory.mktemp("prom")) as url:
        yield url


def test_every_alert_rule_evaluates_without_error(prometheus: str) -> None:
    loaded = rules(prometheus)
    failing = {rule["name"]: rule.get("lastError") for rule in loaded if rule["health"] != "ok"}
    assert not failing


def test_every_alert_and_dashboard_query_runs(prometheus: str) -> None:
    variables = {**dashboard_variables(), **BUILTIN_VARIABLES}
    failures = {}
    for where, expr in prometheus_expressions().items():
        try:
            api(prometheus, "/api/v1/query", query=substitute(expr, variables))
        except AssertionError as error:
            failures[where] = str(error)
    assert not failures


def test_every_metric_the_rules_and_dashboards_name_was_scraped(prometheus: str) -> None:
    names = set(api(prometheus, "/api/v1/label/__name__/values"))
    missing = {
        f"{name} ({where})"
        for where, expr in prometheus_expressions().items()
        for name in metric_names(expr)
        if name not in names and not is_external(name)
    }
    assert not missing, f"not in the scrape: {sorted(missing)}"
