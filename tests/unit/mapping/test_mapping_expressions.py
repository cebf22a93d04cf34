"""Expressions: useful Jinja in mappings, native values, and no way out of the sandbox."""

from __future__ import annotations

import hashlib
from datetime import date
from decimal import Decimal

import pytest

from cauce.mapping import ExpressionError, Money, compile_expression


def render(source: str, **context: object) -> object:
    return compile_expression(source).render(context)


def test_single_expression_returns_a_native_number() -> None:
    assert render("{{ amount * 2 }}", amount=Decimal("12.5")) == Decimal("25.0")
    assert render("{{ visits + 1 }}", visits=4) == 5


def test_single_expression_returns_a_native_list() -> None:
    assert render("{{ [lifecycle] }}", lifecycle="lead") == ["lead"]


def test_text_that_looks_like_a_number_stays_text() -> None:
    assert render("{{ zip }}", zip="01234") == "01234"
    assert render("{{ zip }}", zip="28001") == "28001"


def test_template_with_text_around_expressions_returns_text() -> None:
    assert (
        render("{{ first_name }} {{ last_name }}", first_name="Ana", last_name="Pérez")
        == "Ana Pérez"
    )
    assert render("{{ a }}{{ b }}", a="1", b="2") == "12"


def test_plain_text_is_returned_as_it_is() -> None:
    assert render("cauce") == "cauce"


def test_missing_variable_is_none_alone_and_empty_in_text() -> None:
    assert render("{{ missing }}") is None
    assert render("Hola {{ missing }}!") == "Hola !"


@pytest.mark.parametrize("source", ["{{ missing }} x", "{{ missing }}", "{{ [missing] }}"])
def test_strict_expressions_refuse_missing_variables(source: str) -> None:
    with pytest.raises(ExpressionError, match="'missing' is undefined"):
        compile_expression(source, strict=True).render({})


def test_context_keys_that_clash_with_python_arguments_are_harmless() -> None:
    assert compile_expression("{{ a }}").render({"self": 1, "a": 2}) == 2


def test_nested_fields_are_reachable_with_dots() -> None:
    assert render("{{ properties.firstname | upper }}", properties={"firstname": "ana"}) == "ANA"


@pytest.mark.parametrize(
    ("source", "context", "expected"),
    [
        ("{{ name | lower }}", {"name": "ANA"}, "ana"),
        ("{{ name | trim | title }}", {"name": "  ana garcía "}, "Ana García"),
        ("{{ name | default('amiga') }}", {}, "amiga"),
        ("{{ tags | split(',') }}", {"tags": "a,b"}, ["a", "b"]),
        ("{{ tags | join(';') }}", {"tags": ["a", "b"]}, "a;b"),
        ("{{ amount | round(1) }}", {"amount": Decimal("12.25")}, Decimal("12.3")),
        ("{{ amount | round }}", {"amount": 2.5}, 3.0),
        ("{{ signup | date }}", {"signup": "2024-01-05"}, date(2024, 1, 5)),
        ("{{ signup | date('%d/%m/%Y') }}", {"signup": "2024-01-05"}, "05/01/2024"),
        (
            "{{ signup | date(input_format='%d/%m/%Y') }}",
            {"signup": "05/01/2024"},
            date(2024, 1, 5),
        ),
        ("{{ at | strftime('%Y') }}", {"at": "2024-01-05T10:00:00Z"}, "2024"),
        ("{{ price | money }}", {"price": "12,50 €"}, Money(Decimal("12.50"), "EUR")),
        ("{{ price | money('EUR') }}", {"price": 3}, Money(Decimal("3"), "EUR")),
        ("{{ total | decimal * 2 }}", {"total": "10.5"}, Decimal("21.0")),
        ("{{ email | email }}", {"email": " Ana@X.com"}, "ana@x.com"),
    ],
)
def test_filters_do_what_mappings_need(
    source: str, context: dict[str, object], expected: object
) -> None:
    assert compile_expression(source).render(context) == expected


def test_md5_and_mailchimp_subscriber_hash() -> None:
    assert render("{{ 'ana@x.com' | md5 }}") == hashlib.md5(b"ana@x.com").hexdigest()
    assert (
        render("{{ email | subscriber_hash }}", email=" Ana@X.com ")
        == hashlib.md5(b"ana@x.com").hexdigest()
    )


def test_now_is_available_and_timezone_aware() -> None:
    moment = render("{{ now() }}")
    assert getattr(moment, "tzinfo", None) is not None


def test_expressions_cannot_change_the_record() -> None:
    with pytest.raises(
        ExpressionError, match="access to attribute 'append' of a list value is not allowed"
    ):
        render("{{ tags.append('x') }}", tags=[])


@pytest.mark.parametrize(
    "source",
    [
        "{{ name.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ name['__class__'] }}",
    ],
)
def test_python_internals_are_refused_before_running(source: str) -> None:
    with pytest.raises(ExpressionError, match="is not allowed in expressions"):
        compile_expression(source)


def test_python_internals_reached_dynamically_are_refused_when_run() -> None:
    expression = compile_expression("{{ name | attr('__class__') }}")
    with pytest.raises(
        ExpressionError, match="access to attribute '__class__' of a str value is not allowed"
    ):
        expression.render({"name": "x"})


@pytest.mark.parametrize(
    "source", ['{% import "os" as os %}', '{% include "x" %}', '{% extends "x" %}']
)
def test_imports_and_includes_are_refused(source: str) -> None:
    with pytest.raises(ExpressionError, match="import, include and extends are not allowed"):
        compile_expression(source)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("{{ 9 ** 999 ** 999 }}", "the power is too large to compute"),
        ("{{ 'a' * 10 ** 9 }}", "longer than 100000 items"),
    ],
)
def test_runaway_computations_are_stopped(source: str, message: str) -> None:
    with pytest.raises(ExpressionError, match=message):
        compile_expression(source).render({})


def test_filter_errors_read_as_sentences() -> None:
    with pytest.raises(ExpressionError) as caught:
        render("{{ price | money }}", price="12.50")
    assert str(caught.value) == (
        "'{{ price | money }}' failed: cannot read '12.50' as money: "
        "no currency: write it with the amount or set currency: EUR in the mapping"
    )


def test_runtime_errors_name_the_expression_and_cause() -> None:
    with pytest.raises(ExpressionError) as caught:
        render("{{ a / b }}", a=1, b=0)
    assert str(caught.value) == "'{{ a / b }}' failed: ZeroDivisionError: division by zero"


@pytest.mark.parametrize(
    ("source", "line", "column", "message"),
    [
        ("{{ a + }}", 1, 8, "unexpected 'end of print statement'"),
        ("{{ a b }}", 1, 6, "got 'b'"),
        ("{{ a @ b }}", 1, 6, "unexpected char '@'"),
        ('{{ "abc }}', 1, 4, "unexpected char"),
        ("Hola\n{{ a | }}", 2, 8, "expected token 'name'"),
        ("hola {{ a", 1, 10, "unexpected end of template"),
    ],
)
def test_syntax_errors_are_positioned(source: str, line: int, column: int, message: str) -> None:
    with pytest.raises(ExpressionError) as caught:
        compile_expression(source)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in str(caught.value)
    assert str(caught.value).startswith(
        f"expression syntax error at line {line}, column {column}: "
    )


def test_expression_reports_the_names_it_reads() -> None:
    expression = compile_expression(
        "{% for t in tags %}{{ t }}{% endfor %} {{ properties.city }} {{ now() }}"
    )
    assert expression.names() == {"tags", "properties"}


@pytest.mark.parametrize(
    ("source", "fields"),
    [
        ("{{ properties.firstname | upper }}", {"properties.firstname"}),
        ("{{ record['First Name'] }}", {"First Name"}),
        ("{{ name.upper() }}", {"name"}),
        ("{% for t in tags %}{{ t.label }}{% endfor %}", {"tags"}),
        ("{{ lines[i].sku }}", {"lines", "i"}),
        ("{{ items.0 }} {{ now() }}", {"items.0"}),
    ],
)
def test_expression_reports_the_fields_it_reads_as_dotted_paths(
    source: str, fields: set[str]
) -> None:
    assert compile_expression(source).fields() == fields
