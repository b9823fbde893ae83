"""The pushes run with the objects read and planned before them left out of the collector's
scans, and hand them back whatever happens."""

import gc

import pytest

from flows.pipeline import _long_lived_frozen


def test_objects_alive_before_the_pushes_are_frozen_then_handed_back() -> None:
    """Inside, what was alive is frozen; after the block, even one that raised, nothing is."""
    kept = [object() for _ in range(1000)]
    assert gc.get_freeze_count() == 0
    with pytest.raises(RuntimeError), _long_lived_frozen():
        assert gc.get_freeze_count() >= len(kept)
        raise RuntimeError("a push failed")
    assert gc.get_freeze_count() == 0
