"""The ``null`` connector: a destination that accepts and discards everything.

For benchmarks (engine throughput without destination cost), for trying a
mapping on real data, and as the smallest example of a connector.
"""

from __future__ import annotations

from cauce.connectors.null.sinks import NullConfig, NullConnection
from cauce.sdk import ConnectorSpec, ObjectSpec, WriteMode

connector = ConnectorSpec(
    id="null",
    display_name="Null (discard)",
    config_model=NullConfig,
    factory=lambda spec, config: NullConnection(spec, config),
    description="Accepts every record and keeps nothing. Any object name is a sink.",
    sinks=(
        ObjectSpec(
            name="*",
            description="any name: records are counted and discarded",
            max_batch_size=1000,
            modes=(WriteMode.UPSERT, WriteMode.UPDATE, WriteMode.MIRROR),
        ),
    ),
    dynamic_objects=True,
)

__all__ = ["connector"]
