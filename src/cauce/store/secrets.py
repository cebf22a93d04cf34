"""Encryption of secrets at rest (API keys, passwords, tokens in connection configs).

The store holds credentials for every system Cauce talks to, so a copy of
the database file alone must not leak them. Secret values are encrypted with
Fernet (AES-128-CBC + HMAC-SHA256, from ``cryptography``) under a key that
lives outside the database:

1. the environment variable ``CAUCE_SECRET_KEY`` when it is set (containers,
   CI, several hosts sharing a PostgreSQL store), else
2. a key file, by default ``~/.config/cauce/secret.key``, created on first
   use with mode 0600 in a 0700 directory.

The key is resolved lazily, on the first encrypt/decrypt, so opening a store
that holds no secrets never creates a key file. Messages name the key's
*source*, never the key.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from cauce.errors import StoreError

KEY_ENV_VAR = "CAUCE_SECRET_KEY"
DEFAULT_KEY_FILE = Path("~/.config/cauce/secret.key")


class SecretBox:
    """Encrypts and decrypts strings with the installation's secret key."""

    def __init__(
        self,
        *,
        key_file: Path | str | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._key_file = Path(key_file or DEFAULT_KEY_FILE).expanduser()
        self._environ = os.environ if environ is None else environ
        self._fernet: Fernet | None = None
        self._source = ""
        self._lock = threading.Lock()

    @classmethod
    def from_key(cls, key: str) -> SecretBox:
        """A box over an explicit key (tests, tooling); the source is named 'an explicit key'."""
        box = cls()
        box._fernet = box._make_fernet(key.encode(), "an explicit key")
        return box

    @staticmethod
    def generate_key() -> str:
        """A fresh random key, in the format ``CAUCE_SECRET_KEY`` expects."""
        return Fernet.generate_key().decode()

    @property
    def source(self) -> str:
        """Where the key comes from, for messages: the env var or the key file path."""
        self._get_fernet()
        return self._source

    def encrypt(self, plaintext: str) -> str:
        """Encrypt ``plaintext``; the result is ASCII, safe to keep in JSON."""
        return self._get_fernet().encrypt(plaintext.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a value made by :meth:`encrypt` under the same key."""
        fernet = self._get_fernet()
        try:
            return fernet.decrypt(token.encode()).decode()
        except (InvalidToken, ValueError):
            raise StoreError(
                f"A secret in the store cannot be decrypted with the key from {self._source}: "
                "it was encrypted with a different key. Restore the original key (set "
                f"{KEY_ENV_VAR} or put the key file back), or save the connection's "
                "credentials again so they are encrypted with the current key."
            ) from None

    def _get_fernet(self) -> Fernet:
        with self._lock:
            if self._fernet is None:
                env_key = self._environ.get(KEY_ENV_VAR)
                if env_key:
                    source = f"the environment variable {KEY_ENV_VAR}"
                    self._fernet = self._make_fernet(env_key.strip().encode(), source)
                else:
                    source = f"the key file {self._key_file}"
                    self._fernet = self._make_fernet(self._read_or_create_key_file(), source)
                self._source = source
            return self._fernet

    def _make_fernet(self, key: bytes, source: str) -> Fernet:
        self._source = source
        try:
            return Fernet(key)
        except ValueError:
            raise StoreError(
                f"The secret key from {source} is not a valid key (it must be 32 url-safe "
                'base64-encoded bytes). Generate one with `python -c "from cauce.store '
                'import SecretBox; print(SecretBox.generate_key())"` — but if secrets were '
                "already saved, restore the original key instead, or they cannot be read."
            ) from None

    def _read_or_create_key_file(self) -> bytes:
        path = self._key_file
        try:
            return path.read_bytes().strip()
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise StoreError(
                f"Cannot read the secret key file {path}: {exc.strerror}. Fix its permissions "
                f"(it should be readable by this user only) or set {KEY_ENV_VAR}."
            ) from None
        key = Fernet.generate_key()
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(key + b"\n")
                handle.flush()
                os.fsync(handle.fileno())
            # link() fails if the file exists: a process that raced us keeps its key, we use it.
            os.link(tmp, path)
        except FileExistsError:
            return path.read_bytes().strip()
        except OSError as exc:
            raise StoreError(
                f"Cannot create the secret key file {path}: {exc.strerror}. Make its directory "
                f"writable, choose another key file, or set {KEY_ENV_VAR}."
            ) from None
        finally:
            tmp.unlink(missing_ok=True)
        return key
