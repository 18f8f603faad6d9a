"""Snapshots of a writer's state: the fold of the ledger up to a seq, kept in the database.

A writer's ``State`` is the fold of ``evolve`` over the whole ledger, at ~12 µs an entry:
a process starting on a year of history (1,200,000 entries) folded it for over 20 s before
its first write, and an idle instance following another's import folded every row of it
(a sixth of the machine's CPU while the import ran). So:

- each time the ledger's seq passes a multiple of ``SNAPSHOT_EVERY``, the writer whose
  batch passed it stores its state, once the batch is committed (``Writer._commit``);
  so does a writer stopping cleanly, if it is ``FOLD_REST`` entries past the last one;
- a process starts from the newest snapshot and folds only the entries after it
  (``Writer.load``);
- an idle instance takes each new snapshot instead of folding what it covers, and folds
  only when little is left, when the ledger has stopped moving, or when no snapshot is
  coming (``Writer.catch_up``).

A snapshot is the state encoded by msgspec as MessagePack against the ``State`` type:
decoding builds those dataclasses and nothing else (no code runs from the data), ~6 ms
for a year of history (~400 KB). It is only ever read by the code that made it, for the
same time zone: ``code`` is a digest of the core's source (the state's shape, ``evolve``)
and the zone. Any other snapshot is ignored: the ledger is folded instead, and the next
snapshot is this code's. Snapshots are a cache of the ledger, never a source: deleting
every row of ``state_snapshot`` changes nothing but time.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from ..core import state as core_state
from ..core.state import State

__all__ = ["FOLD_REST", "SNAPSHOT_EVERY", "code", "decode", "encode"]

SNAPSHOT_EVERY = 50_000  # a snapshot each time the ledger's seq passes a multiple of this
# entries an idle instance folds rather than wait for the next snapshot (~0.1 s of folding)
FOLD_REST = 10_000


def _enc(value: Any) -> Any:
    if isinstance(value, ZoneInfo):
        return value.key
    raise NotImplementedError(f"a state holds no {type(value).__name__}")


def _dec(kind: type, value: Any) -> Any:
    if kind is ZoneInfo:
        return ZoneInfo(value)
    raise NotImplementedError(f"a state holds no {kind.__name__}")


_encoder = msgspec.msgpack.Encoder(enc_hook=_enc)
_decoder = msgspec.msgpack.Decoder(State, dec_hook=_dec)


def _core_digest() -> bytes:
    """The core's source, every module of it: a change to any may change the state."""
    digest = hashlib.sha256(msgspec.__version__.encode())
    for path in sorted(Path(core_state.__file__).parent.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.digest()


_CORE = _core_digest()


def code(tz: ZoneInfo) -> str:
    """Which snapshots this code may read for this org: its own, in this time zone."""
    return hashlib.sha256(_CORE + tz.key.encode()).hexdigest()[:32]


def encode(state: State) -> bytes:
    return _encoder.encode(state)


def decode(data: bytes) -> State:
    state = _decoder.decode(data)
    # what is worked out as asked is worked out again (it is not the ledger's)
    state.members_changed()
    state.seasons_changed()
    state.contests_moved = {}
    return state
