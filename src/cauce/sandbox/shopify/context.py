"""Per-request context of a GraphQL execution, and helpers every resolver shares."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema

from cauce.sandbox.shopify.constants import DOCS_ACCESS_SCOPES
from cauce.sandbox.shopify.paging import Page
from cauce.sandbox.shopify.search import CompiledQuery
from cauce.sandbox.shopify.state import ShopifyState

if TYPE_CHECKING:
    Info = GraphQLResolveInfo[Any]
else:
    Info = GraphQLResolveInfo


@dataclass
class Context:
    """``info.context`` of one request: the state, and ``extensions.search`` being collected."""

    state: ShopifyState
    search: list[dict[str, Any]] = field(default_factory=list)

    def require(self, scope: str, field_name: str) -> None:
        """Raise Shopify's ``ACCESS_DENIED`` error when the token lacks ``scope``."""
        if scope not in self.state.scopes:
            raise GraphQLError(
                f"Access denied for {field_name} field.",
                extensions={"code": "ACCESS_DENIED", "documentation": DOCS_ACCESS_SCOPES},
            )

    def note_search(self, info: Info, text: str | None, compiled: CompiledQuery[Any]) -> None:
        if text and compiled.warnings:
            self.search.append(
                {
                    "path": list(info.path.as_list()),
                    "query": text,
                    "parsed": compiled.parsed,
                    "warnings": compiled.warnings,
                }
            )


def context_of(info: Info) -> Context:
    context = info.context
    assert isinstance(context, Context)
    return context


def bad_request(message: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": "BAD_REQUEST"})


def parse_gid(value: str, resource: str) -> int | None:
    """The numeric id of ``gid://shopify/<resource>/<n>``; ``None`` for another resource.

    A value that is no global id at all is the error Shopify answers with.
    """
    prefix = "gid://shopify/"
    if not value.startswith(prefix):
        raise GraphQLError(
            f"Invalid global id '{value}'",
            extensions={"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"},
        )
    kind, _, tail = value[len(prefix) :].partition("/")
    tail = tail.split("?", 1)[0]
    if not tail.isdigit():
        raise GraphQLError(
            f"Invalid global id '{value}'",
            extensions={"code": "argumentLiteralsIncompatible", "typeName": "CoercionError"},
        )
    return int(tail) if kind == resource else None


def connection(page: Page[Any]) -> dict[str, Any]:
    """A Relay connection as Shopify shapes it: ``edges``, ``nodes`` and ``pageInfo``."""
    return {
        "edges": [{"cursor": cursor, "node": record} for cursor, record in page.items],
        "nodes": [record for _cursor, record in page.items],
        "pageInfo": {
            "hasNextPage": page.has_next,
            "hasPreviousPage": page.has_previous,
            "startCursor": page.items[0][0] if page.items else None,
            "endCursor": page.items[-1][0] if page.items else None,
        },
    }


def money_v2(amount: Decimal, currency: str) -> dict[str, Any]:
    return {"amount": amount, "currencyCode": currency}


def money_bag(
    shop: Decimal, shop_currency: str, presentment: Decimal, presentment_currency: str
) -> dict[str, Any]:
    return {
        "shopMoney": money_v2(shop, shop_currency),
        "presentmentMoney": money_v2(presentment, presentment_currency),
    }


#: Fields some served versions lack (``schema.schema_variant``); binding skips them there.
VERSIONED_FIELDS = frozenset({"Customer.defaultEmailAddress"})


def bind(schema: GraphQLSchema, type_name: str, resolvers: dict[str, Any]) -> None:
    """Attach resolvers to a type of the built schema; a typo in a field name fails loudly."""
    graphql_type: Any = schema.type_map[type_name]
    for name, resolver in resolvers.items():
        field_def = graphql_type.fields.get(name)
        if field_def is None:
            if f"{type_name}.{name}" in VERSIONED_FIELDS:
                continue
            raise KeyError(f"{type_name}.{name} is not in the emulated schema")
        field_def.resolve = resolver
