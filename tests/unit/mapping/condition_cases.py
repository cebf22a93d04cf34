"""Random records and conditions for checking that SQL and Python select the same rows.

Shared by the SQLite property test (unit) and the PostgreSQL one (integration):
``contacts_table`` builds the table, ``records()`` and ``conditions()`` are
hypothesis strategies, and ``assert_same_rows`` runs one comparison.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st

from cauce.mapping import parse_condition

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
TEXT_FIELDS = ("name", "country")
WORDS = ["", "a", "ab", "b", "ES", "es", "yes", "no", "TRUE", "Pérez", "ß", "a'b", "50%", "x_y"]


def contacts_table(metadata: sa.MetaData, *, collation: str | None = None) -> sa.Table:
    return sa.Table(
        "contacts",
        metadata,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("name", sa.String(40, collation=collation)),
        sa.Column("country", sa.String(10, collation=collation)),
        sa.Column("amount", sa.Numeric(12, 2)),
        sa.Column("visits", sa.Integer),
        sa.Column("active", sa.Boolean),
        sa.Column("signup", sa.Date),
        sa.Column("seen", sa.DateTime),
    )


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.none() | strategy


_AMOUNTS = st.integers(-100_000, 100_000).map(lambda n: Decimal(n).scaleb(-2))
_DAYS = st.integers(-20, 5).map(lambda n: (NOW + timedelta(days=n)).date())
_MOMENTS = st.integers(-20 * 24 * 60, 5 * 24 * 60).map(
    lambda minutes: (NOW + timedelta(minutes=minutes)).replace(tzinfo=None)
)
_TEXT = st.sampled_from(WORDS) | st.text(alphabet="abAZé ß'%_", max_size=6)


def records() -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "name": _maybe(_TEXT),
            "country": _maybe(st.sampled_from(["ES", "FR", "es", ""])),
            "amount": _maybe(_AMOUNTS),
            "visits": _maybe(st.integers(-50, 50)),
            "active": _maybe(st.booleans()),
            "signup": _maybe(_DAYS),
            "seen": _maybe(_MOMENTS),
        }
    )


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


_OPS = st.sampled_from(["=", "!=", "<", "<=", ">", ">="])
_EMPTINESS = st.sampled_from(["is empty", "is not empty", "= null", "!= null", "is null"])


def _number_literal() -> st.SearchStrategy[str]:
    return _AMOUNTS.map(str) | st.integers(-60, 60).map(str)


def _date_literal() -> st.SearchStrategy[str]:
    day = _DAYS.map(date.isoformat)
    moment = st.tuples(_MOMENTS, st.sampled_from(["Z", "+02:00", "-05:00", ""])).map(
        lambda pair: pair[0].isoformat(timespec="seconds") + pair[1]
    )
    return (day | moment).map(_quote)


def _text_atoms(field: str) -> st.SearchStrategy[str]:
    text = _TEXT.map(_quote)
    text_list = st.lists(text, min_size=1, max_size=3).map(", ".join)
    return st.one_of(
        st.tuples(_OPS, text).map(lambda p: f"{field} {p[0]} {p[1]}"),
        text_list.map(lambda items: f"{field} in ({items})"),
        text_list.map(lambda items: f"{field} not in ({items}, null)"),
        text_list.map(lambda items: f"{field} in ({items}, null)"),
        text.map(lambda t: f"{field} contains {t}"),
        text.map(lambda t: f"{field} not contains {t}"),
        st.sampled_from(["true", "false"]).map(lambda b: f"{field} = {b}"),
        _EMPTINESS.map(lambda e: f"{field} {e}"),
    )


def _number_atoms(field: str) -> st.SearchStrategy[str]:
    literal = _number_literal() | _number_literal().map(_quote) | st.just("'abc'")
    return st.one_of(
        st.tuples(_OPS, literal).map(lambda p: f"{field} {p[0]} {p[1]}"),
        st.lists(_number_literal(), min_size=1, max_size=3).map(
            lambda items: f"{field} in ({', '.join(items)})"
        ),
        st.lists(_number_literal(), min_size=1, max_size=3).map(
            lambda items: f"{field} not in ({', '.join(items)})"
        ),
        st.sampled_from(["= true", "!= false"]).map(lambda b: f"{field} {b}"),
        _EMPTINESS.map(lambda e: f"{field} {e}"),
    )


def _boolean_atoms(field: str) -> st.SearchStrategy[str]:
    literal = st.sampled_from(["true", "false", "'yes'", "'no'", "'maybe'", "1"])
    return st.one_of(
        st.tuples(st.sampled_from(["=", "!="]), literal).map(lambda p: f"{field} {p[0]} {p[1]}"),
        _EMPTINESS.map(lambda e: f"{field} {e}"),
    )


def _date_atoms(field: str) -> st.SearchStrategy[str]:
    unit = st.sampled_from(["minutes", "hours", "days", "weeks"])
    span = st.tuples(st.integers(0, 60), unit).map(lambda p: f"{p[0]} {p[1]}")
    return st.one_of(
        st.tuples(_OPS, _date_literal()).map(lambda p: f"{field} {p[0]} {p[1]}"),
        st.tuples(_OPS, st.just("'someday'")).map(lambda p: f"{field} {p[0]} {p[1]}"),
        span.map(lambda s: f"{field} within {s}"),
        span.map(lambda s: f"{field} older than {s}"),
        st.tuples(_OPS, _number_literal()).map(lambda p: f"{field} {p[0]} {p[1]}"),
        _EMPTINESS.map(lambda e: f"{field} {e}"),
    )


_ATOMS = st.one_of(
    *(_text_atoms(field) for field in TEXT_FIELDS),
    _number_atoms("amount"),
    _number_atoms("visits"),
    _boolean_atoms("active"),
    _date_atoms("signup"),
    _date_atoms("seen"),
)


def date_conditions() -> st.SearchStrategy[str]:
    """Only date and timestamp comparisons: where time zones and day boundaries bite."""
    return st.one_of(_date_atoms("signup"), _date_atoms("seen"))


def conditions() -> st.SearchStrategy[str]:
    return st.recursive(
        _ATOMS,
        lambda inner: st.one_of(
            st.tuples(inner, inner).map(lambda p: f"{p[0]} and {p[1]}"),
            st.tuples(inner, inner).map(lambda p: f"({p[0]} or {p[1]})"),
            inner.map(lambda c: f"not ({c})"),
        ),
        max_leaves=4,
    )


def assert_same_rows(
    connection: sa.Connection, table: sa.Table, rows: list[dict[str, Any]], text: str
) -> None:
    """Load ``rows``, then check SQL and ``evaluate`` pick the same ids for ``text``."""
    connection.execute(table.delete())
    if rows:
        connection.execute(table.insert(), [{"id": i, **row} for i, row in enumerate(rows)])
    condition = parse_condition(text)
    selected = {
        row.id
        for row in connection.execute(
            sa.select(table.c.id).where(condition.to_sqlalchemy(table.c, now=NOW))
        )
    }
    stored = [dict(row._mapping) for row in connection.execute(sa.select(table))]
    evaluated = {row["id"] for row in stored if condition.evaluate(row, now=NOW)}
    assert selected == evaluated, (
        text,
        [row for row in stored if row["id"] in selected ^ evaluated],
    )
