"""Response schemas and shared parameter types: what the API returns and takes,
documented field by field in the OpenAPI page.

These are msgspec Structs, separate from the Tortoise models: the read views
(``service.reads``, ``service.boards``) and the handlers build them directly; a ledger
entry's view (``FeedEntry``) is the core's ``feed_view`` of its typed entry.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar.openapi.spec import OpenAPIType
from litestar.params import Parameter
from msgspec import Meta, Struct

from .core.commands import MAX_ID
from .core.scoring import CATEGORIES
from .core.views import ActorView, EntryAward, FeedEntry

__all__ = [
    "ActorView",
    "Award",
    "BadgeOut",
    "CategoryParam",
    "Deal",
    "DealResult",
    "EntryAward",
    "FeedEntry",
    "FeedPage",
    "Goal",
    "Health",
    "Id",
    "IdParam",
    "Ids",
    "KindParam",
    "KudosResult",
    "MemberBoard",
    "MemberOut",
    "MemberRank",
    "MentoringResult",
    "OptionalId",
    "OptionalSeason",
    "OptionalSeq",
    "Progress",
    "SeasonOut",
    "SeasonParam",
    "TeamBoard",
    "TeamOut",
    "TokenCreated",
    "when_sent",
]

# Points, amounts and targets: a JSON number. msgspec writes the value as it is, so whole
# points stay integers in JSON (48, not 48.0), and the schema says ``number``, which
# whole numbers match too (``int | float`` made it oneOf integer/number: a whole number
# matches both branches, so no whole number passed).
Number = float

# Ids are 32-bit in the database: a larger number names nothing and is refused at the
# edge with the range, rather than failing the query (a 500 on PostgreSQL).
_ID = "an id (1 to 2,147,483,647)"
Id = Annotated[int, Meta(ge=1, le=MAX_ID, description=_ID)]
IdParam = Annotated[int, Parameter(ge=1, le=MAX_ID, description=_ID)]
# Litestar documents a list's items without their msgspec Meta; the bounds are written
# here (msgspec checks them from ``Id``)
Ids = Annotated[
    list[Id],
    Meta(
        extra_json_schema={
            "extra": {
                "items": {"type": "integer", "minimum": 1, "maximum": MAX_ID, "description": _ID}
            }
        }
    ),
]


def when_sent(type_: OpenAPIType, **schema: Any) -> dict[str, Any]:
    """The schema of an optional query parameter: what it holds when sent. A query string
    has no null, so Litestar's ``oneOf [type, null]`` is replaced (and a ``minimum`` of 0,
    which Litestar drops as falsy, is written)."""
    return {"one_of": None, "type": type_, **schema}


OptionalId = Annotated[
    int | None,
    Parameter(
        ge=1,
        le=MAX_ID,
        description=_ID,
        schema_extra=when_sent(OpenAPIType.INTEGER, minimum=1, maximum=MAX_ID),
    ),
]
_SEQ_MAX = 2**63 - 1
OptionalSeq = Annotated[
    int | None,
    Parameter(
        ge=0,
        le=_SEQ_MAX,
        description="a ledger seq (0 to 2⁶³ − 1)",
        schema_extra=when_sent(OpenAPIType.INTEGER, minimum=0, maximum=_SEQ_MAX),
    ),
]
# ``season``: checked by ``reads.resolve_season`` (its refusal names the choices); the
# pattern documents the same rule
_SEASON = "current (the season containing today), all, or a season id"
_SEASON_PATTERN = r"^(current|all|[0-9]{1,10})?$"
SeasonParam = Annotated[
    str,
    Parameter(
        description=_SEASON + "; empty is as if left out",
        schema_extra={"pattern": _SEASON_PATTERN},
    ),
]
OptionalSeason = Annotated[
    str | None,
    Parameter(
        description=_SEASON + "; all when left out or empty",
        schema_extra=when_sent(OpenAPIType.STRING, pattern=_SEASON_PATTERN),
    ),
]
# checked by the boards (their refusal names the categories); the enum documents them
CategoryParam = Annotated[
    str | None,
    Parameter(
        description="one award category; the total when left out",
        schema_extra=when_sent(OpenAPIType.STRING, enum=list(CATEGORIES)),
    ),
]
# at most the ledger's kind column: a longer kind names nothing, and the database layer
# refuses to query for it (a 500)
KindParam = Annotated[
    str | None,
    Parameter(
        max_length=40,
        description="only entries of this kind, e.g. deal.won or kudos",
        schema_extra=when_sent(OpenAPIType.STRING),
    ),
]


class Health(Struct):
    """Liveness and readiness; ``status`` is ``down`` (and the answer a 503) while the
    database cannot be reached, ``degraded`` while Redis cannot (writes still land)."""

    status: Literal["ok", "degraded", "down"]
    version: str
    database: bool
    ledger_seq: int | None
    redis: bool
    applied_seq: int | None
    live_boards: int


class TeamOut(Struct):
    """``archived``: a team with no active members, off the boards."""

    id: int
    name: str
    nickname: str | None
    color: str | None
    archived: bool = False
    reward_budget: Number | None = None  # coins its members may redeem a month (None: no budget)
    challenge_cap: int | None = None  # challenges its members may have open at once (None: no cap)


class MemberOut(Struct):
    id: int
    name: str
    team_id: int
    role: str
    joined_on: str
    newcomer: bool
    email: str | None = None
    active: bool = True  # false: has left (off current boards, history kept)
    # the member's owner id in each CRM (admins and the member's manager see them)
    external_ids: dict[str, str] | None = None


class TokenCreated(Struct):
    """A new token; ``token`` is shown only in this response (only its hash is stored)."""

    id: int
    token: str
    role: str
    member_id: int | None
    label: str | None


class SeasonOut(Struct):
    id: int
    name: str
    starts_on: str
    ends_on: str
    current: bool | None = None


class Award(Struct):
    """Points one member earned from one ledger entry, in one category."""

    member_id: int
    category: str
    points: Number


class Deal(Struct):
    id: int
    seq: int | None
    seller_id: int
    team_id: int
    season_id: int | None
    outcome: str
    amount: Number
    customer: str
    assists: list[int]
    external_id: str | None
    closed_at: str
    # sent by a CRM in another currency: the amount there and its ISO code (``amount``
    # is in the org's currency)
    original_amount: Number | None = None
    currency: str | None = None


class DealResult(Struct):
    """The deal and the awards it produced (empty when an external_id was seen before)."""

    deal: Deal
    awards: list[Award]


class Reversal(Struct):
    """A correction's ledger entry (as the feed shows it) and the points it took back
    (negative) or gave back."""

    entry: FeedEntry
    awards: list[Award]


class DealCorrection(Struct):
    """The deal as corrected, the awards of its re-scoring, and the reversal before it
    (absent when the correction changed nothing)."""

    deal: Deal
    awards: list[Award]
    reversal: Reversal | None = None


class KudosResult(Struct):
    id: int
    seq: int
    from_member_id: int
    to_member_id: int
    points: Number
    message: str
    strength: str | None
    week: str
    allowance_left: Number


class MentoringResult(Struct):
    id: int
    seq: int
    member_id: int
    points: Number
    note: str
    week: str
    awarded_by_member_id: int | None
    budget_left: Number | None = None


class Progress(Struct):
    value: Number
    target: Number
    reached_at: str | None
    percent: Number


class MemberTarget(Struct):
    member_id: int
    name: str | None
    target: Number
    progress: Progress


class Goal(Struct):
    id: int
    team_id: int
    season_id: int
    metric: str
    target: Number
    progress: Progress
    member_targets: list[MemberTarget]


class BoardEntry(Struct):
    rank: int
    member_id: int
    name: str
    team_id: int | None
    score: Number


class MemberBoard(Struct):
    """A page of the member board; ``total`` members are on it; ``season`` null = all-time."""

    season: SeasonOut | None
    category: str
    team_id: int | None
    total: int
    offset: int
    limit: int
    entries: list[BoardEntry]


class MemberRank(Struct):
    season: SeasonOut | None
    member_id: int
    name: str
    team_id: int
    rank: int
    score: Number
    of: int
    breakdown: dict[str, Number]
    around: list[BoardEntry]


class TeamEntry(Struct):
    """``score`` = ``total`` ÷ ``members``: points per member, so team sizes compete fairly."""

    rank: int
    team_id: int
    name: str
    nickname: str | None
    color: str | None
    score: Number
    members: int
    total: Number


class TeamBoard(Struct):
    season: SeasonOut | None
    entries: list[TeamEntry]


class BadgeOut(Struct):
    """A badge on a profile; ``seq`` is the feed entry that earned it."""

    code: str
    title: str
    rule: str
    season_id: int | None
    awarded_at: str
    seq: int


class FeedPage(Struct):
    entries: list[FeedEntry]
