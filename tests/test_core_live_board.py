"""The live board's incremental ranking agrees with ranking the whole board, change after
change (pure: no I/O)."""

from __future__ import annotations

import random

import pytest

from service.core.ranking import LiveBoard, Row, rank_all


def _whole(scores: dict[int, int], names: dict[int, str]) -> dict[int, tuple[int, int]]:
    ranked = rank_all(Row(key, names[key], score) for key, score in scores.items())
    return {r.row.key: (r.rank, int(r.row.score)) for r in ranked}


@pytest.mark.parametrize("seed", range(20))
def test_changes_rank_as_the_whole_board_does(seed: int) -> None:
    rng = random.Random(seed)
    size = rng.choice([1, 2, 5, 40, 300])
    names = {
        key: rng.choice(["Ada", "ada", "Bo", "Cy", "Åse", "Zed", f"M{key}"]) for key in range(size)
    }
    scores = {key: rng.choice([0, 0, 100, 250, 1000, rng.randrange(0, 5000)]) for key in names}
    board = LiveBoard((key, names[key], score) for key, score in scores.items())
    shown = _whole(scores, names)
    assert {key: (rank, score) for rank, key, score in board.ranked()} == shown
    for _ in range(60):
        changed = {
            rng.randrange(size): max(0, rng.choice([0, 100, 250, rng.randrange(-800, 3000)]))
            for _ in range(rng.choice([1, 1, 2, 5]))
        }
        changed[size + 5] = 700  # not on the board: ignored
        rows = board.change(changed)
        scores.update({k: v for k, v in changed.items() if k in names})
        truth = _whole(scores, names)
        assert [r[1] for r in rows] == sorted((r[1] for r in rows), key=list(truth).index)
        for rank, key, score in rows:  # what it returns is right
            assert truth[key] == (rank, score)
        # and nothing it left out changed
        returned = {r[1] for r in rows}
        assert {k for k in truth if truth[k] != shown[k]} <= returned
        shown = truth
        assert {key: (rank, score) for rank, key, score in board.ranked()} == truth


def test_only_the_rows_a_change_can_move() -> None:
    board = LiveBoard(
        [(1, "Ann", 500), (2, "Bob", 400), (3, "Cat", 300), (4, "Dan", 200), (5, "Eve", 0)]
    )
    # Dan passes Cat and ties Bob: Dan and Cat move, Bob keeps rank 2, Ann and Eve are not looked at
    assert board.change({4: 400}) == [(2, 2, 400), (2, 4, 400), (4, 3, 300)]
    assert board.change({}) == []
    assert board.change({5: 0}) == []
