"""``POST /admin/api/{version}/graphql.json``: auth, version, parse, validate, price, execute.

The order of checks is the real API's as observed: an unknown version is a
404, a bad token a 401 (both with a string ``errors``), a missing query a
400; everything GraphQL-level is HTTP 200 — parse and validation errors with
no ``data`` and no cost, ``MAX_COST_EXCEEDED`` with no ``extensions``,
``THROTTLED`` with cost but no ``data``, and executed queries with ``data``,
any field errors and ``extensions.cost``.
"""

from __future__ import annotations

import hmac
import json
import threading
import uuid
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from graphql import (
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    OperationType,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError
from starlette.concurrency import run_in_threadpool

from cauce.sandbox.shopify import wire
from cauce.sandbox.shopify.constants import (
    DEPRECATION_DOCS,
    MAX_QUERY_COST,
    SHOPIFY_API_VERSION,
    served_version,
)
from cauce.sandbox.shopify.context import Context
from cauce.sandbox.shopify.cost import QueryCoster
from cauce.sandbox.shopify.root import bind_resolvers
from cauce.sandbox.shopify.schema import load_schema, schema_variant
from cauce.sandbox.shopify.state import ShopifyState

INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
MISSING_QUERY = {"errors": {"query": "Required parameter missing or invalid"}}

_bound: dict[str, GraphQLSchema] = {}
_bind_lock = threading.Lock()


def schema(version: str = SHOPIFY_API_VERSION) -> GraphQLSchema:
    """The executable schema (resolvers bound) that serves ``version``."""
    variant = schema_variant(version)
    with _bind_lock:
        if variant not in _bound:
            _bound[variant] = bind_resolvers(load_schema(variant))
        return _bound[variant]


def _response(status: int, body: Any, headers: dict[str, str]) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers=headers)


def graphql_router(state: ShopifyState) -> APIRouter:
    router = APIRouter()

    @router.post("/admin/api/{version}/graphql.json")
    async def graphql_endpoint(version: str, request: Request) -> JSONResponse:
        headers = {"X-Request-Id": str(uuid.uuid4())}
        served = served_version(version)
        if served is None:
            return _response(404, {"errors": "Not Found"}, headers)
        headers["X-Shopify-API-Version"] = served
        token = request.headers.get("x-shopify-access-token", "")
        if not hmac.compare_digest(token.encode(), state.settings.access_token.encode()):
            return _response(401, {"errors": INVALID_TOKEN}, headers)
        body = await request.body()
        content_type = request.headers.get("content-type", "")
        debug = request.headers.get("shopify-graphql-cost-debug") == "1"
        status, payload, extra = await run_in_threadpool(
            run_graphql, state, body, content_type, served, debug
        )
        headers.update(extra)
        return _response(status, payload, headers)

    return router


def _read_body(body: bytes, content_type: str) -> tuple[str, dict[str, Any], str | None] | None:
    if content_type.startswith("application/graphql"):
        return body.decode("utf-8", "replace"), {}, None
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("query"), str)
        or not data["query"].strip()
    ):
        return None
    variables = data.get("variables") or {}
    if isinstance(variables, str):
        try:
            variables = json.loads(variables)
        except ValueError:
            return None
    if not isinstance(variables, dict):
        return None
    operation_name = data.get("operationName")
    return data["query"], variables, operation_name if isinstance(operation_name, str) else None


def run_graphql(
    state: ShopifyState,
    body: bytes,
    content_type: str,
    version: str = SHOPIFY_API_VERSION,
    cost_debug: bool = False,
) -> tuple[int, Any, dict[str, str]]:
    """Answer one request body on ``version``: ``(HTTP status, JSON payload, extra headers)``.

    ``cost_debug`` (header ``Shopify-GraphQL-Cost-Debug: 1``) adds the per-field
    breakdown ``extensions.cost.fields``.
    """
    read = _read_body(body, content_type)
    if read is None:
        return 400, MISSING_QUERY, {}
    query, variables, operation_name = read
    the_schema = schema(version)
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return 200, {"errors": [wire.parse_error(exc)]}, {}
    problems = validate(the_schema, document, wire.RULES)
    if problems:
        return 200, {"errors": [wire.validation_error(p) for p in problems]}, {}
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        message = (
            f'No operation named "{operation_name}"'
            if operation_name
            else "An operation name is required"
        )
        return 200, wire.operation_error(message), {}
    if operation.operation == OperationType.SUBSCRIPTION:
        return 200, wire.operation_error("Subscriptions are not supported"), {}
    bad_variables = wire.variable_errors(
        the_schema, operation.variable_definitions or (), variables
    )
    if bad_variables:
        return 200, {"errors": bad_variables}, {}
    return _execute(state, the_schema, document, operation, variables, operation_name, cost_debug)


def _execute(
    state: ShopifyState,
    the_schema: GraphQLSchema,
    document: Any,
    operation: OperationDefinitionNode,
    variables: dict[str, Any],
    operation_name: str | None,
    cost_debug: bool = False,
) -> tuple[int, Any, dict[str, str]]:
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    coster = QueryCoster(the_schema, operation, fragments, _with_defaults(operation, variables))
    requested = coster.requested()
    headers: dict[str, str] = {}
    if coster.deprecated:
        headers["X-Shopify-API-Deprecated-Reason"] = DEPRECATION_DOCS
    if requested > MAX_QUERY_COST:
        return 200, wire.max_cost_exceeded(requested), headers
    if not state.bucket.take(requested):
        return 200, wire.throttled(requested, state.bucket.status()), headers
    context = Context(state)
    result = execute_sync(
        the_schema,
        document,
        context_value=context,
        variable_values=variables,
        operation_name=operation_name,
    )
    actual = min(coster.actual(result.data), requested)
    state.bucket.refund(requested - actual)
    payload: dict[str, Any] = {}
    if result.errors:
        payload["errors"] = [_field_error(error) for error in result.errors]
    payload["data"] = result.data
    extensions: dict[str, Any] = {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": state.bucket.status(),
        }
    }
    if cost_debug:
        extensions["cost"]["fields"] = coster.fields
    if context.search:
        extensions["search"] = context.search
    payload["extensions"] = extensions
    return 200, payload, headers


def _with_defaults(operation: OperationDefinitionNode, variables: dict[str, Any]) -> dict[str, Any]:
    """Variables as the cost walk needs them: ``first: $n`` with ``$n: Int = 50`` is 50."""
    merged = dict(variables)
    for definition in operation.variable_definitions or ():
        name = definition.variable.name.value
        default = definition.default_value
        if name not in merged and default is not None and hasattr(default, "value"):
            try:
                merged[name] = int(default.value)
            except (TypeError, ValueError):
                merged[name] = default.value
    return merged


def _field_error(error: GraphQLError) -> dict[str, Any]:
    formatted: dict[str, Any] = dict(error.formatted)
    if not error.extensions:
        request_id = str(uuid.uuid4())
        if error.original_error is not None:
            formatted["message"] = (
                "Internal error. Looks like something went wrong on our end.\n"
                f"Request ID: {request_id} "
                "(include this in support requests)."
            )
            formatted["extensions"] = {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id}
    return formatted
