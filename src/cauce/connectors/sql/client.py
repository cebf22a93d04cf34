"""Database engine for a connection, and plain-words errors that never show the password.

Every message this connector builds names the database by its masked URL
(``postgresql://app:***@db:5432/crm``), and every message that came from a
driver goes through :func:`redact` first: drivers sometimes echo the DSN.
"""

from __future__ import annotations

import os
import re
from typing import Any
from urllib.parse import quote, quote_plus

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from cauce.sdk import CheckResult, ConnectionFailed, FatalError

CONNECT_TIMEOUT = 10

_CAUSES: tuple[tuple[str, str], ...] = (
    (
        r"password authentication failed|access denied|authentication failed|"
        r"no password supplied|role .* does not exist",
        "the user name or password was refused; check the credentials in the url",
    ),
    (
        r"database .* does not exist|unknown database|unable to open database",
        "the database does not exist; check the database name at the end of the url",
    ),
    (
        r"could not translate host name|name or service not known|nodename nor servname|"
        r"can't connect to|connection refused|timed out|timeout expired|no route to host|"
        r"temporary failure in name resolution|is the server running",
        "the server could not be reached; check the host and port in the url and that "
        "the database server is running",
    ),
)


def parse_url(url: str) -> URL:
    try:
        return sa.engine.make_url(url)
    except Exception:
        raise FatalError(
            "the sql connection url is not a valid SQLAlchemy URL; expected e.g. "
            "postgresql+psycopg://user:password@host:5432/database or sqlite:///path/to.db"
        ) from None


def masked(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def redact(text: str, url: URL) -> str:
    """Remove the password (raw and URL-encoded) from a message."""
    password = url.password
    if password:
        for form in {str(password), quote(str(password), safe=""), quote_plus(str(password))}:
            if form:
                text = text.replace(form, "***")
    return text


def driver_message(exc: BaseException, url: URL) -> str:
    """The first meaningful line of a driver error, without the password or SQLAlchemy's footer."""
    original = getattr(exc, "orig", None) or exc
    args: tuple[Any, ...] = tuple(getattr(original, "args", ()))
    if len(args) == 2 and isinstance(args[0], int) and isinstance(args[1], str):
        text = args[1].strip()  # MySQL drivers: (1406, "Data too long for column 'name'")
    else:
        text = str(original).strip()
    text = re.sub(r"\(Background on this error at: [^)]*\)", "", text).strip()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return redact(lines[0] if lines else type(original).__name__, url)


def create_engine(url: URL) -> Engine:
    """An engine with a connect timeout, so a wrong host fails in seconds, not minutes."""
    connect_args: dict[str, Any] = {}
    backend = url.get_backend_name()
    if backend in ("postgresql", "mysql", "mariadb"):
        connect_args["connect_timeout"] = CONNECT_TIMEOUT
    try:
        return sa.create_engine(url, pool_pre_ping=True, connect_args=connect_args)
    except Exception as exc:
        raise FatalError(
            f"cannot use database url {masked(url)}: {redact(str(exc), url)}; "
            "check the driver part of the url (postgresql+psycopg, mysql+pymysql, sqlite)"
        ) from None


def connection_failed(exc: BaseException, url: URL) -> ConnectionFailed:
    """Turn a connect error into a sentence: what failed, where, what to check."""
    message = driver_message(exc, url)
    cause = next(
        (advice for pattern, advice in _CAUSES if re.search(pattern, message, re.IGNORECASE)),
        "check the url, the network and the database server",
    )
    return ConnectionFailed(f"cannot connect to {masked(url)}: {cause} (database said: {message})")


def check(engine: Engine, url: URL) -> CheckResult:
    """Connect and run ``SELECT 1``; a missing SQLite file is reported, not created."""
    database = url.database or ""
    is_file = url.get_backend_name() == "sqlite" and database not in ("", ":memory:")
    if is_file and not os.path.exists(database):
        folder = os.path.dirname(os.path.abspath(database))
        if not os.path.isdir(folder):
            return CheckResult(
                False,
                f"cannot open {masked(url)}: the database does not exist and its folder "
                f"{folder} does not either; check the path in the url",
            )
        return CheckResult(
            True,
            f"SQLite file {os.path.abspath(database)} does not exist yet; it is created on "
            "first use (check the path if you expected an existing database)",
        )
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:
        return CheckResult(False, str(connection_failed(exc, url)))
    return CheckResult(True, f"connected to {masked(url)} ({engine.dialect.name})")
