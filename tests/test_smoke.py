"""A first end-to-end check of the in-process app on both databases."""


async def test_worked_example(api):
    """Team of 4, a 50 000 deal: the seller gets 48, each teammate 4."""
    await api.season()
    team = await api.team()
    seller, *mates = [await api.member(team["id"]) for _ in range(4)]
    r = await api.deal(seller["id"], 50_000)
    awards = {(a["member_id"], a["category"]): a["points"] for a in r.json()["awards"]}
    assert awards[(seller["id"], "deals")] == 48
    assert all(awards[(m["id"], "team_share")] == 4 for m in mates)
    board = await api.board()
    assert board[seller["id"]] == 48
