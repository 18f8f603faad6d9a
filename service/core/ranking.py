"""Standard competition ranking (1, 2, 2, 4) with the vocabulary of leaderboards.

Equal scores share a rank and the next rank skips; within a shared rank rows are
ordered by name. The functions take plain rows, so the rule is testable without Redis.

Redis ranks the same way (``service/store/read_board.lua``): members of a board sorted by
score and then by ``sort_key``, whose bytes order exactly as ``(name.casefold(), key)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["Ranked", "Row", "around_me", "rank_all", "rank_for", "sort_key", "top"]


@dataclass(frozen=True)
class Row:
    """Something on a board: its id, display name and score."""

    key: int
    name: str
    score: float


@dataclass(frozen=True)
class Ranked:
    rank: int
    row: Row


def sort_key(name: str, key: int) -> str:
    """Text whose code points (so its UTF-8 bytes, as Redis compares them) order as
    ``(name.casefold(), key)`` does, for ``key`` in [0, 10**10): a NUL in the name is
    written NUL U+0001 and the name ends with two NULs, so a name sorts before any longer
    name it begins; the key follows in ten digits. apply_batch.lua builds the same."""
    return name.casefold().replace("\x00", "\x00\x01") + "\x00\x00" + f"{key:010d}"


def rank_all(rows: Iterable[Row]) -> list[Ranked]:
    """Order by score (high first), then name, and give competition ranks."""
    ordered = sorted(rows, key=lambda r: (-r.score, r.name.casefold(), r.key))
    ranked: list[Ranked] = []
    for index, row in enumerate(ordered):
        rank = ranked[-1].rank if ranked and ranked[-1].row.score == row.score else index + 1
        ranked.append(Ranked(rank, row))
    return ranked


def top(ranked: list[Ranked], limit: int, offset: int = 0) -> list[Ranked]:
    """A page of the board: ``limit`` rows from ``offset``."""
    return ranked[offset : offset + limit]


def rank_for(ranked: list[Ranked], key: int) -> Ranked | None:
    """The ranked row of ``key``, or None when it is not on the board."""
    return next((r for r in ranked if r.row.key == key), None)


def around_me(ranked: list[Ranked], key: int, n: int) -> list[Ranked]:
    """``n`` rows above and below ``key`` (fewer at the ends of the board)."""
    index = next((i for i, r in enumerate(ranked) if r.row.key == key), None)
    if index is None:
        return []
    return ranked[max(0, index - n) : index + n + 1]
