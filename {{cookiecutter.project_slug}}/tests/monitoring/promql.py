"""Metric names read out of PromQL, and Grafana's variables replaced so Prometheus can run it.

promtool cannot list the metrics a query uses, so this reads them the plain way: whatever is
left of the query without its strings, label matchers, ranges and grouping clauses, and that
is neither a function, an aggregation nor a keyword, names a metric.
"""

import re
from collections.abc import Mapping

_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGE = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
# Not after a word character (1e-9, 5m), a dot (0.95) or `$` (a Grafana variable).
_IDENTIFIER = re.compile(r"(?<![\w.$])[A-Za-z_:][\w:]*")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "atan2", "bool", "offset", "group_left", "group_right", "inf", "nan"}
)
# `$name`, `${name}`, `${name:format}`, `[[name]]`: Grafana's ways to write a variable.
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]")
# A query variable's `label_values(<selector>, <label>)`: the selector is PromQL.
_LABEL_VALUES = re.compile(r"^\s*label_values\((?P<selector>.+),\s*\w+\s*\)\s*$")

# What Prometheus or Traefik export themselves, not the service (the metrics contract).
EXTERNAL_NAMES = frozenset({"up"})
EXTERNAL_PREFIXES = ("traefik_", "prometheus_", "alertmanager_")

# Values for Grafana's built-in variables: any valid duration does for a syntax check.
BUILTIN_VARIABLES: Mapping[str, str] = {
    "__rate_interval": "1m",
    "__interval": "15s",
    "__range": "1h",
    "__auto": "1m",
}


def metric_names(expr: str) -> set[str]:
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub("{}", text)
    text = _RANGE.sub("[]", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        follows_call = text[match.end() :].lstrip().startswith("(")
        if not follows_call and match[0].lower() not in _KEYWORDS:
            names.add(match[0])
    return names


def is_external(name: str) -> bool:
    return name in EXTERNAL_NAMES or name.startswith(EXTERNAL_PREFIXES)


def substitute(expr: str, variables: Mapping[str, str]) -> str:
    """`expr` with the variables Grafana knows replaced; others (`${1}` in label_replace) stay."""

    def value(match: re.Match[str]) -> str:
        name = next(group for group in match.groups() if group)
        return variables.get(name, match[0])

    return _VARIABLE.sub(value, expr)


def variable_selector(query: str) -> str | None:
    """The PromQL inside a `label_values(<selector>, label)` variable query, if there is one."""
    match = _LABEL_VALUES.match(query)
    return match["selector"] if match else None


def exported_names(exposition: str) -> set[str]:
    """Every sample name a /metrics page declares, even for families that have no sample yet
    (a labelled metric before its first use): `# TYPE x histogram` gives x_bucket, x_sum ..."""
    names = set()
    for line in exposition.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(maxsplit=3)
            names |= {name + suffix for suffix in _SUFFIXES.get(kind, ("",))}
        elif line and not line.startswith("#"):
            names.add(re.split(r"[{\s]", line, maxsplit=1)[0])
    return names


_SUFFIXES = {
    "histogram": ("_bucket", "_sum", "_count"),
    "summary": ("", "_sum", "_count"),
}
