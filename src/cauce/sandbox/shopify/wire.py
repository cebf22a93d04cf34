"""Shopify's error bodies for requests that fail before or instead of execution.

The real API runs on graphql-ruby; the emulator runs graphql-core. This
module translates graphql-core's findings into the shapes and wording a
client of the real API sees (captured from live responses, see
PROVIDERS.md §3b "Errors"): ``PARSE_ERROR`` with ``syntax error, unexpected
… at [line, column]``, ``undefinedField``/``selectionMismatch`` with the
operation-rooted ``path``, ``INVALID_VARIABLE`` with ``value`` and
``problems``, ``MAX_COST_EXCEEDED`` and ``THROTTLED``.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FieldsOnCorrectTypeRule,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    ScalarLeafsRule,
    ValidationRule,
    VariableDefinitionNode,
    get_named_type,
    get_variable_values,
    is_leaf_type,
    print_ast,
    specified_rules,
)
from graphql.error import GraphQLSyntaxError

from cauce.sandbox.shopify.constants import DOCS_LIMITS, DOCS_RATE_LIMITS, MAX_QUERY_COST

_PUNCTUATORS = {
    "{": "LCURLY", "}": "RCURLY", "(": "LPAREN", ")": "RPAREN", "[": "LBRACKET", "]": "RBRACKET",
    ":": "COLON", "=": "EQUALS", "!": "BANG", "$": "VAR_SIGN", "@": "DIR_SIGN", "...": "ELLIPSIS",
    "|": "PIPE", "&": "AMP",
}  # fmt: skip
_TOKEN_KINDS = {
    "Name": "IDENTIFIER",
    "Int": "INT",
    "Float": "FLOAT",
    "String": "STRING",
    "BlockString": "STRING",
}


def _location(error: GraphQLError) -> tuple[int, int]:
    if error.locations:
        return error.locations[0].line, error.locations[0].column
    return 1, 1


def parse_error(error: GraphQLSyntaxError) -> dict[str, Any]:
    """``syntax error, unexpected end of file at [3, 5]`` with ``PARSE_ERROR``."""
    line, column = _location(error)
    found = re.search(r"(?:found|Unexpected) (?!character)(.+?)\.?$", error.message)
    if found:
        token = found.group(1)
        if token == "<EOF>":
            what = "end of file"
        elif token.strip("'\"") in _PUNCTUATORS:
            symbol = token.strip("'\"")
            what = f'{_PUNCTUATORS[symbol]} ("{symbol}")'
        else:
            kind, _, value = token.partition(" ")
            what = f'{_TOKEN_KINDS.get(kind, kind.upper())} ("{value.strip(chr(39) + chr(34))}")'
    else:
        character = re.search(r"character: (.+?)\.?$", error.message)
        what = f'invalid token ("{character.group(1).strip(chr(39))}")' if character else "token"
    return {
        "message": f"syntax error, unexpected {what} at [{line}, {column}]",
        "locations": [{"line": line, "column": column}],
        "extensions": {"code": "PARSE_ERROR"},
    }


def _label(ancestors: Collection[Any]) -> str:
    for ancestor in ancestors:
        if isinstance(ancestor, OperationDefinitionNode):
            kind = ancestor.operation.value
            return f"{kind} {ancestor.name.value}" if ancestor.name else kind
        if isinstance(ancestor, FragmentDefinitionNode):
            return f"fragment {ancestor.name.value}"
    return "query"


class ShopifySelectionRule(ValidationRule):
    """Unknown fields and missing/extra sub-selections, worded and coded as Shopify does."""

    def enter_field(
        self, node: FieldNode, _key: Any, _parent: Any, _path: Any, ancestors: Any
    ) -> None:
        parent = self.context.get_parent_type()
        if parent is None:
            return
        name = node.name.value
        path = [_label(ancestors)]
        path += [a.name.value for a in ancestors if isinstance(a, FieldNode)] + [name]
        definition = self.context.get_field_def()
        if definition is None:
            self.report_error(
                GraphQLError(
                    f"Field '{name}' doesn't exist on type '{parent.name}'",
                    node,
                    path=path,
                    extensions={
                        "code": "undefinedField",
                        "typeName": parent.name,
                        "fieldName": name,
                    },
                )
            )
            return
        named = get_named_type(definition.type)
        if not is_leaf_type(named) and node.selection_set is None:
            message = (
                f"Field must have selections (field '{name}' returns {named.name} "
                "but has no selections. "
                f"Did you mean '{name} {{ ... }}'?)"
            )
        elif is_leaf_type(named) and node.selection_set is not None:
            selected = ", ".join(
                s.name.value for s in node.selection_set.selections if isinstance(s, FieldNode)
            )
            message = (
                f"Selections can't be made on scalars (field '{name}' returns {named.name} "
                f"but has selections [{selected}])"
            )
        else:
            return
        extensions = {
            "code": "selectionMismatch",
            "nodeName": f"field '{name}'",
            "typeName": named.name,
        }
        self.report_error(GraphQLError(message, node, path=path, extensions=extensions))


RULES = [
    rule for rule in specified_rules if rule not in (FieldsOnCorrectTypeRule, ScalarLeafsRule)
] + [ShopifySelectionRule]

_UNKNOWN_ARGUMENT = re.compile(r"Unknown argument '(\w+)' on field '(\w+)\.(\w+)'")
_MISSING_ARGUMENT = re.compile(
    r"Field '(\w+)' argument '(\w+)' of type '[^']+' is required"  # graphql-core 3.2
    r"|Argument '\w+\.(\w+)\((\w+):\)' of type '[^']+' is required"  # graphql-core 3.3
)


def validation_error(error: GraphQLError) -> dict[str, Any]:
    """One validation error in Shopify's wording where the emulator knows it."""
    formatted: dict[str, Any] = dict(error.formatted)
    if error.extensions:
        return formatted
    unknown = _UNKNOWN_ARGUMENT.search(error.message)
    missing = _MISSING_ARGUMENT.search(error.message)
    if unknown:
        argument, _type_name, field_name = unknown.groups()
        formatted["message"] = f"Field '{field_name}' doesn't accept argument '{argument}'"
        formatted["extensions"] = {
            "code": "argumentNotAccepted",
            "name": field_name,
            "typeName": "Field",
            "argumentName": argument,
        }
    elif missing:
        field_name = missing.group(1) or missing.group(3)
        argument = missing.group(2) or missing.group(4)
        formatted["message"] = f"Field '{field_name}' is missing required arguments: {argument}"
        formatted["extensions"] = {
            "code": "missingRequiredArguments",
            "className": "Field",
            "name": field_name,
            "arguments": argument,
        }
    return formatted


def variable_errors(
    schema: GraphQLSchema,
    definitions: Collection[VariableDefinitionNode],
    inputs: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """``INVALID_VARIABLE`` errors, one per bad variable, as Shopify reports them."""
    errors: list[dict[str, Any]] = []
    for definition in definitions:
        outcome = get_variable_values(schema, [definition], dict(inputs))
        found = outcome if isinstance(outcome, list) else getattr(outcome, "errors", None)
        if not found:
            continue
        name = definition.variable.name.value
        type_name = print_ast(definition.type)
        problems = [_problem(problem.message) for problem in found]
        line, column = (
            definition.loc.source.get_location(definition.loc.start) if definition.loc else (1, 1)
        )
        errors.append(
            {
                "message": f"Variable ${name} of type {type_name} was provided invalid value",
                "locations": [{"line": line, "column": column}],
                "extensions": {
                    "code": "INVALID_VARIABLE",
                    "value": inputs.get(name),
                    "problems": problems,
                },
            }
        )
    return errors


def _problem(message: str) -> dict[str, Any]:
    path: list[Any] = []
    at = re.search(r" at ((?:\[\d+\]|\[\"[^\"]+\"\]|\.\w+)+)", message)
    if at:
        for index, key_quoted, key in re.findall(
            r"\[(\d+)\]|\[\"([^\"]+)\"\]|\.(\w+)", at.group(1)
        ):
            path.append(int(index) if index else (key_quoted or key))
    if any(
        hint in message
        for hint in ("was not provided", "not to be None", "not to be null", "non-null type")
    ):
        explanation = "Expected value to not be null"
    else:
        explanation = re.split(r"invalid value(?: at [^:]+)?: |; ", message, maxsplit=1)[-1].rstrip(
            "."
        )
    return {"path": path, "explanation": explanation}


def max_cost_exceeded(cost: int) -> dict[str, Any]:
    message = (
        f"Query cost is {cost}, which exceeds the single query max cost limit "
        f"({MAX_QUERY_COST}).\n\n"
        "See https://shopify.dev/concepts/about-apis/rate-limits for more information on how the\n"
        "cost of a query is calculated.\n\n"
        "To query larger amounts of data with fewer limits, "
        "bulk operations should be used instead.\n"
        "See https://shopify.dev/tutorials/perform-bulk-operations-with-admin-api "
        "for usage details.\n"
    )
    extensions = {
        "code": "MAX_COST_EXCEEDED",
        "cost": cost,
        "maxCost": MAX_QUERY_COST,
        "documentation": DOCS_LIMITS,
    }
    return {"errors": [{"message": message, "extensions": extensions}]}


def throttled(requested: int, throttle_status: dict[str, Any]) -> dict[str, Any]:
    return {
        "errors": [
            {
                "message": "Throttled",
                "extensions": {"code": "THROTTLED", "documentation": DOCS_RATE_LIMITS},
            }
        ],
        "extensions": {
            "cost": {
                "requestedQueryCost": requested,
                "actualQueryCost": None,
                "throttleStatus": throttle_status,
            }
        },
    }


def operation_error(message: str) -> dict[str, Any]:
    return {"errors": [{"message": message}]}
