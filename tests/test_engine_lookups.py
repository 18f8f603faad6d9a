"""What a batch looks up once for all its commands (service/engine/lookups.py), checked
through a real writer on a real database: commands that name the same thing in one batch
see the same thing."""

from __future__ import annotations

import asyncio

import pytest


@pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
async def test_a_crm_reopen_beside_a_story_of_the_same_deal_takes_its_points_back(settings):
    """A CRM re-opening a won deal, in the same batch as its seller telling the deal's
    story, takes back every point the deal paid: the story's look-up of the deal must not
    replace the one the re-opening found with its awards (the reversal would take back
    nothing, and the seller would keep the points of a deal no longer won)."""
    from service.app import Services, redis_client
    from service.core.commands import CreateMember, CreateTeam, PostStory, SyncDeal
    from service.core.entries import Actor
    from service.db.connection import close_db, init_db
    from service.errors import Conflict

    redis = redis_client(settings.redis_url)
    await init_db(settings.db_url)
    writer = Services.build(settings, redis).writer
    admin, crm = Actor("admin"), Actor("integration")
    await writer.start()
    try:
        team = (await writer.submit(CreateTeam("Team"), admin)).entries[0].team_id
        seller, mate = [
            (await writer.submit(CreateMember(n, team, "seller", f"{n}@x.no"), admin))
            .entries[0]
            .member_id
            for n in ("ana", "bo")
        ]
        won = SyncDeal("hubspot", "hubspot:1", "won", owner_email="ana@x.no", amount=50_000)
        deal = (await writer.submit(won, crm)).entries[0]
        assert sum(a.cents for a in deal.awards) > 0
        reopen = SyncDeal("hubspot", "hubspot:1", "open")
        story = PostStory(deal.payload.deal_id, "A pilot with a clear goal.")  # type: ignore[union-attr]
        # both wait before the writer wakes: one batch, the re-opening first
        reversed_, told = await asyncio.gather(
            writer.submit(reopen, crm),
            writer.submit(story, Actor("seller", member_id=seller)),
            return_exceptions=True,
        )
        assert not isinstance(reversed_, BaseException), reversed_
        assert isinstance(told, Conflict)  # a reversed deal takes no story
        taken = {(a.member_id, a.category): a.cents for a in reversed_.entries[0].awards}
        paid = {(a.member_id, a.category): -a.cents for a in deal.awards}
        assert taken == paid
        state = writer.state
        assert state is not None and state.wallets[seller].earned == 0
        assert state.wallets[mate].earned == 0
    finally:
        await writer.stop()
        await redis.aclose()
        await close_db()


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_a_crm_deal_reopened_and_won_again_in_one_batch_scores_again(settings):
    """A CRM that re-opens a won deal and wins it again in quick succession (one batch):
    the deal is reversed, then scored again, so it stands once, with its points."""
    from service.app import Services, redis_client
    from service.core.commands import CreateMember, CreateTeam, SyncDeal
    from service.core.entries import Actor
    from service.db.connection import close_db, init_db

    redis = redis_client(settings.redis_url)
    await init_db(settings.db_url)
    writer = Services.build(settings, redis).writer
    admin, crm = Actor("admin"), Actor("integration")
    await writer.start()
    try:
        team = (await writer.submit(CreateTeam("Team"), admin)).entries[0].team_id
        seller = (
            (await writer.submit(CreateMember("ana", team, "seller", "ana@x.no"), admin))
            .entries[0]
            .member_id
        )
        won = SyncDeal("hubspot", "hubspot:1", "won", owner_email="ana@x.no", amount=50_000)
        first = (await writer.submit(won, crm)).entries[0]
        reopened, again = await asyncio.gather(
            writer.submit(SyncDeal("hubspot", "hubspot:1", "open"), crm), writer.submit(won, crm)
        )
        assert [e.kind for e in reopened.entries] == ["deal.reversed"]
        assert [e.kind for e in again.entries] == ["deal.won"]
        assert again.entries[0].payload.deal_id == first.payload.deal_id  # type: ignore[union-attr]
        state = writer.state
        assert state is not None
        assert state.wallets[seller].earned == sum(
            a.cents for a in first.awards if a.member_id == seller
        )
    finally:
        await writer.stop()
        await redis.aclose()
        await close_db()
