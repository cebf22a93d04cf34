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
import json
import math
import re
import threading
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cauce.sandbox.hubspot.errors import validation_error
from cauce.sandbox.hubspot.properties import PropertyDef, iso_ms, parse_ms
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
MODIFIED = "lastmodifieddate"

Predicate = Callable[[ContactRecord], bool]


@dataclass(frozen=True)
class SearchRequest:
    predicate: Predicate
    sort: list[tuple[str, bool]]  # (property, descending)
    properties: list[str] | None
    limit: int
    offset: int


def parse_request(
    body: dict[str, Any], properties: dict[str, PropertyDef], max_results: int = MAX_RESULTS
) -> SearchRequest:
    """Validate a search body the way HubSpot does and compile it into a predicate.

    ``max_results`` is the paging cap (HubSpot: 10,000); tests lower it.
    """
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
    if offset >= max_results:
        raise validation_error(
            f"Search can not page past {max_results} results (after={offset}). Narrow the query, "
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


def matches(
    records: list[ContactRecord], request: SearchRequest, properties: dict[str, PropertyDef]
) -> list[ContactRecord]:
    """Every record the request finds, in its sort order."""
    found = [record for record in records if request.predicate(record)]
    for name, descending in reversed(request.sort):
        key = key_function(name, _kind(name, properties))
        keyed = [(key(record), record) for record in found]
        present = [pair for pair in keyed if pair[0] is not None]
        present.sort(key=lambda pair: pair[0], reverse=descending)
        found = [record for _, record in present] + [r for k, r in keyed if k is None]
    return found


def run(
    records: list[ContactRecord], request: SearchRequest, properties: dict[str, PropertyDef]
) -> tuple[list[ContactRecord], int]:
    """The page of matching records and the total number of matches."""
    found = matches(records, request, properties)
    return found[request.offset : request.offset + request.limit], len(found)


_RANGE_OPERATORS = ("GT", "GTE", "LT", "LTE", "EQ", "BETWEEN")
Bounds = tuple[int | None, bool, int | None, bool]  # low, low inclusive, high, high inclusive


def _group_bounds(filters: list[dict[str, Any]]) -> tuple[Bounds, bool]:
    """The ``lastmodifieddate`` range a group's filters imply, and whether that is all they say."""
    low: int | None = None
    high: int | None = None
    low_in = high_in = True
    pure = True
    for spec in filters:
        name = str(spec.get("propertyName") or "")
        operator = str(spec.get("operator") or "EQ").upper()
        if name != MODIFIED or operator not in _RANGE_OPERATORS:
            pure = False
            continue
        value = parse_ms(str(spec.get("value", "")).strip())
        top = parse_ms(str(spec.get("highValue", "")).strip()) if operator == "BETWEEN" else value
        if value is None or top is None:
            pure = False
            continue
        if operator in ("GT", "GTE", "EQ", "BETWEEN") and (
            low is None or value > low or (value == low and operator == "GT")
        ):
            low, low_in = value, operator != "GT"
        if operator in ("LT", "LTE", "EQ", "BETWEEN") and (
            high is None or top < high or (top == high and operator == "LT")
        ):
            high, high_in = top, operator != "LT"
    return (low, low_in, high, high_in), pure


class ModifiedIndex:
    """Active contacts sorted by (``lastmodifieddate``, id), rebuilt when the data changes.

    Incremental syncs search "modified after the cursor, oldest first" page
    after page with a new lower bound each time; over 100,000 contacts a full
    scan per page made the emulator the bottleneck. With this index such a
    query is a slice, and other queries bounded on ``lastmodifieddate`` only
    test the contacts inside their range.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._version = -1
        self._keys: list[tuple[int, int]] = []
        self._records: list[ContactRecord] = []

    def get(
        self, version: int, records: list[ContactRecord]
    ) -> tuple[list[tuple[int, int]], list[ContactRecord]]:
        with self._lock:
            if version != self._version:
                ordered = sorted(records, key=lambda r: (r.updated_ms, r.id))
                self._keys = [(r.updated_ms, r.id) for r in ordered]
                self._records = ordered
                self._version = version
            return self._keys, self._records


def indexed_matches(
    body: dict[str, Any],
    request: SearchRequest,
    records: list[ContactRecord],
    index: tuple[list[tuple[int, int]], list[ContactRecord]],
    properties: dict[str, PropertyDef],
) -> list[ContactRecord]:
    """What :func:`matches` returns, using the index when every group bounds the date."""
    groups = [(group or {}).get("filters") or [] for group in body.get("filterGroups") or []]
    if not groups or str(body.get("query") or "").strip():
        return matches(records, request, properties)
    bounds = [_group_bounds(filters) for filters in groups]
    if any(low is None and high is None for (low, _, high, _), _pure in bounds):
        return matches(records, request, properties)
    keys, ordered = index
    if len(bounds) == 1 and bounds[0][1] and request.sort in ([], [(MODIFIED, False)]):
        (low, low_in, high, high_in), _ = bounds[0]
        if request.sort:
            return ordered[_start(keys, low, low_in) : _stop(keys, high, high_in)]
    lows = [low for (low, _, _, _), _ in bounds]
    highs = [high for (_, _, high, _), _ in bounds]
    start = _start(keys, None if None in lows else min(v for v in lows if v is not None), True)
    stop = _stop(keys, None if None in highs else max(v for v in highs if v is not None), True)
    candidates = sorted(ordered[start:stop], key=lambda r: r.id)
    return matches(candidates, request, properties)


def _start(keys: list[tuple[int, int]], low: int | None, inclusive: bool) -> int:
    if low is None:
        return 0
    return bisect_left(keys, (low,)) if inclusive else bisect_right(keys, (low, math.inf))


def _stop(keys: list[tuple[int, int]], high: int | None, inclusive: bool) -> int:
    if high is None:
        return len(keys)
    return bisect_right(keys, (high, math.inf)) if inclusive else bisect_left(keys, (high,))


class ResultCache:
    """What recent searches found, per query and data version: paging one query scans once.

    A client pages a search by sending the same body with a growing ``after``;
    scanning and sorting 100,000 contacts for every page made the emulator,
    not the client, the bottleneck of large syncs. Entries are keyed by the
    body without ``after`` and by the state's version, which every write
    changes, so an answer is always what a fresh scan would give.
    """

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[str, int], list[ContactRecord]] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(body: dict[str, Any], version: int) -> tuple[str, int]:
        query = {name: value for name, value in body.items() if name != "after"}
        return json.dumps(query, sort_keys=True, default=str), version

    def found(
        self, key: tuple[str, int], compute: Callable[[], list[ContactRecord]]
    ) -> list[ContactRecord]:
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                return hit
        result = compute()
        with self._lock:
            self._entries[key] = result
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return result


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


def _kind(name: str, properties: dict[str, PropertyDef]) -> str:
    return properties[name].type if name in properties else "string"


def key_function(name: str, kind: str) -> Callable[[ContactRecord], Any]:
    """A record's comparable value of ``name`` (None when unset), cheap enough for 100k rows.

    Datetimes are stored normalised (ISO 8601, ms, ``Z``), so they compare as strings.
    """
    if name == "hs_object_id":
        return lambda r: r.id
    if name == "lastmodifieddate":
        return lambda r: r.updated_ms
    if name == "createdate":

        def raw(r: ContactRecord) -> str | None:
            return r.value("createdate")
    else:

        def raw(r: ContactRecord) -> str | None:
            return r.properties.get(name)

    if kind == "number":

        def number(r: ContactRecord) -> float | None:
            value = raw(r)
            try:
                return float(value) if value else None
            except ValueError:
                return None

        return number
    if kind in ("datetime", "date"):
        return lambda r: raw(r) or None
    return lambda r: value.lower() if (value := raw(r)) else None


def _target(raw: Any, name: str, kind: str) -> Any:
    """A filter value converted to what :func:`key_function` returns for ``name``."""
    text = ("true" if raw else "false") if isinstance(raw, bool) else str(raw).strip()
    if name in ("hs_object_id", "lastmodifieddate") or kind in ("number", "datetime", "date"):
        if name == "hs_object_id" or kind == "number":
            try:
                number = float(text)
            except ValueError:
                raise validation_error(f"{text!r} is not a number (filter on {name}).") from None
            return int(number) if name == "hs_object_id" else number
        ms = parse_ms(text)
        if ms is None:
            raise validation_error(
                f"{text!r} is not a date (filter on {name}): use ms since epoch or ISO 8601."
            )
        if name == "lastmodifieddate":
            return ms
        return iso_ms(ms) if kind == "datetime" else iso_ms(ms)[:10]
    return text.lower()


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
    kind = _kind(name, properties)
    key = key_function(name, kind)
    if operator == "HAS_PROPERTY":
        return lambda r: key(r) is not None
    if operator == "NOT_HAS_PROPERTY":
        return lambda r: key(r) is None
    if operator in ("IN", "NOT_IN"):
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise validation_error(
                f"Operator {operator} on {name} needs a non-empty 'values' list."
            )
        wanted = {_target(v, name, kind) for v in values}
        if operator == "IN":
            return lambda r: key(r) in wanted
        return lambda r: (k := key(r)) is None or k not in wanted
    if operator in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = str(spec.get("value", "")).lower()

        def contains(record: ContactRecord) -> bool:
            value = (record.value(name) or "").lower()
            if not value:
                return False
            if fnmatch.fnmatchcase(value, pattern):
                return True
            tokens = _TOKEN_SPLIT.split(value)
            return any(fnmatch.fnmatchcase(token, pattern) for token in tokens if token)

        if operator == "CONTAINS_TOKEN":
            return contains
        return lambda r: not contains(r)
    if "value" not in spec:
        raise validation_error(f"Operator {operator} on {name} needs a 'value'.")
    target = _target(spec["value"], name, kind)
    if operator == "BETWEEN":
        if "highValue" not in spec:
            raise validation_error(f"Operator BETWEEN on {name} needs 'value' and 'highValue'.")
        high = _target(spec["highValue"], name, kind)
        return lambda r: (k := key(r)) is not None and target <= k <= high
    if operator == "EQ":
        return lambda r: key(r) == target
    if operator == "NEQ":
        return lambda r: key(r) != target
    comparisons: dict[str, Callable[[Any], bool]] = {
        "LT": lambda k: k < target,
        "LTE": lambda k: k <= target,
        "GT": lambda k: k > target,
        "GTE": lambda k: k >= target,
    }
    check = comparisons[operator]
    return lambda r: (k := key(r)) is not None and check(k)
