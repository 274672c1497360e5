"""Logs: one JSON line per event on stdout, the app's and other libraries' alike."""

import contextlib
import io
import json
import logging
import sys
from collections.abc import Iterator

import structlog

from {{ cookiecutter.package_name }}.logs import StdoutLogger, configure_logging, emit
from {{ cookiecutter.package_name }}.request_context import request_id_var


@contextlib.contextmanager
def stdout_lines() -> Iterator[io.StringIO]:
    """What the app writes to stdout while logging JSON at INFO. (Set within the test: pytest's
    own capture takes `sys.stdout` back when a test starts.)"""
    written, saved = io.StringIO(), sys.stdout
    sys.stdout = written
    configure_logging(level="INFO", json=True)
    try:
        yield written
    finally:
        sys.stdout = saved
        configure_logging(level="WARNING", json=False)  # as the suite's settings
        structlog.contextvars.clear_contextvars()


def lines(stdout: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.getvalue().splitlines()]


def test_app_and_library_lines_are_json_with_the_request_context() -> None:
    with stdout_lines() as stdout:
        token = request_id_var.set("req-1")  # as the edge middleware does
        structlog.contextvars.bind_contextvars(user_id="user-1")
        try:
            structlog.get_logger("tests.app").info("app_event", answer=42)
            logging.getLogger("tests.library").warning("library %s", "event")
        finally:
            request_id_var.reset(token)
        structlog.get_logger("tests.app").info("outside_a_request")

    app_line, library_line, outside = lines(stdout)
    assert app_line["event"] == "app_event"
    assert app_line["answer"] == 42
    assert library_line["event"] == "library event"
    for line in (app_line, library_line):
        assert line["request_id"] == "req-1"
        assert line["user_id"] == "user-1"
        assert {"level", "logger", "timestamp"} <= line.keys()
    assert "request_id" not in outside


def test_levels_follow_the_standard_library_loggers() -> None:
    logging.getLogger("tests.quiet").setLevel(logging.ERROR)
    with stdout_lines() as stdout:
        structlog.get_logger("tests.app").debug("below_log_level")
        structlog.get_logger("tests.quiet").warning("below_its_own_level")
        structlog.get_logger("tests.app").info("kept")
    logging.getLogger("tests.quiet").setLevel(logging.NOTSET)

    assert [line["event"] for line in lines(stdout)] == ["kept"]


def test_exceptions_are_rendered_into_the_line() -> None:
    with stdout_lines() as stdout:
        try:
            raise RuntimeError("boom")
        except RuntimeError:
            structlog.get_logger("tests.app").exception("failed")

    (line,) = lines(stdout)
    assert line["level"] == "error"
    assert "RuntimeError: boom" in str(line["exception"])


def test_a_closed_stdout_does_not_fail_the_caller() -> None:
    with stdout_lines() as stdout:
        stdout.close()
        structlog.get_logger("tests.app").info("lost")  # must not raise


def test_emit_writes_the_line_a_bound_logger_would() -> None:
    with stdout_lines() as stdout:
        token = request_id_var.set("req-1")
        structlog.contextvars.bind_contextvars(user_id="user-1")
        try:
            structlog.get_logger("tests.app").info("happened", answer=42, route="/x")
            logger = StdoutLogger("tests.app")
            emit(logger, "info", {"answer": 42, "route": "/x", "event": "happened"})
            emit(logger, "debug", {"event": "below_log_level"})
        finally:
            request_id_var.reset(token)

    bound, emitted = lines(stdout)
    assert str(bound.pop("timestamp")) <= str(emitted.pop("timestamp"))
    assert list(emitted.items()) == list(bound.items())  # the same fields, in the same order
