"""``POST /crm/v3/objects/contacts/search`` (limited separately, see ``ratelimit``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Request

from cauce.sandbox.hubspot import search
from cauce.sandbox.hubspot.deps import State, property_names

router = APIRouter(prefix="/crm/v3/objects/contacts")


@router.post("/search")
def search_contacts(
    state: State, http: Request, body: dict[str, Any] = Body(...)
) -> dict[str, Any]:
    cap = int(getattr(http.app.state, "search_max_results", search.MAX_RESULTS))
    request = search.parse_request(body, state.properties, cap)
    cache = getattr(http.app.state, "search_cache", None)
    index = getattr(http.app.state, "search_index", None)
    if cache is None or index is None:
        cache = http.app.state.search_cache = search.ResultCache()
        index = http.app.state.search_index = search.ModifiedIndex()
    version, records = state.snapshot()
    key = search.ResultCache.key(body, version)
    found = cache.found(
        key,
        lambda: search.indexed_matches(
            body, request, records, index.get(version, records), state.properties
        ),
    )
    page = found[request.offset : request.offset + request.limit]
    total = len(found)
    names = property_names(request.properties)
    answer: dict[str, Any] = {"total": total, "results": [record.as_json(names) for record in page]}
    following = request.offset + len(page)
    if page and following < total:
        answer["paging"] = {"next": {"after": str(following)}}
    return answer
