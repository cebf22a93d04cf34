"""Merge fields of the audience: which tags exist, their types, and values in the shape they take.

Mailchimp silently ignores a merge tag the audience does not have: a sync
mapping ``merge_fields.LIFECYCLE`` into an audience without that field would
"succeed" and write nothing. The members sink therefore loads the audience's
merge fields once per write session (one call) and stops with a clear error
naming the missing tags, or, with the sink option ``create_merge_fields:
true``, creates them (type guessed from the first value: number, date or
text).

Values are converted to what each type takes: numbers as numbers, dates as
``YYYY-MM-DD``, birthdays as ``MM/DD``, everything else as text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from cauce.connectors.mailchimp.client import MailchimpClient
from cauce.sdk import FatalError, PermanentRecordError

TAG = re.compile(r"^[A-Z][A-Z0-9_]{0,9}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(T.*)?$")


def jsonable(value: Any) -> Any:
    """Values the engine may hand over (Decimal, dates) as JSON values."""
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return value


def guess_type(value: Any) -> str:
    """The merge-field type to create for a first value seen."""
    if isinstance(value, bool):
        return "text"
    if isinstance(value, int | float | Decimal):
        return "number"
    if isinstance(value, datetime | date):
        return "date"
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        return "date"
    return "text"


def coerce(kind: str, value: Any) -> Any:
    """``value`` as a merge field of type ``kind`` takes it."""
    if kind == "number":
        if isinstance(value, bool):
            return int(value)
        if isinstance(value, Decimal):
            return float(value)
        return value
    if kind == "date":
        if isinstance(value, datetime):
            return value.date().isoformat()
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            return value.strip()[:10]
        return value
    if kind == "birthday" and isinstance(value, date | datetime):
        return value.strftime("%m/%d")
    if kind in ("address",) and isinstance(value, dict):
        return jsonable(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal | int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


class MergeFields:
    """The audience's merge fields, loaded once; created on demand when allowed."""

    def __init__(self, client: MailchimpClient, *, create: bool) -> None:
        self.client = client
        self.create = create
        self._types: dict[str, str] | None = None

    def types(self) -> dict[str, str]:
        if self._types is None:
            params = {"fields": "merge_fields.tag,merge_fields.type,total_items"}
            path = f"/lists/{self.client.list_id}/merge-fields"
            self._types = {
                str(f.get("tag")).upper(): str(f.get("type"))
                for f in self.client.paged(path, "merge_fields", params)
            }
            self._types.setdefault("EMAIL", "email")
        return self._types

    def ensure(self, samples: Mapping[str, Any]) -> None:
        """Make sure every tag in ``samples`` (tag → a first value) exists, or stop."""
        known = self.types()
        missing = [tag for tag in samples if tag not in known]
        if not missing:
            return
        bad = [tag for tag in missing if not TAG.match(tag)]
        if bad:
            raise FatalError(
                f"Mailchimp: {', '.join(bad)} cannot be merge tags: a tag has at most 10 "
                "characters, upper-case letters, digits and _ (e.g. TOTALSPENT); change the "
                "mapping's merge_fields names"
            )
        if not self.create:
            raise FatalError(
                f"Mailchimp: list {self.client.list_id} has no merge field {', '.join(missing)}, "
                "and Mailchimp would silently drop the values; create them in Mailchimp "
                "(Audience > Settings > Audience fields and *|MERGE|* tags) or set the sink "
                "option create_merge_fields: true"
            )
        for tag in missing:
            self._create(tag, guess_type(samples[tag]))

    def _create(self, tag: str, kind: str) -> None:
        body = {"tag": tag, "name": tag.replace("_", " ").title(), "type": kind, "public": False}
        try:
            self.client.request("POST", f"/lists/{self.client.list_id}/merge-fields", json=body)
        except PermanentRecordError as error:
            if "already exists" not in (error.provider_message or ""):
                raise FatalError(
                    f"Mailchimp: cannot create merge field {tag} ({error.provider_message})"
                ) from None
            self._types = None
            return
        self.types()[tag] = kind

    def shape(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Values converted for their fields; ``None`` values are left out (field untouched)."""
        known = self.types()
        return {
            tag: coerce(known.get(tag, "text"), value)
            for tag, value in values.items()
            if value is not None
        }


def merge_samples(records: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """tag → first non-empty value, over the ``merge_fields`` of a batch."""
    samples: dict[str, Any] = {}
    for record in records:
        merge = record.get("merge_fields")
        if not isinstance(merge, dict):
            continue
        for key, value in merge.items():
            tag = str(key).upper()
            if tag not in samples or samples[tag] in (None, ""):
                samples[tag] = value
    return samples
