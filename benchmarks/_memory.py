"""Shared by the benchmark scripts: peak memory of a run and its worker processes.

Not a benchmark itself (``make bench`` skips files starting with ``_``).
"""

from __future__ import annotations

import contextlib
import threading

__all__ = ["TreeMemory"]


class TreeMemory:
    """Sample the RSS of this process plus its descendants (worker processes) every 50 ms."""

    def __init__(self) -> None:
        import psutil

        self._me = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _total(self) -> int:
        total = self._me.memory_info().rss
        for child in self._me.children(recursive=True):
            with contextlib.suppress(Exception):  # a worker may exit between list and read
                total += child.memory_info().rss
        return total

    def _run(self) -> None:
        while not self._stop.wait(0.05):
            self.peak = max(self.peak, self._total())

    def __enter__(self) -> TreeMemory:
        self.peak = self._total()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())
