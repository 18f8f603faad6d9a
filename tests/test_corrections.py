"""Corrections are entries: reversing and correcting deals, revoking kudos and mentoring.

Every test runs on SQLite and PostgreSQL; boards, goals and bonuses are checked exactly.
"""

import asyncio

import pytest

REASON = {"reason": "logged on the wrong customer"}


async def _team(api, size=4, name=None):
    team = await api.team(name)
    members = [await api.member(team["id"]) for _ in range(size)]
    manager = await api.member(team["id"], role="manager")
    return team, members, manager


async def _teams_board(api):
    data = await api.get("/api/leaderboards/teams")
    return {e["team_id"]: (e["total"], e["score"]) for e in data["entries"]}


async def _goal(api, team_id):
    goals = await api.get("/api/goals", team_id=team_id)
    assert len(goals) == 1
    return goals[0]


async def test_reversal_takes_back_every_point(api):
    """A won deal with assists, reversed: seller, teammates, assists and the team are back
    where they were, the feed shows both entries, and the reversal does not celebrate."""
    await api.season()
    team, (a, b, c, d), _ = await _team(api)
    other, (x,), _ = await _team(api, 1)
    before = await api.board()
    deal = (await api.deal(a["id"], 50_000, assists=[x["id"]])).json()
    assert (await api.board())[a["id"]] == 48
    r = await api.post(f"/api/deals/{deal['deal']['id']}/reverse", REASON, expect=201)
    body = r.json()
    assert body["entry"]["kind"] == "deal.reversed"
    assert body["entry"]["celebrate"] is False
    assert body["entry"]["data"]["reason"] == REASON["reason"]
    assert body["entry"]["data"]["reverses"] == deal["deal"]["seq"]
    assert sorted((w["member_id"], w["category"], w["points"]) for w in body["awards"]) == sorted(
        (w["member_id"], w["category"], -w["points"]) for w in deal["awards"]
    )
    assert await api.board() == before | {m["id"]: 0 for m in (a, b, c, d, x)}
    assert {t: v for t, v in (await _teams_board(api)).items()} == {
        team["id"]: (0, 0),
        other["id"]: (0, 0),
    }
    kinds = [e["kind"] for e in await api.ledger()]
    assert kinds[-2:] == ["deal.won", "deal.reversed"]
    again = await api.post(f"/api/deals/{deal['deal']['id']}/reverse", REASON, expect=409)
    assert "already reversed" in again.json()["detail"]


async def test_reversal_refusals_change_nothing(api):
    await api.season()
    team, (a, b), manager = await _team(api, 2)
    _, (x,), other_manager = await _team(api, 1)
    deal_id = (await api.deal(a["id"], 20_000)).json()["deal"]["id"]
    seq = (await api.ledger())[-1]["seq"]
    path = f"/api/deals/{deal_id}/reverse"
    cases = [
        (api.tokens[a["id"]], REASON, 403),  # a seller cannot take back a deal
        (api.tokens[other_manager["id"]], REASON, 403),  # another team's manager
        (None, {"reason": ""}, 422),
        (None, {}, 400),
        (None, {"reason": "x", "extra": 1}, 400),
    ]
    for token, body, status in cases:
        r = await api.post(path, body, token=token)
        assert r.status_code in (status, 422 if status == 400 else status), (body, r.text)
        assert r.json()["detail"]
    r = await api.post("/api/deals/999999/reverse", REASON, expect=404)
    assert "no deal" in r.json()["detail"]
    assert (await api.ledger())[-1]["seq"] == seq
    assert (await api.board())[a["id"]] == 24  # 20 points less the 20 % share
    # the team's manager and an integration may
    await api.post(path, REASON, token=api.tokens[manager["id"]], expect=201)
    integration = await api.role_token("integration")
    deal2 = (await api.deal(a["id"], 1_000)).json()["deal"]["id"]
    await api.post(f"/api/deals/{deal2}/reverse", REASON, token=integration, expect=201)
    assert (await api.board())[a["id"]] == 0


async def test_reversal_takes_back_goal_bonus_and_badge_and_pays_again(api):
    """A deal that reached the team goal and earned a badge, reversed: the goal drops below
    target, its bonus and the badge are taken back; a later deal reaches it again and
    pays the bonus and the badge again, once."""
    season = await api.season()
    team, (a, b), manager = await _team(api, 2)
    await api.post(
        "/api/goals",
        {
            "team_id": team["id"],
            "season_id": season["id"],
            "metric": "revenue",
            "target": 40_000,
            "member_targets": [{"member_id": a["id"], "target": 30_000}],
        },
        expect=201,
    )
    deal = (await api.deal(a["id"], 50_000)).json()
    goal = await _goal(api, team["id"])
    assert goal["progress"]["reached_at"] and goal["progress"]["value"] == 50_000
    # 60 points: 40 for a (48 less nothing... team of 3 incl. manager: 20 % shared)
    board = await api.board()
    bonus = {"team": 25, "member": 10}
    assert board[a["id"]] == 48 + bonus["team"] + bonus["member"]
    assert board[b["id"]] == 6 + bonus["team"] and board[manager["id"]] == 6 + bonus["team"]
    badges = await api.get(f"/api/members/{a['id']}/profile")
    assert [x["code"] for x in badges["badges"]] == ["first-goal"]

    r = await api.post(f"/api/deals/{deal['deal']['id']}/reverse", REASON, expect=201)
    events = r.json()["entry"]["events"]
    assert {e["type"] for e in events} >= {"goal_progress", "goal_reopened", "badge_revoked"}
    assert r.json()["entry"]["celebrate"] is False
    assert await api.board() == {a["id"]: 0, b["id"]: 0, manager["id"]: 0}
    goal = await _goal(api, team["id"])
    assert goal["progress"]["value"] == 0 and goal["progress"]["reached_at"] is None
    member_part = goal["member_targets"][0]["progress"]
    assert member_part["value"] == 0 and member_part["reached_at"] is None
    assert (await api.get(f"/api/members/{a['id']}/profile"))["badges"] == []

    # earned again: paid again, once
    await api.deal(a["id"], 45_000)
    board = await api.board()
    assert board[a["id"]] == 44 + bonus["team"] + bonus["member"]
    assert board[b["id"]] == 5.5 + bonus["team"]
    goal = await _goal(api, team["id"])
    assert goal["progress"]["reached_at"] and goal["progress"]["value"] == 45_000
    badges = await api.get(f"/api/members/{a['id']}/profile")
    assert [x["code"] for x in badges["badges"]] == ["first-goal"]
    await api.deal(a["id"], 1_000)  # beyond the goal: no bonus again
    assert (await api.board())[b["id"]] == 5.5 + bonus["team"] + 1.1


async def test_reversal_keeps_a_goal_still_reached(api):
    """Reversing one of two deals that together passed the goal: if the rest still
    reaches it, the bonus stays."""
    season = await api.season()
    team, (a, b), manager = await _team(api, 2)
    await api.post(
        "/api/goals",
        {"team_id": team["id"], "season_id": season["id"], "metric": "deals", "target": 1},
        expect=201,
    )
    first = (await api.deal(a["id"], 10_000)).json()
    await api.deal(b["id"], 10_000)
    await api.post(f"/api/deals/{first['deal']['id']}/reverse", REASON, expect=201)
    goal = await _goal(api, team["id"])
    assert goal["progress"]["value"] == 1 and goal["progress"]["reached_at"]
    board = await api.board()
    assert board[a["id"]] == 25 + 2  # the bonus stays; only b's deal's share is left
    assert board[b["id"]] == 16 + 25


async def test_correcting_amount_seller_and_date(api):
    """PATCH re-scores the deal as it should have been: boards and goals move by the
    difference, the deal keeps its id and external_id, the feed links both entries."""
    season = await api.season()
    team, (a, b, c), manager = await _team(api, 3)
    await api.post(
        "/api/goals",
        {"team_id": team["id"], "season_id": season["id"], "metric": "revenue", "target": 100_000},
        expect=201,
    )
    deal = (await api.deal(a["id"], 50_000, external_id="crm-7")).json()["deal"]
    r = await api.call(
        "PATCH", f"/api/deals/{deal['id']}", json={"amount": 80_000, "reason": "typo"}, expect=200
    )
    body = r.json()
    assert body["deal"]["id"] == deal["id"] and body["deal"]["external_id"] == "crm-7"
    assert body["deal"]["amount"] == 80_000
    assert body["reversal"]["entry"]["data"]["correction"] is True
    # 10 + 80 = 90 points: a 72, three teammates 6 each
    board = await api.board()
    assert board == {a["id"]: 72, b["id"]: 6, c["id"]: 6, manager["id"]: 6}
    assert (await _goal(api, team["id"]))["progress"]["value"] == 80_000
    feed = await api.ledger()
    reversal, rescore = feed[-2], feed[-1]
    assert (reversal["kind"], rescore["kind"]) == ("deal.reversed", "deal.won")
    assert rescore["data"]["rescores"] == reversal["seq"] and rescore["celebrate"] is False
    assert rescore["data"]["deal_id"] == deal["id"]

    # the seller was wrong: b closed it
    await api.call("PATCH", f"/api/deals/{deal['id']}", json={"seller_id": b["id"]}, expect=200)
    board = await api.board()
    assert board == {a["id"]: 6, b["id"]: 72, c["id"]: 6, manager["id"]: 6}
    # nothing changes: nothing recorded
    seq = (await api.ledger())[-1]["seq"]
    r = await api.call("PATCH", f"/api/deals/{deal['id']}", json={"amount": 80_000}, expect=200)
    assert r.json()["reversal"] is None and (await api.ledger())[-1]["seq"] == seq
    # the same external_id again still answers with the deal as corrected, no new points
    again = await api.deal(b["id"], 80_000, external_id="crm-7", expect=200)
    assert again.json()["deal"]["seller_id"] == b["id"] and again.json()["awards"] == []
    # an outcome correction: lost takes every point away, the goal too
    await api.call("PATCH", f"/api/deals/{deal['id']}", json={"outcome": "lost"}, expect=200)
    assert set((await api.board()).values()) == {0}
    assert (await _goal(api, team["id"]))["progress"]["value"] == 0


async def test_correction_refusals_change_nothing(api):
    await api.season()
    team, (a,), manager = await _team(api, 1)
    _, (x,), _ = await _team(api, 1)
    deal = (await api.deal(a["id"], 10_000)).json()["deal"]
    seq = (await api.ledger())[-1]["seq"]
    path = f"/api/deals/{deal['id']}"
    cases = [
        ({"amount": -1}, None, 422),
        ({"seller_id": 99999}, None, 404),
        ({"assists": [a["id"]]}, None, 422),  # the seller cannot assist themselves
        ({"closed_at": "2999-01-01T00:00:00+00:00"}, None, 422),
        ({"amount": 5}, api.tokens[a["id"]], 403),
        ({"seller_id": x["id"]}, api.tokens[manager["id"]], 403),  # not their team
        ({"amount": 5, "unknown": 1}, None, 400),
    ]
    for body, token, status in cases:
        r = await api.call("PATCH", path, token=token, json=body)
        assert r.status_code in (status, 422 if status == 400 else status), (body, r.text)
        assert r.json()["detail"]
    assert (await api.ledger())[-1]["seq"] == seq
    await api.post(f"{path}/reverse", REASON, expect=201)
    r = await api.call("PATCH", path, json={"amount": 5}, expect=409)
    assert "reversed" in r.json()["detail"]


async def test_story_and_review_points_are_taken_back(api):
    await api.season()
    team, (a,), _ = await _team(api, 1)
    token = api.tokens[a["id"]]
    won = (await api.deal(a["id"], 0)).json()["deal"]
    await api.post(f"/api/deals/{won['id']}/story", {"text": "We listened."}, token, expect=201)
    lost = (await api.deal(a["id"], 0, outcome="lost")).json()["deal"]
    answers = {"answers": ["yes"] * 12}
    await api.post(f"/api/deals/{lost['id']}/loss-review", answers, token, expect=201)
    assert (await api.board(category="learning"))[a["id"]] == 7
    await api.post(f"/api/deals/{won['id']}/reverse", REASON, expect=201)
    await api.post(f"/api/deals/{lost['id']}/reverse", REASON, expect=201)
    assert await api.board() == {a["id"]: 0, _["id"]: 0}
    r = await api.post(f"/api/deals/{won['id']}/story", {"text": "again"}, token, expect=409)
    assert r.json()["detail"]


async def test_crm_scores_a_reversed_deal_again(api):
    """A re-opened deal is reversed; won again with the same external_id, it is scored
    again as the same deal, and a third delivery adds nothing."""
    await api.season()
    team, (a,), _ = await _team(api, 1)
    deal = (await api.deal(a["id"], 10_000, external_id="hs-1")).json()["deal"]
    await api.post(f"/api/deals/{deal['id']}/reverse", {"reason": "re-opened"}, expect=201)
    assert (await api.board())[a["id"]] == 0
    again = await api.deal(a["id"], 12_000, external_id="hs-1", expect=201)
    assert again.json()["deal"]["id"] == deal["id"]
    assert (await api.board())[a["id"]] == 17.6
    await api.deal(a["id"], 12_000, external_id="hs-1", expect=200)
    assert (await api.board())[a["id"]] == 17.6


async def test_parallel_reversals_reverse_once(api):
    await api.season()
    team, (a, b), _ = await _team(api, 2)
    deal = (await api.deal(a["id"], 30_000)).json()["deal"]
    path = f"/api/deals/{deal['id']}/reverse"
    results = await asyncio.gather(*(api.post(path, REASON) for _ in range(50)))
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 49
    assert set((await api.board()).values()) == {0}
    assert [e["kind"] for e in await api.ledger()].count("deal.reversed") == 1


async def test_revoking_kudos_gives_the_allowance_back(api):
    await api.season()
    team, (a, b, c), _ = await _team(api, 3)
    token = api.tokens[a["id"]]
    kudos = await api.post(
        "/api/kudos",
        {"to_member_id": b["id"], "points": 5, "message": "thanks", "strength": "coach"},
        token,
        expect=201,
    )
    await api.post("/api/kudos", {"to_member_id": c["id"], "points": 5, "message": "x"}, token)
    assert (await api.get("/api/kudos/allowance", token=token))["left"] == 0
    path = f"/api/kudos/{kudos.json()['id']}"
    r = await api.call("DELETE", path, token=api.tokens[a["id"]], expect=403)
    assert r.json()["detail"]
    await api.call("DELETE", path, params={"reason": "a test"}, expect=204)
    assert (await api.board(category="help"))[b["id"]] == 0
    assert (await api.get("/api/kudos/allowance", token=token))["left"] == 5
    assert (await api.get(f"/api/members/{b['id']}/profile"))["breakdown"].get("help", 0) == 0
    r = await api.call("DELETE", path, expect=409)
    assert "already revoked" in r.json()["detail"]
    await api.call("DELETE", "/api/kudos/99999", expect=404)
    # the allowance given back can be given again, to the same teammate too
    await api.post(
        "/api/kudos", {"to_member_id": b["id"], "points": 5, "message": "again"}, token, expect=201
    )
    assert (await api.board(category="help"))[b["id"]] == 5


async def test_revoking_mentoring_gives_the_budget_back(api):
    await api.season()
    team, (a,), manager = await _team(api, 1)
    token = api.tokens[manager["id"]]
    award = await api.post(
        "/api/mentoring", {"member_id": a["id"], "points": 20, "note": "demo"}, token, expect=201
    )
    assert (await api.get("/api/mentoring/budget", token=token))["left"] == 30
    await api.call("DELETE", f"/api/mentoring/{award.json()['id']}", expect=204)
    assert (await api.get("/api/mentoring/budget", token=token))["left"] == 50
    assert (await api.board())[a["id"]] == 0
    await api.call("DELETE", f"/api/mentoring/{award.json()['id']}", expect=409)


@pytest.mark.parametrize("count", [3])
async def test_hat_trick_taken_back_only_when_no_week_has_three(api, count):
    """Reversing one deal of a week with three takes the hat-trick away; the badge
    comes back with the next third deal."""
    await api.season()
    team, (a,), _ = await _team(api, 1)
    deals = [(await api.deal(a["id"], 100)).json()["deal"] for _ in range(count)]
    codes = lambda p: sorted(x["code"] for x in p["badges"])  # noqa: E731
    assert codes(await api.get(f"/api/members/{a['id']}/profile")) == ["first-goal", "hat-trick"]
    await api.post(f"/api/deals/{deals[0]['id']}/reverse", REASON, expect=201)
    assert codes(await api.get(f"/api/members/{a['id']}/profile")) == ["first-goal"]
    await api.deal(a["id"], 100)
    assert codes(await api.get(f"/api/members/{a['id']}/profile")) == ["first-goal", "hat-trick"]


async def test_a_reversal_retried_with_its_idempotency_key_answers_the_same(api):
    await api.season()
    team, (a,), _ = await _team(api, 1)
    deal = (await api.deal(a["id"], 10_000)).json()["deal"]
    path = f"/api/deals/{deal['id']}/reverse"
    headers = {**api.auth(), "Idempotency-Key": "undo-1"}
    first = await api.client.post(path, json=REASON, headers=headers)
    again = await api.client.post(path, json=REASON, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["entry"]["seq"] == first.json()["entry"]["seq"]
    assert [e["kind"] for e in await api.ledger()].count("deal.reversed") == 1


async def test_changing_a_goal_pays_when_reached_and_keeps_what_was_paid(api):
    season = await api.season()
    team, (a, b), manager = await _team(api, 2)
    goal = (
        await api.post(
            "/api/goals",
            {"team_id": team["id"], "season_id": season["id"], "metric": "deals", "target": 3},
            expect=201,
        )
    ).json()
    await api.deal(a["id"], 0)
    await api.deal(b["id"], 0)
    assert (await api.board(category="bonus")) == {a["id"]: 0, b["id"]: 0, manager["id"]: 0}
    path = f"/api/goals/{goal['id']}"
    # lowered to what the team has: reached now, the bonus paid once
    body = {"target": 2, "member_targets": [{"member_id": a["id"], "target": 1}]}
    r = await api.call("PATCH", path, json=body, expect=200)
    assert r.json()["progress"]["reached_at"] and r.json()["target"] == 2
    (part,) = r.json()["member_targets"]
    assert part["progress"]["value"] == 1 and part["progress"]["reached_at"]  # a's deal counts
    bonus = {a["id"]: 25 + 10, b["id"]: 25, manager["id"]: 25}
    assert await api.board(category="bonus") == bonus
    # raised again: what was paid stays
    r = await api.call("PATCH", path, json={"target": 10}, token=api.tokens[manager["id"]])
    assert r.status_code == 200 and r.json()["member_targets"][0]["target"] == 1
    assert await api.board(category="bonus") == bonus
    # refusals change nothing
    seq = (await api.ledger())[-1]["seq"]
    for body, token, status in [
        ({}, None, 422),
        ({"target": 0}, None, 422),
        ({"member_targets": [{"member_id": 99999, "target": 1}]}, None, 422),
        ({"target": 5}, api.tokens[a["id"]], 403),
    ]:
        r = await api.call("PATCH", path, token=token, json=body)
        assert r.status_code == status and r.json()["detail"], (body, r.text)
    await api.call("PATCH", "/api/goals/9999", json={"target": 5}, expect=404)
    assert (await api.ledger())[-1]["seq"] == seq


async def test_removing_a_goal_takes_its_bonuses_back(api):
    season = await api.season()
    team, (a, b), manager = await _team(api, 2)
    body = {
        "team_id": team["id"],
        "season_id": season["id"],
        "metric": "revenue",
        "target": 1_000,
        "member_targets": [{"member_id": a["id"], "target": 500}],
    }
    goal = (await api.post("/api/goals", body, expect=201)).json()
    await api.deal(a["id"], 2_000)
    assert (await api.board(category="bonus"))[a["id"]] == 35
    await api.call(
        "DELETE", f"/api/goals/{goal['id']}", params={"reason": "wrong season"}, expect=204
    )
    assert set((await api.board(category="bonus")).values()) == {0}
    assert await api.get("/api/goals") == []
    assert (await api.ledger())[-1]["kind"] == "goal.removed"
    await api.call("DELETE", f"/api/goals/{goal['id']}", expect=404)
    # the team may set a goal of that metric again, and new deals move it
    goal = (await api.post("/api/goals", body, expect=201)).json()
    assert goal["progress"]["value"] == 2_000 and goal["progress"]["reached_at"]
    assert (await api.board(category="bonus"))[a["id"]] == 35


async def test_a_crm_reopens_a_won_deal_and_wins_it_again(api):
    """deal.reopened reverses the deal recorded under the CRM's id (again: 200, nothing
    more); a later deal.won with the same id scores it again, as the same deal."""
    import hashlib
    import hmac
    import json

    async def deliver(payload):
        raw = json.dumps(payload).encode()
        signature = hmac.new(b"test-webhook-secret", raw, hashlib.sha256).hexdigest()
        headers = {"X-Huddle-Signature": f"sha256={signature}"}
        return await api.client.post("/api/webhooks/crm", content=raw, headers=headers)

    await api.season()
    team, (a, b), _ = await _team(api, 2)
    won = {
        "event": "deal.won",
        "id": "hs-9",
        "seller_id": a["id"],
        "amount": 20_000,
        "customer": "DNB",
    }
    first = await deliver(won)
    assert first.status_code == 201
    reopened = await deliver({"event": "deal.reopened", "id": "hs-9"})
    assert reopened.status_code == 201, reopened.text
    assert all(w["points"] < 0 for w in reopened.json()["awards"])
    assert set((await api.board()).values()) == {0}
    again = await deliver({"event": "deal.reopened", "id": "hs-9"})
    assert again.status_code == 200 and again.json()["awards"] == []
    assert (await deliver({"event": "deal.reopened", "id": "nope"})).status_code == 404
    rewon = await deliver({**won, "amount": 30_000})
    assert rewon.status_code == 201 and rewon.json()["deal"]["id"] == first.json()["deal"]["id"]
    assert (await api.board())[a["id"]] == 32
    assert (
        await deliver({"event": "deal.won", "id": "x", "seller_id": a["id"]})
    ).status_code == 422
