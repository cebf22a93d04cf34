"""What an installed connector offers, described from its spec alone.

``cauce connectors list/show``, the generated docs and the web UI's
connection form all need the same facts: the config fields (type, required,
default, secret, description), the streams and the sinks. They come from the
:class:`~cauce.sdk.connector.ConnectorSpec` and its pydantic config model, so
nothing here connects to anything.
"""

from __future__ import annotations

import enum
import types
from dataclasses import asdict, dataclass
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic.fields import FieldInfo

from cauce.sdk.connector import ConnectorSpec, ObjectSpec

_SCALAR_NAMES: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Decimal: "decimal",
    Path: "path",
    SecretStr: "string",
    SecretBytes: "bytes",
    bytes: "bytes",
    Any: "any",
    type(None): "null",
}


@dataclass(frozen=True)
class ConfigField:
    """One setting of a connector, as a person filling in ``config:`` needs to know it."""

    name: str
    type: str
    required: bool
    default: Any
    secret: bool
    description: str


def config_fields(spec: ConnectorSpec) -> list[ConfigField]:
    """The settings of a connector in declaration order; secret defaults are never shown."""
    secrets = set(spec.secret_fields())
    fields = []
    for name, info in spec.config_model.model_fields.items():
        secret = name in secrets
        fields.append(
            ConfigField(
                name=info.alias or name,
                type=type_name(info.annotation),
                required=info.is_required(),
                default=None if info.is_required() or secret else _default(info),
                secret=secret,
                description=info.description or "",
            )
        )
    return fields


def type_name(annotation: Any) -> str:
    """A short readable name for a field's type: ``list of string``, ``one of: a, b``."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return type_name(get_args(annotation)[0])
    if origin is Union or origin is types.UnionType:
        options = get_args(annotation)
        names = list(dict.fromkeys(type_name(a) for a in options if a is not type(None)))
        return " or ".join(names) if names else "null"
    if origin is Literal:
        return "one of: " + ", ".join(str(a) for a in get_args(annotation))
    if origin in (list, tuple, set, frozenset):
        args = [a for a in get_args(annotation) if a is not Ellipsis]
        return f"list of {type_name(args[0])}" if args else "list"
    if origin is dict:
        pair = get_args(annotation)
        return f"mapping of {type_name(pair[1])}" if len(pair) == 2 else "mapping"
    if annotation in _SCALAR_NAMES:
        return _SCALAR_NAMES[annotation]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return "one of: " + ", ".join(str(member.value) for member in annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"mapping ({annotation.__name__})"
    return str(getattr(annotation, "__name__", annotation))


def _default(info: FieldInfo) -> Any:
    try:
        value = info.get_default(call_default_factory=True, validated_data={})
    except TypeError:
        return None
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, Path | Decimal):
        return str(value)
    if isinstance(value, str | int | float | bool | list | dict) or value is None:
        return value
    return str(value)


def describe_object(spec: ObjectSpec, *, sink: bool) -> dict[str, Any]:
    """A stream or sink as JSON-ready data."""
    data: dict[str, Any] = {"name": spec.name, "description": spec.description}
    if sink:
        data["key"] = spec.primary_key
        data["max_batch_size"] = spec.max_batch_size
        data["modes"] = [str(mode) for mode in spec.modes]
    else:
        data["primary_key"] = spec.primary_key
        data["cursor_field"] = spec.cursor_field
    data["fields"] = list(spec.fields)
    return data


def describe_connector(spec: ConnectorSpec) -> dict[str, Any]:
    """Everything ``cauce connectors show`` prints, as JSON-ready data."""
    return {
        "id": spec.id,
        "name": spec.display_name,
        "description": spec.description,
        "docs_url": spec.docs_url,
        "dynamic_objects": spec.dynamic_objects,
        "config": [asdict(field) for field in config_fields(spec)],
        "streams": [describe_object(stream, sink=False) for stream in spec.streams],
        "sinks": [describe_object(sink, sink=True) for sink in spec.sinks],
    }


def example_connection(spec: ConnectorSpec, name: str | None = None) -> str:
    """A ``connections:`` snippet with the required settings, secrets as ``${VARIABLES}``."""
    connection = name or f"my_{spec.id}".replace("-", "_")
    lines = ["connections:", f"  {connection}:", f"    connector: {spec.id}"]
    required = [field for field in config_fields(spec) if field.required]
    if required:
        lines.append("    config:")
        for field in required:
            if field.secret:
                variable = f"{connection}_{field.name}".upper().replace("-", "_")
                lines.append(f"      {field.name}: ${{{variable}}}")
            else:
                lines.append(f"      {field.name}: ...  # {field.type}")
    return "\n".join(lines) + "\n"
