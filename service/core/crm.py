"""Deciding what a CRM says about its deals and activities.

A CRM does not say "record this"; it says where a deal stands now — won, lost or open —
each time it changes, and may say it again. ``SyncDeal`` turns that into the one change
the ledger needs, decided under the write lock against the deal recorded under the CRM's
own id, so that parallel and repeated deliveries never count a deal twice:

- won or lost, and nothing recorded (or what was recorded was reversed): the deal is
  recorded (scored again, keeping its id, after a reversal);
- as recorded already: nothing (a redelivery);
- won where lost was recorded or the other way round, another amount, or another owner
  (one Huddle knows): a correction (a reversal of what it scored, and the deal as it is
  now, keeping its id);
- open (re-opened, or moved back to an open stage): a recorded deal is reversed; one
  never recorded, or reversed already, changes nothing.

The CRM names its owner, not a member: the member is found by the owner id set on them
(``external_ids``), else by the owner's email.
"""

from __future__ import annotations

from ..errors import NotFound
from .activities import decide_activity
from .commands import (
    Context,
    CorrectDeal,
    DealRef,
    Decision,
    RecordActivity,
    RecordDeal,
    ReverseDeal,
    SyncActivity,
    SyncDeal,
)
from .corrections import decide_correction, decide_reversal
from .deals import decide_deal
from .entries import Actor
from .points import to_cents
from .state import State

__all__ = ["CRM_NAMES", "decide_crm_activity", "decide_crm_deal", "owner_of"]

CRM_NAMES = {"hubspot": "HubSpot", "pipedrive": "Pipedrive", "salesforce": "Salesforce"}


# where each CRM says who owns a record
_OWNER_FIELDS = {"hubspot": "hubspot_owner_id", "pipedrive": "owner_id", "salesforce": "OwnerId"}


def owner_of(state: State, crm: str, owner: str | None, email: str | None) -> int:
    """The member a CRM's owner is: by the owner id set on them, else by email."""
    if owner and (crm, owner) in state.external_ids:
        return state.external_ids[(crm, owner)]
    if email and email.strip().lower() in state.emails:
        return state.emails[email.strip().lower()]
    name = CRM_NAMES.get(crm, crm)
    if not owner and not email:  # nothing to map: a replay cannot help
        field = _OWNER_FIELDS.get(crm, "owner")
        raise NotFound(
            f"The {name} record names no owner ({field} is missing): set its owner in "
            f"{name}, which then sends it again."
        )
    said = [f"{name} owner id {owner}" if owner else "", f"email {email}" if email else ""]
    who = " nor ".join(s for s in said if s) or "no owner"
    raise NotFound(
        f"No member has the {who}. Set it on the member (admin: /manage, or PATCH "
        f'/api/members/{{id}} {{"external_ids": {{"{crm}": "{owner or "…"}"}}}}), then '
        "replay this delivery."
    )


def decide_crm_deal(cmd: SyncDeal, actor: Actor, state: State, ctx: Context) -> Decision:
    name = CRM_NAMES.get(cmd.crm, cmd.crm)
    earlier = ctx.deals_by_external.get(cmd.external_id)
    standing = earlier is not None and earlier.reversed_seq is None
    if cmd.status == "open":
        if earlier is None or not standing:
            return Decision(replay=earlier)  # nothing scored: nothing to take back
        return decide_reversal(ReverseDeal(earlier.id, f"re-opened in {name}"), actor, state, ctx)
    if earlier is not None and standing:
        return _changed(cmd, earlier, name, actor, state, ctx)
    seller = owner_of(state, cmd.crm, cmd.owner, cmd.owner_email)
    record = RecordDeal(
        seller,
        cmd.status,
        cmd.amount if cmd.amount is not None else 0.0,
        cmd.customer or f"{name} deal {cmd.external_id.split(':', 1)[-1]}",
        (),
        cmd.external_id,
        cmd.closed_at,
        cmd.original_amount,
        cmd.currency,
    )
    return decide_deal(record, actor, state, ctx)


def _changed(
    cmd: SyncDeal, deal: DealRef, name: str, actor: Actor, state: State, ctx: Context
) -> Decision:
    """A recorded deal the CRM sends again: nothing if it is as recorded, else a
    correction of what changed — the outcome, the amount (or the amount in its currency),
    the owner (when the new owner is a member Huddle knows)."""
    try:
        seller = owner_of(state, cmd.crm, cmd.owner, cmd.owner_email)
    except NotFound:
        seller = deal.seller_id  # an owner not mapped (yet): the deal stays with its seller
    # a deal in another currency is compared in that currency: a new rate alone changes
    # no deal already recorded
    if cmd.amount is None:
        same = True
    elif cmd.currency is not None:
        same = cmd.currency == deal.currency and to_cents(cmd.original_amount or 0) == to_cents(
            deal.original_amount or 0
        )
    else:
        same = deal.currency is None and to_cents(cmd.amount) == to_cents(deal.amount)
    amount = None if same else cmd.amount
    outcome = cmd.status if cmd.status != deal.outcome else None
    changed_seller = seller if seller != deal.seller_id else None
    if outcome is None and amount is None and changed_seller is None:
        return Decision(replay=deal)  # as recorded: a redelivery
    change = CorrectDeal(
        deal.id,
        f"changed in {name}",
        amount=amount,
        seller_id=changed_seller,
        outcome=outcome,
        original_amount=cmd.original_amount if amount is not None else None,
        currency=cmd.currency if amount is not None else None,
    )
    return decide_correction(change, actor, state, ctx)


def decide_crm_activity(cmd: SyncActivity, actor: Actor, state: State, ctx: Context) -> Decision:
    member = owner_of(state, cmd.crm, cmd.owner, cmd.owner_email)
    record = RecordActivity(cmd.metric, member, None, cmd.value, cmd.occurred_at, cmd.external_id)
    return decide_activity(record, actor, state, ctx)
