"""HubSpot: workflow webhooks ("Send a webhook") on deals, meetings and calls.

Authentication: signature v3 — ``X-HubSpot-Signature-v3`` is the base64 HMAC-SHA256,
keyed with the app's client secret, of method + the full URI HubSpot called + the raw
body + ``X-HubSpot-Request-Timestamp`` (milliseconds; a delivery more than 5 minutes
old is refused). Signatures v1 (SHA-256 of secret + body) and v2 (SHA-256 of secret +
method + URI + body) only with ``HUDDLE_HUBSPOT_LEGACY_SIGNATURES``.

The body is the object (or a list of them) with its properties, either as the workflow
action's customised body (``{"hs_object_id": "…", "dealstage": "closedwon", …}``) or
with all properties (``{"objectId": …, "properties": {"dealstage": {"value": …}}}``).
A deal has ``dealstage``; a meeting ``hs_meeting_outcome``; a call ``hs_call_status``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any
from urllib.parse import unquote

from litestar import Request

from ..errors import Invalid, Unauthorized, Unavailable
from ..settings import Settings
from .items import ActivityItem, DealItem, Received, Unreadable, moment, number

__all__ = ["authenticate", "read"]

WINDOW_MS = 5 * 60 * 1000
MAX_OBJECTS = 1_000  # objects in one delivery (HubSpot sends one, or batches of up to 100)
# the characters HubSpot decodes in the URI before it signs it (its docs list them)
_DECODED = ("%3A", "%2F", "%3F", "%40", "%21", "%24", "%27", "%28", "%29", "%2A", "%2C", "%3B")


def _uri(request: Request[Any, Any, Any], settings: Settings) -> str:
    """The URI HubSpot called: behind a proxy, the public one (HUDDLE_PUBLIC_URL)."""
    query = request.scope.get("query_string", b"").decode("latin-1")
    if settings.public_url:
        uri = settings.public_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")
    else:
        uri = str(request.url)
    for code in _DECODED:
        uri = uri.replace(code, unquote(code)).replace(code.lower(), unquote(code))
    return uri


def authenticate(request: Request[Any, Any, Any], body: bytes, settings: Settings) -> None:
    secret = settings.hubspot_client_secret
    if not secret:
        raise Unavailable(
            "The HubSpot connector is off: set HUDDLE_HUBSPOT_CLIENT_SECRET to the client "
            "secret of the HubSpot app that signs the webhooks (docs/crm.md)."
        )
    v3 = request.headers.get("x-hubspot-signature-v3")
    if v3 is not None:
        stamp = request.headers.get("x-hubspot-request-timestamp", "").strip()
        if not stamp.isdigit():
            raise Unauthorized("X-HubSpot-Request-Timestamp is missing: HubSpot sends it with v3.")
        if abs(time.time() * 1000 - int(stamp)) > WINDOW_MS:
            raise Unauthorized(
                "X-HubSpot-Request-Timestamp is more than 5 minutes from now: a delayed or "
                "replayed delivery is refused (check this server's clock)."
            )
        signed = request.method.encode() + _uri(request, settings).encode() + body + stamp.encode()
        digest = hmac.new(secret.encode(), signed, hashlib.sha256).digest()
        if not hmac.compare_digest(v3.strip().encode(), base64.b64encode(digest)):
            raise Unauthorized(
                "X-HubSpot-Signature-v3 does not match: check HUDDLE_HUBSPOT_CLIENT_SECRET "
                "and, behind a proxy, HUDDLE_PUBLIC_URL (the URI HubSpot called is signed)."
            )
        return
    legacy = request.headers.get("x-hubspot-signature")
    if legacy is None:
        raise Unauthorized(
            "The delivery is not signed: HubSpot signs with X-HubSpot-Signature-v3 when the "
            "workflow's webhook includes the request signature (docs/crm.md)."
        )
    if not settings.hubspot_legacy_signatures:
        raise Unauthorized(
            "Only HubSpot signatures v3 are accepted; set HUDDLE_HUBSPOT_LEGACY_SIGNATURES=true "
            "to accept v1 and v2."
        )
    version = request.headers.get("x-hubspot-signature-version", "v1").strip().lower()
    if version == "v2":
        source = secret.encode() + request.method.encode() + _uri(request, settings).encode() + body
    else:
        source = secret.encode() + body
    if not hmac.compare_digest(legacy.strip().lower(), hashlib.sha256(source).hexdigest()):
        raise Unauthorized(
            f"X-HubSpot-Signature ({version}) does not match: check HUDDLE_HUBSPOT_CLIENT_SECRET."
        )


def _properties(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's properties, flat: ``{"amount": "1000"}`` whichever body was sent."""
    props = obj.get("properties")
    if isinstance(props, dict):
        flat = {k: v.get("value") if isinstance(v, dict) else v for k, v in props.items()}
        for key in ("objectId", "dealId", "engagementId"):
            if obj.get(key) is not None:
                flat.setdefault("hs_object_id", obj[key])
        return flat
    return obj


def _item(obj: Any, settings: Settings) -> DealItem | ActivityItem:
    if not isinstance(obj, dict):
        raise Unreadable("Each object HubSpot sends must be a JSON object with properties.")
    p = _properties(obj)
    object_id = str(p.get("hs_object_id") or "").strip()
    if not object_id:
        raise Unreadable("hs_object_id is missing: include it in the webhook's request body.")
    owner = str(p.get("hubspot_owner_id") or "").strip() or None
    email = str(p.get("owner_email") or p.get("hubspot_owner_email") or "").strip() or None
    if "dealstage" in p:
        stage = str(p.get("dealstage") or "").strip()
        status = (
            "won"
            if stage in settings.hubspot_won_stages
            else "lost"
            if stage in settings.hubspot_lost_stages
            else "open"
        )
        return DealItem(
            "hubspot",
            object_id,
            status,
            owner,
            email,
            number(p.get("amount"), "amount"),
            str(p.get("deal_currency_code") or "").strip().upper() or None,
            str(p.get("dealname") or "").strip()[:200] or None,
            moment(p.get("closedate"), "closedate", settings.tz),
        )
    for kind, field, done in (
        ("meeting", "hs_meeting_outcome", "COMPLETED"),
        ("call", "hs_call_status", "COMPLETED"),
    ):
        if field in p or f"hs_{kind}_title" in p:
            return ActivityItem(
                "hubspot",
                object_id,
                kind,
                str(p.get(field) or "").strip().upper() == done,
                owner,
                email,
                moment(p.get("hs_timestamp"), "hs_timestamp", settings.tz),
            )
    raise Unreadable(
        "The object is neither a deal (dealstage), a meeting (hs_meeting_outcome) nor a call "
        "(hs_call_status): include those properties in the webhook's request body."
    )


def read(body: bytes, settings: Settings) -> list[Received]:
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        return [Received(body.decode("utf-8", "replace"), problem=f"The body is not JSON ({exc}).")]
    objects = payload if isinstance(payload, list) else [payload]
    if len(objects) > MAX_OBJECTS:
        raise Invalid(f"The delivery holds {len(objects):,} objects; at most {MAX_OBJECTS:,}.")
    received = []
    for obj in objects:
        raw = json.dumps(obj, ensure_ascii=False)
        try:
            received.append(Received(raw, _item(obj, settings)))
        except Unreadable as why:
            received.append(Received(raw, problem=str(why)))
    return received
