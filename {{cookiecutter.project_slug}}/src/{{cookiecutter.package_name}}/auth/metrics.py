"""Auth metrics: the outcome of every authentication, and the fetches of the signing keys."""

from prometheus_client import Counter

AUTH_OUTCOMES = Counter(
    "auth_outcomes_total",
    "Authentication and authorization outcomes, by transport.",
    ["transport", "outcome"],
)
JWKS_FETCHES = Counter(
    "jwks_fetches_total", "Fetches of the realm's signing keys, by result.", ["result"]
)


class Outcome:
    """`auth_outcomes_total` outcomes."""

    OK = "ok"
    MISSING = "missing"  # no token at all
    INVALID = "invalid"  # malformed, badly signed, wrong issuer or audience ...
    EXPIRED = "expired"
    FORBIDDEN = "forbidden"  # a valid token without the roles the route needs
    KEYS_UNAVAILABLE = "keys_unavailable"  # no signing key could be had to check it


# What authenticating a token can end with; roles (`forbidden`) are checked after that.
TOKEN_OUTCOMES = (
    Outcome.OK,
    Outcome.MISSING,
    Outcome.INVALID,
    Outcome.EXPIRED,
    Outcome.KEYS_UNAVAILABLE,
)
HTTP = "http"
# Reasons of `InvalidTokenError` with an outcome of their own; every other one is `invalid`.
_TOKEN_REASONS = {"expired": Outcome.EXPIRED, "keys_unavailable": Outcome.KEYS_UNAVAILABLE}

JWKS_FETCHED = JWKS_FETCHES.labels("ok")
JWKS_FETCH_FAILED = JWKS_FETCHES.labels("error")
_children: dict[tuple[str, str], Counter] = {}


def expect_outcomes(transport: str, *outcomes: str) -> None:
    """Create a transport's series at 0, so they exist before its first caller."""
    for outcome in outcomes:
        _children[transport, outcome] = AUTH_OUTCOMES.labels(transport, outcome)


def token_outcome(reason: str) -> str:
    """The outcome of a token refused for `reason` (`InvalidTokenError.reason`)."""
    return _TOKEN_REASONS.get(reason, Outcome.INVALID)


def authenticated(transport: str, outcome: str) -> None:
    counter = _children.get((transport, outcome)) or AUTH_OUTCOMES.labels(transport, outcome)
    counter.inc()


expect_outcomes(HTTP, *TOKEN_OUTCOMES, Outcome.FORBIDDEN)
