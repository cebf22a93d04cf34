"""Properties that must hold for any file: positions point at the key, substitution is exact."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cauce.config.document import Loc, parse_yaml
from cauce.config.interpolate import interpolate

keys = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
scalars = st.one_of(st.integers(), st.booleans(), st.text(alphabet="abc XYZ-", max_size=10))
trees = st.recursive(
    scalars,
    lambda children: st.dictionaries(keys, children, min_size=1, max_size=4),
    max_leaves=25,
).filter(lambda tree: isinstance(tree, dict))


def _leaves(tree: dict[str, Any], loc: Loc = ()) -> list[Loc]:
    found: list[Loc] = []
    for key, value in tree.items():
        if isinstance(value, dict):
            found.extend(_leaves(value, (*loc, key)))
        else:
            found.append((*loc, key))
    return found


@settings(max_examples=40, deadline=None)
@given(trees)
def test_every_value_is_located_on_the_line_that_holds_its_key(tree: dict[str, Any]) -> None:
    buffer = io.StringIO()
    YAML().dump(tree, buffer)
    text = buffer.getvalue()
    document = parse_yaml(text, "cauce.yml")
    lines = text.splitlines()

    for loc in _leaves(tree):
        line = document.line(loc)
        assert line is not None
        assert lines[line - 1].lstrip().startswith((f"{loc[-1]}:", f"'{loc[-1]}':"))


@given(st.text().filter(lambda text: "$" not in text))
def test_text_without_a_dollar_is_left_exactly_as_written(text: str) -> None:
    result = interpolate({"value": text}, {})

    assert result.data == {"value": text}
    assert result.variables == {}


@given(st.text(), st.text(), st.text())
def test_a_variable_is_replaced_by_its_exact_value_and_nothing_else(
    value: str, before: str, after: str
) -> None:
    before, after = before.replace("$", ""), after.replace("$", "")

    result = interpolate({"value": f"{before}${{SECRET}}{after}"}, {"SECRET": value})

    assert result.data == {"value": before + value + after}
    assert result.problems == []
    assert result.hidden(("value",)) == "the value of ${SECRET}"
