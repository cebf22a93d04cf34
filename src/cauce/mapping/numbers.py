"""Reading numbers and money amounts the way spreadsheets and shops write them.

Two conventions meet in the files Cauce imports: ``1,234.56`` and
``1.234,56``. Plain numbers follow the sync's ``decimal_comma`` setting
strictly, because guessing would silently turn ``1.234`` into one thousand
or into one. Money amounts carry more evidence (two decimals, a currency
sign), so :func:`parse_amount` reads the separator the text itself uses and
falls back on ``decimal_comma`` only when the text is ambiguous (``1.234 €``).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

__all__ = ["NumberFormatError", "parse_amount", "parse_decimal", "to_decimal"]

_GROUP_SPACES = "\u00a0\u202f '"
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_GROUPED_POINT = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_GROUPED_COMMA = re.compile(r"[+-]?\d{1,3}(?:\.\d{3})+(?:,\d+)?")
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")


class NumberFormatError(ValueError):
    """The text is not a number in the expected convention; the message says what to change."""


def to_decimal(value: float | int | Decimal) -> Decimal:
    """A Decimal that prints like the number a person sees: ``0.1``, not ``0.1000...055``."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _finite(text: str) -> Decimal:
    try:
        number = Decimal(text)
    except InvalidOperation as exc:
        raise NumberFormatError("it is not a number") from exc
    if not number.is_finite():
        raise NumberFormatError("it is not a finite number")
    return number


def _without_group_spaces(text: str) -> str:
    for char in _GROUP_SPACES:
        if char in text:
            text = text.replace(char, "")
    return text


def parse_decimal(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Parse ``text`` as a number written with a decimal point, or a decimal comma if asked.

    Thousands separators are accepted only in groups of three (``1,234,567``),
    plus spaces and apostrophes (``1 234,5``, ``1'234.5``).
    """
    if not decimal_comma and _PLAIN.fullmatch(text):
        return _finite(text)
    compact = _without_group_spaces(text.strip())
    if decimal_comma:
        if _GROUPED_COMMA.fullmatch(compact) or _COMMA_DECIMAL.fullmatch(compact):
            return _finite(compact.replace(".", "").replace(",", "."))
        if _PLAIN.fullmatch(compact) and "." not in compact:
            return _finite(compact)
        raise NumberFormatError(
            "it is not a number written with a decimal comma (like 1.234,56); "
            "if this column uses a decimal point, remove decimal_comma"
        )
    if _PLAIN.fullmatch(compact):
        return _finite(compact)
    if _GROUPED_POINT.fullmatch(compact):
        return _finite(compact.replace(",", ""))
    if _COMMA_DECIMAL.fullmatch(compact) or _GROUPED_COMMA.fullmatch(compact):
        raise NumberFormatError(
            "it looks like a number with a decimal comma; set decimal_comma: true to read it"
        )
    raise NumberFormatError("it is not a number")


def parse_amount(text: str, *, decimal_comma: bool = False) -> Decimal:
    """Parse a money amount, reading the decimal separator from the text when it is clear.

    The last of ``.``/``,`` is the decimal separator when both appear; a single
    separator followed by other than three digits is a decimal separator; a
    separator followed by exactly three digits (``1.234``) is ambiguous and
    read according to ``decimal_comma``.
    """
    compact = _without_group_spaces(text.strip())
    point, comma = compact.rfind("."), compact.rfind(",")
    if point >= 0 and comma >= 0:
        use_comma = comma > point
    elif point < 0 and comma < 0:
        return parse_decimal(compact)
    else:
        sep = "," if comma >= 0 else "."
        tail = compact[max(point, comma) + 1 :]
        if compact.count(sep) > 1:
            use_comma = sep == "."
        elif len(tail) == 3 and tail.isdigit():
            use_comma = decimal_comma
        else:
            use_comma = sep == ","
    return parse_decimal(compact, decimal_comma=use_comma)
