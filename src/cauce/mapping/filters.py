"""Filters and globals available in mapping expressions, beyond Jinja's built-ins.

Jinja already gives ``lower``, ``upper``, ``trim``, ``default``, ``title``,
``join``, ``int``, ``float`` and more. These add what email-marketing
mappings keep needing: hashes for Mailchimp subscriber ids, dates in and out
of a format, exact decimal arithmetic and money, normalised emails, and the
query parameters of landing URLs (campaign attribution).
``round`` is replaced so that a Decimal stays a Decimal: amounts must never
pass through a float.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any
from urllib.parse import parse_qs, urlsplit

from cauce.mapping.coerce import Money, coerce
from cauce.mapping.identity import normalize_email
from cauce.mapping.numbers import to_decimal

__all__ = ["EXPRESSION_FILTERS", "EXPRESSION_GLOBALS"]

_ROUNDING = {"common": ROUND_HALF_UP, "ceil": ROUND_CEILING, "floor": ROUND_FLOOR}


def md5(value: Any) -> str:
    """Hex MD5 of the text as given; see ``subscriber_hash`` for Mailchimp ids."""
    return hashlib.md5(str(value).encode("utf-8"), usedforsecurity=False).hexdigest()


def subscriber_hash(value: Any) -> str:
    """Mailchimp's member id: MD5 of the trimmed, lowercased address."""
    return md5(str(value).strip().lower())


def split(value: Any, separator: str | None = None, maxsplit: int = -1) -> list[str]:
    """Split text into a list (``"a, b" | split(", ")``); nothing in, nothing out."""
    if value is None:
        return []
    return str(value).split(separator, maxsplit)


def round_(value: Any, precision: int = 0, method: str = "common") -> Any:
    """Round like Jinja's ``round``, but keep Decimals exact instead of turning them into floats."""
    if method not in _ROUNDING:
        raise ValueError("round method must be 'common', 'ceil' or 'floor'")
    if isinstance(value, Money):
        return Money(round_(value.amount, precision, method), value.currency)
    number = value if isinstance(value, Decimal) else to_decimal(value)
    rounded = number.quantize(Decimal(1).scaleb(-precision), rounding=_ROUNDING[method])
    if isinstance(value, Decimal):
        return rounded
    return float(rounded) if isinstance(value, float) or precision > 0 else int(rounded)


def _as_datetime(value: Any, input_format: str | None) -> datetime:
    parsed: datetime = coerce(value, "datetime", date_format=input_format)
    return parsed


def date_filter(value: Any, format: str | None = None, input_format: str | None = None) -> Any:
    """Read a date (ISO text, a date, a datetime, or text in ``input_format``).

    Without ``format`` it returns a ``date``; with one, the text ``strftime`` makes.
    """
    if value is None or value == "":
        return None
    if isinstance(value, date) and not isinstance(value, datetime):
        parsed: date = value
    else:
        parsed = coerce(value, "date", date_format=input_format)
    return parsed.strftime(format) if format else parsed


def datetime_filter(value: Any, format: str | None = None, input_format: str | None = None) -> Any:
    """Read a date-time (naive means UTC); with ``format``, return it as text."""
    if value is None or value == "":
        return None
    parsed = _as_datetime(value, input_format)
    return parsed.strftime(format) if format else parsed


def strftime(value: Any, format: str) -> str | None:
    """Format a date or date-time or ISO text: ``signup | strftime('%d/%m/%Y')``."""
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value.strftime(format)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()).strftime(format)
        except ValueError:
            pass
    return _as_datetime(value, None).strftime(format)


def money(value: Any, currency: str | None = None, decimal_comma: bool = False) -> Money | None:
    """Read an amount as :class:`Money` (``"12,50 €" | money``, ``amount | money('EUR')``)."""
    result: Money | None = coerce(value, "money", currency=currency, decimal_comma=decimal_comma)
    return result


def decimal(value: Any, decimal_comma: bool = False) -> Decimal | None:
    """Read a number exactly (``"1.234,5" | decimal(true)``), for arithmetic on text from a CSV."""
    result: Decimal | None = coerce(value, "number", decimal_comma=decimal_comma)
    return result


def email(value: Any) -> str | None:
    """Normalise an email address (trim, lowercase, IDNA domain); invalid ones fail the record."""
    if value is None or value == "":
        return None
    return normalize_email(value)


def query_param(value: Any, name: str) -> str | None:
    """One parameter of a URL's query string: ``landing_site | query_param('mc_cid')``.

    Shops and ESPs put attribution in landing URLs (``utm_campaign``, Mailchimp's
    ``mc_cid``); a missing parameter, an empty one or a value that is not a URL
    gives ``None`` so a ``default`` can take over. The first of repeated values wins.
    """
    if value is None or value == "":
        return None
    try:
        query = urlsplit(str(value).strip()).query
    except ValueError:
        return None
    found = parse_qs(query).get(name)
    return found[0] if found else None


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


EXPRESSION_FILTERS: dict[str, Callable[..., Any]] = {
    "md5": md5,
    "subscriber_hash": subscriber_hash,
    "split": split,
    "round": round_,
    "date": date_filter,
    "datetime": datetime_filter,
    "strftime": strftime,
    "money": money,
    "decimal": decimal,
    "email": email,
    "query_param": query_param,
}

EXPRESSION_GLOBALS: dict[str, Callable[..., Any]] = {"now": now}
