"""Standard competition ranking (1, 2, 2, 4) with the vocabulary of leaderboards.

Equal scores share a rank and the next rank skips; within a shared rank rows are
ordered by name. The functions take plain rows, so the rule is testable without Redis.

Redis ranks the same way (``service/store/read_board.lua``): members of a board sorted by
score and then by ``sort_key``, whose bytes order exactly as ``(name.casefold(), key)``.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

__all__ = [
    "LiveBoard",
    "Ranked",
    "Row",
    "around_me",
    "rank_all",
    "rank_for",
    "sort_key",
    "top",
]


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


class LiveBoard:
    """A ranked board kept in order as scores change, for live updates: a change re-ranks
    only the rows whose rank it can move, not the whole board.

    Scores are whole hundredths. A row's rank is one more than the rows scoring strictly
    more, so when a row goes from score ``a`` to ``b`` only rows scoring between ``a`` and
    ``b`` (both included) can change rank; they sit together in the order. ``change``
    returns those rows (a superset of the changed ones) as ``(rank, key, score)``, ranked
    exactly as :func:`rank_all` ranks the whole board."""

    def __init__(self, rows: Iterable[tuple[int, str, int]]) -> None:
        self._folded: dict[int, str] = {}
        self._scores: dict[int, int] = {}
        order = []
        for key, name, score in rows:
            self._folded[key] = folded = name.casefold()
            self._scores[key] = score
            order.append((-score, folded, key))
        order.sort()
        self._order = order

    def __contains__(self, key: int) -> bool:
        return key in self._scores

    def ranked(self) -> list[tuple[int, int, int]]:
        """Every row as ``(rank, key, score)``, best first."""
        return self._rows(0, len(self._order))

    def head(self, n: int) -> list[tuple[int, int, int]]:
        """The best ``n`` rows as ``(rank, key, score)``."""
        return self._rows(0, min(n, len(self._order)))

    def change(self, scores: Mapping[int, int]) -> list[tuple[int, int, int]]:
        """Give rows their new scores (keys not on the board are ignored); the rows whose
        rank or score may have changed, best first."""
        rows: list[tuple[int, int, int]] = []
        for low, high in _merged(self.move(scores)):
            # the rows scoring from high down to low: -high <= -score < -low + 1
            start = bisect_left(self._order, (-high,))
            end = bisect_left(self._order, (-low + 1,))
            rows.extend(self._rows(start, end))
        return rows

    def move(self, scores: Mapping[int, int]) -> list[tuple[int, int]]:
        """Give rows their new scores (keys not on the board are ignored), keeping the
        order; the score spans (low, high) in which ranks may have changed."""
        spans: list[tuple[int, int]] = []
        for key, new in scores.items():
            old = self._scores.get(key)
            if old is None or old == new:
                continue
            folded = self._folded[key]
            del self._order[bisect_left(self._order, (-old, folded, key))]
            insort(self._order, (-new, folded, key))
            self._scores[key] = new
            spans.append((min(old, new), max(old, new)))
        return spans

    def rank(self, key: int) -> int:
        """A row's rank: one more than the rows scoring strictly more."""
        return bisect_left(self._order, (-self._scores[key],)) + 1

    def _rows(self, start: int, end: int) -> list[tuple[int, int, int]]:
        order, rows = self._order, []
        if start < end:  # the first row's rank: where its score begins, plus one
            rank = bisect_left(order, (order[start][0],)) + 1
        for index in range(start, end):
            negative, _, key = order[index]
            if index > start and negative != order[index - 1][0]:
                rank = index + 1
            rows.append((rank, key, -negative))
        return rows


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Score spans (low, high), overlapping ones joined, highest first."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(spans, reverse=True, key=lambda s: s[1]):
        if merged and high >= merged[-1][0]:
            merged[-1] = (min(low, merged[-1][0]), merged[-1][1])
        else:
            merged.append((low, high))
    return merged
