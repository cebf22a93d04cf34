"""``POST /crm/v3/objects/contacts/search``: filter groups, sorts, free-text query, offset paging.

Semantics follow HubSpot's search guide: groups are OR-ed, filters inside a
group AND-ed; string comparisons ignore case; number, date and datetime
properties compare as numbers (dates accept ms since epoch or ISO 8601);
``CONTAINS_TOKEN`` matches a word of the value, with ``*`` wildcards, or the
whole value (so ``*@gmail.com`` works on e-mails). Paging is an offset, as in
HubSpot: ``after`` is the number of results already seen, and a query can
never page past 10,000 results (400). Archived contacts are never found.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cauce.sandbox.hubspot.errors import validation_error
from cauce.sandbox.hubspot.properties import PropertyDef, parse_ms
from cauce.sandbox.hubspot.state import ContactRecord

MAX_GROUPS = 5
MAX_FILTERS_PER_GROUP = 10
MAX_FILTERS = 25
MAX_LIMIT = 200
MAX_RESULTS = 10_000
MAX_QUERY = 3000
QUERY_PROPERTIES = ("email", "firstname", "lastname", "phone", "company", "website")
OPERATORS = {
    "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN",
    "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN",
}  # fmt: skip
_TOKEN_SPLIT = re.compile(r"[^\w*]+")

Key = tuple[int, float | str]
Predicate = Callable[[ContactRecord], bool]


@dataclass(frozen=True)
class SearchRequest:
    predicate: Predicate
    sort: list[tuple[str, bool]]  # (property, descending)
    properties: list[str] | None
    limit: int
    offset: int


def parse_request(body: dict[str, Any], properties: dict[str, PropertyDef]) -> SearchRequest:
    """Validate a search body the way HubSpot does and compile it into a predicate."""
    groups = body.get("filterGroups") or []
    if not isinstance(groups, list):
        raise validation_error("filterGroups must be a list of {filters: [...]} objects.")
    if len(groups) > MAX_GROUPS:
        raise validation_error(
            f"Too many filter groups: {len(groups)} given, at most {MAX_GROUPS} are allowed."
        )
    total = 0
    compiled_groups: list[list[Predicate]] = []
    for group in groups:
        filters = (group or {}).get("filters") or []
        if len(filters) > MAX_FILTERS_PER_GROUP:
            raise validation_error(
                f"Too many filters in a group: {len(filters)} given, at most "
                f"{MAX_FILTERS_PER_GROUP} per group are allowed."
            )
        total += len(filters)
        compiled_groups.append([_compile(f, properties) for f in filters])
    if total > MAX_FILTERS:
        raise validation_error(f"Too many filters: {total} given, at most {MAX_FILTERS} in total.")
    query = str(body.get("query") or "").strip().lower()
    if len(query) > MAX_QUERY:
        raise validation_error(f"query is too long: at most {MAX_QUERY} characters.")
    limit = _int(body.get("limit", 10), "limit")
    if not 0 < limit <= MAX_LIMIT:
        raise validation_error(f"limit must be between 1 and {MAX_LIMIT}; got {limit}.")
    offset = _int(body.get("after") or 0, "after")
    if offset >= MAX_RESULTS:
        raise validation_error(
            f"Search can not page past {MAX_RESULTS} results (after={offset}). Narrow the query, "
            "e.g. with a filter on hs_object_id or lastmodifieddate, and search again."
        )

    def predicate(record: ContactRecord) -> bool:
        if query and not _matches_query(record, query):
            return False
        if not compiled_groups:
            return True
        return any(all(check(record) for check in group) for group in compiled_groups)

    sort = [_sort_key(entry) for entry in body.get("sorts") or []]
    requested = body.get("properties")
    return SearchRequest(predicate, sort, list(requested) if requested else None, limit, offset)


def run(
    records: list[ContactRecord], request: SearchRequest, properties: dict[str, PropertyDef]
) -> tuple[list[ContactRecord], int]:
    """The page of matching records and the total number of matches."""
    found = [record for record in records if request.predicate(record)]
    for name, descending in reversed(request.sort):
        kind = properties[name].type if name in properties else "string"
        present = [r for r in found if r.value(name) not in (None, "")]
        absent = [r for r in found if r.value(name) in (None, "")]
        present.sort(key=lambda r: _typed(r.value(name) or "", kind), reverse=descending)
        found = present + absent
    return found[request.offset : request.offset + request.limit], len(found)


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise validation_error(f"{name} must be an integer; got {value!r}.") from None


def _sort_key(entry: Any) -> tuple[str, bool]:
    if isinstance(entry, str):
        return entry.lstrip("-"), entry.startswith("-")
    direction = str(entry.get("direction", "ASCENDING")).upper()
    if direction not in ("ASCENDING", "DESCENDING"):
        raise validation_error(
            f"Sort direction must be ASCENDING or DESCENDING; got {direction!r}."
        )
    return str(entry.get("propertyName", "")), direction == "DESCENDING"


def _typed(value: str, kind: str) -> float | str:
    if kind == "number":
        try:
            return float(value)
        except ValueError:
            return float("nan")
    if kind in ("date", "datetime"):
        ms = parse_ms(value)
        return float(ms) if ms is not None else float("nan")
    return value.lower()


def _matches_query(record: ContactRecord, query: str) -> bool:
    for name in QUERY_PROPERTIES:
        value = (record.value(name) or "").lower()
        if value and (
            value.startswith(query) or any(t.startswith(query) for t in _TOKEN_SPLIT.split(value))
        ):
            return True
    return False


def _compile(spec: dict[str, Any], properties: dict[str, PropertyDef]) -> Predicate:
    name = str(spec.get("propertyName") or "")
    operator = str(spec.get("operator") or "EQ").upper()
    if operator not in OPERATORS:
        raise validation_error(
            f"Unknown filter operator {operator!r}; use one of {sorted(OPERATORS)}."
        )
    if not name:
        raise validation_error("Every filter needs a propertyName.")
    kind = properties[name].type if name in properties else "string"

    def typed(raw: Any) -> float | str:
        text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw)
        return _typed(text, kind)

    if operator == "HAS_PROPERTY":
        return lambda r: r.value(name) not in (None, "")
    if operator == "NOT_HAS_PROPERTY":
        return lambda r: r.value(name) in (None, "")
    if operator in ("IN", "NOT_IN"):
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise validation_error(
                f"Operator {operator} on {name} needs a non-empty 'values' list."
            )
        wanted = {typed(v) for v in values}
        if operator == "IN":
            return lambda r: (
                (v := r.value(name)) not in (None, "") and _typed(v or "", kind) in wanted
            )
        return lambda r: (v := r.value(name)) in (None, "") or _typed(v or "", kind) not in wanted
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(spec.get("value", "")).lower()

        def contains(record: ContactRecord) -> bool:
            value = (record.value(name) or "").lower()
            if not value:
                return False
            if fnmatch.fnmatchcase(value, pattern):
                return True
            return any(
                fnmatch.fnmatchcase(token, pattern) for token in _TOKEN_SPLIT.split(value) if token
            )

        if operator == "CONTAINS_TOKEN":
            return contains
        return lambda r: not contains(r)
    if "value" not in spec:
        raise validation_error(f"Operator {operator} on {name} needs a 'value'.")
    target = typed(spec["value"])
    if operator == "BETWEEN":
        if "highValue" not in spec:
            raise validation_error(f"Operator BETWEEN on {name} needs 'value' and 'highValue'.")
        high = typed(spec["highValue"])
        return lambda r: _compare(r.value(name), kind, lambda v: target <= v <= high)
    if operator == "EQ":
        return lambda r: _compare(r.value(name), kind, lambda v: v == target)
    if operator == "NEQ":
        return lambda r: (
            r.value(name) in (None, "") or _compare(r.value(name), kind, lambda v: v != target)
        )
    comparisons: dict[str, Callable[[Any], bool]] = {
        "LT": lambda v: v < target,
        "LTE": lambda v: v <= target,
        "GT": lambda v: v > target,
        "GTE": lambda v: v >= target,
    }
    check = comparisons[operator]
    return lambda r: _compare(r.value(name), kind, check)


def _compare(value: str | None, kind: str, check: Callable[[Any], bool]) -> bool:
    if value in (None, ""):
        return False
    typed = _typed(value or "", kind)
    try:
        return check(typed)
    except TypeError:
        return False
