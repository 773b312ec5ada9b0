"""How an import reports its progress."""

from collections.abc import Callable

ProgressCallback = Callable[[int, int], None]


class Progress:
    """Calls `callback(done, total)` about every `every` steps; `done` never goes back."""

    def __init__(self, callback: ProgressCallback | None, total: int, *, every: int = 1000):
        self.callback = callback
        self.total = max(total, 1)
        self.every = every
        self.done = 0
        self._next = every

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        if self.done >= self.total:
            self.total = self.done + 1  # the estimate was low; stay below 100 % until finish
        if self.callback is not None and self.done >= self._next:
            self._next = self.done + self.every
            self.callback(self.done, self.total)

    def finish(self) -> None:
        self.total = self.done = max(self.done, 1)
        if self.callback is not None:
            self.callback(self.done, self.total)
