"""Who may call what: every role the contract (API.md, README's API sections, docs/) does
not allow is refused with 403 (401 without a token) as problem details with a detail in
words, and the refusal changes nothing (the ledger's last seq stays where it was).

One world is built per database (module scope, since refusals change nothing) and every
case below acts on it: two teams, their managers and sellers, deals, goals, kudos,
mentoring, a reward shop with redemptions, contests and a challenge, a member who left.
The cases that are allowed and write run last, so they change nothing the refusals read.

Who acts, by name:
- ``admin`` (the bootstrap admin token), ``display``, ``integration``;
- ``seller`` (s1, team Home), ``mate`` (s2, Home), ``manager`` (ma, Home's manager),
  ``other_manager`` (mb, Away's manager), ``other_seller`` (s3, Away),
  ``left`` (s4, Home, has left);
- ``none`` (no token), ``bogus`` (an unknown token), ``revoked`` (a revoked one).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from litestar.testing import AsyncTestClient

from service.app import create_app
from tests.conftest import Api, _pg_execute, make_settings, the_state_is_the_ledgers

pytestmark = pytest.mark.asyncio(loop_scope="module")

ANSWERS = ["yes", "partly", "no", "yes", "no", "no", "yes", "partly", "yes", "yes", "no", "yes"]
CSV_ROWS = "type,external_id,seller_id,outcome,amount,customer\ndeal,imp-{n},{s1},won,1000,Imp AS\n"


def soon(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@dataclass
class Csv:
    """A body sent as text/csv (``POST /api/import``)."""

    text: str


@dataclass
class Raw:
    """A body sent as it is, with its media type (the CRM connectors)."""

    content: bytes
    media: str


CRM = Path(__file__).parent / "fixtures" / "crm"
HUBSPOT_DEAL = Raw((CRM / "hubspot" / "deal_closedwon.json").read_bytes(), "application/json")
PIPEDRIVE_DEAL = Raw((CRM / "pipedrive" / "deal_won.json").read_bytes(), "application/json")
SALESFORCE_ELSEWHERE = Raw(  # a message from another org than HUDDLE_SALESFORCE_ORG_ID
    (CRM / "salesforce" / "outbound_opportunity.xml")
    .read_bytes()
    .replace(b"00DHn0000001234MAA", b"00DHn0000009999MAA"),
    "text/xml",
)


@dataclass
class World:
    api: Api
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    who: str
    body: Any = None
    expect: int | tuple[int, ...] = 403


# --------------------------------------------------------------------------- the world


async def build(api: Api) -> World:
    w = World(api)
    ids = w.ids
    ids["season"] = (await api.season("2000-01-01", "2099-12-31", "Now"))["id"]
    ids["future"] = (await api.season("2100-01-01", "2100-12-31", "Later"))["id"]
    ids["home"] = (await api.team("Home"))["id"]
    ids["away"] = (await api.team("Away"))["id"]
    people = (
        ("seller", "s1", "home", "seller"),
        ("mate", "s2", "home", "seller"),
        ("manager", "ma", "home", "manager"),
        ("other_manager", "mb", "away", "manager"),
        ("other_seller", "s3", "away", "seller"),
        ("left", "s4", "home", "seller"),
    )
    for who, key, team, role in people:
        email = f"{key}@example.com"
        member = await api.member(ids[team], f"Member {key}", role=role, email=email)
        ids[key] = member["id"]
        w.tokens[who] = api.tokens[member["id"]]
    w.tokens["admin"] = api.token
    w.tokens["display"] = await api.role_token("display")
    w.tokens["integration"] = await api.role_token("integration")
    w.tokens["bogus"] = "hud_" + "x" * 43
    revoked = await api.post("/api/tokens", {"role": "display", "label": "Old TV"}, expect=201)
    w.tokens["revoked"] = revoked.json()["token"]
    await api.call("DELETE", f"/api/tokens/{revoked.json()['id']}", expect=204)
    listed = await api.get("/api/tokens")
    ids["s2_token"] = next(t["id"] for t in listed if t["member_id"] == ids["s2"])

    await api.post(
        "/api/metrics", {"key": "calls", "name": "Calls", "points_per_unit": 1}, None, 201
    )
    ids["won"] = (await api.deal(ids["s1"], 50_000)).json()["deal"]["id"]
    ids["lost"] = (await api.deal(ids["s1"], 9_000, outcome="lost")).json()["deal"]["id"]
    ids["away_won"] = (await api.deal(ids["s3"], 50_000)).json()["deal"]["id"]
    ids["left_won"] = (await api.deal(ids["s4"], 20_000)).json()["deal"]["id"]
    ids["left_lost"] = (await api.deal(ids["s4"], 5_000, outcome="lost")).json()["deal"]["id"]
    for team in ("home", "away"):
        goal = {"team_id": ids[team], "season_id": ids["season"], "metric": "deals", "target": 9}
        ids[f"goal_{team}"] = (await api.post("/api/goals", goal, expect=201)).json()["id"]

    kudos = {"to_member_id": ids["s2"], "points": 1, "message": "Thanks for the demo"}
    ids["kudos"] = (await api.post("/api/kudos", kudos, w.tokens["seller"], 201)).json()["id"]
    mentoring = {"member_id": ids["s2"], "points": 1, "note": "Ran the pricing clinic"}
    made = await api.post("/api/mentoring", mentoring, w.tokens["manager"], 201)
    ids["mentoring"] = made.json()["id"]

    ids["reward"] = (
        await api.post("/api/rewards", {"name": "Lunch", "cost": 1}, None, 201)
    ).json()["id"]
    retired = (await api.post("/api/rewards", {"name": "Retired", "cost": 1}, None, 201)).json()
    ids["retired"] = retired["id"]
    await api.call("PATCH", f"/api/rewards/{retired['id']}", json={"active": False}, expect=200)
    for who, key in (("seller", "red_s1"), ("manager", "red_ma"), ("other_seller", "red_s3")):
        body = {"reward_id": ids["reward"]}
        ids[key] = (await api.post("/api/redemptions", body, w.tokens[who], 201)).json()["id"]

    contest = {
        "name": "Home sprint",
        "format": "ranking",
        "metric": "revenue",
        "starts_at": soon(hours=-1),
        "ends_at": soon(days=2),
    }
    made = await api.post("/api/contests", contest, w.tokens["manager"], 201)
    ids["contest_ma"] = made.json()["id"]
    made = await api.post("/api/contests", {**contest, "name": "Org sprint"}, None, 201)
    ids["contest_admin"] = made.json()["id"]
    challenge = {"opponent_id": ids["s2"], "metric": "revenue", "ends_at": soon(days=2)}
    made = await api.post("/api/challenges", challenge, w.tokens["seller"], 201)
    ids["challenge"] = made.json()["id"]

    await api.call("PATCH", f"/api/members/{ids['s4']}", json={"active": False}, expect=200)
    return w


@pytest_asyncio.fixture(scope="module", loop_scope="module", params=["sqlite", "postgres"])
async def world(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    redis_url: str,
) -> AsyncIterator[World]:
    """The world on a fresh database (SQLite always; PostgreSQL when reachable), served by
    the app in-process behind a real httpx client, for every case of this module."""
    tmp = tmp_path_factory.mktemp(f"roles-{request.param}")
    pg: tuple[str, str] | None = None
    if request.param == "sqlite":
        path = tmp / "huddle.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        db_url = f"sqlite://{path}"
    else:
        admin_url = request.getfixturevalue("pg_admin_url")
        template = request.getfixturevalue("pg_template")
        name = f"huddle_roles_{uuid.uuid4().hex[:12]}"
        await _pg_execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        pg = (admin_url, name)
        db_url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    try:
        app = create_app(make_settings(db_url, redis_url, tmp))
        async with AsyncTestClient(app=app, timeout=30) as client:
            yield await build(Api(client))
            client.blocking_portal.call(the_state_is_the_ledgers, app.state.writer)
    finally:
        if pg is not None:
            await _pg_execute(pg[0], f'DROP DATABASE IF EXISTS "{pg[1]}" WITH (FORCE)')


# --------------------------------------------------------------------------- helpers


def fill(value: Any, ids: dict[str, int]) -> Any:
    """A body with ``"@name"`` strings replaced by the world's ids."""
    if value == "@ends":  # read when the case runs (a module's world lives a minute or two)
        return soon(days=1)
    if isinstance(value, str) and value.startswith("@"):
        return ids[value[1:]]
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    return value


async def send(w: World, case: Case, who: str | None = None) -> httpx.Response:
    who = case.who if who is None else who
    headers = {} if who == "none" else {"Authorization": f"Bearer {w.tokens[who]}"}
    kwargs: dict[str, Any] = {}
    if isinstance(case.body, Raw):
        kwargs["content"] = case.body.content
        headers["Content-Type"] = case.body.media
    elif isinstance(case.body, Csv):
        kwargs["content"] = case.body.text.format(n=uuid.uuid4().hex[:8], **w.ids).encode()
        headers["Content-Type"] = "text/csv"
    elif case.body is not None:
        body = case.body
        if case.method == "POST" and case.path == "/api/contests":
            body = {**contest(), **body}
        kwargs["json"] = fill(body, w.ids)
    path = case.path.format(**w.ids)
    return await w.api.client.request(case.method, path, headers=headers, **kwargs)


async def last_seq(w: World) -> int:
    return int((await w.api.ledger())[-1]["seq"])


async def token_count(w: World) -> int:
    return len(await w.api.get("/api/tokens"))


def is_problem(response: httpx.Response, status: int) -> None:
    """A problem document whose detail says in words what was wrong."""
    assert response.headers["content-type"].startswith("application/problem+json"), (
        response.headers["content-type"],
        response.text,
    )
    body = response.json()
    assert body["status"] == status and body["title"], body
    detail = body["detail"]
    assert isinstance(detail, str) and len(detail) >= 20 and " " in detail, body
    assert detail[0].isupper() and detail.rstrip()[-1] in ".!)", body
    for jargon in ("Traceback", "Exception", "`", "NoneType"):
        assert jargon not in detail, body


async def check_refused(w: World, case: Case) -> None:
    before = await last_seq(w)
    tokens_before = await token_count(w) if "/api/tokens" in case.path else None
    crm = case.method == "POST" and case.path.startswith("/api/connectors/")
    kept_before = await w.api.get("/api/connectors/deliveries") if crm else None
    response = await send(w, case)
    expected = case.expect if isinstance(case.expect, tuple) else (case.expect,)
    assert response.status_code in expected, (response.status_code, response.text)
    is_problem(response, response.status_code)
    assert await last_seq(w) == before, "a refused request appended to the ledger"
    if tokens_before is not None:
        assert await token_count(w) == tokens_before, "a refused request changed the tokens"
    if kept_before is not None:
        kept = await w.api.get("/api/connectors/deliveries")
        assert kept == kept_before, "a refused delivery was kept"


def case(
    method: str,
    path: str,
    who: str,
    body: Any = None,
    expect: int | tuple[int, ...] = 403,
    bug: str | None = None,
    tag: str = "",
) -> Any:
    """A pytest.param of a Case; ``bug``: the server does not do what the contract says
    (strict xfail, with the reason in one sentence)."""
    marks = [pytest.mark.xfail(reason=bug, strict=True)] if bug else []
    name = f"{who}:{method} {path}{' ' + tag if tag else ''}"
    return pytest.param(Case(method, path, who, body, expect), id=name, marks=marks)


def each(method: str, path: str, whos: tuple[str, ...], body: Any = None, **kw: Any) -> list[Any]:
    return [case(method, path, who, body, **kw) for who in whos]


NOT_ADMIN = ("display", "integration", "seller", "manager")
NOT_MEMBER = ("display", "integration", "admin")
DEAL = {"seller_id": "@s1", "outcome": "won", "amount": 1000, "customer": "Refused AS"}
CONTEST = {"name": "Refused", "format": "ranking", "metric": "revenue"}


def contest() -> dict[str, Any]:
    """A contest's body, its times read when the case runs."""
    return {**CONTEST, "starts_at": soon(hours=-1), "ends_at": soon(days=1)}


# what the contract gives "any token": read by every role below, refused without a token
ANY_TOKEN_READS = [
    ("GET", "/api/teams"),
    ("GET", "/api/teams/{home}"),
    ("GET", "/api/members"),
    ("GET", "/api/members/{s1}"),
    ("GET", "/api/members/{s1}/profile"),
    ("GET", "/api/seasons"),
    ("GET", "/api/policy"),
    ("GET", "/api/goals"),
    ("GET", "/api/feed"),
    ("GET", "/api/leaderboards/members"),
    ("GET", "/api/leaderboards/members/{s1}"),
    ("GET", "/api/leaderboards/teams"),
    ("GET", "/api/feedback"),
    ("GET", "/api/contests"),
    ("GET", "/api/contests/{contest_ma}"),
    ("GET", "/api/metrics"),
    ("GET", "/api/rewards"),
    ("GET", "/api/stories"),
    ("GET", "/api/praise"),
    ("GET", "/api/members/{s1}/pending-reviews"),
    ("GET", "/api/members/{s1}/untold-stories"),
    ("GET", "/api/members/{s1}/improvement"),
    ("GET", "/api/teams/{home}/strengths"),
    ("GET", "/api/me"),
    ("POST", "/api/live/ticket"),
]

# --------------------------------------------------------------------------- admin only

ADMIN_ONLY = [
    ("POST", "/api/teams", {"name": "Refused team"}),
    ("PATCH", "/api/teams/{home}", {"nickname": "Refused"}),
    ("POST", "/api/members", {"name": "Refused", "team_id": "@home", "role": "seller"}),
    ("PATCH", "/api/members/{s1}", {"name": "Renamed"}),
    ("PATCH", "/api/members/{s2}", {"active": False}),
    ("POST", "/api/tokens", {"member_id": "@s1"}),
    ("POST", "/api/tokens", {"role": "admin", "label": "Mine now"}),
    ("GET", "/api/tokens", None),
    ("DELETE", "/api/tokens/{s2_token}", None),
    (
        "POST",
        "/api/seasons",
        {"name": "Refused", "starts_on": "2101-01-01", "ends_on": "2101-12-31"},
    ),
    ("PATCH", "/api/seasons/{season}", {"name": "Renamed"}),
    ("POST", "/api/seasons/{season}/close", None),
    ("DELETE", "/api/seasons/{future}", None),
    ("PUT", "/api/policy", {"deal_points": 1}),
    ("POST", "/api/metrics", {"key": "demos", "name": "Demos", "points_per_unit": 1}),
    ("PUT", "/api/currency/rates", {"rates": {"EUR": 11.5}}),
    ("PUT", "/api/teams/{home}/reward-budget", {"monthly": 100}),
    ("POST", "/api/rewards", {"name": "Refused", "cost": 1}),
    ("PATCH", "/api/rewards/{reward}", {"cost": 2}),
    ("DELETE", "/api/kudos/{kudos}", None),
    ("DELETE", "/api/mentoring/{mentoring}", None),
    ("GET", "/api/export/boards.csv", None),
    ("GET", "/api/export/ledger.csv", None),
    ("GET", "/api/connectors", None),
    ("GET", "/api/connectors/deliveries", None),
    ("POST", "/api/connectors/deliveries/1/replay", None),
]
ADMIN_CASES = [
    case(method, path, who, body, tag=str(body.get("role", "")) if isinstance(body, dict) else "")
    for method, path, body in ADMIN_ONLY
    for who in NOT_ADMIN
]


@pytest.mark.parametrize("c", ADMIN_CASES)
async def test_admin_only_endpoints_refuse_every_other_role(world: World, c: Case) -> None:
    """Teams, members (a seller's own profile too), tokens, seasons, policy, metrics,
    rates, budgets, rewards, revocations, exports and connectors are an admin's."""
    await check_refused(world, c)


# --------------------------------------------------------------------------- deals

REVIEW = {"answers": ANSWERS, "lesson": "Ask about budget earlier"}
NOT_CORRECTORS = ("display", "seller", "mate", "other_manager", "other_seller")
NOT_THE_SELLER = ("display", "integration", "admin", "manager", "mate")
DEAL_CASES = [
    case("POST", "/api/deals", "display", DEAL),
    case("POST", "/api/deals", "mate", DEAL, tag="another member's"),
    case("POST", "/api/deals", "other_manager", DEAL, tag="another team's"),
    case("POST", "/api/deals", "seller", {**DEAL, "seller_id": "@s3"}, tag="another member's"),
    case("POST", "/api/deals", "manager", {**DEAL, "seller_id": "@s3"}, tag="another team's"),
    *each("POST", "/api/deals/{won}/reverse", NOT_CORRECTORS, {"reason": "Refused"}),
    case("POST", "/api/deals/{away_won}/reverse", "manager", {"reason": "Refused"}),
    *each("PATCH", "/api/deals/{won}", NOT_CORRECTORS, {"amount": 1}),
    case("PATCH", "/api/deals/{away_won}", "manager", {"amount": 1}),
    case("PATCH", "/api/deals/{won}", "manager", {"seller_id": "@s3"}, tag="to another team"),
    *each("POST", "/api/deals/{won}/story", NOT_THE_SELLER, {"text": "How we won it"}),
    *each("POST", "/api/deals/{lost}/loss-review", NOT_THE_SELLER, REVIEW),
    case(
        "POST",
        "/api/webhooks/crm",
        "admin",
        {"event": "deal.won", "id": "x-1", "seller_id": "@s1", "amount": 1, "customer": "C"},
        expect=401,
        tag="token but no signature",
    ),
    *each("POST", "/api/import", ("display", "seller", "manager"), Csv(CSV_ROWS)),
    *[
        case("POST", f"/api/connectors/{crm}", who, body, expect=401, tag="token, no CRM auth")
        for crm, body in (
            ("hubspot", HUBSPOT_DEAL),
            ("pipedrive", PIPEDRIVE_DEAL),
            ("salesforce", SALESFORCE_ELSEWHERE),
        )
        for who in ("integration", "admin")
    ],
    case("POST", "/api/activities", "display", {"metric": "calls", "member_id": "@s1"}),
    case("POST", "/api/activities", "mate", {"metric": "calls", "member_id": "@s1"}),
    case("POST", "/api/activities", "other_manager", {"metric": "calls", "member_id": "@s1"}),
    case("POST", "/api/activities", "seller", {"metric": "calls", "member_id": "@s3"}),
    case(
        "POST",
        "/api/activities",
        "seller",
        {"metric": "calls", "member_email": "s3@example.com"},
        tag="by email",
    ),
    case("POST", "/api/activities", "manager", {"metric": "calls", "member_id": "@s3"}),
]


@pytest.mark.parametrize("c", DEAL_CASES)
async def test_deals_corrections_learning_and_activities_refuse(world: World, c: Case) -> None:
    """Deals for someone else, corrections outside one's team or by a seller, stories and
    loss reviews by anyone but the deal's seller, imports and activities out of scope."""
    await check_refused(world, c)


# --------------------------------------------------------------------------- coaching

KUDOS = {"to_member_id": "@s2", "points": 1, "message": "Thanks"}
MENTORING = {"member_id": "@s2", "points": 1, "note": "Refused"}
GOAL = {"team_id": "@home", "season_id": "@season", "metric": "revenue", "target": 100}
FEEDBACK = {"seller_id": "@s1", "customer": "Refused AS"}
NOT_COACH = ("seller", "display", "integration", "other_manager")
COACHING_CASES = [
    *each("POST", "/api/kudos", NOT_MEMBER, KUDOS),
    *each("GET", "/api/kudos/allowance", NOT_MEMBER),
    *each(
        "POST",
        "/api/mentoring",
        ("seller", "mate", "display", "integration", "other_manager"),
        MENTORING,
    ),
    case(
        "POST", "/api/mentoring", "manager", {**MENTORING, "member_id": "@s3"}, tag="another team"
    ),
    *each("GET", "/api/mentoring/budget", ("seller", "display", "integration")),
    *each("POST", "/api/goals", NOT_COACH, GOAL),
    case("POST", "/api/goals", "manager", {**GOAL, "team_id": "@away"}, tag="another team"),
    case(
        "POST",
        "/api/goals",
        "manager",
        {**GOAL, "member_targets": [{"member_id": "@s3", "target": 1}]},
        expect=(403, 422),
        tag="a member of another team",
    ),
    *each("PATCH", "/api/goals/{goal_home}", NOT_COACH, {"target": 5}),
    *each("DELETE", "/api/goals/{goal_home}", NOT_COACH),
    case(
        "PATCH",
        "/api/goals/{goal_home}",
        "manager",
        {"member_targets": [{"member_id": "@s3", "target": 1}]},
        expect=(403, 422),
        tag="a member of another team",
    ),
    *each(
        "POST",
        "/api/feedback-requests",
        ("display", "integration", "mate", "other_seller", "other_manager"),
        FEEDBACK,
    ),
    *each("GET", "/api/insights/losses", ("seller", "display", "integration")),
    case("GET", "/api/insights/losses?team_id={home}", "other_manager"),
    *each("GET", "/api/teams/{home}/pending-reviews", NOT_COACH),
    *each("GET", "/api/teams/{home}/feedback-summary", NOT_COACH),
    *each("GET", "/api/teams/{home}/who-to-ask", NOT_COACH),
]


@pytest.mark.parametrize("c", COACHING_CASES)
async def test_kudos_mentoring_goals_and_coaching_refuse(world: World, c: Case) -> None:
    """Kudos only from members; mentoring, goals and the coach's views only for the
    team's manager (or an admin); feedback links for one's own meetings or team."""
    await check_refused(world, c)


# --------------------------------------------------------------------------- rewards

NOT_DECIDERS = ("seller", "mate", "other_manager", "other_seller", "display", "integration")
REWARD_CASES = [
    *each(
        "GET",
        "/api/members/{s1}/wallet",
        ("mate", "other_seller", "other_manager", "display", "integration"),
    ),
    *each("POST", "/api/redemptions", NOT_MEMBER, {"reward_id": "@reward"}),
    *[
        case("POST", f"/api/redemptions/{{red_s1}}/{action}", who, {})
        for action in ("approve", "decline", "fulfil")
        for who in NOT_DECIDERS
    ],
    case("POST", "/api/redemptions/{red_ma}/approve", "manager", {}, tag="own redemption"),
    case("POST", "/api/redemptions/{red_s3}/decline", "manager", {}, tag="another team's"),
    *each("GET", "/api/redemptions", ("display", "integration")),
]


@pytest.mark.parametrize("c", REWARD_CASES)
async def test_wallets_and_redemptions_refuse(world: World, c: Case) -> None:
    """A wallet is for its member, their manager and admins; redemptions are asked by
    members and decided by the member's manager or an admin."""
    await check_refused(world, c)


# --------------------------------------------------------------------------- contests

CHALLENGE = {"opponent_id": "@s2", "metric": "revenue", "ends_at": "@ends"}
NOT_OPPONENT = ("seller", "other_seller", "manager", "display", "integration", "admin")
CONTEST_CASES = [
    *each("POST", "/api/contests", ("seller", "display", "integration"), {}),
    case(
        "POST",
        "/api/contests",
        "other_manager",
        {"participants": {"team_ids": ["@home"]}},
        tag="another team",
    ),
    case(
        "POST",
        "/api/contests",
        "manager",
        {"participants": {"team_ids": ["@home", "@away"]}},
        tag="two teams",
    ),
    case(
        "POST",
        "/api/contests",
        "manager",
        {"participants": {"member_ids": ["@s1", "@s3"]}},
        tag="a member of another team",
    ),
    case(
        "POST",
        "/api/contests",
        "manager",
        {
            "format": "head_to_head",
            "sides": [
                {"name": "Us", "team_ids": ["@home"]},
                {"name": "Them", "team_ids": ["@away"]},
            ],
        },
        tag="a side of another team",
    ),
    *each(
        "POST",
        "/api/contests/{contest_ma}/cancel",
        ("seller", "mate", "other_manager", "display", "integration"),
        {},
    ),
    case("POST", "/api/contests/{contest_admin}/cancel", "manager", {}, tag="an admin's"),
    *each("POST", "/api/challenges", NOT_MEMBER, CHALLENGE),
    *each("POST", "/api/challenges/{challenge}/accept", NOT_OPPONENT, {}),
    *each("POST", "/api/challenges/{challenge}/decline", NOT_OPPONENT, {}),
    *each("PUT", "/api/teams/{home}/challenge-cap", NOT_COACH, {"max_open": 3}),
]


@pytest.mark.parametrize("c", CONTEST_CASES)
async def test_contests_and_challenges_refuse(world: World, c: Case) -> None:
    """Contests by admins, or a manager within their own team; cancelled by who created
    them; challenges between members, answered by the one challenged."""
    await check_refused(world, c)


# --------------------------------------------------------------------------- a member who left

LEFT_CASES = [
    case("POST", "/api/kudos", "left", KUDOS),
    case("POST", "/api/deals/{left_won}/story", "left", {"text": "How I won it"}),
    case("POST", "/api/deals/{left_lost}/loss-review", "left", REVIEW),
    case("POST", "/api/redemptions", "left", {"reward_id": "@reward"}),
    case("POST", "/api/challenges", "left", CHALLENGE),
    case("POST", "/api/deals", "left", {**DEAL, "seller_id": "@s4"}, expect=(403, 409)),
    case("POST", "/api/deals", "admin", {**DEAL, "seller_id": "@s4"}, expect=409),
    case("POST", "/api/activities", "left", {"metric": "calls"}, expect=(403, 409)),
    case(
        "POST",
        "/api/feedback-requests",
        "left",
        {"seller_id": "@s4", "customer": "Refused AS"},
    ),
]


@pytest.mark.parametrize("c", LEFT_CASES)
async def test_a_member_who_left_records_nothing_more(world: World, c: Case) -> None:
    """README: a member who left keeps a working token that records nothing more (403: no
    kudos, story, review, challenge, redemption), and no deal is credited to them (409)."""
    await check_refused(world, c)


# --------------------------------------------------------------------------- no token


def _first_bodies() -> dict[tuple[str, str], Any]:
    """Each (method, path) of the refusals above with the first (valid) body sent to it."""
    bodies: dict[tuple[str, str], Any] = {}
    for p in (*ADMIN_CASES, *DEAL_CASES, *COACHING_CASES, *REWARD_CASES, *CONTEST_CASES):
        c = p.values[0]
        if "webhooks" not in c.path and "connectors/" not in c.path:
            bodies.setdefault((c.method, c.path), c.body)
    for method, path in (("GET", "/metrics"), *ANY_TOKEN_READS):
        bodies[(method, path)] = None
    return bodies


UNAUTHENTICATED = _first_bodies()


@pytest.mark.parametrize(
    "method, path", [pytest.param(m, p, id=f"{m} {p}") for m, p in sorted(UNAUTHENTICATED)]
)
async def test_no_unknown_or_revoked_token_is_401(world: World, method: str, path: str) -> None:
    """Without a token, with one nobody issued, or with a revoked one: 401 as a problem
    document, and nothing changes."""
    before = await last_seq(world)
    body = UNAUTHENTICATED[(method, path)]
    for who in ("none", "bogus", "revoked"):
        response = await send(world, Case(method, path, who, body), who)
        assert response.status_code == 401, (who, response.status_code, response.text)
        is_problem(response, 401)
    assert await last_seq(world) == before


CHECKED_FIRST = (
    "the body is validated before the role is checked: a valid token of a role that may not "
    "call the path gets a 422 naming the missing fields instead of a 403 (without a valid "
    "token it is a 401)."
)
TOKEN_BEFORE_BODY = [
    case(
        method,
        path,
        who,
        {},
        expect=401 if who == "none" else 403,
        bug=None if who == "none" else CHECKED_FIRST,
    )
    for method, path in (
        ("POST", "/api/teams"),
        ("POST", "/api/deals"),
        ("POST", "/api/kudos"),
        ("PUT", "/api/teams/{home}/reward-budget"),
    )
    for who in ("none", "display")
]


@pytest.mark.parametrize("c", TOKEN_BEFORE_BODY)
async def test_who_is_asking_is_answered_before_what_is_sent(world: World, c: Case) -> None:
    """An anonymous caller (401) or a role that may not do it (403) is told so whatever
    the body holds: an empty one is no reason to learn the schema's required fields."""
    await check_refused(world, c)


# --------------------------------------------------------------------------- reads

READ_CASES = [
    *each("GET", "/metrics", ("display", "seller", "manager")),
]


@pytest.mark.parametrize("c", READ_CASES)
async def test_reads_that_are_not_for_every_token_refuse(world: World, c: Case) -> None:
    """Prometheus metrics are for admin and integration tokens."""
    await check_refused(world, c)


SCOPED_LISTS = [
    ("mate", "/api/redemptions?member_id={s1}", "member_id", {"s2"}),
    ("seller", "/api/redemptions", "member_id", {"s1"}),
    ("other_manager", "/api/redemptions", "team_id", {"away"}),
    ("manager", "/api/redemptions", "team_id", {"home"}),
    ("other_seller", "/api/redemptions?member_id={s1}", "member_id", {"s3"}),
]


@pytest.mark.parametrize(
    "who, path, key, allowed",
    [pytest.param(*s, id=f"{s[0]}:GET {s[1]}") for s in SCOPED_LISTS],
)
async def test_lists_show_only_what_the_caller_may_see(
    world: World, who: str, path: str, key: str, allowed: set[str]
) -> None:
    """A seller lists their own redemptions, a manager their team's, whatever filter they
    send (a 403 would do too: what matters is that nothing else is shown)."""
    response = await send(world, Case("GET", path, who))
    if response.status_code == 403:
        is_problem(response, 403)
        return
    assert response.status_code == 200, response.text
    seen = {row[key] for row in response.json()}
    assert seen <= {world.ids[a] for a in allowed}, response.json()


async def test_rewards_off_the_shop_are_an_admins_to_see(world: World) -> None:
    """``?all=true`` shows rewards taken off the shop to admins only."""
    response = await send(world, Case("GET", "/api/rewards?all=true", "seller"))
    assert response.status_code == 200
    assert world.ids["retired"] not in {r["id"] for r in response.json()}


async def test_a_batch_refuses_another_members_activity_item_by_item(world: World) -> None:
    """``{items: [...]}`` answers 200 with one result per item: a seller's item for
    another member is a 403 result, and nothing is recorded."""
    before = await last_seq(world)
    items = [{"metric": "calls", "member_id": "@s3"}, {"metric": "calls", "member_id": "@s2"}]
    response = await send(world, Case("POST", "/api/activities", "seller", {"items": items}))
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [403, 403], results
    assert all(r["detail"] for r in results)
    assert await last_seq(world) == before


# --------------------------------------------------------------------------- allowed

ANY_TOKEN_CASES = [
    case(m, p, who, expect=201 if m == "POST" else 200)
    for m, p in ANY_TOKEN_READS
    for who in ("display", "integration", "other_seller")
]


@pytest.mark.parametrize("c", ANY_TOKEN_CASES)
async def test_any_token_reads_what_every_token_may(world: World, c: Case) -> None:
    """What the contract gives "any token" answers a display, an integration and a
    seller of another team alike (a profile is anyone's to read), and changes nothing."""
    before = await last_seq(world)
    response = await send(world, c)
    assert response.status_code == c.expect, response.text
    assert await last_seq(world) == before


ALLOWED = [
    case("GET", "/api/members/{s1}/wallet", "seller", expect=200),
    case("GET", "/api/members/{s1}/wallet", "manager", expect=200),
    case("GET", "/api/members/{s4}/wallet", "left", expect=200),
    case("GET", "/api/kudos/allowance", "left", expect=200),
    case("GET", "/metrics", "integration", expect=200),
    case("GET", "/api/insights/losses", "manager", expect=200),
    case("GET", "/api/teams/{home}/pending-reviews", "manager", expect=200),
    case("GET", "/api/teams/{home}/feedback-summary", "manager", expect=200),
    case("GET", "/api/teams/{home}/who-to-ask", "manager", expect=200),
    case("GET", "/api/mentoring/budget", "manager", expect=200),
    # writes, from here on: these change the world, so they run last
    case("POST", "/api/deals", "integration", {**DEAL, "seller_id": "@s3"}, expect=201),
    case("POST", "/api/deals", "manager", {**DEAL, "seller_id": "@s2"}, expect=201),
    case("POST", "/api/deals", "seller", DEAL, expect=201),
    case("POST", "/api/activities", "seller", {"metric": "calls"}, expect=201),
    case("POST", "/api/activities", "manager", {"metric": "calls", "member_id": "@s2"}, expect=201),
    case(
        "POST",
        "/api/activities",
        "integration",
        {"metric": "calls", "member_id": "@s3"},
        expect=201,
    ),
    case("POST", "/api/import", "integration", Csv(CSV_ROWS), expect=200),
    case("POST", "/api/feedback-requests", "seller", FEEDBACK, expect=201),
    case("POST", "/api/feedback-requests", "manager", FEEDBACK, expect=201),
    case("POST", "/api/kudos", "mate", {**KUDOS, "to_member_id": "@s1"}, expect=201),
    case("POST", "/api/mentoring", "manager", {**MENTORING, "member_id": "@s1"}, expect=201),
    case("PUT", "/api/teams/{home}/challenge-cap", "manager", {"max_open": 5}, expect=200),
    case("PATCH", "/api/goals/{goal_home}", "manager", {"target": 50}, expect=200),
    case("PATCH", "/api/deals/{won}", "manager", {"customer": "Fixed AS"}, expect=200),
    case("PATCH", "/api/deals/{won}", "integration", {"customer": "Fixed again AS"}, expect=200),
    case(
        "POST", "/api/deals/{away_won}/reverse", "integration", {"reason": "Re-opened"}, expect=201
    ),
    case("POST", "/api/deals/{won}/story", "seller", {"text": "How we won it"}, expect=201),
    case("POST", "/api/deals/{lost}/loss-review", "seller", REVIEW, expect=201),
    case("POST", "/api/redemptions/{red_s1}/approve", "manager", {}, expect=200),
    case("POST", "/api/redemptions/{red_ma}/decline", "admin", {}, expect=200),
    case("POST", "/api/challenges/{challenge}/accept", "mate", {}, expect=200),
    case("POST", "/api/contests/{contest_ma}/cancel", "manager", {}, expect=200),
]


@pytest.mark.parametrize("c", ALLOWED)
async def test_what_the_contract_allows_is_allowed(world: World, c: Case) -> None:
    """The other side of each scope: the member themselves, their own team's manager, an
    integration for anyone; reads change nothing, writes are recorded."""
    before = await last_seq(world)
    response = await send(world, c)
    assert response.status_code == c.expect, response.text
    after = await last_seq(world)
    if c.method == "GET" or c.path == "/api/feedback-requests":
        assert after == before
    else:
        assert after > before
