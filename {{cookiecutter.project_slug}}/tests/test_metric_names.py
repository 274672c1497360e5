"""Every metric that an alert rule or a dashboard names is one the service exports.

The list of names lives in one place, the service's own /metrics page; Prometheus' `up` and
Traefik's metrics are the only outside names allowed. tests/e2e/test_prometheus.py proves the
same against a real Prometheus that scraped a running server.
"""

import httpx

from tests.monitoring.files import prometheus_expressions
from tests.monitoring.promql import exported_names, is_external, metric_names


async def test_every_metric_the_monitoring_names_is_exported(client: httpx.AsyncClient) -> None:
    response = await client.get("/metrics")
    assert response.status_code == 200, response.text
    exported = exported_names(response.text)
    unknown = {
        f"{name} ({where})"
        for where, expr in prometheus_expressions().items()
        for name in metric_names(expr)
        if name not in exported and not is_external(name)
    }
    assert not unknown, f"not exported by the service: {sorted(unknown)}"
