"""Mapping and conditions: how records change shape between systems, and which ones move.

- :mod:`~cauce.mapping.identity` normalises and validates email addresses.
- :mod:`~cauce.mapping.coerce` converts values to the types destinations expect.
- :mod:`~cauce.mapping.expressions` runs sandboxed Jinja2 expressions.
- :mod:`~cauce.mapping.mapper` applies a ``mapping:`` spec from ``cauce.yml``.
- :mod:`~cauce.mapping.conditions` parses ``where:`` clauses, evaluates them on
  records and compiles them to SQL.
"""

from cauce.mapping.coerce import TYPE_NAMES, CoercionError, Money, coerce, make_coercer
from cauce.mapping.conditions import (
    Condition,
    ConditionError,
    ConditionSyntaxError,
    parse_condition,
)
from cauce.mapping.expressions import Expression, ExpressionError, compile_expression
from cauce.mapping.identity import InvalidEmail, normalize_email
from cauce.mapping.mapper import Mapper, MappingError, MappingSpecError
from cauce.mapping.spec import validate_mapping

__all__ = [
    "TYPE_NAMES",
    "CoercionError",
    "Condition",
    "ConditionError",
    "ConditionSyntaxError",
    "Expression",
    "ExpressionError",
    "InvalidEmail",
    "Mapper",
    "MappingError",
    "MappingSpecError",
    "Money",
    "coerce",
    "compile_expression",
    "make_coercer",
    "normalize_email",
    "parse_condition",
    "validate_mapping",
]
