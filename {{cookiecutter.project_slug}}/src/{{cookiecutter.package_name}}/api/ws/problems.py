"""Errors only the WebSocket transport raises; they leave as error frames like any `AppError`."""

from http import HTTPStatus

from {{ cookiecutter.package_name }}.errors import AppError


class InvalidMessageError(AppError):
    status = HTTPStatus.BAD_REQUEST
    code = "invalid_message"
    title = "Invalid Message"


class UnknownTypeError(AppError):
    status = HTTPStatus.BAD_REQUEST
    code = "unknown_type"
    title = "Unknown Message Type"


class UnsupportedFrameError(AppError):
    status = HTTPStatus.UNSUPPORTED_MEDIA_TYPE
    code = "unsupported_frame"
    title = "Unsupported Frame"
