"""The single place where errors become RFC 9457 problem details, and where the OpenAPI
schema learns which of them each operation may answer."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Annotated, Any

import asyncpg
import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import OpenAPIHeader, OpenAPIResponse, OpenAPIType, Operation, Schema
from msgspec import UNSET, Meta, Struct, UnsetType, inspect

from ..errors import HuddleError
from ..outages import causes, outage

__all__ = [
    "DocumentedOperation",
    "ProblemDetails",
    "exception_handlers",
    "problem",
    "refusals",
]

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
# each status Huddle answers with problem details: its title, and what it means (the
# OpenAPI page's description of that answer)
_STATUSES = {
    400: ("Bad request", "The body cannot be read: not JSON, not UTF-8, or nested too deeply."),
    401: (
        "Not signed in",
        "No token, or an unknown or revoked one: send 'Authorization: Bearer <token>'.",
    ),
    403: ("Not allowed", "The token is valid, but its role may not do this."),
    404: ("Not found", "Something the request names does not exist."),
    405: ("Method not allowed", "This address does not take this method."),
    409: (
        "Conflict",
        "A duplicate, a wrong state, or a weekly allowance or budget that would be exceeded "
        "(then `remaining` says what is left).",
    ),
    410: ("Gone", "A one-time link that has expired."),
    413: ("Request too large", "The body is larger than 10 MB."),
    415: (
        "Unsupported media type",
        "The body's Content-Type is not one this operation reads (`detail` names those).",
    ),
    422: (
        "Invalid request",
        "A value is invalid or breaks a rule; `errors` or `field` names it, and `detail` says "
        "what is allowed.",
    ),
    429: ("Too many requests", "Too many attempts from this address; retry after `Retry-After`."),
    500: ("Internal error", "A bug; it has been logged."),
    503: (
        "Unavailable",
        "The database or Redis cannot be reached, or the service is starting or stopping; "
        "nothing was recorded. Retry after `Retry-After` seconds.",
    ),
}
_TITLES = {status: title for status, (title, _) in _STATUSES.items()}


class FieldError(Struct):
    """One invalid value of the request."""

    message: str
    key: Annotated[str, Meta(description="the field, parameter or header")] | UnsetType = UNSET
    source: Annotated[str, Meta(description="body, query, path or header")] | UnsetType = UNSET
    allowed: (
        Annotated[list[str | int], Meta(description="the values the field may take")] | UnsetType
    ) = UNSET


class ProblemDetails(Struct):
    """An RFC 9457 problem (``application/problem+json``): ``detail`` says in plain words
    what was wrong and how to put it right; the other members appear where they apply."""

    type: str
    title: str
    status: int
    detail: str
    field: Annotated[str, Meta(description="the field that was wrong")] | UnsetType = UNSET
    errors: list[FieldError] | UnsetType = UNSET
    reason: (
        Annotated[str, Meta(description="a code for pages to show their own text")] | UnsetType
    ) = UNSET
    remaining: Annotated[float, Meta(description="points left this week")] | UnsetType = UNSET
    retry_after: Annotated[int, Meta(description="seconds to wait")] | UnsetType = UNSET


_RETRY_AFTER = OpenAPIHeader(
    schema=Schema(type=OpenAPIType.INTEGER, minimum=0),
    description="seconds to wait before trying again",
)
_HEADERS = {
    401: {"WWW-Authenticate": OpenAPIHeader(schema=Schema(type=OpenAPIType.STRING))},
    429: {"Retry-After": _RETRY_AFTER},
    503: {"Retry-After": _RETRY_AFTER},
}


@dataclass
class DocumentedOperation(Operation):
    """An operation documented as Huddle answers: 401, 429 and 503 with their headers, and
    no 400 of Litestar's own shape (Litestar documents one for every operation that has
    parameters; Huddle answers invalid parameters with a 422 problem instead)."""

    def __post_init__(self) -> None:
        responses = self.responses or {}
        for code, response in list(responses.items()):
            if not isinstance(response, OpenAPIResponse) or not code.isdigit():
                continue
            if int(code) >= 400 and MEDIA_TYPE not in (response.content or {}):
                del responses[code]  # Litestar's ValidationException body, never sent
            elif headers := _HEADERS.get(int(code)):
                response.headers = {**(response.headers or {}), **headers}


def refusals(
    *statuses: int,
    token: bool = True,
    body: bool = False,
    operation: type[DocumentedOperation] = DocumentedOperation,
    also: dict[int, ResponseSpec] | None = None,
) -> dict[str, Any]:
    """A route decorator's arguments documenting the problems an operation may answer: the
    ``statuses`` named, 401 when it needs a token, 400, 413 and 422 when it reads a body,
    and 503 always (a database or Redis that cannot be reached); ``also`` documents other
    answers (a 200 beside the usual 201, say)."""
    codes = {*statuses, 503}
    if token:
        codes.add(401)
    if body:
        codes |= {400, 413, 422}
    return {
        "responses": {
            code: ResponseSpec(
                ProblemDetails,
                description=_STATUSES[code][1],
                media_type=MEDIA_TYPE,
                generate_examples=False,
            )
            for code in sorted(codes)
        }
        | (also or {}),
        "operation_class": operation,
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


def _validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    errors = exc.extra if isinstance(exc.extra, list) else []
    parts = []
    for err in errors:
        if isinstance(err, dict):
            message = str(err.get("message", "invalid"))
            if err.get("source") == "body":  # the field a missing or unknown one is
                key = _field_key(str(err.get("key") or ""), message)
                if key:
                    err["key"] = key
            allowed = _allowed(request, str(err.get("key") or ""), err.get("source"))
            source = err.get("source")
            if source in ("query", "header", "cookie"):  # the name it is sent under
                kind = str(getattr(source, "value", source))  # Litestar's ParamType
                sent = _sent_name(request, str(err.get("key") or ""), kind)
                if sent is None and source == "header":
                    sent = str(err.get("key") or "").replace("_", "-").title()
                if sent:
                    err["key"] = sent
            where = err.get("key") or source or "body"
            message = _in_words(message)
            if allowed and message.startswith("Invalid enum value"):
                message = f"{message.removeprefix('Invalid enum value ')} is not one of: "
                message += ", ".join(map(str, allowed))
                err["allowed"] = allowed
            err["message"] = message
            parts.append(f"{where}: {message}")
    detail = "The request is not valid: " + ("; ".join(parts) if parts else exc.detail) + "."
    return problem(422, detail, errors=errors)


# msgspec's names for JSON types, as the sender of a request would say them
_TYPE_WORDS = {
    "int": "a whole number",
    "float": "a number",
    "decimal": "a number",
    "str": "text",
    "bool": "true or false",
    "null": "null",
    "array": "a list",
    "object": "an object",
    "datetime": "a date and time with an offset, like 2026-11-20T14:00:00+01:00",
    "date": "a date like 2026-11-20",
}
_EXPECTED = re.compile(r"Expected `([^`]+)`, got `([^`]+)`")
_BOUND = re.compile(r"Expected `(?:int|float|decimal)(?: \| null)?` (>=|>|<=|<) (-?[0-9.e+]+)")
_LENGTH = re.compile(r"Expected `(str|array|object)(?: \| null)?` of length (>=|<=) ([0-9]+)")
_FIELD = re.compile(r"Object (missing required|contains unknown) field `([^`]+)`")
_BOUND_WORDS = {">=": "{} or more", ">": "more than {}", "<=": "{} or less", "<": "less than {}"}
_UNITS = {"str": ("character", "characters"), "array": ("item", "items"), "object": ("key", "keys")}


def _in_words(message: str) -> str:
    """msgspec's messages as the sender of a request would say them: "Expected `int |
    null`, got `str`" → "expected a whole number or null, got text"; "Expected `float` >=
    0.0" → "must be 0 or more"; "Expected `str` of length <= 200" → "must be at most 200
    characters long"; a missing field → "is required"."""

    def words(kinds: str) -> str:
        return " or ".join(_TYPE_WORDS.get(k.strip(), k.strip()) for k in kinds.split("|"))

    if bound := _BOUND.fullmatch(message):
        value = bound.group(2)
        value = value.removesuffix(".0") if "e" not in value else value
        return "must be " + _BOUND_WORDS[bound.group(1)].format(value)
    if length := _LENGTH.fullmatch(message):
        kind, op, n = length.groups()
        if kind == "str" and op == ">=" and n == "1":
            return "must not be empty"
        unit = _UNITS[kind][0 if n == "1" else 1]
        most = "least" if op == ">=" else "most"
        if kind == "str":
            return f"must be at {most} {n} {unit} long"
        return f"must have at {most} {n} {unit}"
    if field := _FIELD.fullmatch(message):
        return "is required" if field.group(1) == "missing required" else "is not a field here"
    return _EXPECTED.sub(
        lambda m: f"expected {words(m.group(1))}, got {words(m.group(2))}", message
    )


def _field_key(key: str, message: str) -> str | None:
    """The path of the field a "missing required" or "unknown" message names (the key is
    the object holding it; ``data`` is the body itself); the body's own key is "body"."""
    if field := _FIELD.fullmatch(message):
        return field.group(2) if key in ("", "data") else f"{key}.{field.group(2)}"
    return "body" if key == "data" else None


def _allowed(request: Request[Any, Any, Any], key: str, source: Any) -> list[Any] | None:
    """The values a field of the request may take, when it is a choice (a Literal or an
    Enum); None otherwise. ``key`` is the field's path (``member_targets[0].metric``)."""
    try:
        params = request.route_handler.parsed_fn_signature.parameters
    except Exception:  # no handler resolved (a 404): nothing to name
        return None
    path = [p for p in re.split(r"[.\[\]]+", key) if p]
    if source == "body":
        field = params.get("data")
    else:
        field = params.get(path[0]) if path else None
        path = []
    if field is None:
        return None
    try:
        info = inspect.type_info(field.annotation)
    except Exception:  # a type msgspec cannot describe
        return None
    for name in path:
        info = _one(info)
        if isinstance(info, inspect.StructType):
            found = next((f for f in info.fields if f.encode_name == name), None)
            if found is None:
                return None
            info = found.type
        elif isinstance(info, inspect.ListType | inspect.SetType | inspect.VarTupleType):
            info = info.item_type
        else:
            return None
    values: list[Any] = []
    for kind in info.types if isinstance(info, inspect.UnionType) else (info,):
        if isinstance(kind, inspect.LiteralType):
            values += list(kind.values)
        elif isinstance(kind, inspect.EnumType):
            values += [member.value for member in kind.cls]
    return values or None


def _sent_name(request: Request[Any, Any, Any], key: str, source: str) -> str | None:
    """The name a parameter is sent under when it is not its own (``?state=`` is the
    handler's ``wanted``); None when it has no other."""
    try:
        field = request.route_handler.parsed_fn_signature.parameters.get(key)
    except Exception:  # no handler resolved
        return None
    kwarg = getattr(field, "kwarg_definition", None)
    sent = getattr(kwarg, source, None) if kwarg is not None else None
    return sent if isinstance(sent, str) and sent else None


def _one(info: inspect.Type) -> inspect.Type:
    """An optional type's type (``X | None`` → ``X``)."""
    if isinstance(info, inspect.UnionType):
        kinds = [t for t in info.types if not isinstance(t, inspect.NoneType)]
        if len(kinds) == 1:
            return kinds[0]
    return info


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    if exc.status_code >= 500:
        log.error("server error: %s", exc.detail)
    detail = exc.detail or _TITLES.get(exc.status_code, "Error")
    if exc.status_code == 400 and (not_json := _not_json(exc)):
        detail = not_json
    if exc.status_code == 404 and detail == "Not Found":
        detail = "There is nothing at this address; see /schema for the API."
    allow = {k.lower(): v for k, v in (exc.headers or {}).items()}.get("allow")
    if exc.status_code == 405 and allow:
        methods = ", ".join(m.strip() for m in allow.split(",") if m.strip() != "OPTIONS")
        detail = f"{request.method} is not allowed at this address; it takes {methods}."
    response = problem(exc.status_code, detail)
    # what Litestar says in HTTP too: the methods a 405's address takes (Allow, which
    # RFC 9110 requires of a 405)
    response.headers.update(exc.headers or {})
    return response


def _not_json(exc: BaseException) -> str | None:
    """What was wrong with a body that is not JSON at all, in words ("Input data was
    truncated" alone does not say it was the body)."""
    for seen in causes(exc):
        if isinstance(seen, msgspec.DecodeError) and not isinstance(seen, msgspec.ValidationError):
            text = str(seen)
            return f"The request body is not valid JSON ({text[:1].lower()}{text[1:]})."
    return None


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
