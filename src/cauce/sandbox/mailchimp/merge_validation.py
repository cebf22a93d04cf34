"""Validation of member ``merge_fields`` against the audience's merge-field types.

Mailchimp rejects a member whose merge values do not fit their field types
with ``400 Invalid Resource`` / "Your merge fields were invalid." and one
``{field, message}`` per bad value, unless the request passes
``skip_merge_validation=true``. Values are normalised the way the API stores
them (dates as ``YYYY-MM-DD``, birthdays as ``MM/DD``, numbers as numbers).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from cauce.sandbox.mailchimp.model import MergeField

MERGE_TYPES = (
    "text",
    "number",
    "address",
    "phone",
    "date",
    "url",
    "imageurl",
    "radio",
    "dropdown",
    "birthday",
    "zip",
)
MERGE_FIELDS_INVALID = "Your merge fields were invalid."
_URL = re.compile(r"^https?://[^\s/$.?#].[^\s]*$", re.IGNORECASE)
_ZIP = re.compile(r"^\d{5}(-\d{4})?$")
_PHONE = re.compile(r"^[+\d][\d\s().\-]{3,}$")
_ADDRESS_REQUIRED = ("addr1", "city", "state", "zip")


class MergeError(ValueError):
    """One bad merge value; ``message`` is the text Mailchimp puts in ``errors[]``."""


def validate_merge_fields(
    fields: dict[str, MergeField],
    values: dict[str, Any],
    *,
    is_new: bool,
    skip: bool,
) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Return (normalised values, errors). Unknown tags are ignored, as the API does."""
    clean: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for tag, value in values.items():
        tag = str(tag).upper()
        field = fields.get(tag)
        if field is None:
            continue
        if skip:
            clean[tag] = value
            continue
        if value in ("", None):
            if field.required:
                errors.append({"field": tag, "message": "Please enter a value"})
            else:
                clean[tag] = ""
            continue
        try:
            clean[tag] = _coerce(field, value)
        except MergeError as exc:
            errors.append({"field": tag, "message": str(exc)})
    if is_new and not skip:
        for tag, field in fields.items():
            reported = any(e["field"] == tag for e in errors)
            if field.required and values.get(tag) in (None, "") and not reported:
                errors.append({"field": tag, "message": "Please enter a value"})
    return clean, errors


def _coerce(field: MergeField, value: Any) -> Any:
    kind = field.type
    if kind == "text":
        if isinstance(value, dict | list):
            raise MergeError("Please enter a text value")
        text = str(value)
        if len(text) > 255:
            raise MergeError("Please enter a value of 255 characters or fewer")
        return text
    if kind == "number":
        return _number(value)
    if kind == "address":
        return _address(value)
    if kind == "phone":
        text = str(value).strip()
        if not _PHONE.match(text):
            raise MergeError("Please enter a valid phone number")
        return text
    if kind == "date":
        return _date(str(value), str(field.options.get("date_format", "MM/DD/YYYY")))
    if kind == "birthday":
        return _birthday(str(value), str(field.options.get("date_format", "MM/DD")))
    if kind in ("url", "imageurl"):
        text = str(value).strip()
        if not _URL.match(text):
            raise MergeError("Please enter a valid URL")
        return text
    if kind in ("radio", "dropdown"):
        choices = [str(c) for c in field.options.get("choices", [])]
        if str(value) not in choices:
            raise MergeError("Please choose one of the available options")
        return str(value)
    if kind == "zip":
        text = str(value).strip()
        if not _ZIP.match(text):
            raise MergeError("Please enter a valid zip code")
        return text
    return value


def _number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise MergeError("Please enter a number")
    if isinstance(value, int | float):
        return value
    try:
        number = float(str(value).strip())
    except ValueError:
        raise MergeError("Please enter a number") from None
    return int(number) if number.is_integer() and "." not in str(value) else number


def _address(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        parts = [p.strip() for p in value.split("  ")]
        if len(parts) < 4:
            raise MergeError("Please enter a complete address")
        keys: tuple[str, ...] = ("addr1", "addr2", "city", "state", "zip", "country")
        if len(parts) == 4:
            keys = ("addr1", "city", "state", "zip")
        value = dict(zip(keys, parts, strict=False))
    if not isinstance(value, dict):
        raise MergeError("Please enter a complete address")
    address = {k: str(value.get(k, "") or "") for k in ("addr1", "addr2", "city", "state", "zip")}
    address["country"] = str(value.get("country", "US") or "US")
    if any(not address[k] for k in _ADDRESS_REQUIRED):
        raise MergeError("Please enter a complete address")
    return address


def _date(text: str, date_format: str) -> str:
    text = text.strip()
    patterns = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]
    patterns.insert(0, "%d/%m/%Y" if date_format.upper().startswith("DD") else "%m/%d/%Y")
    for pattern in patterns:
        try:
            return datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    raise MergeError("Please enter a complete date")


def _birthday(text: str, date_format: str) -> str:
    text = text.strip()
    day_first = date_format.upper().startswith("DD")
    match = re.match(r"^(\d{1,2})/(\d{1,2})$", text)
    if match:
        first, second = int(match.group(1)), int(match.group(2))
        month, day = (second, first) if day_first else (first, second)
    else:
        try:
            parsed = date.fromisoformat(text)
        except ValueError:
            raise MergeError("Please enter a complete date") from None
        month, day = parsed.month, parsed.day
    try:
        date(2000, month, day)
    except ValueError:
        raise MergeError("Please enter a complete date") from None
    return f"{day:02d}/{month:02d}" if day_first else f"{month:02d}/{day:02d}"
