"""Calculated query cost: what a query is priced at before and after it runs.

Shopify prices a query before running it (requested cost) and again from what
it returned (actual cost), and charges it to a leaky bucket (:mod:`bucket`;
https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits). The rules
here are the documented ones: scalars and enums cost 0, an object 1 plus its
selections, a connection 2 plus ``first``/``last`` times the cost of one node
(actual: the nodes returned), a mutation field 10, a count root field
(``ordersCount``...) 10 as observed on the real API. Shopify's current
connection formula is cheaper for large pages and is not published; the
emulator keeps the documented one (see README).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    is_object_type,
)

MUTATION_COST = 10
COUNT_FIELD_COST = 10
CONNECTION_BASE_COST = 2


def _defined_cost(definition: GraphQLField) -> int:
    """A field's own cost, before what it contains: object 1, connection 2, leaf 0."""
    named = get_named_type(definition.type)
    if not is_object_type(named):
        return 0
    return CONNECTION_BASE_COST if named.name.endswith("Connection") else 1


class QueryCoster:
    """Prices one validated operation (requested) and its result (actual)."""

    def __init__(
        self,
        schema: GraphQLSchema,
        operation: OperationDefinitionNode,
        fragments: Mapping[str, FragmentDefinitionNode],
        variables: Mapping[str, Any],
    ) -> None:
        self.schema = schema
        self.operation = operation
        self.fragments = fragments
        self.variables = variables
        self.deprecated: list[str] = []
        #: Per-field requested costs, for the ``Shopify-GraphQL-Cost-Debug: 1`` header.
        self.fields: list[dict[str, Any]] = []
        self._path: list[str] = []

    def root_type(self) -> GraphQLObjectType:
        root = self.schema.mutation_type if self.operation.operation.value == "mutation" else None
        return root or self.schema.query_type  # type: ignore[return-value]

    def requested(self) -> int:
        return self._root(None)

    def actual(self, data: Mapping[str, Any] | None) -> int:
        return self._root(data or {})

    def _root(self, data: Mapping[str, Any] | None) -> int:
        is_mutation = self.operation.operation.value == "mutation"
        total = 0
        root = self.root_type()
        for key, nodes in self._collect(self.operation.selection_set, root).items():
            name = nodes[0].name.value
            definition = root.fields.get(name)
            if definition is None:
                continue
            self._note_deprecated(root, name, definition)
            if is_mutation:
                cost = defined = MUTATION_COST
            elif name.endswith("Count") and get_named_type(definition.type).name == "Count":
                cost = defined = COUNT_FIELD_COST
            else:
                value = data.get(key) if data is not None else None
                self._path.append(key)
                cost = self._field(definition, nodes, value, data is not None)
                self._path.pop()
                defined = _defined_cost(definition)
            if data is None:
                self._note_cost([key], defined, cost)
            total += cost
        return total

    def _note_cost(self, path: list[str], defined: int, total: int) -> None:
        if total:
            self.fields.append(
                {
                    "path": path,
                    "definedCost": defined,
                    "requestedTotalCost": total,
                    "requestedChildrenCost": total - defined,
                }
            )

    def _field(
        self, definition: GraphQLField, nodes: list[FieldNode], value: Any, actual: bool
    ) -> int:
        named = get_named_type(definition.type)
        if not is_object_type(named):
            return 0
        assert isinstance(named, GraphQLObjectType)
        if named.name.endswith("Connection"):
            return self._connection(named, nodes, value, actual)
        if actual and value is None:
            return 0
        if isinstance(value, list):
            return sum(self._object(named, nodes, item, actual) for item in value)
        return self._object(named, nodes, value, actual)

    def _object(
        self, type_: GraphQLObjectType, nodes: list[FieldNode], value: Any, actual: bool
    ) -> int:
        if actual and value is None:
            return 0
        return 1 + self._children(type_, nodes, value, actual)

    def _children(
        self, type_: GraphQLObjectType, nodes: list[FieldNode], value: Any, actual: bool
    ) -> int:
        total = 0
        for key, children in self._collect_many(nodes, type_).items():
            name = children[0].name.value
            definition = type_.fields.get(name)
            if definition is None:
                continue
            self._note_deprecated(type_, name, definition)
            child_value = value.get(key) if actual and isinstance(value, dict) else None
            self._path.append(key)
            cost = self._field(definition, children, child_value, actual)
            if not actual:
                self._note_cost(list(self._path), _defined_cost(definition), cost)
            self._path.pop()
            total += cost
        return total

    def _connection(
        self, type_: GraphQLObjectType, nodes: list[FieldNode], value: Any, actual: bool
    ) -> int:
        if actual and value is None:
            return 0
        size = self._page_size(nodes[0])
        node_type = get_named_type(type_.fields["nodes"].type)
        assert isinstance(node_type, GraphQLObjectType)
        best = 0
        for key, children in self._collect_many(nodes, type_).items():
            name = children[0].name.value
            if name not in ("nodes", "edges"):
                continue
            items = value.get(key) if actual and isinstance(value, dict) else None
            self._path.append(key)
            if name == "edges":
                edge_type = get_named_type(type_.fields["edges"].type)
                assert isinstance(edge_type, GraphQLObjectType)
                edge_fields = self._collect_many(children, edge_type)
                node_key, node_fields = next(
                    ((k, g) for k, g in edge_fields.items() if g[0].name.value == "node"),
                    ("node", []),
                )
                if not node_fields:
                    self._path.pop()
                    continue
                self._path.append(node_key)
                if actual:
                    cost = sum(
                        self._object(node_type, node_fields, edge.get(node_key), True)
                        for edge in items or []
                        if isinstance(edge, dict)
                    )
                else:
                    cost = size * self._object(node_type, node_fields, None, False)
                self._path.pop()
            elif actual:
                cost = sum(self._object(node_type, children, item, True) for item in items or [])
            else:
                cost = size * self._object(node_type, children, None, False)
            self._path.pop()
            best = max(best, cost)
        return CONNECTION_BASE_COST + best

    def _page_size(self, node: FieldNode) -> int:
        for argument in node.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            raw = argument.value
            if isinstance(raw, IntValueNode):
                return max(int(raw.value), 0)
            if isinstance(raw, VariableNode):
                value = self.variables.get(raw.name.value)
                if isinstance(value, int) and not isinstance(value, bool):
                    return max(value, 0)
        return 0

    def _note_deprecated(
        self, type_: GraphQLNamedType, name: str, definition: GraphQLField
    ) -> None:
        if definition.deprecation_reason is not None:
            coordinate = f"{type_.name}.{name}"
            if coordinate not in self.deprecated:
                self.deprecated.append(coordinate)

    def _collect_many(
        self, nodes: Iterable[FieldNode], type_: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        merged: dict[str, list[FieldNode]] = {}
        for node in nodes:
            if node.selection_set is not None:
                for key, found in self._collect(node.selection_set, type_).items():
                    merged.setdefault(key, []).extend(found)
        return merged

    def _collect(
        self, selection_set: SelectionSetNode, type_: GraphQLObjectType
    ) -> dict[str, list[FieldNode]]:
        fields: dict[str, list[FieldNode]] = {}
        for selection in selection_set.selections:
            if not self._included(selection):
                continue
            if isinstance(selection, FieldNode):
                key = selection.alias.value if selection.alias else selection.name.value
                fields.setdefault(key, []).append(selection)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                if condition is None or self._applies(condition.name.value, type_):
                    for key, found in self._collect(selection.selection_set, type_).items():
                        fields.setdefault(key, []).extend(found)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None and self._applies(
                    fragment.type_condition.name.value, type_
                ):
                    for key, found in self._collect(fragment.selection_set, type_).items():
                        fields.setdefault(key, []).extend(found)
        return fields

    def _applies(self, condition: str, type_: GraphQLObjectType) -> bool:
        return condition == type_.name or any(i.name == condition for i in type_.interfaces)

    def _included(self, selection: Any) -> bool:
        for directive in selection.directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            flag: Any = None
            for argument in directive.arguments or ():
                if argument.name.value == "if":
                    raw = argument.value
                    if isinstance(raw, BooleanValueNode):
                        flag = raw.value
                    elif isinstance(raw, VariableNode):
                        flag = self.variables.get(raw.name.value)
            if (name == "skip" and flag is True) or (name == "include" and flag is False):
                return False
        return True
