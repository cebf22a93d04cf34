"""The condition language: tokenizer and recursive-descent parser.

::

    condition  := or
    or         := and ("or" and)*
    and        := not ("and" not)*
    not        := "not" not | "(" condition ")" | predicate
    predicate  := field ( op value
                        | ["not"] "in" "(" value ("," value)* ")"
                        | ["not"] "contains" text
                        | "is" ["not"] ("empty" | "null")
                        | "within" number unit
                        | "older" "than" number unit )
    op         := "=" | "!=" | "<" | "<=" | ">" | ">="      ("==" and "<>" also read)
    value      := 'text' | "text" | number | true | false | null
    field      := name ("." name)*  |  `any text`
    unit       := minute(s) | hour(s) | day(s) | week(s)

Keywords are case-insensitive. Every syntax error carries the 0-based offset
of the token it is about and renders a caret under it, because conditions
are typed by people into ``cauce.yml`` and the web UI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from cauce.mapping.condition_ast import (
    And,
    Compare,
    ConditionError,
    ConditionSyntaxError,
    Contains,
    InList,
    IsEmpty,
    IsNull,
    Literal,
    Node,
    Not,
    Or,
    Recency,
)

__all__ = ["UNITS", "parse", "tokenize"]

UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_UNIT_WORDS = {**{u: u for u in UNITS}, **{u + "s": u for u in UNITS}}
_KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "in",
        "is",
        "empty",
        "null",
        "true",
        "false",
        "contains",
        "within",
        "older",
    }
)
_OPERATORS = {
    "=": "=",
    "==": "=",
    "!=": "!=",
    "<>": "!=",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}
_TOKEN = re.compile(
    r"""(?P<space>\s+)
    |(?P<number>-?\d+(?:\.\d+)?(?![\w.]))
    |(?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    |(?P<op><=|>=|!=|<>|==|[=<>(),])
    |(?P<quote>['"`])""",
    re.VERBOSE,
)
_WORD = re.compile(r"[\w.\-]+")
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"', "`": "`"}


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # name, keyword, field, text, number, op, end
    text: str
    pos: int
    value: Literal = None

    def describe(self) -> str:
        if self.kind == "end":
            return "the end of the condition"
        if self.kind == "text":
            return f"the text {self.text}"
        return repr(self.text)


def _read_quoted(text: str, start: int) -> tuple[str, int]:
    quote = text[start]
    out: list[str] = []
    i = start + 1
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        if char == quote:
            return "".join(out), i + 1
        out.append(char)
        i += 1
    what = "field name" if quote == "`" else "text"
    raise ConditionSyntaxError(f"unterminated {what}: the {quote} is never closed", text, start)


def _unreadable(text: str, pos: int) -> ConditionSyntaxError:
    word = _WORD.match(text, pos)
    if word is not None and (text[pos].isdigit() or text[pos] == "-"):
        return ConditionSyntaxError(
            f"{word.group()!r} is neither a number nor a field name "
            "(numbers look like 12 or -3.5; write other field names in backticks)",
            text,
            pos,
        )
    return ConditionSyntaxError(f"unexpected character {text[pos]!r}", text, pos)


def tokenize(text: str) -> list[_Token]:
    """Split ``text`` into tokens; :class:`ConditionSyntaxError` on a character we cannot read."""
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise _unreadable(text, pos)
        kind = match.lastgroup or ""
        if kind == "quote":
            value, end = _read_quoted(text, pos)
            token_kind = "field" if text[pos] == "`" else "text"
            tokens.append(_Token(token_kind, text[pos:end], pos, value))
            pos = end
            continue
        word = match.group()
        if kind == "number":
            tokens.append(_Token("number", word, pos, Decimal(word)))
        elif kind == "name" and word.lower() in _KEYWORDS:
            tokens.append(_Token("keyword", word.lower(), pos))
        elif kind in ("name", "op"):
            tokens.append(_Token(kind, word, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.index = 0

    @property
    def current(self) -> _Token:
        return self.tokens[self.index]

    def advance(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at_keyword(self, *words: str) -> bool:
        return self.current.kind == "keyword" and self.current.text in words

    def error(
        self, message: str, token: _Token | None = None, *, hint: str = ""
    ) -> ConditionSyntaxError:
        """An error at ``token`` (default: the current one) that says what was found there."""
        token = token or self.current
        text = f"{message}, found {token.describe()}{hint}"
        return ConditionSyntaxError(text, self.text, token.pos)

    def parse(self) -> Node:
        if self.current.kind == "end":
            raise ConditionSyntaxError("the condition is empty", self.text, 0)
        node = self.parse_or()
        if self.current.kind != "end":
            raise self.error("expected 'and', 'or' or the end of the condition")
        return node

    def parse_or(self) -> Node:
        operands = [self.parse_and()]
        while self.at_keyword("or"):
            self.advance()
            operands.append(self.parse_and())
        return operands[0] if len(operands) == 1 else Or(tuple(operands))

    def parse_and(self) -> Node:
        operands = [self.parse_not()]
        while self.at_keyword("and"):
            self.advance()
            operands.append(self.parse_not())
        return operands[0] if len(operands) == 1 else And(tuple(operands))

    def parse_not(self) -> Node:
        if self.at_keyword("not"):
            self.advance()
            return Not(self.parse_not())
        if self.current.text == "(" and self.current.kind == "op":
            opening = self.advance()
            node = self.parse_or()
            if self.current.text != ")":
                column = opening.pos - (self.text.rfind("\n", 0, opening.pos) + 1) + 1
                raise self.error(f"expected ')' to close the '(' at column {column}")
            self.advance()
            return node
        return self.parse_predicate()

    def parse_field(self) -> str:
        token = self.current
        if token.kind == "name":
            self.advance()
            return token.text
        if token.kind == "field":
            self.advance()
            return str(token.value)
        hint = ""
        if token.kind in ("text", "number"):
            hint = "; a condition starts with the field, as in country = 'ES'"
        elif token.kind == "keyword":
            hint = f"; to use a field named {token.text!r}, write it in backticks: `{token.text}`"
        raise self.error("expected a field name", hint=hint)

    def parse_predicate(self) -> Node:
        field = self.parse_field()
        token = self.current
        if token.kind == "op" and token.text in _OPERATORS:
            self.advance()
            return self.parse_comparison(field, _OPERATORS[token.text], token)
        negated = self.at_keyword("not")
        if negated:
            self.advance()
            if not self.at_keyword("in", "contains"):
                raise self.error("expected 'in' or 'contains' after 'not'")
        if self.at_keyword("in"):
            return InList(field, self.parse_list(self.advance()), negated)
        if self.at_keyword("contains"):
            keyword = self.advance()
            value = self.parse_value(keyword)
            if not isinstance(value, str):
                raise self.error(
                    "expected quoted text after 'contains'", self.tokens[self.index - 1]
                )
            return Contains(field, value, negated)
        if self.at_keyword("is"):
            return self.parse_is(field)
        if self.at_keyword("within"):
            self.advance()
            return Recency(field, self.parse_duration("within"), within=True)
        if self.at_keyword("older"):
            self.advance()
            if not (self.current.kind == "name" and self.current.text.lower() == "than"):
                raise self.error("expected 'than' after 'older'")
            self.advance()
            return Recency(field, self.parse_duration("older than"), within=False)
        raise self.error(
            f"expected an operator after {field!r} (=, !=, <, <=, >, >=, in, not in, contains, "
            "is empty, is not empty, within, older than)"
        )

    def parse_comparison(self, field: str, op: str, op_token: _Token) -> Node:
        value = self.parse_value(op_token)
        if value is None:
            if op not in ("=", "!="):
                raise ConditionSyntaxError(
                    "null can only be compared with = or != (or use 'is empty')",
                    self.text,
                    op_token.pos,
                )
            return IsNull(field, negated=op == "!=")
        if isinstance(value, bool) and op not in ("=", "!="):
            raise ConditionSyntaxError(
                "true and false can only be compared with = or !=", self.text, op_token.pos
            )
        return Compare(field, op, value)

    def parse_value(self, after: _Token) -> Literal:
        token = self.current
        if token.kind in ("text", "number"):
            self.advance()
            return token.value
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self.advance()
            return {"true": True, "false": False, "null": None}[token.text]
        hint = ""
        if token.kind == "name":
            hint = f"; to compare with text, quote it: '{token.text}'"
        raise self.error(f"expected a value after '{after.text}'", hint=hint)

    def parse_list(self, keyword: _Token) -> tuple[Literal, ...]:
        if self.current.text != "(":
            raise self.error(f"expected '(' after '{keyword.text}', as in status in ('a', 'b')")
        opening = self.advance()
        if self.current.text == ")":
            raise self.error(f"expected a value in the list after '{keyword.text}'")
        values = [self.parse_value(opening)]
        while self.current.text == ",":
            comma = self.advance()
            values.append(self.parse_value(comma))
        if self.current.text != ")":
            raise self.error("expected ',' or ')' in the list")
        self.advance()
        return tuple(values)

    def parse_is(self, field: str) -> Node:
        self.advance()
        negated = self.at_keyword("not")
        if negated:
            self.advance()
        if self.at_keyword("empty"):
            self.advance()
            return IsEmpty(field, negated)
        if self.at_keyword("null"):
            self.advance()
            return IsNull(field, negated)
        raise self.error("expected 'empty', 'not empty', 'null' or 'not null' after 'is'")

    def parse_duration(self, keyword: str) -> int:
        number = self.current
        if number.kind != "number" or not isinstance(number.value, Decimal) or number.value < 0:
            raise self.error(f"expected a number after '{keyword}', as in {keyword} 90 days")
        self.advance()
        unit = self.current
        word = unit.text.lower() if unit.kind == "name" else ""
        if word.rstrip("s") in ("month", "year"):
            raise ConditionSyntaxError(
                "months and years vary in length; use days or weeks", self.text, unit.pos
            )
        if word not in _UNIT_WORDS:
            raise self.error(
                f"expected a time unit (minutes, hours, days or weeks) after {number.text}"
            )
        self.advance()
        return int(number.value * UNITS[_UNIT_WORDS[word]])


def parse(text: str) -> Node:
    """Parse ``text`` into a syntax tree; raise :class:`ConditionSyntaxError` with a position."""
    if not isinstance(text, str):
        raise ConditionError(f"a condition must be text, got {type(text).__name__}")
    return _Parser(text).parse()
