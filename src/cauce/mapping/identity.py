"""Email identity: one person, one key, the same in every system.

A profile is keyed by its normalised email, so ``" Ana@Example.COM "`` from a
CSV and ``"ana@example.com"`` from the CRM must become the same string, and an
address an ESP would refuse must be rejected here, with a reason, before it
costs an API call. Normalisation is: trim, lowercase, IDNA-encode the domain
(``josé@españa.es`` -> ``josé@xn--espaa-rta.es``). Validation is syntax only
(``email-validator`` with ``check_deliverability=False``): no DNS lookups.

:func:`normalize_email` sits on the hot path of every sync (a million rows at
50,000 records/s), so a strict ASCII pattern accepts the common case without
calling the validator; everything else goes through ``email-validator`` and
the answer is cached.
"""

from __future__ import annotations

import re
from functools import lru_cache

from email_validator import SPECIAL_USE_DOMAIN_NAMES, EmailNotValidError, validate_email

__all__ = ["InvalidEmail", "normalize_email"]

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_FAST_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z](?:[a-z0-9-]{{0,61}}[a-z])?")
"""Dot-atom local part, letters-digits-hyphen labels, a TLD starting and ending with a letter.

Every address it matches is one email-validator accepts unchanged (a property
test holds it to that); labels with ``--`` in positions 3-4 (punycode such as
``xn--``), special-use domains and over-long addresses take the slow path.
"""

_SPECIAL_TLDS = frozenset(SPECIAL_USE_DOMAIN_NAMES)
_MAX_SHOWN = 80


class InvalidEmail(ValueError):
    """An address that no mail system would accept; ``reason`` says why, for a person."""

    def __init__(self, value: object, reason: str) -> None:
        self.value = value
        self.reason = reason
        super().__init__(f"{_shown(value)} is not a valid email address: {reason}")


def _shown(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_SHOWN else text[: _MAX_SHOWN - 4] + "...'"


def normalize_email(value: object) -> str:
    """Return the canonical form of an email address, or raise :class:`InvalidEmail`.

    The local part is lowercased too: no ESP or CRM we sync with treats
    ``Ana@`` and ``ana@`` as two people, and a key that differs only by case
    would create duplicates.
    """
    if not isinstance(value, str):
        raise InvalidEmail(value, f"expected text, got {type(value).__name__}")
    text = value.strip().lower()
    if _is_plain(text):
        return text
    result, reason = _slow_normalize(text)
    if result is None:
        raise InvalidEmail(value, reason)
    return result


def _is_plain(text: str) -> bool:
    if len(text) > 254 or _FAST_EMAIL.fullmatch(text) is None:
        return False
    local, _, domain = text.rpartition("@")
    if len(local) > 64 or "--" in domain:
        return False
    return domain.rpartition(".")[2] not in _SPECIAL_TLDS


@lru_cache(maxsize=16384)
def _slow_normalize(text: str) -> tuple[str | None, str]:
    if not text:
        return None, "the address is empty"
    if "@" not in text:
        return None, "an email address must have an @-sign"
    try:
        valid = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        return None, str(exc)
    return f"{valid.local_part.lower()}@{valid.ascii_domain}", ""
