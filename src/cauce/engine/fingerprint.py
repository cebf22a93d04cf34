"""Fingerprints: a short, stable hash of a mapped record, to skip unchanged writes.

The engine stores the fingerprint of the last version it wrote to a
destination, per sync and key; a record whose fingerprint did not change costs
no write at all. Canonical JSON (sorted keys, Decimals and dates as strings)
makes the hash independent of dict order and of Python object identity.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any


def _default(value: Any) -> Any:
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value else "NaN"
    if isinstance(value, set | frozenset):
        return sorted(value, key=repr)
    if hasattr(value, "__dataclass_fields__"):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    return str(value)


_encoder = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), default=_default, ensure_ascii=False
)


def fingerprint(record: dict[str, Any]) -> str:
    """Hex digest (32 chars) of the record's canonical JSON."""
    return hashlib.blake2b(_encoder.encode(record).encode(), digest_size=16).hexdigest()
