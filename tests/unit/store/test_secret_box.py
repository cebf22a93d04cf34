from __future__ import annotations

import stat
from pathlib import Path

import pytest

from cauce.errors import StoreError
from cauce.store import KEY_ENV_VAR, SecretBox


def test_key_file_is_created_on_first_use_readable_only_by_its_owner(tmp_path: Path) -> None:
    key_file = tmp_path / "config" / "cauce" / "secret.key"
    box = SecretBox(key_file=key_file, environ={})
    assert not key_file.exists(), "nothing is created before a secret is needed"

    token = box.encrypt("p4ssw0rd")

    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert "p4ssw0rd" not in token
    assert SecretBox(key_file=key_file, environ={}).decrypt(token) == "p4ssw0rd"
    assert list(key_file.parent.iterdir()) == [key_file], "no temporary files left"


def test_environment_key_wins_over_the_key_file(tmp_path: Path) -> None:
    key = SecretBox.generate_key()
    key_file = tmp_path / "secret.key"
    box = SecretBox(key_file=key_file, environ={KEY_ENV_VAR: key})

    token = box.encrypt("value")

    assert not key_file.exists()
    assert SecretBox.from_key(key).decrypt(token) == "value"
    assert box.source == f"the environment variable {KEY_ENV_VAR}"


def test_wrong_key_names_its_source_and_what_to_do_but_not_the_key(tmp_path: Path) -> None:
    token = SecretBox.from_key(SecretBox.generate_key()).encrypt("secret-value")
    key_file = tmp_path / "secret.key"
    box = SecretBox(key_file=key_file, environ={})

    with pytest.raises(StoreError) as raised:
        box.decrypt(token)

    message = str(raised.value)
    assert f"the key file {key_file}" in message
    assert "different key" in message and "Restore the original key" in message
    assert key_file.read_text().strip() not in message
    assert "secret-value" not in message


def test_malformed_environment_key_is_reported_without_echoing_it() -> None:
    box = SecretBox(environ={KEY_ENV_VAR: "not-a-fernet-key-123"})

    with pytest.raises(StoreError) as raised:
        box.encrypt("x")

    message = str(raised.value)
    assert f"environment variable {KEY_ENV_VAR} is not a valid key" in message
    assert "not-a-fernet-key-123" not in message


def test_unreadable_key_directory_is_reported_with_its_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    box = SecretBox(key_file=blocker / "secret.key", environ={})

    with pytest.raises(StoreError, match=r"secret key file .*/file/secret\.key"):
        box.encrypt("x")


def test_tampered_token_is_refused(tmp_path: Path) -> None:
    box = SecretBox.from_key(SecretBox.generate_key())
    token = box.encrypt("value")

    with pytest.raises(StoreError, match="cannot be decrypted"):
        box.decrypt(token[:-4] + "AAAA")
