"""Big reads and writes without the cycle collector's pauses."""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_gc_pauses() -> Iterator[None]:
    """Python's cyclic garbage collector walks every object still alive each time it runs.
    An import or a directory plan builds a few hundred thousand small objects that live
    until it ends and form no reference cycles, so the collector would walk them again
    and again. What they build is freed by reference counting; anything cyclic is
    collected once the work is done."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
