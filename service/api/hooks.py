"""What each request goes through before its handler: where Litestar 2 would answer
otherwise than the OpenAPI schema says."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.exceptions import ValidationException
from litestar.status_codes import HTTP_204_NO_CONTENT

from ..auth import authenticate
from ..errors import Invalid
from .deps import bearer_token

__all__ = ["before_request"]


async def before_request(request: Request[Any, Any, Any]) -> Response[None] | None:
    """An OPTIONS request is answered here; any other goes on to its handler unless its
    query holds a ``null`` number or its JSON body is not what the schema says."""
    if request.method == "OPTIONS":
        return _options(request)
    _refuse_null_numbers(request)
    await _read_body_strictly(request)
    return None


def _options(request: Request[Any, Any, Any]) -> Response[None]:
    """``Allow`` with every method of the address. Litestar 2's own OPTIONS answer names
    only the methods of the first handler registered for a path (litestar#4169), so
    ``OPTIONS /api/goals`` left out GET."""
    routes = request.app.route_handler_method_map
    methods = {m for path in request.route_handler.paths for m in routes.get(path, {})}
    allow = ", ".join(sorted({*methods, "OPTIONS"}))
    return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"Allow": allow})


def _refuse_null_numbers(request: Request[Any, Any, Any]) -> None:
    """Refuse ``null`` as an optional number in the query (``?team_id=null``): Litestar
    converts query values leniently and reads ``null`` as the parameter left out, which
    would list every team to a client that meant one. The schema documents a number;
    leaving the parameter out is how to ask for all."""
    if not request.query_params:
        return
    fields = request.route_handler.parsed_fn_signature.parameters
    for name, value in request.query_params.items():
        field = fields.get(name)
        if field and field.is_optional and int in field.args and value.lower() == "null":
            raise Invalid(
                f"{name} must be a whole number; leave it out rather than sending null.",
                field=name,
            )


async def _read_body_strictly(request: Request[Any, Any, Any]) -> None:
    """Check a JSON body against the handler's type as the schema describes it: Litestar
    reads bodies leniently (msgspec's lax mode), taking ``"amount": "5"`` for a number
    and ``"closed_at": 0`` for a time. A refusal names the field like Litestar's own."""
    data = request.route_handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return
    body = await request.body()  # kept: Litestar reads the same bytes for the handler
    if not body:
        await _authenticated(request)
        raise ValidationException(extra=[_error("a JSON body is required", "")])
    try:
        msgspec.json.decode(body, type=data.annotation)
    except msgspec.ValidationError as exc:
        await _authenticated(request)
        # msgspec says "Expected `float`, got `str` - at `$.amount`"
        message, _, where = str(exc).partition(" - at ")
        key = where.strip("`").removeprefix("$").removeprefix(".")
        raise ValidationException(extra=[_error(message, key)]) from None
    except msgspec.DecodeError:
        return  # not JSON at all: Litestar answers that with a 400


async def _authenticated(request: Request[Any, Any, Any]) -> None:
    """Before a body is refused, a caller without a valid token is told so (401): a body
    is checked only for who may send one (checked on refusals only: a good body's token
    is checked once, by the handler's ``caller``)."""
    if "caller" in request.route_handler.parsed_fn_signature.parameters:
        state = request.app.state
        await authenticate(bearer_token(request), state.settings.admin_token, state.tokens)


def _error(message: str, key: str) -> dict[str, str]:
    return {"message": message, "key": key or "data", "source": "body"}
