"""The cycle collector paused around work that makes many acyclic objects.

A flow's pass or an output sheet's layout creates hundreds of thousands of small acyclic objects
(rows, tuples, cells) freed by reference counting alone; left on, the cycle collector rescans
every live object each time its young generation fills (half of a ledger pass, most of a big
save). No I/O: a runtime setting, restored as it was.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cycle collector off for the block, then back as it was (nested uses are fine)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            # Re-enabled as is, the collector's next young-generation pass would scan every
            # object the pass made (a million in the benchmark: a quarter of a second). They are
            # results that live on: freeze + unfreeze moves them (and whatever else is tracked)
            # straight to the oldest generation, whose full passes are rare, without a scan.
            gc.freeze()
            gc.unfreeze()
            gc.enable()
