"""An entry's stored ``data`` (the payload's fields, ``names`` and ``events``) to and from
the typed ``Entry``. The shape is the one earlier versions wrote, so old ledgers decode."""

from __future__ import annotations

from datetime import datetime
from typing import Any, get_args

import msgspec

from .entries import Actor, Award, Entry, Event, Payload

__all__ = ["entry_data", "entry_from_row"]

_encoder = msgspec.json.Encoder()


class _Extras(msgspec.Struct):
    """What ``data`` holds beside the payload's fields."""

    names: dict[int, str] = {}
    events: tuple[Event, ...] = ()


# one typed decoder per kind, straight from the stored JSON (a payload decoder ignores
# ``names`` and ``events``, the extras decoder everything else): 4× faster than decoding
# to a dict and converting it, which matters when a writer catches up or starts
_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    str(t.__struct_config__.tag): msgspec.json.Decoder(t) for t in get_args(Payload)
}
_EXTRAS = msgspec.json.Decoder(_Extras)


def entry_data(entry: Entry) -> bytes:
    """The JSON stored in the entry's ``data`` column: the payload's fields (its kind is
    a column of its own), then ``names`` and ``events``. Spliced from the payload's own
    encoding, which starts with its kind (a tagged struct's tag comes first): no dict
    per entry, and the same bytes as building one."""
    payload = _encoder.encode(entry.payload)
    head = _HEADS.get(type(entry.payload))
    if head is None:
        head = _HEADS[type(entry.payload)] = b'{"kind":' + _encoder.encode(entry.kind)
    fields = payload[len(head) : -1]  # b'' or b',"amount":…'
    names = _encoder.encode(entry.names)  # int keys are written as strings
    events = _encoder.encode(entry.events)
    return b"".join(
        (b"{", fields[1:], b"," if fields else b"", b'"names":', names, b',"events":', events, b"}")
    )


# payload type → how its encoding starts (``{"kind":"<kind>"``)
_HEADS: dict[type, bytes] = {}


def entry_from_row(
    id: int,
    seq: int,
    kind: str,
    occurred_at: datetime,
    recorded_at: datetime,
    week: str,
    actor_role: str,
    actor_token_id: int | None,
    actor_member_id: int | None,
    member_id: int | None,
    team_id: int | None,
    season_id: int | None,
    policy_id: int,
    data: dict[str, Any] | str | bytes,
    awards: tuple[Award, ...] = (),
) -> Entry:
    """An entry as read back from its row (``data`` parsed or raw JSON). The parameters
    are ``ENTRY_COLUMNS`` in order: a driver's record is passed by position (unpacking
    it by name was a fifth of a catch-up's time)."""
    payload, events, names = _data(kind, data)
    return Entry(
        seq=seq,
        occurred_at=occurred_at,
        recorded_at=recorded_at,
        week=week,
        actor=Actor(actor_role, actor_token_id, actor_member_id),
        policy_id=policy_id,
        payload=payload,
        member_id=member_id,
        team_id=team_id,
        season_id=season_id,
        awards=awards,
        events=events,
        names=names,
        id=id,
    )


def _data(
    kind: str, data: dict[str, Any] | str | bytes
) -> tuple[Any, tuple[Any, ...], dict[int, str]]:
    """The payload, events and names a row's ``data`` holds."""
    decoder = _DECODERS.get(kind)
    if decoder is not None and isinstance(data, str | bytes):
        try:
            extras = _EXTRAS.decode(data)
            return decoder.decode(data), extras.events, extras.names
        except msgspec.ValidationError:
            pass  # an older ledger's looser shape: the lenient path below
    fields = dict(msgspec.json.decode(data) if isinstance(data, str | bytes) else data)
    names = fields.pop("names", None) or {}
    events = fields.pop("events", None) or []
    fields["kind"] = kind
    return (
        msgspec.convert(fields, Payload, strict=False),
        tuple(msgspec.convert(events, list[Event], strict=False)),  # type: ignore[arg-type]
        {int(k): v for k, v in names.items()},
    )
