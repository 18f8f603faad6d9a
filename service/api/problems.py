"""The single place where errors become RFC 9457 problem details."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException

from ..errors import HuddleError
from ..outages import causes, outage

__all__ = ["exception_handlers", "problem"]

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    413: "Request too large",
    422: "Invalid request",
    429: "Too many requests",
    500: "Internal error",
    503: "Unavailable",
}


def problem(status: int, detail: str, title: str | None = None, **extra: Any) -> Response[Any]:
    body = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
        **extra,
    }
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else {}
    if "retry_after" in extra:  # an error that says when to try again says it in HTTP too
        headers["Retry-After"] = str(extra["retry_after"])
    return Response(body, status_code=status, media_type=MEDIA_TYPE, headers=headers or None)


def _huddle_error(_: Request[Any, Any, Any], exc: HuddleError) -> Response[Any]:
    return problem(exc.status, exc.detail, exc.title, **exc.extra)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for err in errors:
        if isinstance(err, dict):
            where = err.get("key") or err.get("source") or "body"
            if err.get("source") == "header":  # name the header as it is sent
                where = str(where).replace("_", "-").title()
                err["key"] = where
            parts.append(f"{where}: {err.get('message', 'invalid')}")
    detail = "The request is not valid: " + ("; ".join(parts) if parts else exc.detail) + "."
    return problem(422, detail, errors=errors)


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        log.error("server error: %s", exc.detail)
    detail = exc.detail or _TITLES.get(exc.status_code, "Error")
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is nothing at this address; see /schema for the API."
    return problem(exc.status_code, detail)


def _unusable(exc: BaseException) -> tuple[int, str] | None:
    """The status and what was wrong with a value the request carried, when reading or
    storing it failed for a reason that is the request's (not the server's)."""
    for seen in causes(exc):
        if isinstance(seen, UnicodeDecodeError):
            return 400, "The request body is not valid UTF-8 text."
        if isinstance(seen, RecursionError):
            return 400, "The request body is nested too deeply."
        if isinstance(seen, asyncpg.exceptions.DataError | OverflowError):
            # out-of-range numbers, NUL characters and the like, reaching a query
            return 422, f"A value in the request cannot be used here: {seen}."
    return None


def _unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if unusable := _unusable(exc):
        return problem(*unusable)
    if dependency := outage(exc):
        log.warning("answered 503: the %s is unreachable (%r)", dependency, exc)
        return problem(
            503,
            f"Huddle cannot reach its {dependency} just now. Try again in a moment.",
            retry_after=2,
        )
    log.exception("unexpected error", exc_info=exc)
    return problem(
        500,
        "Something went wrong on the server; it has been logged. "
        "Please try again, and tell your admin if it keeps happening.",
    )


exception_handlers: dict[Any, Any] = {
    HuddleError: _huddle_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
