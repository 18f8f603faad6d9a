"""The garbage collector's pace (service/collector.py): a bulk stretch looks at the
youngest objects seldom, and leaves the process's pace as it found it."""

import gc

import pytest

from service.collector import bulk


def test_a_bulk_stretch_leaves_the_pace_as_it_found_it() -> None:
    before = gc.get_threshold()
    try:
        gc.set_threshold(10_000, 10, 100)
        with bulk():
            assert gc.get_threshold() == (500_000, 10, 100)
            with bulk(1_000):  # never below the pace already set
                assert gc.get_threshold() == (500_000, 10, 100)
            assert gc.get_threshold() == (500_000, 10, 100)
        assert gc.get_threshold() == (10_000, 10, 100)
        with pytest.raises(RuntimeError), bulk():
            raise RuntimeError("a replay that failed")
        assert gc.get_threshold() == (10_000, 10, 100)
    finally:
        gc.set_threshold(*before)
