"""Fair peer points: the per-recipient cap and the reciprocity check, pure and through the API."""

import pytest

from service.core.policy import Policy
from service.core.rules import KudosUsage, check_kudos
from service.errors import LimitReached

P = Policy()


def test_default_reciprocity_limit_can_bite():
    """With the defaults (cap 5, pair limit 8) a full swap of 5 + 5 is impossible."""
    assert P.kudos_reciprocity_limit < 2 * P.kudos_recipient_weekly_cap
    assert check_kudos(2, 1, 3, KudosUsage(0, 0, 500), P) == 300  # 5 + 3 = 8: allowed
    with pytest.raises(LimitReached, match="back and forth") as refused:
        check_kudos(2, 1, 4, KudosUsage(0, 0, 500), P)  # 5 + 4 = 9 > 8
    assert refused.value.extra["remaining"] == 3


def test_one_way_thanks_only_meet_the_recipient_cap():
    """Without kudos back, the pair limit does not apply: the recipient cap (5) does."""
    assert check_kudos(1, 2, 5, KudosUsage(0, 0, 0), Policy(kudos_reciprocity_limit=1)) == 500
    with pytest.raises(LimitReached, match="same teammate") as refused:
        check_kudos(1, 2, 2, KudosUsage(400, 400, 0), P)
    assert refused.value.extra["remaining"] == 1


def test_the_cap_counts_this_giver_only():
    """Other givers' kudos to the same recipient do not use up this giver's cap."""
    assert check_kudos(3, 2, 5, KudosUsage(0, 0, 0), P) == 500


async def _pair(api):
    await api.season()
    team = await api.team()
    a, b, c = [await api.member(team["id"]) for _ in range(3)]
    return a, b, c


async def _kudos(api, giver, to, points, expect):
    return await api.post(
        "/api/kudos",
        {"to_member_id": to["id"], "points": points, "message": "thanks"},
        token=api.tokens[giver["id"]],
        expect=expect,
    )


async def test_trading_kudos_is_refused_and_changes_nothing(api):
    """A→B 5, B→A 3 pass; B→A 1 more is refused (409, the reason and what is left)."""
    a, b, c = await _pair(api)
    await _kudos(api, a, b, 5, 201)
    await _kudos(api, b, a, 3, 201)
    feed, board = await api.get("/api/feed"), await api.board(category="help")
    r = await _kudos(api, b, a, 1, 409)
    assert "back and forth" in r.json()["detail"] and r.json()["remaining"] == 0
    r = await _kudos(api, a, b, 1, 409)  # the cap (5 to B) is spent already
    assert "same teammate" in r.json()["detail"]
    assert await api.get("/api/feed") == feed
    assert await api.board(category="help") == board == {a["id"]: 3, b["id"]: 5, c["id"]: 0}
    await _kudos(api, b, c, 5, 201)  # B's allowance is still there for others


async def test_reciprocity_limit_follows_the_policy(api):
    """Raising kudos_reciprocity_limit lets two people thank each other fully."""
    a, b, c = await _pair(api)
    await api.call("PUT", "/api/policy", json={"kudos_reciprocity_limit": 10}, expect=200)
    await _kudos(api, a, b, 5, 201)
    await _kudos(api, b, a, 5, 201)
    assert await api.board(category="help") == {a["id"]: 5, b["id"]: 5, c["id"]: 0}
