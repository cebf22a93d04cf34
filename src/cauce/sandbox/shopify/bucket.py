"""The leaky bucket behind Shopify's calculated-query-cost rate limit.

One bucket per app and store: ``maximum`` points, refilled continuously at
``restore_rate`` points per second. A query may run only if the bucket holds
its requested cost; what it did not use is refunded afterwards.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any


class LeakyBucket:
    """Points available to the token, refilled continuously at ``restore_rate`` per second."""

    def __init__(
        self, maximum: float, restore_rate: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self.maximum = float(maximum)
        self.restore_rate = float(restore_rate)
        self._available = self.maximum
        self._at = clock()

    def _refill(self) -> None:
        now = self._clock()
        self._available = min(self.maximum, self._available + (now - self._at) * self.restore_rate)
        self._at = now

    def take(self, cost: int) -> bool:
        """Deduct ``cost`` if the bucket holds it; ``False`` (nothing deducted) means throttled."""
        with self._lock:
            self._refill()
            if cost > self._available:
                return False
            self._available -= cost
            return True

    def refund(self, points: int) -> None:
        with self._lock:
            self._refill()
            self._available = min(self.maximum, self._available + max(points, 0))

    def status(self) -> dict[str, Any]:
        """The ``throttleStatus`` object: floats for the limits, an int for what is left."""
        with self._lock:
            self._refill()
            return {
                "maximumAvailable": self.maximum,
                "currentlyAvailable": int(self._available),
                "restoreRate": self.restore_rate,
            }

    def configure(
        self,
        maximum: float | None = None,
        restore_rate: float | None = None,
        currently_available: float | None = None,
    ) -> None:
        with self._lock:
            self._refill()
            if maximum is not None:
                self.maximum = float(maximum)
            if restore_rate is not None:
                self.restore_rate = float(restore_rate)
            if currently_available is not None:
                self._available = float(currently_available)
            self._available = min(self._available, self.maximum)

    def refill(self) -> None:
        with self._lock:
            self._available = self.maximum
            self._at = self._clock()
