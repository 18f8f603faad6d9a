"""The HTTP anchor for ``bench/write.py``: Litestar answering Huddle's write requests
with no work behind them.

Same server (uvicorn with httptools and uvloop, 2 workers, no access log), same request
bodies decoded into the same kind of msgspec Structs, the same bearer header read, and
an answer of the same shape and size as Huddle's — but no ledger, no rules, no database
and no Redis. What it reaches on this machine is the ceiling the framework and the load
generator leave for Huddle's own work; Huddle's CPU per request beside it is the cost of
that work.

    uvicorn bench.anchor_http:app --workers 2
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Annotated, Literal

from litestar import Litestar, Request, post
from litestar.exceptions import NotAuthorizedException
from msgspec import Meta, Struct

# the answers are Huddle's own response types, so the bytes written match in shape and size
from service.schemas import Award, Deal, DealResult, KudosResult

_seq = itertools.count(1)


class DealIn(Struct, forbid_unknown_fields=True):
    seller_id: int
    outcome: Literal["won", "lost"]
    amount: Annotated[float, Meta(ge=0, le=1e12)]
    customer: Annotated[str, Meta(min_length=1, max_length=200)]
    assists: list[int] = []
    external_id: str | None = None
    closed_at: datetime | None = None


class KudosIn(Struct, forbid_unknown_fields=True):
    to_member_id: int
    points: Annotated[float, Meta(gt=0, le=100)]
    message: Annotated[str, Meta(min_length=1, max_length=280)]
    strength: str | None = None


def _caller(request: Request) -> str:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("This needs a token.")
    return token


@post("/api/deals", status_code=201)
async def deal(data: DealIn, request: Request) -> DealResult:
    _caller(request)
    seq = next(_seq)
    seller = data.seller_id
    awards = [Award(seller, "deals", 48)] + [
        Award(seller + i, "team_share", 3) for i in (1, 2, 3, 4)
    ]
    closed = (data.closed_at or datetime.now(UTC)).isoformat()
    return DealResult(
        Deal(
            seq,
            seq,
            seller,
            1,
            1,
            data.outcome,
            data.amount,
            data.customer,
            data.assists,
            data.external_id,
            closed,
        ),
        awards,
    )


@post("/api/kudos", status_code=201)
async def kudos(data: KudosIn, request: Request) -> KudosResult:
    _caller(request)
    seq = next(_seq)
    return KudosResult(
        seq, seq, 1, data.to_member_id, data.points, data.message, data.strength, "2026-W48", 9
    )


app = Litestar([deal, kudos], openapi_config=None)
