"""Sealing a connection's config: secret fields encrypted in place, the rest readable.

A sealed secret is stored as ``{"$secret": "<fernet token>"}`` where the
value was, so the rest of the config stays plain JSON a person can inspect,
and loading needs no list of which fields were secret: every marker found is
decrypted. Secret fields are dotted paths into nested dicts
(``"auth.password"``); a path that is absent is simply not there to seal.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from cauce.store.secrets import SecretBox

SECRET_MARKER = "$secret"


def seal_connection_config(
    config: dict[str, Any], secret_fields: Iterable[str], box: SecretBox
) -> dict[str, Any]:
    """A deep copy of ``config`` with the value at every secret path encrypted."""
    sealed = copy.deepcopy(config)
    for path in secret_fields:
        parent: Any = sealed
        *walk, leaf = path.split(".")
        for part in walk:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or leaf not in parent or parent[leaf] is None:
            continue
        value = parent[leaf]
        if _is_sealed(value):
            continue
        if not isinstance(value, str):
            raise ValueError(
                f"Connection config field {path!r} is marked secret but holds a "
                f"{type(value).__name__}; secret fields must be strings"
            )
        parent[leaf] = {SECRET_MARKER: box.encrypt(value)}
    return sealed


def load_connection_config(stored: dict[str, Any], box: SecretBox) -> dict[str, Any]:
    """The config with every sealed value decrypted."""
    opened = _open(stored, box)
    assert isinstance(opened, dict)
    return opened


def _open(value: Any, box: SecretBox) -> Any:
    if _is_sealed(value):
        return box.decrypt(value[SECRET_MARKER])
    if isinstance(value, dict):
        return {key: _open(item, box) for key, item in value.items()}
    if isinstance(value, list):
        return [_open(item, box) for item in value]
    return value


def _is_sealed(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {SECRET_MARKER}
        and isinstance(value[SECRET_MARKER], str)
    )
