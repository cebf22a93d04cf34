"""``contacts`` (incremental on ``lastmodifieddate``) and ``properties`` (the property catalogue).

The contacts stream's state is ``{"cursor": <lastmodifieddate>, "id": <id>}``:
the last contact delivered. Contacts come in (timestamp, id) order (see
:mod:`cauce.connectors.hubspot.search`), so a resumed read re-reads that
timestamp with ``GTE`` and skips the ids already delivered: ties on
``lastmodifieddate`` are neither lost nor repeated.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cauce.connectors.hubspot.client import PROPERTIES, SCHEMA_READ_SCOPE, HubSpotClient
from cauce.connectors.hubspot.config import StreamOptions
from cauce.connectors.hubspot.search import MODIFIED, ChangedContacts, flatten, to_ms
from cauce.sdk import ConnectorError, FatalError, Record, Rejected, Stream, StreamState

CONTACT_FIELDS = ("id", "createdAt", "updatedAt", "archived")
PROPERTY_FIELDS = (
    "name",
    "label",
    "type",
    "fieldType",
    "groupName",
    "description",
    "options",
    "hasUniqueValue",
    "hubspotDefined",
    "hidden",
    "calculated",
    "createdAt",
    "updatedAt",
)


def resume_point(state: StreamState) -> tuple[int | None, int | None]:
    """(ms, id) from a saved state; a state written by hand may hold only ``cursor``."""
    cursor = state.get("cursor") if state else None
    if cursor is None:
        return None, None
    ms = to_ms(cursor)
    if ms is None:
        raise FatalError(
            f"HubSpot: the saved cursor {cursor!r} of the contacts stream is not a timestamp; "
            "reset the sync's state to read everything again"
        )
    raw_id = state.get("id")
    try:
        last_id = int(str(raw_id)) if raw_id is not None else None
    except ValueError:
        last_id = None
    return ms, last_id


class ContactsStream(Stream):
    """Every contact, then only those modified since the last run."""

    name = "contacts"
    primary_key = "id"
    cursor_field = MODIFIED
    ordered = True
    description = "Contacts with every property at the top level; incremental on lastmodifieddate"

    def __init__(self, client: HubSpotClient, options: StreamOptions) -> None:
        self.client = client
        self.options = options

    def _properties(self) -> list[str]:
        if self.options.properties:
            return list(self.options.properties)
        return sorted(self.client.properties())

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        since_ms, since_id = resume_point(state)
        reader = ChangedContacts(
            self.client,
            self._properties(),
            self.options.page_size,
            self.options.index_lag_seconds,
        )
        for contact in reader.read(since_ms, since_id):
            yield flatten(contact)

    def checkpoint(self, record: Record) -> dict[str, Any]:
        return {"cursor": record.get(MODIFIED) or record.get("updatedAt"), "id": record.get("id")}

    def fields(self) -> list[str]:
        try:
            names = self._properties()
        except ConnectorError:
            names = list(self.options.properties or ())
        return list(dict.fromkeys([*CONTACT_FIELDS, *names]))


class PropertiesStream(Stream):
    """The portal's contact property definitions: what a mapping may read and write."""

    name = "properties"
    primary_key = "name"
    description = "Contact property definitions (name, label, type, options, group)"

    def __init__(self, client: HubSpotClient) -> None:
        self.client = client

    def read(self, state: StreamState) -> Iterator[Record | Rejected]:
        body = self.client.call("GET", PROPERTIES, scope=SCHEMA_READ_SCOPE)
        for item in (body or {}).get("results") or []:
            if isinstance(item, dict) and item.get("name"):
                yield dict(item)

    def final_state(self, state: StreamState) -> dict[str, Any]:
        return {}

    def fields(self) -> list[str]:
        return list(PROPERTY_FIELDS)
