"""The OpenAPI schema says what the API does: numbers are ``number``, ids keep their
bounds, every operation documents the problems it may answer; and a bounded schemathesis
run against a real server finds no server error and no answer outside the schema."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.app import create_app
from service.core.commands import MAX_ID
from service.settings import Settings
from tests.conftest import ADMIN, ROOT, Api

PROBLEM = "application/problem+json"
METHODS = {"get", "post", "put", "patch", "delete"}

# What the run checks on every answer. Left out, with the reason:
# - positive_data_acceptance: Huddle refuses with a 422 some requests the JSON Schema
#   allows, by rule (dates in order and from 1970, ≤ 2 decimals on points, assists who
#   exist, one target per member, known policy keys); the contract wants those 422s.
# - use_after_free, ensure_resource_availability, object_level_authorization: they need
#   the stateful phase (see PHASES) and, for the last, a second identity's resources.
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "ignored_auth",
]
# Left out: the stateful phase, which chains operations through OpenAPI links (the schema
# declares none) and runs until a time budget is spent, not a bound.
PHASES = "examples,coverage,fuzzing"
MAX_EXAMPLES = 25  # per operation in the fuzzing phase; the coverage phase adds its own
# Operations that an admin token may not use (kudos, allowances, loss reviews and win
# stories are a member's): run again with a manager's token, the seller of the seeded deals.
MEMBER_OPERATIONS = r"^/api/(kudos|mentoring|deals/\{deal_id\}/)"


def _schema() -> dict[str, Any]:
    app = create_app(Settings(admin_token=ADMIN))
    return app.openapi_schema.to_schema()


def _operations(schema: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def _walk(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _walk(value, f"{where}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{where}[{i}]")


def test_numbers_are_numbers() -> None:
    """No schema offers oneOf integer/number (a whole number matches both, so fails it);
    points, amounts and targets are ``number``."""
    schema = _schema()
    for where, node in _walk(schema):
        for key in ("oneOf", "anyOf"):
            types = {branch.get("type") for branch in node.get(key, [])}
            assert not {"integer", "number"} <= types, where
    components = schema["components"]["schemas"]
    for name, field in [
        ("Award", "points"),
        ("EntryAward", "points"),
        ("Deal", "amount"),
        ("DealIn", "amount"),
        ("Goal", "target"),
        ("Progress", "value"),
        ("Progress", "percent"),
        ("BoardEntry", "score"),
        ("TeamEntry", "score"),
        ("KudosResult", "allowance_left"),
        ("KudosIn", "points"),
    ]:
        assert components[name]["properties"][field]["type"] == "number", (name, field)


def test_ids_keep_their_bounds() -> None:
    """Ids are integers from 1 to 2,147,483,647 wherever a request names one: bodies, list
    items, paths and optional query filters (which are never ``null``)."""
    schema = _schema()
    deal_in = schema["components"]["schemas"]["DealIn"]["properties"]
    for node in (deal_in["seller_id"], deal_in["assists"]["items"]):
        assert (node["minimum"], node["maximum"]) == (1, MAX_ID), node
    for name, operation in _operations(schema):
        for parameter in operation.get("parameters", []):
            if parameter["name"].endswith("_id"):
                node = parameter["schema"]
                assert node["type"] == "integer", (name, parameter)
                assert (node["minimum"], node["maximum"]) == (1, MAX_ID), (name, parameter)
            assert "oneOf" not in parameter["schema"], (name, parameter)
    feed = {p["name"]: p["schema"] for p in schema["paths"]["/api/feed"]["get"]["parameters"]}
    assert feed["before"]["minimum"] == 0


def test_every_operation_documents_its_problems() -> None:
    """Each operation documents 503 with Retry-After; 401 when it takes a token; 400, 413
    and 422 when it reads a body; 422 when a parameter can be invalid; each as problem
    details (and none of Litestar's own 400 body, which Huddle never sends)."""
    schema = _schema()
    for name, operation in _operations(schema):
        responses = operation["responses"]
        if name == "GET /api/health":  # its 503 is the health report itself
            assert "Health" in json.dumps(responses["503"]), responses
            continue
        expected = {"503"}
        if "security" not in operation:  # the document's bearer token applies
            expected.add("401")
        if "requestBody" in operation:
            expected |= {"400", "413", "422"}
        if any(_can_be_invalid(p["schema"]) for p in operation.get("parameters", [])):
            expected.add("422")
        assert expected <= set(responses), (name, sorted(responses))
        for status, response in responses.items():
            if int(status) < 400:
                continue
            assert response["content"][PROBLEM]["schema"] == {
                "$ref": "#/components/schemas/ProblemDetails"
            }, (name, status)
            assert "application/json" not in response["content"], (name, status)
            if status in ("429", "503"):
                assert "Retry-After" in response["headers"], (name, status)
    assert schema["paths"]["/api/tokens"]["post"]["responses"].keys() >= {"403", "404"}
    assert "409" in schema["paths"]["/api/kudos"]["post"]["responses"]
    assert "429" in schema["paths"]["/f/{key}"]["post"]["responses"]


def _can_be_invalid(schema: dict[str, Any]) -> bool:
    constraints = {"pattern", "enum", "minLength", "maxLength", "minimum", "maximum"}
    return schema.get("type") != "string" or bool(constraints & set(schema))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test's settings with the feedback pages' rate limit out of the run's way (the
    run posts to them far more often than a customer could)."""
    return replace(settings, feedback_rate_limit=1_000_000)


async def _seed(api: Api) -> str:
    """A season, two teams, a manager who sold a won and a lost deal, teammates, a goal,
    kudos and a feedback link; the manager's token."""
    season = await api.season(name="Q4")
    oslo = await api.team("Oslo", nickname="The Vikings", color="#c8102e")
    bergen = await api.team("Bergen")
    manager = await api.member(oslo["id"], "Ingrid Berg", role="manager")
    seller = await api.member(oslo["id"], "Ola Nordmann", email="ola@example.com")
    await api.member(bergen["id"], "Henrik Moe")
    await api.deal(manager["id"], 50_000, assists=[seller["id"]], external_id="crm-1")
    await api.deal(manager["id"], 2_000, outcome="lost")
    goal = {
        "team_id": oslo["id"],
        "season_id": season["id"],
        "metric": "revenue",
        "target": 200_000,
        "member_targets": [{"member_id": seller["id"], "target": 1}],
    }
    await api.post("/api/goals", goal, expect=201)
    kudos = {"to_member_id": seller["id"], "points": 2, "message": "Thanks"}
    await api.post("/api/kudos", kudos, token=api.tokens[manager["id"]], expect=201)
    link = {"seller_id": seller["id"], "customer": "Acme AS"}
    await api.post("/api/feedback-requests", link, expect=201)
    return api.tokens[manager["id"]]


def _run(base_url: str, token: str, report: Path, secret: str, *args: str) -> dict[str, Any]:
    """One ``st run`` over the served schema; its JSON report (with its output on failure)."""
    command = [
        str(Path(sys.executable).with_name("st")),
        "run",
        f"{base_url}/schema/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        ",".join(CHECKS),
        "--phases",
        PHASES,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--generation-deterministic",  # the same cases every run, and no example database
        "--no-shrink",
        "--request-timeout",
        "10",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        *args,
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": "tests.schemathesis_hooks",
        "HUDDLE_TEST_WEBHOOK_SECRET": secret,
    }
    done = subprocess.run(
        command, cwd=report.parent, env=env, capture_output=True, text=True, timeout=300
    )
    assert report.exists(), done.stdout[-5000:] + done.stderr[-3000:]
    result: dict[str, Any] = json.loads(report.read_text())
    result["output"] = done.stdout
    return result


def _summary(label: str, result: dict[str, Any]) -> str:
    cases, operations = result["test_cases"], result["operations"]
    failures = len(result["failures"]) + len(result["errors"])
    return (
        f"schemathesis {result['schemathesis_version']}, {label}: {operations['tested']} "
        f"operations, {cases['generated']} cases ({PHASES}; {MAX_EXAMPLES} fuzzed per "
        f"operation), {failures} failures, {result['running_time']:.1f} s"
    )


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
    start_server: Any, settings: Settings, tmp_path: Path
) -> None:
    """Every operation, fuzzed with an admin's token (and the member-only ones with a
    manager's): not one 5xx, and every answer's status, content type, headers and body
    are as documented; invalid requests are refused."""
    started = time.monotonic()
    server = start_server()
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        manager_token = await _seed(Api(client))
    secret = settings.webhook_secret or ""
    admin, member = await asyncio.gather(
        asyncio.to_thread(_run, server.url, ADMIN, tmp_path / "admin.json", secret),
        asyncio.to_thread(
            _run,
            server.url,
            manager_token,
            tmp_path / "member.json",
            secret,
            "--include-path-regex",
            MEMBER_OPERATIONS,
        ),
    )
    for label, result in (("admin token", admin), ("manager token", member)):
        print(_summary(label, result))
        assert result["exit_code"] == 0 and not result["failures"] and not result["errors"], result[
            "output"
        ][-8000:]
        assert result["operations"]["tested"] == result["operations"]["selected"]
    assert admin["operations"]["tested"] == len(list(_operations(_schema())))
    server_log = server.log.read_text()
    assert "Traceback" not in server_log, server_log[-5000:]
    print(f"whole test: {time.monotonic() - started:.1f} s")
