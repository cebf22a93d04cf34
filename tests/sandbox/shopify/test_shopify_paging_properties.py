"""The cursor paginator without HTTP: any page size, any direction, writes between pages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cauce.sandbox.shopify.paging import SortedIndex, SortSpec, Window, paginate

SPEC: SortSpec[tuple[int, int]] = SortSpec("CREATED_AT", "id", lambda record: record[1])


def _walk(
    index: SortedIndex, records: dict[int, tuple[int, int]], size: int, reverse: bool
) -> list[int]:
    seen: list[int] = []
    after = None
    while True:
        page = paginate(
            index.keys,
            records.get,
            lambda _r: True,
            SPEC,
            Window(first=size, after=after, reverse=reverse),
        )
        seen += [record[0] for _cursor, record in page.items]
        if not page.has_next:
            return seen
        after = page.items[-1][0]


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 20), min_size=0, max_size=60),
    size=st.integers(1, 10),
    reverse=st.booleans(),
)
def test_paging_visits_every_record_once_in_order(
    values: list[int], size: int, reverse: bool
) -> None:
    records = {i: (i, value) for i, value in enumerate(values)}
    index = SortedIndex()
    index.rebuild([(value, i) for i, (_i, value) in records.items()])
    seen = _walk(index, records, size, reverse)
    expected = [
        i for _value, i in sorted(((v, i) for i, (_i, v) in records.items()), reverse=reverse)
    ]
    assert seen == expected


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.integers(0, 20), min_size=1, max_size=40),
    inserts=st.lists(st.integers(0, 20), max_size=20),
    size=st.integers(1, 7),
)
def test_inserts_between_pages_never_skip_or_repeat_existing_records(
    values: list[int], inserts: list[int], size: int
) -> None:
    records = {i: (i, value) for i, value in enumerate(values)}
    index = SortedIndex()
    index.rebuild([(value, i) for i, (_i, value) in records.items()])
    pending = list(inserts)
    seen: list[int] = []
    after = None
    while True:
        page = paginate(
            index.keys, records.get, lambda _r: True, SPEC, Window(first=size, after=after)
        )
        seen += [record[0] for _cursor, record in page.items]
        if pending:
            new_id = len(records) + 1000
            records[new_id] = (new_id, pending.pop())
            index.add((records[new_id][1], new_id))
        if not page.has_next:
            break
        after = page.items[-1][0]
    assert len(seen) == len(set(seen))
    assert set(range(len(values))) <= set(seen)


@settings(max_examples=40, deadline=None)
@given(values=st.lists(st.integers(0, 5), min_size=1, max_size=30), size=st.integers(1, 6))
def test_backward_paging_with_last_and_before_mirrors_forward_paging(
    values: list[int], size: int
) -> None:
    records = {i: (i, value) for i, value in enumerate(values)}
    index = SortedIndex()
    index.rebuild([(value, i) for i, (_i, value) in records.items()])
    seen: list[int] = []
    before = None
    while True:
        page = paginate(
            index.keys, records.get, lambda _r: True, SPEC, Window(last=size, before=before)
        )
        seen = [record[0] for _cursor, record in page.items] + seen
        if not page.has_previous:
            break
        before = page.items[0][0]
    assert seen == _walk(index, records, size, reverse=False)
