"""How often Python's garbage collector runs, for a process that serves or imports.

Python's collector looks at the youngest objects after every 700 more allocated than
freed, considers a full pass over every object after 10 of the younger passes, and makes
one whenever the objects that survived grew by a quarter. Huddle makes many short-lived
objects (a command, its entries, their rows) and keeps few, so the default spends a
tenth or more of a busy process's CPU walking the same objects again:
- a young pass comes after 10,000 new objects rather than 700. Measured: a loop deciding
  an import's rows spent a seventh of its CPU in the collector, and with this next to
  none (an import of 240,000 rows, 10,421 -> 12,618 rows/s); won deals at 64 clients on
  PostgreSQL, two runs each, alternating: 3,851 and 4,043/s with 700, 4,322 and 4,788/s
  with 10,000 (``bench/write.py``);
- a full pass is considered after 100 younger passes rather than 10 (a building's boards
  connecting, each keeping ~140 objects, made 4 full passes of 60-120 ms in 2,000
  connects, a fifth of their CPU);
- what the process made to start (the app, the writer's state as loaded) is set aside
  (``freeze``): no pass walks it again. It is still freed when nothing refers to it;
- replaying the ledger (a writer's start, an instance following another's import)
  makes thousands of entries a query that live until they are folded in, then die
  together: while it does (``bulk``), the youngest are looked at after 500,000 new
  objects. Measured: a second import of the same 240,000 rows, which replays them into
  its state before it starts (then finds every row a duplicate), 13.8 → 10.7 s;
- ``huddle import``, a process of its own for as long as its file lasts, looks at its
  youngest objects after 500,000 new ones: its objects live for a batch (an 8,000-row
  batch makes ~120,000: commands, entries, rows) and die with it, so a pass every 10,000
  walked each of them a dozen times. Measured on a 240,000-row import: the collector's
  time 1.3 s → 0.03 s (about a tenth of the process's CPU), memory the same (86–88 MiB).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["bulk", "settle"]


def settle(young: int = 10_000) -> None:
    """Once the process has started: its objects so far set aside, the thresholds set
    (``young``: new objects between two passes over the youngest)."""
    gc.set_threshold(young, 10, 100)
    gc.freeze()


@contextmanager
def bulk(young: int = 500_000) -> Iterator[None]:
    """A stretch that makes many objects which live a while and die together (replaying
    the ledger): the youngest are looked at after ``young`` new ones, and the thresholds
    are as they were after it."""
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]), before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
