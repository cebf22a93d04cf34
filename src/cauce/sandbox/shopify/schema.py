"""The emulated schema: ``schema.graphql`` plus the wire formats of Shopify's custom scalars.

``DateTime`` goes out as ``2026-08-02T08:17:13Z``; ``Decimal``/``Money``
as strings such as ``"29.99"`` or ``"145.0"``; ``UnsignedInt64`` as a
string such as ``"50"`` — how the real API serializes them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib.resources import files
from typing import Any

from graphql import GraphQLError, GraphQLScalarType, GraphQLSchema, StringValueNode, build_schema

from cauce.sandbox.shopify.records import iso, money


def _out_datetime(value: Any) -> str:
    if isinstance(value, datetime):
        return iso(value)
    raise GraphQLError(f"DateTime cannot represent {value!r}")


def _in_datetime(value: Any) -> datetime:
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            pass
        else:
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    raise GraphQLError(f"Invalid DateTime: {value!r}")


def _out_decimal(value: Any) -> str:
    if isinstance(value, Decimal | int):
        return money(Decimal(value))
    if isinstance(value, str):
        return value
    raise GraphQLError(f"Decimal cannot represent {value!r}")


def _in_decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise GraphQLError(f"Invalid Decimal: {value!r}") from exc


def _out_uint64(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return str(value)
    raise GraphQLError(f"UnsignedInt64 cannot represent {value!r}")


def _in_uint64(value: Any) -> int:
    try:
        number = int(str(value))
    except ValueError as exc:
        raise GraphQLError(f"Invalid UnsignedInt64: {value!r}") from exc
    if number < 0:
        raise GraphQLError(f"Invalid UnsignedInt64: {value!r}")
    return number


def _out_string(value: Any) -> str:
    return str(value)


def _in_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    raise GraphQLError(f"Expected a string, got {value!r}")


def _bind(
    scalar: GraphQLScalarType, out: Callable[[Any], Any], parse: Callable[[Any], Any]
) -> None:
    """Set the coercers under both graphql-core 3.2 and 3.3 attribute names."""

    def literal(node: Any, _variables: Any = None) -> Any:
        if isinstance(node, StringValueNode):
            return parse(node.value)
        raise GraphQLError(f"{scalar.name} must be given as a string")

    for name, function in (
        ("serialize", out),
        ("coerce_output_value", out),
        ("parse_value", parse),
        ("coerce_input_value", parse),
        ("parse_literal", literal),
        ("coerce_input_literal", literal),
    ):
        if hasattr(scalar, name):
            setattr(scalar, name, function)


@cache
def currency_codes() -> frozenset[str]:
    """The ``CurrencyCode`` values the emulated schema can serialize."""
    codes: Any = load_schema().type_map["CurrencyCode"]
    return frozenset(codes.values)


#: The first version with ``Customer.defaultEmailAddress``.
EMAIL_ADDRESS_SINCE = "2025-04"


def schema_variant(version: str) -> str:
    """Which schema serves ``version``: ``"current"``, or ``"pre-2025-04"`` for 2025-01."""
    if version != "unstable" and version < EMAIL_ADDRESS_SINCE:
        return "pre-2025-04"
    return "current"


def _before_2025_04(sdl: str) -> str:
    """The schema without ``Customer.defaultEmailAddress``, which arrived in 2025-04.

    Whether ``email``/``emailMarketingConsent`` were already flagged deprecated
    on 2025-01 is unconfirmed; they keep their deprecation (and the header).
    """
    kept = (
        line for line in sdl.splitlines() if not line.strip().startswith("defaultEmailAddress:")
    )
    return "\n".join(kept)


@cache
def load_schema(variant: str = "current") -> GraphQLSchema:
    """Build each schema variant once per process; :mod:`root` binds the resolvers."""
    sdl = files("cauce.sandbox.shopify").joinpath("schema.graphql").read_text(encoding="utf-8")
    if variant == "pre-2025-04":
        sdl = _before_2025_04(sdl)
    schema = build_schema(sdl)
    scalars: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
        "DateTime": (_out_datetime, _in_datetime),
        "Decimal": (_out_decimal, _in_decimal),
        "Money": (_out_decimal, _in_decimal),
        "UnsignedInt64": (_out_uint64, _in_uint64),
        "URL": (_out_string, _in_string),
        "HTML": (_out_string, _in_string),
    }
    for name, (out, parse) in scalars.items():
        scalar = schema.type_map[name]
        assert isinstance(scalar, GraphQLScalarType)
        _bind(scalar, out, parse)
    return schema
