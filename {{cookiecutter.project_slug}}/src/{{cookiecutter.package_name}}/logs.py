"""structlog for the app and the standard library (uvicorn, SQLAlchemy) alike.

JSON lines outside development, a console renderer in development. Every line written while
a request (or a message) is handled carries its `request_id`, read from
`request_context.request_id_var` (the one place the id is kept; problems and audit entries read
it there too). Other request-scoped values (the user) are bound with `structlog.contextvars`.

The app's own lines are rendered by structlog and written straight to stdout: the standard
library's path (a `LogRecord`, the caller's frame, a handler and `ProcessorFormatter`) cost
several times more per line, and the access log writes one per request. Other libraries log
through the standard library; their records get the same processors and renderer.
"""

import logging
import sys
import threading
from datetime import UTC, datetime
from typing import Any, cast

import orjson
import structlog
from structlog.typing import EventDict, Processor

from {{ cookiecutter.package_name }}.request_context import request_id_var


class StdoutLogger:
    """Writes each rendered line to the current `sys.stdout`, flushed.

    Levels follow the standard library logger of the same name (`LOG_LEVEL` on the root, or
    a level set on one logger), which `structlog.stdlib.filter_by_level` asks.
    """

    _lock = threading.Lock()  # threadpool work logs too; lines must not interleave

    def __init__(self, name: str) -> None:
        self.name = name
        self._stdlib = logging.getLogger(name)

    @property
    def disabled(self) -> bool:
        return self._stdlib.disabled

    def getEffectiveLevel(self) -> int:  # noqa: N802 - the standard library's name
        return self._stdlib.getEffectiveLevel()

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802 - the standard library's name
        return self._stdlib.isEnabledFor(level)

    def msg(self, message: str) -> None:
        stream = sys.stdout  # looked up per line: a test may have replaced it
        with self._lock:
            try:
                stream.write(message + "\n")
                stream.flush()
            except (OSError, ValueError):  # closed or broken stdout: as `logging` does, a lost
                pass  # line must not fail the request that logged it

    debug = info = warning = warn = error = exception = critical = fatal = log = msg


def _stdout_logger(*args: Any) -> StdoutLogger:
    return StdoutLogger(args[0] if args else "root")


# The configured processors: the very list structlog's loggers hold (configured in place below,
# and by `structlog.testing.capture_logs`).
_processors = cast(list[Processor], structlog.get_config()["processors"])


def emit(logger: StdoutLogger, method_name: str, event_dict: EventDict) -> None:
    """Log `event_dict` as `structlog.get_logger(logger.name).<method_name>(**event_dict)`
    would: through the same processors (level filter, context, renderer; `capture_logs` in
    tests), into the same stdout, but without the bound logger's layers around them.

    For the line written on every request (the access line): those layers cost about a third
    of it.
    """
    line: Any = event_dict
    try:
        for processor in _processors:
            line = processor(logger, method_name, line)
    except structlog.DropEvent:  # below the level, or captured by a test
        return
    logger.msg(line)  # the renderer, the last processor, made the dict a string


def add_request_id(logger: object, method_name: str, event_dict: EventDict) -> EventDict:
    """The id of the request or message being handled, if any (`request_id_var`)."""
    request_id = request_id_var.get()
    if request_id is not None:
        event_dict.setdefault("request_id", request_id)
    return event_dict


def configure_logging(*, level: str, json: bool) -> None:
    shared: list[Processor] = [
        add_request_id,
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        _add_utc_now if json else structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor = (
        structlog.processors.JSONRenderer(serializer=_dumps)
        if json
        else structlog.dev.ConsoleRenderer()
    )
    exceptions: Processor = structlog.processors.format_exc_info if json else _keep
    # Loggers cached on first use hold this very list: change it in place, so that a new
    # configuration (and `structlog.testing.capture_logs`) reaches them too.
    processors = _processors
    processors[:] = [structlog.stdlib.filter_by_level, *shared, exceptions, renderer]
    structlog.configure(
        processors=processors,
        logger_factory=_stdout_logger,
        # The standard library's API (`isEnabledFor`, `log(level, ...)`, `exception`).
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            exceptions,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # One access line per request comes from our middleware; uvicorn's own is off.
    for name in ("uvicorn", "uvicorn.error"):
        logging.getLogger(name).handlers.clear()
        logging.getLogger(name).propagate = True
    logging.getLogger("uvicorn.access").handlers.clear()
    logging.getLogger("uvicorn.access").propagate = False


def _add_utc_now(logger: object, method_name: str, event_dict: EventDict) -> EventDict:
    """`timestamp`, as a `datetime` that `_dumps` writes as `TimeStamper(fmt="iso", utc=True)`
    would (`2026-01-31T12:00:00.123456Z`), at a fifth of its cost."""
    event_dict["timestamp"] = datetime.now(UTC)
    return event_dict


def _dumps(event_dict: EventDict, **kwargs: Any) -> str:
    """A JSON line, by orjson: `json.dumps` cost ~3 µs of a request's access line, this ~0.3.
    `default` is structlog's fallback (`repr` of what JSON cannot hold); keys that are not
    strings are written as strings, as `json.dumps` does; datetimes in UTC end in `Z`."""
    return orjson.dumps(
        event_dict,
        default=kwargs.get("default"),
        option=orjson.OPT_NON_STR_KEYS | orjson.OPT_UTC_Z,
    ).decode()


def _keep(logger: object, method_name: str, event_dict: EventDict) -> EventDict:
    return event_dict
