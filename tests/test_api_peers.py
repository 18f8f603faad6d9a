"""Kudos and mentoring through the API: allowances, caps, roles, refusals that change nothing."""


async def _setup(api):
    await api.season()
    team = await api.team()
    a, b, c, d = [await api.member(team["id"]) for _ in range(4)]
    manager = await api.member(team["id"], role="manager")
    return team, a, b, c, d, manager


async def test_kudos_scores_help_and_shows_allowance(api):
    """Kudos gives the recipient help points and lowers the giver's weekly allowance."""
    _team, a, b, *_ = await _setup(api)
    r = await api.post(
        "/api/kudos",
        {
            "to_member_id": b["id"],
            "points": 3,
            "message": "Thanks for the demo!",
            "strength": "coach",
        },
        token=api.tokens[a["id"]],
        expect=201,
    )
    assert r.json()["points"] == 3 and r.json()["allowance_left"] == 7
    left = await api.get("/api/kudos/allowance", token=api.tokens[a["id"]])
    assert left["left"] == 7 and left["allowance"] == 10
    board = await api.board(category="help")
    assert board[b["id"]] == 3 and board[a["id"]] == 0
    profile = await api.get(f"/api/members/{b['id']}/profile")
    assert profile["breakdown"]["help"] == 3 and profile["strengths"] == {"coach": 1}


async def test_kudos_refusals_change_nothing(api):
    """Self, over max, bad strength, over the cap or allowance: refused, nothing recorded."""
    _team, a, b, c, d, manager = await _setup(api)
    token = api.tokens[a["id"]]
    await api.post(
        "/api/kudos",
        {"to_member_id": b["id"], "points": 5, "message": "x"},
        token=token,
        expect=201,
    )
    feed = await api.get("/api/feed")
    cases = [
        ({"to_member_id": a["id"], "points": 1, "message": "me"}, 422),
        ({"to_member_id": c["id"], "points": 6, "message": "too much"}, 422),
        ({"to_member_id": c["id"], "points": 0, "message": "zero"}, 422),
        ({"to_member_id": c["id"], "points": 1, "message": "x", "strength": "wizard"}, 422),
        ({"to_member_id": b["id"], "points": 1, "message": "cap"}, 409),
        ({"to_member_id": 999, "points": 1, "message": "who"}, 404),
    ]
    for body, status in cases:
        r = await api.post("/api/kudos", body, token=token, expect=status)
        assert r.json()["detail"], body
    await api.post(
        "/api/kudos",
        {"to_member_id": c["id"], "points": 5, "message": "x"},
        token=token,
        expect=201,
    )
    r = await api.post(
        "/api/kudos",
        {"to_member_id": d["id"], "points": 1, "message": "x"},
        token=token,
        expect=409,
    )
    assert "allowance" in r.json()["detail"]
    assert len((await api.get("/api/feed"))["entries"]) == len(feed["entries"]) + 1
    assert (await api.board(category="help")) == {
        a["id"]: 0,
        b["id"]: 5,
        c["id"]: 5,
        d["id"]: 0,
        manager["id"]: 0,
    }


async def test_a_ring_of_thanks_is_refused_with_its_reason_and_changes_nothing(api):
    """A→B, B→C, C→A in one week: each link of the ring carries at most 3 points; the
    fourth point from C to A is refused (409, the reason in words), nothing changes."""
    _team, a, b, c, *_ = await _setup(api)

    async def thank(giver, to, points, expect):
        body = {"to_member_id": to["id"], "points": points, "message": "Thanks!"}
        return await api.post("/api/kudos", body, token=api.tokens[giver["id"]], expect=expect)

    await thank(a, b, 4, 201)
    await thank(b, c, 4, 201)
    await thank(c, a, 3, 201)
    before = (await api.board(category="help"), len(await api.ledger()))
    r = await thank(c, a, 1, 409)
    problem = r.json()
    assert problem["title"] == "Limit reached" and problem["remaining"] == 0
    assert "ring of three" in problem["detail"] and "week after next" in problem["detail"]
    assert (await api.board(category="help"), len(await api.ledger())) == before
    left = await api.get("/api/kudos/allowance", token=api.tokens[c["id"]])
    assert left["left"] == 10 - 3  # the refused point is still C's to give


async def test_only_members_give_kudos(api):
    """Admin, display and integration tokens have no member to give from (403)."""
    _team, _a, b, *_ = await _setup(api)
    body = {"to_member_id": b["id"], "points": 1, "message": "x"}
    for token in (None, await api.role_token("display"), await api.role_token("integration")):
        await api.post("/api/kudos", body, token=token, expect=403)


async def test_mentoring_budget_and_own_team(api):
    """Managers award mentoring to their own team within 50 a week; never to themselves."""
    _team, a, b, c, _d, manager = await _setup(api)
    other = await api.team()
    stranger = await api.member(other["id"])
    token = api.tokens[manager["id"]]
    r = await api.post(
        "/api/mentoring",
        {"member_id": a["id"], "points": 20, "note": "Ran the pricing clinic"},
        token=token,
        expect=201,
    )
    assert r.json()["budget_left"] == 30
    await api.post(
        "/api/mentoring", {"member_id": b["id"], "points": 20, "note": "x"}, token=token, expect=201
    )
    r = await api.post(
        "/api/mentoring", {"member_id": c["id"], "points": 11, "note": "x"}, token=token, expect=409
    )
    assert "budget" in r.json()["detail"]
    await api.post(
        "/api/mentoring", {"member_id": c["id"], "points": 21, "note": "x"}, token=token, expect=422
    )
    await api.post(
        "/api/mentoring",
        {"member_id": manager["id"], "points": 1, "note": "x"},
        token=token,
        expect=422,
    )
    await api.post(
        "/api/mentoring",
        {"member_id": stranger["id"], "points": 1, "note": "x"},
        token=token,
        expect=403,
    )
    await api.post(
        "/api/mentoring",
        {"member_id": c["id"], "points": 1, "note": "x"},
        token=api.tokens[a["id"]],
        expect=403,
    )
    await api.post(
        "/api/mentoring", {"member_id": stranger["id"], "points": 20, "note": "x"}, expect=201
    )  # an admin may award anyone, with no weekly budget
    assert (await api.get("/api/mentoring/budget", token=token))["left"] == 10
    board = await api.board(category="mentoring")
    assert board[a["id"]] == 20 and board[b["id"]] == 20 and board[c["id"]] == 0
