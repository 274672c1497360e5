"""The PromQL reading that the metric-name checks rely on."""

import pytest

from tests.monitoring.promql import exported_names, metric_names, substitute, variable_selector


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ('up{job="app"} == 0', {"up"}),
        (
            "histogram_quantile(0.95, sum by (le, route) "
            '(rate(http_request_duration_seconds_bucket{route!~"/metrics|/health/.*"}[5m]))) > 1',
            {"http_request_duration_seconds_bucket"},
        ),
        (
            'sum by (instance) (db_pool_connections{state="in_use"}) / on (instance) '
            "group_left sum by (instance) (db_pool_max_connections) > 0.9",
            {"db_pool_connections", "db_pool_max_connections"},
        ),
        (
            'sum by (class) (label_replace(rate(a_total[$__rate_interval]), "class", "${1}xx", '
            '"status", "(.).."))',
            {"a_total"},
        ),
        ("absent(up) or vector(1e-9) * b offset 5m and bool c", {"up", "b", "c"}),
    ],
)
def test_metric_names_are_what_is_left_besides_functions_labels_and_keywords(
    expr: str, names: set[str]
) -> None:
    assert metric_names(expr) == names


def test_only_known_grafana_variables_are_substituted() -> None:
    expr = 'rate(x{instance=~"$instance", a="${1}", b="[[b]]"}[$__rate_interval])'
    assert substitute(expr, {"instance": ".*", "__rate_interval": "1m", "b": "B"}) == (
        'rate(x{instance=~".*", a="${1}", b="B"}[1m])'
    )


def test_a_label_values_variable_yields_its_selector() -> None:
    assert variable_selector("label_values(app_info, instance)") == "app_info"
    assert variable_selector("label_values(instance)") is None


def test_exported_names_include_families_without_samples() -> None:
    exposition = (
        "# HELP d_seconds x\n# TYPE d_seconds histogram\n"
        "# HELP c_total x\n# TYPE c_total counter\n"
        'g{a="b"} 1.0\n'
    )
    assert exported_names(exposition) == {
        "d_seconds_bucket",
        "d_seconds_sum",
        "d_seconds_count",
        "c_total",
        "g",
    }
