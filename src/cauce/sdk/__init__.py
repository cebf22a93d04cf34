"""The connector SDK: everything a connector may import from Cauce."""

from cauce.errors import (
    ConnectionFailed,
    ConnectorError,
    FatalError,
    PermanentRecordError,
    RetryableError,
    UnknownObjectError,
)
from cauce.sdk.actions import Action
from cauce.sdk.connector import CheckResult, Connection, ConnectorSpec, ObjectSpec
from cauce.sdk.records import LINE_FIELD, Record, Rejected, RowResult, RowStatus, WriteMode
from cauce.sdk.registry import Registry, default_registry
from cauce.sdk.sink import Sink
from cauce.sdk.stream import Stream, StreamState
from cauce.sdk.triggers import (
    Event,
    MalformedWebhook,
    PollingTrigger,
    WebhookRequest,
    WebhookTrigger,
)

__all__ = [
    "LINE_FIELD",
    "Action",
    "CheckResult",
    "Connection",
    "ConnectionFailed",
    "ConnectorError",
    "ConnectorSpec",
    "Event",
    "FatalError",
    "MalformedWebhook",
    "ObjectSpec",
    "PermanentRecordError",
    "PollingTrigger",
    "Record",
    "Registry",
    "Rejected",
    "RetryableError",
    "RowResult",
    "RowStatus",
    "Sink",
    "Stream",
    "StreamState",
    "UnknownObjectError",
    "WebhookRequest",
    "WebhookTrigger",
    "WriteMode",
    "default_registry",
]
