"""Pipedrive: webhooks v2 on deals and activities.

Authentication: HTTP Basic, the user and password set on the webhook in Pipedrive,
checked against ``HUDDLE_PIPEDRIVE_AUTH`` (``user:password``).

The body: ``meta`` (``action`` create/change/delete, ``entity`` deal/activity,
``entity_id``), ``data`` (the object as it is now) and ``previous`` (the fields that
changed, as they were). A deal's ``status`` says where it stands: won, lost, open
(re-opened: a deal scored before is reversed) or deleted (likewise). An activity counts
once it is ``done``.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
from typing import Any

from litestar import Request

from ..errors import Unauthorized, Unavailable
from ..settings import Settings
from .items import ActivityItem, DealItem, Received, Unreadable, moment, number

__all__ = ["authenticate", "read"]


def authenticate(request: Request[Any, Any, Any], body: bytes, settings: Settings) -> None:
    expected = settings.pipedrive_auth
    if not expected:
        raise Unavailable(
            "The Pipedrive connector is off: set HUDDLE_PIPEDRIVE_AUTH to the webhook's "
            "HTTP auth user and password, as user:password (docs/crm.md)."
        )
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    try:
        given = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        given = ""
    if scheme.lower() != "basic" or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Unauthorized(
            "The webhook's HTTP Basic auth does not match HUDDLE_PIPEDRIVE_AUTH: set the same "
            "user and password on the webhook in Pipedrive."
        )


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _owner(data: dict[str, Any]) -> str | None:
    owner = data.get("owner_id", data.get("user_id"))
    if isinstance(owner, dict):  # v1 bodies nest the user
        owner = owner.get("id") or owner.get("value")
    return _text(owner)


def _item(payload: Any, settings: Settings) -> DealItem | ActivityItem | None:
    if not isinstance(payload, dict) or not isinstance(payload.get("meta"), dict):
        raise Unreadable("The body is not a Pipedrive webhook (no meta).")
    meta = payload["meta"]
    if "entity" not in meta:
        raise Unreadable(
            "This is a Pipedrive webhook v1 body (meta.object): create the webhook again "
            "with version 2.0."
        )
    entity, action = meta.get("entity"), meta.get("action")
    data: dict[str, Any] = payload["data"] if isinstance(payload.get("data"), dict) else {}
    previous: dict[str, Any] = (
        payload["previous"] if isinstance(payload.get("previous"), dict) else {}
    )
    known = data or previous
    object_id = _text(known.get("id") or meta.get("entity_id"))
    if not object_id:
        raise Unreadable(f"The {entity} has no id (data.id or meta.entity_id).")
    if entity == "deal":
        status = "open" if action == "delete" else str(data.get("status") or "").lower()
        if status == "deleted":
            status = "open"
        if status not in ("won", "lost", "open"):
            raise Unreadable(f"The deal's status is {status or 'missing'}: won, lost or open.")
        closed = data.get("won_time") if status == "won" else data.get("lost_time")
        return DealItem(
            "pipedrive",
            object_id,
            status,
            _owner(known),
            None,
            number(data.get("value"), "value"),
            _text(data.get("currency")),
            (_text(data.get("org_name")) or _text(data.get("title")) or "")[:200] or None,
            moment(closed or data.get("close_time"), "won_time", settings.tz),
        )
    if entity == "activity":
        if action == "delete":
            return None
        return ActivityItem(
            "pipedrive",
            object_id,
            str(data.get("type") or "").strip().lower() or "activity",
            data.get("done") is True or data.get("done") == 1,
            _owner(known),
            None,
            moment(
                data.get("marked_as_done_time") or data.get("due_date"),
                "marked_as_done_time",
                settings.tz,
            ),
        )
    raise Unreadable(f"Pipedrive {entity} webhooks are not read: only deal and activity.")


def read(body: bytes, settings: Settings) -> list[Received]:
    raw = body.decode("utf-8", "replace")
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [Received(raw, problem=f"The body is not JSON ({exc}).")]
    try:
        item = _item(payload, settings)
    except Unreadable as why:
        return [Received(raw, problem=str(why))]
    if item is None:
        return [Received(raw, ignored="a deleted activity (what it counted stays)")]
    return [Received(raw, item)]
