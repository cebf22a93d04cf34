"""Type coercion: turn what a source system sends into what a destination expects.

Sources send text (CSV), JSON numbers, Decimals (SQL) or native dates; a
mapping names the type the destination wants and :func:`coerce` does the
rest, or raises :class:`CoercionError` naming the value and the type so the
row can be rejected with a reason. Empty text and ``None`` are "no value"
for every type, never an error: a blank cell is not a bad cell.

:func:`make_coercer` checks the type name and options once and returns a
function to call per record; the mapper uses it on the hot path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache, partial
from typing import Any

from cauce.mapping.identity import InvalidEmail, normalize_email
from cauce.mapping.numbers import NumberFormatError, parse_amount, parse_decimal, to_decimal

__all__ = [
    "TYPE_NAMES",
    "CoercionError",
    "Money",
    "check_date_format",
    "coerce",
    "make_coercer",
]

Coercer = Callable[[Any], Any]


class CoercionError(ValueError):
    """A value cannot be read as the requested type; the message names both."""

    def __init__(self, value: object, type_name: str, reason: str) -> None:
        self.value = value
        self.type_name = type_name
        self.reason = reason
        super().__init__(f"cannot read {_shown(value)} as {type_name}: {reason}")


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in a currency (ISO 4217 code); never a float."""

    amount: Decimal
    currency: str

    def __str__(self) -> str:
        return f"{self.amount} {self.currency}"


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:76] + "...'"


_TRUE = frozenset({"true", "yes", "y", "1", "sí", "si", "t", "on"})
_FALSE = frozenset({"false", "no", "n", "0", "f", "off"})
_SYMBOLS = {"€": "EUR", "$": "USD", "US$": "USD", "£": "GBP", "¥": "JPY", "₹": "INR", "R$": "BRL"}
_MONEY = re.compile(
    r"(?P<pre>[A-Za-z]{3}|US\$|R\$|[€$£¥₹])?\s*(?P<amount>[-+]?[\d.,\s\u00a0\u202f']*\d[\d.,\s\u00a0\u202f']*)"
    r"\s*(?P<post>[A-Za-z]{3}|US\$|R\$|[€$£¥₹])?"
)
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")


def _string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(to_decimal(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def _number(value: Any, *, decimal_comma: bool, type_name: str = "number") -> Decimal:
    if type(value) is str:  # the common case (CSV, most APIs) first: this runs once per cell
        try:
            return parse_decimal(value, decimal_comma=decimal_comma)
        except NumberFormatError as exc:
            raise CoercionError(value, type_name, str(exc)) from None
    if isinstance(value, bool):
        raise CoercionError(value, type_name, "a true/false value is not a number")
    if isinstance(value, int | float | Decimal):
        number = to_decimal(value)
        if not number.is_finite():
            raise CoercionError(value, type_name, "it is not a finite number")
        return number
    if isinstance(value, str):
        try:
            return parse_decimal(value, decimal_comma=decimal_comma)
        except NumberFormatError as exc:
            raise CoercionError(value, type_name, str(exc)) from None
    raise CoercionError(value, type_name, f"expected a number, got {type(value).__name__}")


def _integer(value: Any, *, decimal_comma: bool) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    number = _number(value, decimal_comma=decimal_comma, type_name="integer")
    if number != number.to_integral_value():
        raise CoercionError(value, "integer", "it is not a whole number")
    return int(number)


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise CoercionError(value, "boolean", "expected true/false, yes/no, sí/no, y/n or 1/0")


def _parse_datetime(value: Any, date_format: str | None, type_name: str) -> datetime:
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        text = value.strip()
        try:
            parsed = _strptime(text, date_format) if date_format else datetime.fromisoformat(text)
        except ValueError:
            expected = f"the format {date_format!r}" if date_format else "an ISO 8601 date"
            raise CoercionError(value, type_name, f"expected {expected}") from None
    else:
        raise CoercionError(value, type_name, f"expected a date, got {type(value).__name__}")
    return parsed


def _date(value: Any, *, date_format: str | None) -> date:
    if type(value) is date:
        return value
    if type(value) is str and not date_format:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    return _parse_datetime(value, date_format, "date").date()


def _datetime(value: Any, *, date_format: str | None) -> datetime:
    parsed = _parse_datetime(value, date_format, "datetime")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


@lru_cache(maxsize=8192)
def _strptime(text: str, date_format: str) -> datetime:
    """``datetime.strptime`` costs ~10 µs; a column holds far fewer distinct dates than rows."""
    return datetime.strptime(text, date_format)


@lru_cache(maxsize=8192)
def _money_text(value: str, decimal_comma: bool) -> tuple[Decimal, str | None]:
    """Amount and currency written in ``value``; cached, as prices repeat across orders."""
    match = _MONEY.fullmatch(value.strip())
    if match is None or (match["pre"] and match["post"]):
        raise CoercionError(value, "money", "expected an amount such as 12.50, €12.50 or 12,50 EUR")
    try:
        amount = parse_amount(match["amount"], decimal_comma=decimal_comma)
    except NumberFormatError as exc:
        raise CoercionError(value, "money", str(exc)) from None
    return amount, _currency_of(match["pre"] or match["post"])


def _currency_of(token: str | None) -> str | None:
    if token is None:
        return None
    return _SYMBOLS.get(token, token.upper())


def _money(value: Any, *, currency: str | None, decimal_comma: bool) -> Money:
    if isinstance(value, Money):
        found: str | None = value.currency
        amount = value.amount
    elif isinstance(value, Mapping) and "amount" in value:
        found = next(
            (str(value[k]) for k in ("currency", "currency_code", "currencyCode") if value.get(k)),
            None,
        )
        amount = _money(
            value["amount"], currency=found or currency, decimal_comma=decimal_comma
        ).amount
    elif isinstance(value, str):
        amount, found = _money_text(value, decimal_comma)
    else:
        amount = _number(value, decimal_comma=decimal_comma, type_name="money")
        found = None
    if found and currency and found != currency:
        raise CoercionError(
            value, "money", f"the amount is in {found} but the mapping says {currency}"
        )
    code = found or currency
    if not code:
        raise CoercionError(
            value,
            "money",
            "no currency: write it with the amount or set currency: EUR in the mapping",
        )
    return Money(amount, code)


def _email(value: Any) -> str:
    try:
        return normalize_email(value)
    except InvalidEmail as exc:
        raise CoercionError(value, "email", exc.reason) from None


def _json(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError as exc:
        raise CoercionError(
            value, "json", f"invalid JSON ({exc.msg} at column {exc.colno})"
        ) from None


TYPE_NAMES = frozenset(
    {
        "string",
        "integer",
        "number",
        "decimal",
        "boolean",
        "date",
        "datetime",
        "money",
        "email",
        "json",
    }
)


def check_date_format(date_format: str) -> str | None:
    """Say what is wrong with a strptime format, or ``None`` when it reads dates back whole."""
    if "%" not in date_format:
        return (
            f"the date format {date_format!r} has no % directives; "
            "write it as strptime does, e.g. '%d/%m/%Y'"
        )
    sample = datetime(2031, 12, 25, 13, 45, 30)
    try:
        back = datetime.strptime(sample.strftime(date_format), date_format)
    except ValueError as exc:
        return f"the date format {date_format!r} is not valid: {exc}"
    if back.date() != sample.date():
        return f"the date format {date_format!r} does not include a full date (day, month and year)"
    return None


def make_coercer(
    type_name: str,
    *,
    decimal_comma: bool = False,
    date_format: str | None = None,
    currency: str | None = None,
) -> Coercer:
    """Check the type and options once; return a function that coerces one value.

    Raises ``ValueError`` for an unknown type, a bad ``date_format`` or a
    currency that is not a three-letter code: configuration errors, found
    before any record is read.
    """
    if type_name not in TYPE_NAMES:
        raise ValueError(
            f"unknown type {type_name!r}; expected one of {', '.join(sorted(TYPE_NAMES))}"
        )
    if date_format is not None:
        problem = check_date_format(date_format)
        if problem:
            raise ValueError(problem)
    if currency is not None and not _CURRENCY_CODE.fullmatch(currency):
        raise ValueError(f"currency {currency!r} is not a three-letter ISO 4217 code such as EUR")
    convert: Coercer
    if type_name == "string":
        convert = _string
    elif type_name in ("number", "decimal"):
        convert = partial(_number, decimal_comma=decimal_comma, type_name=type_name)
    elif type_name == "integer":
        convert = partial(_integer, decimal_comma=decimal_comma)
    elif type_name == "boolean":
        convert = _boolean
    elif type_name == "date":
        convert = partial(_date, date_format=date_format)
    elif type_name == "datetime":
        convert = partial(_datetime, date_format=date_format)
    elif type_name == "money":
        convert = partial(_money, currency=currency, decimal_comma=decimal_comma)
    elif type_name == "email":
        convert = _email
    else:
        convert = _json
    blank_is_empty = type_name != "string"

    def coerce_one(value: Any) -> Any:
        if value is None or value == "":
            return None
        if blank_is_empty and isinstance(value, str) and not value.strip():
            return None
        return convert(value)

    return coerce_one


def coerce(
    value: Any,
    type_name: str,
    *,
    decimal_comma: bool = False,
    date_format: str | None = None,
    currency: str | None = None,
) -> Any:
    """Convert ``value`` to ``type_name``; empty input gives ``None``.

    Raises :class:`CoercionError` naming the value and the type when it cannot.
    """
    convert = make_coercer(
        type_name, decimal_comma=decimal_comma, date_format=date_format, currency=currency
    )
    return convert(value)
