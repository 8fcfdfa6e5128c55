"""Process-level tuning done once at start-up by the `ecerp` command (and the benchmarks).

Garbage collection: a batch of 1,000 orders allocates hundreds of thousands of short-lived
objects (rows, payloads, model instances) on top of the hundreds of thousands Django and the
app registry keep for the life of the process. With CPython's default thresholds (a young
collection every 700 allocations, an older one every 10 of those) the collector walks the
long-lived heap again and again; measured on W1 that was up to a quarter of the run. So, once
everything is imported: the objects alive then are moved out of the collector's sight
(gc.freeze, as large Django deployments do before forking workers), and the young generation
is collected every GC_THRESHOLD allocations. Reference counting still frees almost everything
at once; only reference cycles wait a little longer.
"""

from __future__ import annotations

import gc

GC_THRESHOLD = (50_000, 20, 100)


def tune_gc() -> None:
    """Freeze what is alive now and raise the collection thresholds (idempotent)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
