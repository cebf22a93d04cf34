"""Retry delays: exponential backoff with jitter, never sooner than the server asked."""

from __future__ import annotations

import random


def retry_delay(
    attempt: int,
    *,
    base: float,
    cap: float,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> float:
    """Seconds to wait before attempt ``attempt + 1``, after ``attempt`` failures.

    "Equal jitter": half the exponential delay is fixed, half random, so
    retries spread out (no thundering herd after an outage) yet never
    collapse to zero. A ``retry_after`` from the server (429/503) is a floor.
    """
    exponential = min(cap, base * (2 ** max(0, attempt - 1)))
    chosen = (rng or random).uniform(exponential / 2, exponential)
    if retry_after is not None and retry_after > chosen:
        return float(retry_after)
    return chosen
