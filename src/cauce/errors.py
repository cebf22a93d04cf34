"""Every error a Cauce user can meet, in one hierarchy.

::

    CauceError                      base: a message that says what, where, what to do
    ├── ConfigError                 cauce.yml is wrong (carries a list of ConfigIssue)
    ├── ConnectorError              something about an external system
    │   ├── UnknownConnectorError   no connector registered under that id
    │   ├── UnknownObjectError      connector has no such stream or sink
    │   ├── ConnectionFailed        cannot reach or authenticate against the system
    │   ├── RetryableError          try again later (429, 5xx, timeout, reset)
    │   ├── PermanentRecordError    this record will never be accepted as it is
    │   └── FatalError              stop the run: bad credentials, revoked token, missing scope
    ├── StoreError                  the store cannot be opened or migrated
    ├── SyncError                   a sync cannot proceed (e.g. mirror safety threshold)
    └── JobError                    the job system cannot run a job

Errors never carry secrets: connectors redact credentials before raising.
"""

from __future__ import annotations

from dataclasses import dataclass


class CauceError(Exception):
    """Base of all Cauce errors; ``str(error)`` is meant for a person."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in a configuration file, positioned for a person to fix it."""

    file: str
    line: int | None
    path: str
    message: str
    expected: str | None = None
    found: str | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.line and self.column:
            where += f":{self.column}"
        text = f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"
        if self.expected is not None:
            text += f" (expected {self.expected}"
            text += f", found {self.found})" if self.found is not None else ")"
        return text


class ConfigError(CauceError):
    """The configuration is invalid; ``issues`` lists every problem found, not just the first."""

    def __init__(self, issues: list[ConfigIssue]) -> None:
        self.issues = issues
        lines = "\n".join(f"  - {issue}" for issue in issues)
        super().__init__(f"{len(issues)} problem(s) in the configuration:\n{lines}")


class ConnectorError(CauceError):
    """Something went wrong with an external system or a connector.

    Errors raised by the HTTP toolkit (``cauce.sdk.http``) also say where:
    ``provider``, ``method``, ``path`` (secrets redacted), ``status`` and the
    provider's own ``provider_message``; they stay ``None`` otherwise.
    """

    provider: str | None = None
    method: str | None = None
    path: str | None = None
    status: int | None = None
    provider_message: str | None = None


class UnknownConnectorError(ConnectorError):
    """No connector is registered under the requested id."""


class UnknownObjectError(ConnectorError):
    """The connector has no stream or sink with the requested name."""


class ConnectionFailed(ConnectorError):
    """The system cannot be reached or refuses the credentials."""


class RetryableError(ConnectorError):
    """A transient failure: the same request may succeed later.

    ``retry_after`` is the server's requested wait in seconds, when it said one.
    """

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentRecordError(ConnectorError):
    """This record is rejected as it is; retrying it unchanged will not help."""


class FatalError(ConnectorError):
    """The run cannot go on: bad credentials, revoked token, missing permission."""


class StoreError(CauceError):
    """The store cannot be opened, migrated or written."""


class SyncError(CauceError):
    """A sync cannot proceed as configured."""


class JobError(CauceError):
    """The job system cannot run a job."""
