"""The emulated HubSpot portal: contacts and contact properties, in plain Python, behind one lock.

Contacts are indexed by id (a dict in id order, since ids only grow) and by
lowercase e-mail, so reads and writes by id or e-mail are O(1) even with
100,000 contacts. Archived contacts stay (as in HubSpot, for ``archived=true``
listings) but free their e-mail. Every change made through the API or the
admin "UI" calls ``on_change`` with the HubSpot webhook events it causes,
outside the lock.
"""

from __future__ import annotations

import threading
import time
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from cauce.sandbox.hubspot.errors import (
    HubSpotError,
    PropertyProblem,
    conflict,
    invalid_properties,
    not_found,
    validation_error,
)
from cauce.sandbox.hubspot.properties import (
    SYSTEM,
    PropertyDef,
    custom_properties,
    default_properties,
    iso_ms,
)
from cauce.sandbox.locales import CURRENCY_RATES
from cauce.sandbox.world import Order, World

LANGUAGES = {"es_MX": "es-mx", "pt_BR": "pt-br"}
_NOT_SPENT = ("REFUNDED", "VOIDED")


def order_totals(orders: Iterable[Order]) -> dict[str, dict[str, str]]:
    """``total_orders``, ``total_spent`` (EUR) and ``last_order_date`` per buyer e-mail.

    What a shop integration keeps on the CRM contact, so that CRM -> ESP flows
    can carry purchase data. Cancelled and refunded orders count as orders but
    not as money spent; amounts convert to euros at the world's fixed rates.
    """
    count: dict[str, int] = {}
    spent: dict[str, Decimal] = {}
    last: dict[str, str] = {}
    for order in orders:
        email = order.email
        count[email] = count.get(email, 0) + 1
        spent.setdefault(email, Decimal("0"))
        if order.cancelled_at is None and order.financial_status.upper() not in _NOT_SPENT:
            rate = Decimal(CURRENCY_RATES.get(order.currency, ("1", "0.01"))[0])
            spent[email] += order.total / rate
        day = order.created_at.date().isoformat()
        if day > last.get(email, ""):
            last[email] = day
    return {
        email: {
            "total_orders": str(number),
            "total_spent": str(spent[email].quantize(Decimal("0.01"))),
            "last_order_date": last[email],
        }
        for email, number in count.items()
    }


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class ContactRecord:
    id: int
    properties: dict[str, str]
    created_ms: int
    updated_ms: int
    archived: bool = False
    archived_ms: int | None = None

    def value(self, name: str) -> str | None:
        if name == "hs_object_id":
            return str(self.id)
        if name == "lastmodifieddate":
            return iso_ms(self.updated_ms)
        if name == "createdate":
            return self.properties.get("createdate") or iso_ms(self.created_ms)
        return self.properties.get(name)

    def as_json(self, names: Iterable[str]) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": str(self.id),
            "properties": {name: self.value(name) for name in names},
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.updated_ms),
            "archived": self.archived,
        }
        if self.archived_ms is not None:
            body["archivedAt"] = iso_ms(self.archived_ms)
        return body


@dataclass(frozen=True)
class ChangeEvent:
    """Something a webhook subscriber may hear about."""

    type: str  # contact.creation | contact.propertyChange | contact.deletion
    object_id: int
    occurred_ms: int
    change_source: str
    property_name: str | None = None
    property_value: str | None = None


@dataclass
class HubSpotState:
    """Contacts and properties of one portal; ``reset()`` goes back to the seeded world."""

    world: World | None = None
    on_change: Callable[[list[ChangeEvent]], None] | None = None
    lock: threading.RLock = field(default_factory=threading.RLock)

    def __post_init__(self) -> None:
        self.reset()

    # -- seeding -----------------------------------------------------------------
    def reset(self) -> None:
        with self.lock:
            self.version = getattr(self, "version", 0) + 1
            stamp = now_ms()
            self.properties: dict[str, PropertyDef] = default_properties(stamp)
            self.properties.update(custom_properties(stamp))
            self.contacts: dict[int, ContactRecord] = {}
            self.order: list[int] = []
            self.by_email: dict[str, int] = {}
            orders = order_totals(self.world.orders if self.world else [])
            for contact in self.world.contacts if self.world else []:
                created = int(contact.created_at.timestamp() * 1000)
                props = {
                    "email": contact.email.lower(),
                    "firstname": contact.first_name,
                    "lastname": contact.last_name,
                    "city": contact.city,
                    "country": contact.country,
                    "phone": contact.phone,
                    "lifecyclestage": contact.lifecycle_stage,
                    "hs_language": LANGUAGES.get(contact.locale, contact.locale[:2]),
                    "hs_email_optout": "true"
                    if contact.email_status == "unsubscribed"
                    else "false",
                    "email_consent_status": contact.email_status,
                    **orders.get(contact.email, {"total_orders": "0"}),
                    "createdate": iso_ms(created),
                }
                updated = max(created, int(contact.updated_at.timestamp() * 1000))
                self._insert(ContactRecord(contact.id, props, created, updated))
            self.next_id = max(self.order, default=1000) + 1

    def _insert(self, record: ContactRecord) -> None:
        self.version += 1
        self.contacts[record.id] = record
        self.order.append(record.id)
        email = record.properties.get("email")
        if email:
            self.by_email[email] = record.id

    # -- lookups -----------------------------------------------------------------
    def find(
        self, key: str, id_property: str | None = None, *, archived: bool = False
    ) -> ContactRecord | None:
        with self.lock:
            if id_property in (None, "", "hs_object_id"):
                try:
                    record = self.contacts.get(int(key))
                except ValueError:
                    return None
            elif id_property == "email":
                found = self.by_email.get(key.strip().lower())
                record = self.contacts.get(found) if found is not None else None
            else:
                definition = self.properties.get(id_property or "")
                if definition is None or not definition.has_unique_value:
                    raise validation_error(
                        f"idProperty {id_property!r} is not a unique property; "
                        "use email or hs_object_id."
                    )
                record = next(
                    (
                        r
                        for r in self.contacts.values()
                        if r.properties.get(id_property or "") == key
                    ),
                    None,
                )
            if record is None or record.archived != archived:
                return None
            return record

    def get(
        self, key: str, id_property: str | None = None, *, archived: bool = False
    ) -> ContactRecord:
        record = self.find(key, id_property, archived=archived)
        if record is None:
            raise not_found()
        return record

    def page(
        self, after: int | None, limit: int, *, archived: bool
    ) -> tuple[list[ContactRecord], int | None]:
        """Up to ``limit`` contacts with ids above ``after``, in id order, and the next cursor."""
        with self.lock:
            position = bisect_right(self.order, after) if after is not None else 0
            results: list[ContactRecord] = []
            while position < len(self.order) and len(results) < limit + 1:
                record = self.contacts[self.order[position]]
                if record.archived == archived:
                    results.append(record)
                position += 1
        if len(results) > limit:
            return results[:limit], results[limit - 1].id
        return results, None

    def snapshot(self) -> tuple[int, list[ContactRecord]]:
        """``(version, active contacts in id order)`` for search; records are shared, not copied.

        ``version`` changes with every write, so a search may reuse what it found
        in the same version (see ``search.ResultCache``). The list is shared
        between searches of one version: callers must not change it.
        """
        with self.lock:
            cached = getattr(self, "_active", None)
            if cached is None or cached[0] != self.version:
                cached = (self.version, [r for r in self.contacts.values() if not r.archived])
                self._active = cached
            return cached

    # -- validation --------------------------------------------------------------
    def validate(self, raw: dict[str, Any], *, index: int | None = None) -> dict[str, str]:
        clean: dict[str, str] = {}
        problems: list[PropertyProblem] = []
        for name, value in raw.items():
            definition = self.properties.get(name)
            if definition is None:
                message = f'Property "{name}" does not exist'
                problems.append(PropertyProblem(name, "PROPERTY_DOESNT_EXIST", message))
                continue
            normalized, problem = definition.normalize(value)
            if problem is not None:
                problems.append(problem)
            elif normalized is not None:
                clean[name] = normalized
        if problems:
            raise invalid_properties(problems, index=index)
        return clean

    # -- writes ------------------------------------------------------------------
    def create(self, raw: dict[str, Any], source: str = "API") -> ContactRecord:
        return self.create_many([raw], source)[0]

    def create_many(self, inputs: list[dict[str, Any]], source: str = "API") -> list[ContactRecord]:
        """All or nothing: any invalid input or existing e-mail fails the whole request."""
        batch = len(inputs) > 1
        with self.lock:
            cleaned = [
                self.validate(raw, index=i if batch else None) for i, raw in enumerate(inputs)
            ]
            seen: dict[str, int] = {}
            for props in cleaned:
                email = props.get("email")
                if not email:
                    continue
                if email in self.by_email:
                    raise conflict(self.by_email[email])
                if email in seen:
                    raise validation_error(f"Duplicate email in batch input: {email}")
                seen[email] = 1
            stamp = now_ms()
            created = []
            for props in cleaned:
                props = {name: value for name, value in props.items() if value != ""}
                record = ContactRecord(self.next_id, props, stamp, stamp)
                self.next_id += 1
                self._insert(record)
                created.append(record)
        events: list[ChangeEvent] = []
        for record in created:
            events.append(ChangeEvent("contact.creation", record.id, stamp, source))
            events += self._property_events(record, record.properties, stamp, source)
        self._emit(events)
        return created

    def update(
        self,
        record: ContactRecord,
        raw: dict[str, Any],
        source: str = "API",
        *,
        index: int | None = None,
    ) -> ContactRecord:
        with self.lock:
            props = self.validate(raw, index=index)
            changed = self._apply(record, props)
        self._emit(self._property_events(record, changed, record.updated_ms, source))
        return record

    def update_many(
        self, inputs: list[tuple[str, dict[str, Any]]], id_property: str | None, source: str = "API"
    ) -> tuple[list[ContactRecord], list[str]]:
        """Valid inputs are applied; ids that match no contact are returned for the 207 errors."""
        with self.lock:
            staged: list[tuple[ContactRecord, dict[str, str]]] = []
            missing: list[str] = []
            for index, (key, raw) in enumerate(inputs):
                props = self.validate(raw, index=index)
                record = self.find(key, id_property)
                if record is None:
                    missing.append(key)
                else:
                    staged.append((record, props))
            events: list[ChangeEvent] = []
            for record, props in staged:
                changed = self._apply(record, props)
                events += self._property_events(record, changed, record.updated_ms, source)
        self._emit(events)
        return [record for record, _ in staged], missing

    def upsert_many(
        self, inputs: list[tuple[str, dict[str, Any]]], id_property: str, source: str = "API"
    ) -> list[tuple[ContactRecord, bool]]:
        if id_property != "email":
            definition = self.properties.get(id_property)
            if (
                definition is None
                or not definition.has_unique_value
                or id_property == "hs_object_id"
            ):
                raise validation_error(
                    f"Upsert needs a unique property that can be written as idProperty; "
                    f"{id_property!r} is not one. Use idProperty=email."
                )
        with self.lock:
            staged: list[tuple[str, dict[str, str]]] = []
            for index, (key, raw) in enumerate(inputs):
                props = self.validate({**raw, id_property: key}, index=index)
                staged.append((props[id_property], props))
            results: list[tuple[ContactRecord, bool]] = []
            events: list[ChangeEvent] = []
            stamp = now_ms()
            for key, props in staged:
                record = self.find(key, id_property)
                if record is None:
                    values = {name: value for name, value in props.items() if value != ""}
                    record = ContactRecord(self.next_id, values, stamp, stamp)
                    self.next_id += 1
                    self._insert(record)
                    events.append(ChangeEvent("contact.creation", record.id, stamp, source))
                    events += self._property_events(record, values, stamp, source)
                    results.append((record, True))
                else:
                    changed = self._apply(record, props)
                    events += self._property_events(record, changed, record.updated_ms, source)
                    results.append((record, False))
        self._emit(events)
        return results

    def archive(self, records: list[ContactRecord], source: str = "API") -> None:
        stamp = now_ms()
        with self.lock:
            done = [record for record in records if not record.archived]
            self.version += 1
            for record in done:
                record.archived = True
                record.archived_ms = stamp
                record.updated_ms = stamp
                email = record.properties.get("email")
                if email and self.by_email.get(email) == record.id:
                    del self.by_email[email]
        self._emit([ChangeEvent("contact.deletion", record.id, stamp, source) for record in done])

    def _apply(self, record: ContactRecord, props: dict[str, str]) -> dict[str, str]:
        changed: dict[str, str] = {}
        new_email = props.get("email")
        if new_email and new_email != record.properties.get("email"):
            holder = self.by_email.get(new_email)
            if holder is not None and holder != record.id:
                raise conflict(holder)
        for name, value in props.items():
            if record.properties.get(name, "") == value:
                continue
            if name == "email":
                old = record.properties.get("email")
                if old and self.by_email.get(old) == record.id:
                    del self.by_email[old]
                if value:
                    self.by_email[value] = record.id
            if value == "":
                record.properties.pop(name, None)
            else:
                record.properties[name] = value
            changed[name] = value
        if changed:
            self.version += 1
            record.updated_ms = max(now_ms(), record.updated_ms + 1)
        return changed

    def _property_events(
        self, record: ContactRecord, changed: dict[str, str], stamp: int, source: str
    ) -> list[ChangeEvent]:
        return [
            ChangeEvent("contact.propertyChange", record.id, stamp, source, name, value)
            for name, value in changed.items()
            if name not in SYSTEM
        ]

    def _emit(self, events: list[ChangeEvent]) -> None:
        if events and self.on_change is not None:
            self.on_change(events)

    # -- properties --------------------------------------------------------------
    def property_list(self) -> list[PropertyDef]:
        with self.lock:
            return list(self.properties.values())

    def create_property(self, payload: dict[str, Any]) -> PropertyDef:
        name = str(payload.get("name") or "").strip()
        missing = [
            key
            for key in ("name", "label", "type", "fieldType", "groupName")
            if not payload.get(key)
        ]
        if missing:
            raise validation_error(
                f"Missing required field(s) for a property: {', '.join(missing)}"
            )
        if not name.replace("_", "").isalnum() or name != name.lower() or name[0].isdigit():
            raise validation_error(
                f"Property name {name!r} is invalid: use lowercase letters, digits and "
                "underscores, starting with a letter."
            )
        kind = str(payload["type"])
        if kind not in (
            "string",
            "number",
            "date",
            "datetime",
            "enumeration",
            "bool",
            "phone_number",
        ):
            raise validation_error(f"Unknown property type {kind!r}.")
        with self.lock:
            if name in self.properties:
                raise HubSpotError(
                    409, "OBJECT_ALREADY_EXISTS", f"A property named '{name}' already exists."
                )
            self.version += 1  # searches sort and compare by property type
            stamp = now_ms()
            options = [
                {
                    "label": str(option.get("label", option.get("value", ""))),
                    "value": str(option.get("value", "")),
                    "displayOrder": int(option.get("displayOrder", index)),
                    "hidden": bool(option.get("hidden", False)),
                }
                for index, option in enumerate(payload.get("options") or [])
            ]
            definition = PropertyDef(
                name,
                str(payload["label"]),
                kind,
                str(payload["fieldType"]),
                str(payload["groupName"]),
                str(payload.get("description") or ""),
                options,
                has_unique_value=bool(payload.get("hasUniqueValue", False)),
                hubspot_defined=False,
                created_ms=stamp,
                updated_ms=stamp,
            )
            self.properties[name] = definition
            return definition

    # -- inspection ----------------------------------------------------------------
    def dump(self) -> dict[str, Any]:
        with self.lock:
            contacts = [
                {
                    "id": str(r.id),
                    "properties": dict(r.properties),
                    "updatedAt": iso_ms(r.updated_ms),
                }
                for r in self.contacts.values()
                if not r.archived
            ]
            archived = [str(r.id) for r in self.contacts.values() if r.archived]
            custom = [d.as_json() for d in self.properties.values() if not d.hubspot_defined]
        return {
            "contacts": contacts,
            "archived": archived,
            "custom_properties": custom,
            "counts": {"contacts": len(contacts), "archived": len(archived)},
        }
