"""The ``contacts`` sink: batch upsert by e-mail, update-only mode, property creation.

- **upsert**: ``POST …/batch/upsert`` with ``idProperty: email``, at most 100
  inputs per call; HubSpot says per result whether it was ``new``.
- **update**: ``POST …/batch/read`` by e-mail finds the contacts that exist,
  ``POST …/batch/update`` writes those by id; the others are SKIPPED
  ("not in destination") and nothing is created.
- **mirror**: writes like upsert; contacts that left the source are archived
  (``POST …/batch/archive``, HubSpot's restorable soft delete) when the
  engine asks, within its mirror safety threshold.
- A batch HubSpot refuses as a whole (400) because of one input is split:
  the input it names (``context.inputIndex``; otherwise found by halving)
  is REJECTED with HubSpot's message and the rest is sent again. Inputs
  listed in a 207 multi-status ``errors[]`` are REJECTED the same way.
- Mapped properties that do not exist stop the run before anything is
  written, listing them, unless the sink option ``create_properties: true``
  lets Cauce create them (type inferred from the values, group
  ``contactinformation``; a property whose values are all empty so far is
  created with the first batch that has a value, so its type is right).
- Values are converted to HubSpot's string formats by property type; a value
  that would clear ``hs_email_optout`` is never sent (consent).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx

from cauce.connectors.hubspot.client import CONTACTS, WRITE_SCOPE, HubSpotClient
from cauce.connectors.hubspot.config import SinkOptions
from cauce.connectors.hubspot.convert import (
    NAME,
    ValueProblem,
    hubspot_properties,
    property_definition,
    property_keys,
)
from cauce.sdk import (
    ConnectorError,
    FatalError,
    Record,
    RetryableError,
    RowResult,
    RowStatus,
    Sink,
    WriteMode,
)
from cauce.sdk.http import json_body, provider_message

MAX_INPUTS = 100
NOT_IN_DESTINATION = "not in destination"
KEY = "email"
Input = tuple[str, dict[str, str]]  # (email, properties)


def _email_of(result: dict[str, Any]) -> str | None:
    email = (result.get("properties") or {}).get("email")
    return str(email).strip().lower() if email else None


def _failed_indexes(body: Any) -> list[int]:
    """Input positions a 400 names (``context.inputIndex``), if any."""
    if not isinstance(body, dict):
        return []
    found: list[int] = []
    contexts = [body.get("context")]
    contexts += [e.get("context") for e in body.get("errors") or [] if isinstance(e, dict)]
    for context in contexts:
        if isinstance(context, dict):
            for value in context.get("inputIndex") or []:
                if str(value).isdigit():
                    found.append(int(value))
    return sorted(set(found))


def _error_keys(error: dict[str, Any]) -> list[str]:
    context = error.get("context") or {}
    keys: list[str] = []
    for name in ("ids", "emails", "id", "email"):
        value = context.get(name) if isinstance(context, dict) else None
        if isinstance(value, list):
            keys += [str(v).strip().lower() for v in value]
        elif isinstance(value, str):
            keys.append(value.strip().lower())
    return keys


class ContactsSink(Sink):
    """Contacts keyed by e-mail (normalised by the engine: lowercase, trimmed)."""

    name = "contacts"
    key_field = KEY
    max_batch_size = MAX_INPUTS
    modes = frozenset({WriteMode.UPSERT, WriteMode.UPDATE, WriteMode.MIRROR})
    description = "Create or update contacts by e-mail (batch upsert, 100 per call)"

    def __init__(self, client: HubSpotClient, options: SinkOptions) -> None:
        self.client = client
        self.options = options

    def fields(self) -> list[str]:
        try:
            return sorted(self.client.properties())
        except ConnectorError:
            return [KEY]

    # -- preparing ---------------------------------------------------------------------------

    def _ensure_properties(self, records: Sequence[Record]) -> dict[str, dict[str, Any]]:
        definitions = self.client.properties()
        wanted: dict[str, list[Any]] = {}
        for record in records:
            flat = dict(record)
            nested = flat.pop("properties", None)
            if isinstance(nested, dict):
                flat.update(nested)
            for name in property_keys(record, skip=(KEY,)):
                wanted.setdefault(name, []).append(flat.get(name))
        missing = sorted(name for name in wanted if name not in definitions)
        if missing and not self.options.create_properties:
            raise FatalError(
                f"HubSpot: the mapping writes contact properties that do not exist in this "
                f"portal: {', '.join(missing)}. Create them in HubSpot (Settings → Properties), "
                "fix the mapping, or set create_properties: true in the sync's destination "
                "options to let Cauce create them (type inferred from the values)"
            )
        invalid = [name for name in missing if not NAME.match(name)]
        if invalid:
            raise FatalError(
                f"HubSpot: cannot create properties named {', '.join(invalid)}: HubSpot "
                "property names are lowercase letters, digits and underscores, starting with "
                "a letter; rename the mapped fields"
            )
        known = [n for n in missing if any(v is not None and v != "" for v in wanted[n])]
        for name in known:
            self.client.create_property(property_definition(name, wanted[name]))
        if known:
            definitions = self.client.properties(refresh=True)
        read_only = sorted(
            name
            for name in wanted
            if ((definitions.get(name) or {}).get("modificationMetadata") or {}).get(
                "readOnlyValue"
            )
        )
        if read_only:
            raise FatalError(
                f"HubSpot: the mapping writes read-only contact properties: "
                f"{', '.join(read_only)}; HubSpot computes them. Remove them from the mapping"
            )
        return definitions

    def _prepare(self, records: Sequence[Record], results: dict[str, RowResult]) -> list[Input]:
        definitions = self._ensure_properties(records)
        merged: dict[str, dict[str, str]] = {}
        for record in records:
            key = str(record.get(KEY) or "").strip().lower()
            if not key:
                results[str(record.get(KEY) or "")] = RowResult(
                    "", RowStatus.REJECTED, "no e-mail: HubSpot contacts are written by e-mail"
                )
                continue
            try:
                props = hubspot_properties(record, definitions, skip=(KEY,))
            except ValueProblem as problem:
                results[key] = RowResult(key, RowStatus.REJECTED, str(problem))
                continue
            merged.setdefault(key, {}).update(props)
        return list(merged.items())

    # -- writing -----------------------------------------------------------------------------

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        if mode not in self.modes:
            raise FatalError(
                f"HubSpot: the contacts sink supports modes upsert, update and mirror, not "
                f"{mode.value}"
            )
        results: dict[str, RowResult] = {}
        inputs = self._prepare(records, results)
        for start in range(0, len(inputs), MAX_INPUTS):
            chunk = inputs[start : start + MAX_INPUTS]
            if mode is WriteMode.UPDATE:
                self._update(chunk, results)
            else:
                self._send(chunk, "upsert", results)
        out = []
        for record in records:
            key = str(record.get(KEY) or "").strip().lower()
            found = results.get(key)
            if found is None:
                found = RowResult(key, RowStatus.REJECTED, "HubSpot answered nothing for it")
            out.append(RowResult(str(record.get(KEY) or ""), found.status, found.reason))
        return out

    def archive(self, keys: Sequence[str]) -> list[RowResult]:
        """Mirror mode: archive (HubSpot's soft delete) the contacts with these e-mails."""
        results: list[RowResult] = []
        for start in range(0, len(keys), MAX_INPUTS):
            chunk = [str(k).strip().lower() for k in keys[start : start + MAX_INPUTS] if k]
            ids = self._ids_by_email(chunk)
            if ids:
                self.client.call(
                    "POST",
                    f"{CONTACTS}/batch/archive",
                    json={"inputs": [{"id": hub_id} for hub_id in ids.values()]},
                    scope=WRITE_SCOPE,
                    idempotent=True,
                )
            for key in chunk:
                if key in ids:
                    results.append(RowResult(key, RowStatus.ARCHIVED))
                else:
                    results.append(RowResult(key, RowStatus.SKIPPED, NOT_IN_DESTINATION))
        return results

    def _ids_by_email(self, emails: list[str]) -> dict[str, str]:
        """HubSpot ids of the contacts that exist among ``emails`` (one batch read)."""
        if not emails:
            return {}
        body = {
            "idProperty": KEY,
            "properties": [KEY],
            "inputs": [{"id": email} for email in dict.fromkeys(emails)],
        }
        answer = self.client.call(
            "POST", f"{CONTACTS}/batch/read", json=body, scope=WRITE_SCOPE, idempotent=True
        )
        ids: dict[str, str] = {}
        for item in (answer or {}).get("results") or []:
            email = _email_of(item)
            if email:
                ids[email] = str(item["id"])
        return ids

    def _update(self, chunk: list[Input], results: dict[str, RowResult]) -> None:
        ids = self._ids_by_email([key for key, _ in chunk])
        existing: list[Input] = []
        for key, props in chunk:
            if key in ids:
                existing.append((key, props))
            else:
                results[key] = RowResult(key, RowStatus.SKIPPED, NOT_IN_DESTINATION)
        if existing:
            self._send(existing, "update", results, ids)

    def _body(self, chunk: list[Input], kind: str, ids: dict[str, str]) -> dict[str, Any]:
        if kind == "update":
            return {"inputs": [{"id": ids[key], "properties": p} for key, p in chunk]}
        return {
            "inputs": [
                {"id": key, "idProperty": KEY, "properties": {**p, KEY: key}} for key, p in chunk
            ]
        }

    def _send(
        self,
        chunk: list[Input],
        kind: str,
        results: dict[str, RowResult],
        ids: dict[str, str] | None = None,
    ) -> None:
        """Write ``chunk``; isolate and reject inputs HubSpot refuses; record every outcome."""
        pending = list(chunk)
        while pending:
            response = self.client.call_raw(
                "POST",
                f"{CONTACTS}/batch/{kind}",
                json=self._body(pending, kind, ids or {}),
                scope=WRITE_SCOPE,
                idempotent=True,
            )
            if response.status_code != 400:
                self._record(pending, response, kind, results, ids or {})
                return
            pending = self._isolate(pending, response, kind, results, ids)

    def _isolate(
        self,
        pending: list[Input],
        response: httpx.Response,
        kind: str,
        results: dict[str, RowResult],
        ids: dict[str, str] | None,
    ) -> list[Input]:
        """After a 400: reject the input(s) at fault and return what to send again."""
        message = provider_message(response)
        bad = [i for i in _failed_indexes(json_body(response)) if i < len(pending)]
        if bad:
            for index in bad:
                key = pending[index][0]
                results[key] = RowResult(key, RowStatus.REJECTED, message)
            return [item for i, item in enumerate(pending) if i not in set(bad)]
        if len(pending) == 1:
            key = pending[0][0]
            results[key] = RowResult(key, RowStatus.REJECTED, message)
            return []
        middle = len(pending) // 2
        self._send(pending[:middle], kind, results, ids)
        return pending[middle:]

    def _record(
        self,
        pending: list[Input],
        response: httpx.Response,
        kind: str,
        results: dict[str, RowResult],
        ids: dict[str, str],
    ) -> None:
        body = json_body(response)
        if not isinstance(body, dict):
            raise RetryableError(
                f"HubSpot: POST {CONTACTS}/batch/{kind} answered HTTP {response.status_code} "
                "without a JSON body; the batch can be retried"
            )
        by_id = {hub_id: key for key, hub_id in ids.items()}
        answered: set[str] = set()
        unmatched: list[dict[str, Any]] = []
        for item in body.get("results") or []:
            key = _email_of(item) or by_id.get(str(item.get("id")))
            if key is None:
                unmatched.append(item)
                continue
            status = RowStatus.CREATED if item.get("new") is True else RowStatus.UPDATED
            results[key] = RowResult(key, status)
            answered.add(key)
        for error in body.get("errors") or []:
            if not isinstance(error, dict):
                continue
            message = str(error.get("message") or "refused by HubSpot")
            for raw in _error_keys(error):
                key = by_id.get(raw, raw)
                if key not in answered:
                    results[key] = RowResult(key, RowStatus.REJECTED, message)
                    answered.add(key)
        left = [key for key, _ in pending if key not in answered]
        if unmatched and len(unmatched) == len(left):
            for key, item in zip(left, unmatched, strict=True):
                status = RowStatus.CREATED if item.get("new") is True else RowStatus.UPDATED
                results[key] = RowResult(key, status)
            return
        messages = [str(e.get("message")) for e in body.get("errors") or [] if isinstance(e, dict)]
        reason = "; ".join(dict.fromkeys(m for m in messages if m and m != "None"))[:500]
        for key in left:
            results[key] = RowResult(
                key, RowStatus.REJECTED, reason or "HubSpot's answer did not mention this contact"
            )
