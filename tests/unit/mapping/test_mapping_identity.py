"""Email identity: one person gets one key, and bad addresses are refused with a reason."""

from __future__ import annotations

import pytest
from email_validator import EmailNotValidError, validate_email
from hypothesis import given
from hypothesis import strategies as st

from cauce.mapping import InvalidEmail, normalize_email
from cauce.mapping.identity import _FAST_EMAIL


def _validator_answer(text: str) -> str | None:
    """What email-validator alone says the canonical form is (None: invalid)."""
    try:
        valid = validate_email(text.strip().lower(), check_deliverability=False)
    except EmailNotValidError:
        return None
    return f"{valid.local_part.lower()}@{valid.ascii_domain}"


def test_address_is_trimmed_and_lowercased() -> None:
    assert normalize_email("  Ana.Garcia@Example.COM \n") == "ana.garcia@example.com"


def test_international_domain_is_idna_encoded_and_local_part_kept() -> None:
    assert normalize_email("josé@españa.es") == "josé@xn--espaa-rta.es"


def test_plus_addressing_and_subdomains_are_kept() -> None:
    assert normalize_email("ana+news@mail.example.co.uk") == "ana+news@mail.example.co.uk"


def test_domain_without_a_dot_is_rejected_with_a_reason() -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalize_email("a@b")
    assert "period" in caught.value.reason
    assert "'a@b' is not a valid email address" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "the address is empty"),
        ("   ", "the address is empty"),
        ("ana.example.com", "must have an @-sign"),
        ("ana..garcia@example.com", "two periods in a row"),
        ("ana@exa mple.com", "invalid characters"),
        ("ana@example.c0", "top-level domain"),
        ("ana@localhost", "period"),
    ],
)
def test_invalid_addresses_say_why(value: str, reason: str) -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalize_email(value)
    assert reason in caught.value.reason


def test_non_text_is_rejected_naming_its_type() -> None:
    with pytest.raises(InvalidEmail, match="expected text, got int"):
        normalize_email(42)


def test_invalid_email_is_a_value_error_and_repeats_on_cached_inputs() -> None:
    for _ in range(2):
        with pytest.raises(ValueError):
            normalize_email("not-an-address")


def test_a_very_long_value_is_shortened_in_the_message() -> None:
    with pytest.raises(InvalidEmail) as caught:
        normalize_email("x" * 500)
    assert len(str(caught.value)) < 200


@given(st.from_regex(_FAST_EMAIL, fullmatch=True))
def test_fast_path_agrees_with_email_validator(address: str) -> None:
    expected = _validator_answer(address)
    try:
        got: str | None = normalize_email(address)
    except InvalidEmail:
        got = None
    assert got == expected


_EMAILISH = st.text(alphabet="aAbZ09.-_+@é ñ'", min_size=0, max_size=20)


@given(_EMAILISH)
def test_normalize_email_accepts_exactly_what_email_validator_accepts(text: str) -> None:
    expected = _validator_answer(text) if text.strip() else None
    try:
        got: str | None = normalize_email(text)
    except InvalidEmail:
        got = None
    assert got == expected


@given(_EMAILISH)
def test_normalizing_twice_changes_nothing(text: str) -> None:
    try:
        once = normalize_email(text)
    except InvalidEmail:
        return
    assert normalize_email(once) == once
