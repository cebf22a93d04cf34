"""The on-disk key set behind duplicate reports and mirror removals."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from cauce.engine.seen import KeySpool, SeenKeys


def test_keys_seen_in_an_earlier_batch_are_reported_with_their_line() -> None:
    seen = SeenKeys()
    try:
        assert seen.add([("a", 2), ("b", 3)]) == {}
        assert seen.add([("c", 4), ("a", 5)]) == {"a": 2}
        assert seen.add([("a", 6)]) == {"a": 5}  # the latest earlier occurrence
        assert seen.count == 3
        assert list(seen.missing_from(iter(["a", "x", "c", "y"]))) == ["x", "y"]
    finally:
        seen.close()


@settings(max_examples=50, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefghij"), unique=True, max_size=6), max_size=8))
def test_duplicate_reports_match_a_plain_set(batches: list[list[str]]) -> None:
    seen = SeenKeys()
    reference: set[str] = set()
    try:
        for batch in batches:
            earlier = seen.add([(key, None) for key in batch])
            assert set(earlier) == reference & set(batch)
            reference |= set(batch)
        assert seen.count == len(reference)
    finally:
        seen.close()


def test_key_spool_returns_keys_in_order_in_chunks() -> None:
    spool = KeySpool()
    try:
        assert spool.extend(iter(f"k{i}" for i in range(1203))) == 1203
        chunks = list(spool.chunks(500))
        assert [len(c) for c in chunks] == [500, 500, 203]
        assert chunks[2][-1] == "k1202"
    finally:
        spool.close()
