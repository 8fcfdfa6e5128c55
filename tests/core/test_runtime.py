"""Start-up tuning of the `ecerp` process."""

import gc

from ecerp.core.runtime import GC_THRESHOLD, tune_gc


def test_tune_gc_freezes_what_is_alive_and_raises_the_thresholds():
    before = gc.get_threshold()
    try:
        tune_gc()
        assert gc.get_threshold() == GC_THRESHOLD
        assert gc.get_freeze_count() > 0
        # reference cycles are still collected
        cycle = []
        cycle.append(cycle)
        del cycle
        assert gc.collect() >= 1
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
