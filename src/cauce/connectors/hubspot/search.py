"""Reading contacts changed since a point in time, through the search API, without gaps.

HubSpot's search pages with an *offset* (``after``) and refuses to go past
10,000 results; an offset also shifts when a contact in front of it changes
mid-read, silently skipping one. This reader therefore never pages by offset:
every request restarts the search from the last ``lastmodifieddate`` seen
(``GTE`` it, sorted ascending), so each page is a fresh query of at most
``page_size`` results. Contacts sharing a timestamp are held back until their
group is complete, then yielded in id order, which makes ``(lastmodifieddate,
id)`` a total order and a safe resume point. A group larger than a page (a
bulk import stamped in one millisecond) is read on its own by id
(``lastmodifieddate EQ t`` and ``hs_object_id GT last``, sorted by id).

Memory is one page plus one timestamp group, whatever the number of contacts.

HubSpot's search index trails writes by a few seconds. A read therefore
stops at "now minus ``lag_seconds``" (fixed when it starts): a contact not
yet indexed can never be passed over by the cursor; it is read next time.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from cauce.connectors.hubspot.client import HubSpotClient

MODIFIED = "lastmodifieddate"
Contact = dict[str, Any]


def to_ms(value: Any) -> int | None:
    """Epoch milliseconds from HubSpot's ISO 8601 timestamps or ms strings."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return int(value)
    text = str(value).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def modified_ms(contact: Contact) -> int:
    """A search result's ``lastmodifieddate`` in ms (``updatedAt`` if the property is absent)."""
    props = contact.get("properties") or {}
    found = to_ms(props.get(MODIFIED)) or to_ms(contact.get("updatedAt"))
    return found if found is not None else 0


def _id(contact: Contact) -> int:
    return int(str(contact.get("id")))


class ChangedContacts:
    """Contacts with ``lastmodifieddate`` after a resume point, in (timestamp, id) order."""

    def __init__(
        self,
        client: HubSpotClient,
        properties: list[str] | None,
        page_size: int,
        lag_seconds: float = 0.0,
    ) -> None:
        self.client = client
        self.properties = list(dict.fromkeys([*properties, MODIFIED])) if properties else None
        self.page_size = page_size
        self.lag_seconds = lag_seconds
        self.until_ms: int | None = None

    def _until(self) -> list[dict[str, Any]]:
        if self.until_ms is None:
            return []
        return [{"propertyName": MODIFIED, "operator": "LT", "value": str(self.until_ms)}]

    def _freeze_window(self) -> None:
        """Fix the window's end for this read: now minus the index lag (None: no end)."""
        if self.lag_seconds > 0:
            self.until_ms = int((time.time() - self.lag_seconds) * 1000)

    def _body(self, filters: list[dict[str, Any]], sort: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "filterGroups": [{"filters": filters}] if filters else [],
            "sorts": [{"propertyName": sort, "direction": "ASCENDING"}],
            "limit": self.page_size,
        }
        if self.properties:
            body["properties"] = self.properties
        return body

    def _page(self, filters: list[dict[str, Any]], sort: str) -> list[Contact]:
        results = self.client.search(self._body(filters, sort)).get("results") or []
        return [r for r in results if isinstance(r, dict) and r.get("id") is not None]

    def read(
        self, since_ms: int | None = None, since_id: int | None = None, *, strict: bool = False
    ) -> Iterator[Contact]:
        """Yield contacts modified at or after ``since_ms``.

        Those stamped exactly ``since_ms`` with an id up to ``since_id`` were
        delivered before and are skipped (without ``since_id`` none is);
        ``strict`` skips every contact stamped ``since_ms``.
        """

        def fresh(stamp: int, key: int) -> bool:
            if since_ms is None or stamp != since_ms:
                return True
            if strict:
                return False
            return since_id is None or key > since_id

        self._freeze_window()
        lower, exclusive = since_ms, strict
        while True:
            filters = self._until()
            if lower is not None:
                operator = "GT" if exclusive else "GTE"
                filters.append(
                    {"propertyName": MODIFIED, "operator": operator, "value": str(lower)}
                )
            page = self._page(filters, MODIFIED)
            rows = sorted(((modified_ms(c), _id(c), c) for c in page), key=lambda r: r[:2])
            if len(page) < self.page_size:
                yield from (c for stamp, key, c in rows if fresh(stamp, key))
                return
            newest = rows[-1][0]
            complete = [row for row in rows if row[0] < newest]
            yield from (c for stamp, key, c in complete if fresh(stamp, key))
            if complete:
                lower, exclusive = newest, False
                continue
            start = since_id if newest == since_ms and not strict else None
            if not (newest == since_ms and strict):
                yield from self._group(newest, start)
            lower, exclusive = newest, True

    def _group(self, stamp: int, after_id: int | None) -> Iterator[Contact]:
        """Every contact stamped exactly ``stamp`` with an id above ``after_id``, by id."""
        last = after_id
        while True:
            filters = [{"propertyName": MODIFIED, "operator": "EQ", "value": str(stamp)}]
            filters += self._until()
            if last is not None:
                filters.append(
                    {"propertyName": "hs_object_id", "operator": "GT", "value": str(last)}
                )
            page = self._page(filters, "hs_object_id")
            page.sort(key=_id)
            for contact in page:
                if modified_ms(contact) == stamp:
                    yield contact
            if len(page) < self.page_size or not page:
                return
            last = _id(page[-1])

    def latest(self) -> Contact | None:
        """The most recently modified contact (for a first poll: "from now on")."""
        self._freeze_window()
        body = self._body(self._until(), MODIFIED)
        body["sorts"] = [{"propertyName": MODIFIED, "direction": "DESCENDING"}]
        body["limit"] = 1
        results = self.client.search(body).get("results") or []
        return results[0] if results and isinstance(results[0], dict) else None


def flatten(contact: Contact) -> dict[str, Any]:
    """A contact as a record: every property at the top level, plus id, timestamps, archived.

    Mappings can then say ``firstname`` rather than ``properties.firstname``;
    ``id``, ``createdAt``, ``updatedAt`` and ``archived`` win over a property
    of the same name (HubSpot has none).
    """
    record: dict[str, Any] = dict(contact.get("properties") or {})
    record["id"] = str(contact.get("id"))
    for key in ("createdAt", "updatedAt", "archived", "archivedAt"):
        if key in contact:
            record[key] = contact[key]
    return record
