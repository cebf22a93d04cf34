"""Expressions in mappings and workflow steps: sandboxed Jinja2.

Users write ``{{ first_name }} {{ last_name }}`` or ``{{ amount * 2 }}`` in
``cauce.yml`` and in the web UI, so expressions run in Jinja's immutable
sandbox: no access to Python internals (``__class__``, ``mro``...), no
mutation of the record, no imports or includes, no autoescaping (the output
is data, not HTML), and guards against ``9 ** 9 ** 9``-style CPU and memory
bombs.

A template that is one expression (``{{ amount * 2 }}``, ``{{ [lifecycle] }}``)
returns the native value, so numbers stay numbers and lists stay lists; any
other template returns text. Native values are never re-parsed from text
(unlike ``jinja2.nativetypes``), so a zip code ``"01234"`` stays a string.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, Undefined, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment

from cauce.mapping.filters import EXPRESSION_FILTERS, EXPRESSION_GLOBALS
from cauce.mapping.template_fields import field_paths

__all__ = ["Expression", "ExpressionError", "compile_expression"]

_MAX_POWER = 1000
_MAX_POWER_BITS = 100_000
_MAX_REPEAT = 100_000
_LEXER_AT = re.compile(r" at (\d+)$")
_UNEXPECTED = re.compile(r"(?:got|unexpected) '([^']+)'")
_TOKEN_TEXT = {
    "end of print statement": "}}",
    "end of statement block": "%}",
    "begin of print statement": "{{",
    "begin of statement block": "{%",
}


class ExpressionError(ValueError):
    """An expression cannot be compiled or failed on a record.

    ``line`` and ``column`` (1-based) point into the expression source for
    syntax errors when they can be determined; otherwise they are ``None``.
    """

    def __init__(self, message: str, *, line: int | None = None, column: int | None = None) -> None:
        self.line = line
        self.column = column
        self.message = message
        super().__init__(message)


class _TooBig(SecurityError):
    """An operation that would take unbounded CPU or memory; the message is complete."""


class _Environment(ImmutableSandboxedEnvironment):
    """The sandbox, made loud: unsafe access raises instead of rendering as empty text."""

    intercepted_binops = frozenset({"**", "*"})

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        """A template's globals as one plain dict rather than Jinja's ``ChainMap``.

        Every render copies them into a new context, which is several times
        slower from a ``ChainMap``. Both environments' globals are set before any
        template is compiled and never change, so the snapshot loses nothing;
        template globals still take precedence.
        """
        return {**self.globals, **(d or {})}

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise SecurityError(f"attribute {attribute!r} of a {type(obj).__name__} value")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and isinstance(right, int | float) and isinstance(left, int | float):
            magnitude = abs(left).bit_length() if isinstance(left, int) else 64
            if abs(right) > _MAX_POWER or magnitude * abs(right) > _MAX_POWER_BITS:
                raise _TooBig("the power is too large to compute")
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(count, int)
                if sized and len(seq) * count > _MAX_REPEAT:
                    raise _TooBig(f"the result would be longer than {_MAX_REPEAT} items")
        return super().call_binop(context, operator, left, right)


def _environment(undefined: type[Undefined]) -> _Environment:
    env = _Environment(autoescape=False, undefined=undefined, keep_trailing_newline=True)
    env.filters.update(EXPRESSION_FILTERS)
    env.globals.update(EXPRESSION_GLOBALS)
    return env


_LENIENT = _environment(Undefined)
_STRICT = _environment(StrictUndefined)


class Expression:
    """A compiled expression; render it once per record with the record as context."""

    def __init__(
        self,
        source: str,
        render: Callable[[Mapping[str, Any]], Any],
        names: set[str],
        fields: set[str] | None = None,
    ) -> None:
        self.source = source
        self._render = render
        self._names = names
        self._fields = names if fields is None else fields

    def __repr__(self) -> str:
        return f"Expression({self.source!r})"

    def names(self) -> set[str]:
        """The context variables the expression reads (top-level names, e.g. ``properties``)."""
        return set(self._names)

    def fields(self) -> set[str]:
        """The record fields the expression reads, as dotted paths (``properties.firstname``).

        ``record['First Name']`` counts as ``First Name``; method calls such
        as ``name.upper()`` count as ``name``.
        """
        return set(self._fields)

    def render(self, context: Mapping[str, Any]) -> Any:
        """Evaluate against ``context``; :class:`ExpressionError` with a reason if it fails."""
        try:
            return self._render(context)
        except _TooBig as exc:
            raise ExpressionError(f"{self.source!r} failed: {exc}") from None
        except SecurityError as exc:
            raise ExpressionError(
                f"access to {_security_detail(exc)} is not allowed in expressions"
            ) from None
        except UndefinedError as exc:
            raise ExpressionError(f"{exc.message} in {self.source!r}") from None
        except Exception as exc:
            raise ExpressionError(f"{self.source!r} failed: {_describe(exc)}") from None


def _defined(value: Any, strict: bool) -> Any:
    """Replace ``Undefined`` with ``None`` (or fail, if strict), also inside lists and dicts."""
    if isinstance(value, Undefined):
        if strict:
            value._fail_with_undefined_error()
        return None
    if isinstance(value, list):
        return [_defined(item, strict) for item in value]
    if isinstance(value, tuple):
        return tuple(_defined(item, strict) for item in value)
    if isinstance(value, dict):
        return {key: _defined(item, strict) for key, item in value.items()}
    return value


def _security_detail(exc: SecurityError) -> str:
    text = str(exc).removeprefix("access to ").removesuffix(" is unsafe.").rstrip(".")
    return text


def _describe(exc: Exception) -> str:
    """Our own errors already read as sentences; Python's need their type to make sense."""
    text = str(exc)
    if text and type(exc).__module__.startswith("cauce."):
        return text
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def compile_expression(source: str, *, strict: bool = False) -> Expression:
    """Compile ``source`` once; raise :class:`ExpressionError` (positioned) if it is not valid.

    With ``strict=True`` a variable missing from the context is an error
    instead of an empty value.
    """
    env = _STRICT if strict else _LENIENT
    try:
        tree = env.parse(source)
    except TemplateSyntaxError as exc:
        raise _syntax_error(source, exc) from None
    _reject_unsafe_names(tree, source)
    names = _undeclared(env, tree)
    fields = field_paths(tree, names)
    inner = _single_expression(source, tree)
    if inner is not None:
        compiled = env.compile_expression(inner, undefined_to_none=not strict)

        def render_native(context: Mapping[str, Any]) -> Any:
            return _defined(compiled(context), strict)

        return Expression(source, render_native, names, fields)
    template: Template = env.from_string(tree)

    def render_text(context: Mapping[str, Any]) -> Any:
        return template.render(context)

    return Expression(source, render_text, names, fields)


def _undeclared(env: _Environment, tree: nodes.Template) -> set[str]:
    from jinja2 import meta

    return set(meta.find_undeclared_variables(tree)) - set(env.globals)


def _reject_unsafe_names(tree: nodes.Template, source: str) -> None:
    for stmt in tree.find_all((nodes.Import, nodes.FromImport, nodes.Include, nodes.Extends)):
        raise ExpressionError(
            "import, include and extends are not allowed in expressions", line=stmt.lineno
        )
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        attr = node.attr if isinstance(node, nodes.Getattr) else getattr(node, "arg", None)
        attr = getattr(attr, "value", attr)
        if isinstance(attr, str) and attr.startswith("_"):
            raise ExpressionError(
                f"access to {attr!r} is not allowed in expressions", line=node.lineno
            )


def _single_expression(source: str, tree: nodes.Template) -> str | None:
    stripped = source.strip()
    if not (stripped.startswith("{{") and stripped.endswith("}}")) or len(tree.body) != 1:
        return None
    output = tree.body[0]
    if not isinstance(output, nodes.Output):
        return None
    parts = [
        n for n in output.nodes if not (isinstance(n, nodes.TemplateData) and not n.data.strip())
    ]
    if len(parts) != 1 or isinstance(parts[0], nodes.TemplateData):
        return None
    inner = stripped[2:-2]
    if inner[:1] in ("-", "+"):
        inner = inner[1:]
    if inner[-1:] in ("-", "+"):
        inner = inner[:-1]
    return inner


def _syntax_error(source: str, exc: TemplateSyntaxError) -> ExpressionError:
    line = exc.lineno
    column: int | None = None
    message = exc.message or "invalid expression"
    at = _LEXER_AT.search(message)
    if at:
        offset = int(at.group(1))
        line = source.count("\n", 0, offset) + 1
        column = offset - (source.rfind("\n", 0, offset) + 1) + 1
        message = message[: at.start()]
    else:
        column = _guess_column(source, line, message)
    where = f"line {line}, column {column}" if column else f"line {line}"
    return ExpressionError(
        f"expression syntax error at {where}: {message}", line=line, column=column
    )


def _guess_column(source: str, line: int, message: str) -> int | None:
    """Column of the offending token when it occurs exactly once on its line."""
    lines = source.split("\n")
    if not 1 <= line <= len(lines):
        return None
    text = lines[line - 1]
    if "unexpected end of template" in message.lower():
        return len(text) + 1
    match = _UNEXPECTED.search(message)
    if match is None:
        return None
    token = _TOKEN_TEXT.get(match.group(1), match.group(1))
    pattern = rf"\b{re.escape(token)}\b" if token.isidentifier() else re.escape(token)
    found = [m.start() for m in re.finditer(pattern, text)]
    return found[0] + 1 if len(found) == 1 else None
