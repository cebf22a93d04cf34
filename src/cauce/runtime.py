"""Garbage collection in Cauce's long-running processes (``serve``, ``worker``, ``sandbox``).

A process that has imported FastAPI, SQLAlchemy, pydantic, the connectors and
its configuration holds a few hundred thousand objects that live as long as
it does. Python's garbage collector looks at all of them again in every
full (oldest-generation) collection, which on this project's 2-core
benchmark machine took 40 to 90 ms, every 10 to 20 s under load. A worker
doing that in the middle of a write transaction held the SQLite lock for as
long, and the webhooks waiting behind it made the whole tail of the answer
times. :func:`settle_start_up_objects` takes what exists once the process is
ready out of the collector's sight (``gc.freeze``): full collections then
scan only what was made since, and take 1 to 4 ms.
"""

from __future__ import annotations

import gc


def settle_start_up_objects() -> None:
    """Collect start-up garbage once, then freeze the survivors; call when the process is ready.

    Frozen objects are never collected, so call it after start-up, not in a
    loop: what start-up leaves behind is kept until the process exits.
    """
    gc.collect()
    gc.freeze()
