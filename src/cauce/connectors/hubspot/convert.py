"""Values in HubSpot's formats, property types inferred from values, and the consent guard.

HubSpot stores every property value as a string and validates it by the
property's type: numbers as plain decimal strings, booleans as
``"true"``/``"false"``, ``date`` properties as ``YYYY-MM-DD`` (or epoch ms at
midnight UTC), ``datetime`` properties as epoch milliseconds, multi-select
enumerations as ``a;b;c``. The engine hands the sink Python values (ints,
Decimals, dates, bools); this module turns each into the string HubSpot
expects for the property it is written to, so a mapped ``date`` lands as a
date, not as a rejected ISO timestamp.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

CONSENT_OPT_OUT = "hs_email_optout"
"""HubSpot's "unsubscribed from all email": Cauce may set it, never clear it."""
GROUP = "contactinformation"
NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
_TRUE = {"true", "yes", "y", "1", "on", "si", "sí"}
_FALSE = {"false", "no", "n", "0", "off"}


class ValueProblem(ValueError):
    """A value cannot be written to the property it is mapped to; the row is rejected."""


def _as_utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _epoch_ms(moment: datetime) -> str:
    return str(int(_as_utc(moment).timestamp() * 1000))


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, int):
        return str(value)
    decimal = Decimal(str(value)) if isinstance(value, float) else value
    if not decimal.is_finite():
        raise ValueProblem(f"{value} is not a finite number")
    return format(decimal, "f")


def _parse_moment(text: str) -> datetime | date | None:
    try:
        if _ISO_DATE.match(text):
            return date.fromisoformat(text)
        if _ISO_DATETIME.match(text):
            return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return None


def _date_value(value: Any, name: str) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return text
        parsed = _parse_moment(text)
        if parsed is None:
            raise ValueProblem(f"{name}: {value!r} is not a date (use YYYY-MM-DD)")
        value = parsed
    if isinstance(value, datetime):
        return _as_utc(value).date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise ValueProblem(f"{name}: {value!r} is not a date (use YYYY-MM-DD)")


def _datetime_value(value: Any, name: str) -> str:
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return text
        parsed = _parse_moment(text)
        if parsed is None:
            raise ValueProblem(f"{name}: {value!r} is not a date and time (use ISO 8601)")
        value = parsed
    if isinstance(value, datetime):
        return _epoch_ms(value)
    if isinstance(value, date):
        return _epoch_ms(datetime.combine(value, time(0), UTC))
    raise ValueProblem(f"{name}: {value!r} is not a date and time (use ISO 8601)")


def _bool_value(value: Any, name: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value).strip().lower()
    if text in _TRUE:
        return "true"
    if text in _FALSE:
        return "false"
    raise ValueProblem(f"{name}: {value!r} is not a boolean (use true or false)")


def to_hubspot(name: str, value: Any, kind: str | None) -> str | None:
    """``value`` as HubSpot's string for a property of type ``kind`` (None: leave unset).

    None and empty text leave the property as it is in HubSpot: a blank
    source cell never erases data there.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dict):
        raise ValueProblem(f"{name}: an object cannot be written to a HubSpot property")
    if isinstance(value, list | tuple | set):
        parts = [to_hubspot(name, item, None) for item in value]
        return ";".join(p for p in parts if p)
    if kind == "date":
        return _date_value(value, name)
    if kind == "datetime":
        return _datetime_value(value, name)
    if kind == "bool":
        return _bool_value(value, name)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | Decimal):
        return _number(value)
    if isinstance(value, datetime):
        return _as_utc(value).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip() if kind == "number" else str(value)


def hubspot_properties(
    record: dict[str, Any], definitions: dict[str, dict[str, Any]], skip: Iterable[str] = ()
) -> dict[str, str]:
    """A record's properties converted for HubSpot, consent guard applied.

    ``skip`` names keys that are not properties (the key field, ``id``).
    Nested ``properties`` dicts (a mapping to ``properties.firstname``) are
    flattened. A value that would clear ``hs_email_optout`` is dropped: an
    opted-out contact is never opted back in by Cauce.
    """
    flat: dict[str, Any] = {}
    for key, value in record.items():
        if key == "properties" and isinstance(value, dict):
            flat.update(value)
        elif key not in skip:
            flat[key] = value
    out: dict[str, str] = {}
    for name, value in flat.items():
        kind = (definitions.get(name) or {}).get("type")
        converted = to_hubspot(name, value, str(kind) if kind else None)
        if converted is None:
            continue
        if name == CONSENT_OPT_OUT and converted != "true":
            continue
        out[name] = converted
    return out


def property_keys(record: dict[str, Any], skip: Iterable[str] = ()) -> list[str]:
    """The property names a record writes (flattening a nested ``properties``)."""
    names: list[str] = []
    for key, value in record.items():
        if key == "properties" and isinstance(value, dict):
            names.extend(str(k) for k in value)
        elif key not in skip:
            names.append(key)
    return names


def infer_type(values: Iterable[Any]) -> str:
    """HubSpot property type for these values: bool, number, date, datetime or string."""
    seen = [v for v in values if v is not None and v != ""]
    if not seen:
        return "string"
    if all(isinstance(v, bool) for v in seen):
        return "bool"
    if all(isinstance(v, int | float | Decimal) and not isinstance(v, bool) for v in seen):
        return "number"
    if all(isinstance(v, datetime) for v in seen):
        return "datetime"
    if all(isinstance(v, date) and not isinstance(v, datetime) for v in seen):
        return "date"
    if all(isinstance(v, str) for v in seen):
        texts = [str(v).strip() for v in seen]
        if all(_ISO_DATE.match(t) and _parse_moment(t) for t in texts):
            return "date"
        if all(_ISO_DATETIME.match(t) and _parse_moment(t) for t in texts):
            return "datetime"
    return "string"


_FIELD_TYPES = {
    "string": "text",
    "number": "number",
    "date": "date",
    "datetime": "date",
    "bool": "booleancheckbox",
}


def property_definition(name: str, values: Iterable[Any]) -> dict[str, Any]:
    """The body of ``POST /crm/v3/properties/contacts`` for a new custom property."""
    kind = infer_type(values)
    body: dict[str, Any] = {
        "name": name,
        "label": name.replace("_", " ").strip().capitalize() or name,
        "type": kind,
        "fieldType": _FIELD_TYPES[kind],
        "groupName": GROUP,
        "description": "Created by Cauce for a mapped field.",
    }
    if kind == "bool":
        body["options"] = [
            {"label": "Yes", "value": "true", "displayOrder": 0},
            {"label": "No", "value": "false", "displayOrder": 1},
        ]
    return body
