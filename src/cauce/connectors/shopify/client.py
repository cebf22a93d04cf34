"""The Admin GraphQL client: auth, cost-aware limiting, retries, and errors in plain words.

Shopify answers almost everything with HTTP 200 and a list of GraphQL
``errors``. The SDK's classifier already retries ``THROTTLED`` (waiting what
the cost bucket says) and 5xx; this module adds what only Shopify needs:

- ``MAX_COST_EXCEEDED`` is handed back to the caller (:class:`CostTooHigh`)
  so a paging loop can ask for fewer records per page instead of failing;
- ``ACCESS_DENIED`` names the missing scope (``orders`` needs
  ``read_orders``...), 401 says the token is invalid, 404 says the shop or
  API version is wrong — each as a ``FatalError`` that stops the run;
- a query the API version cannot answer (unknown field) is a ``FatalError``
  that says so, rather than a per-record rejection.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import httpx

from cauce.connectors.shopify.config import ShopifyConfig
from cauce.sdk import ConnectorError, FatalError, PermanentRecordError
from cauce.sdk.http import (
    ApiKeyAuth,
    Classification,
    ErrorClassifier,
    GraphQLCostLimiter,
    HttpClient,
    RetryPolicy,
    json_body,
)

logger = logging.getLogger("cauce.connectors.shopify")

MAX_QUERY_COST = 1000
_PASSED_THROUGH = frozenset({"MAX_COST_EXCEEDED", "ACCESS_DENIED"})
SCOPES = {
    "orders": "read_orders",
    "order": "read_orders",
    "ordersCount": "read_orders",
    "customers": "read_customers",
    "customer": "read_customers",
    "customersCount": "read_customers",
    "lastOrder": "read_orders",
    "webhookSubscriptionCreate": "the scope of the webhook topic",
}


class CostTooHigh(Exception):
    """The query asked for more than Shopify's single-query cost limit."""

    def __init__(self, cost: float, max_cost: float) -> None:
        super().__init__(f"query cost {cost:g} exceeds {max_cost:g}")
        self.cost = cost
        self.max_cost = max_cost


class ShopifyClassifier(ErrorClassifier):
    """The SDK classifier, minus the codes :class:`ShopifyClient` explains itself."""

    def __init__(self) -> None:
        super().__init__(graphql=None)

    def classify(self, response: httpx.Response) -> Classification | None:
        outcome = super().classify(response)
        if outcome is not None and outcome.code in _PASSED_THROUGH:
            return None
        return outcome


def _code(error: Any) -> str | None:
    extensions = error.get("extensions") if isinstance(error, dict) else None
    code = extensions.get("code") if isinstance(extensions, dict) else None
    return str(code) if code else None


def _field(error: dict[str, Any]) -> str | None:
    path = error.get("path") or []
    names = [part for part in path if isinstance(part, str)]
    return names[-1] if names else None


def missing_scope(errors: list[Any], optional: frozenset[str] = frozenset()) -> str | None:
    """The scope an ``ACCESS_DENIED`` error is about (from its field), unless that is optional."""
    for error in errors:
        if _code(error) != "ACCESS_DENIED" or _field(error) in optional:
            continue
        for part in reversed(error.get("path") or []):
            if isinstance(part, str) and part in SCOPES:
                return SCOPES[part]
        return "a scope this query needs"
    return None


class ShopifyClient:
    """One shop's Admin GraphQL endpoint; thread-safe like the ``HttpClient`` under it."""

    def __init__(self, config: ShopifyConfig) -> None:
        self.config = config
        token = config.access_token.get_secret_value()
        secrets = [config.client_secret.get_secret_value()] if config.client_secret else []
        self.http = HttpClient(
            config.root_url,
            auth=ApiKeyAuth(token, header="X-Shopify-Access-Token"),
            rate_limiter=GraphQLCostLimiter(),
            retry=RetryPolicy(deadline=config.retry_deadline, max_attempts=8),
            classifier=ShopifyClassifier(),
            headers={"Accept": "application/json"},
            timeout=config.timeout,
            secrets=secrets,
            provider="Shopify",
        )
        self.served_version: str | None = None
        self._fitting: dict[str, int] = {}
        self._warned_deprecated = False
        self._noted: set[str] = set()

    def close(self) -> None:
        self.http.close()

    @property
    def where(self) -> str:
        return f"shop {self.config.shop} (API {self.config.api_version})"

    def execute(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        optional: frozenset[str] = frozenset(),
    ) -> dict[str, Any]:
        """Run one query; return its ``data``. Raises :class:`CostTooHigh` or SDK errors.

        ``optional`` names nested fields the caller can do without: access
        denied on them leaves them null (logged once) instead of stopping.
        """
        try:
            response = self.http.post(
                self.config.graphql_path,
                json={"query": query, "variables": variables or {}},
                idempotent=True,
            )
        except ConnectorError as error:
            raise self._explain(error) from None
        self.served_version = response.headers.get("X-Shopify-API-Version", self.served_version)
        deprecated = response.headers.get("X-Shopify-API-Deprecated-Reason")
        if deprecated and not self._warned_deprecated:
            self._warned_deprecated = True
            logger.warning(
                "Shopify: %s uses fields deprecated in API %s (%s); they keep working until "
                "Shopify removes them — set a newer api_version to use their replacements",
                self.where,
                self.served_version or self.config.api_version,
                deprecated,
            )
        body = json_body(response)
        if not isinstance(body, dict):
            raise FatalError(
                f"Shopify: {self.where} answered something that is not GraphQL JSON; check "
                "base_url points at the shop (https://<shop>.myshopify.com)"
            )
        errors = [e for e in body.get("errors") or [] if isinstance(e, dict)]
        for item in errors:
            if _code(item) == "MAX_COST_EXCEEDED":
                extensions = item["extensions"]
                raise CostTooHigh(
                    float(extensions.get("cost") or MAX_QUERY_COST + 1),
                    float(extensions.get("maxCost") or MAX_QUERY_COST),
                )
        scope = missing_scope(errors, optional)
        if scope is not None:
            raise FatalError(
                f"Shopify: the app lacks the {scope} scope on {self.where}; add it to the "
                "app's Admin API access scopes, approve the change in the shop, and use the "
                "new access token"
            )
        if errors:
            self._note_partial(errors)
        data = body.get("data")
        return data if isinstance(data, dict) else {}

    def _note_partial(self, errors: list[dict[str, Any]]) -> None:
        """Field errors beside data: the affected fields are null; say so once per kind."""
        for error in errors:
            key = f"{_code(error)}:{_field(error)}"
            if key in self._noted:
                continue
            self._noted.add(key)
            if _code(error) == "ACCESS_DENIED":
                logger.warning(
                    "Shopify: %s denies access to %s; it is left empty (grant the app the "
                    "matching scope to fill it)",
                    self.where,
                    _field(error),
                )
            else:
                logger.warning(
                    "Shopify: %s reported %s on %s: %s",
                    self.where,
                    _code(error) or "an error",
                    _field(error) or "the query",
                    self.http.redactor.text(str(error.get("message"))),
                )

    def _explain(self, error: ConnectorError) -> ConnectorError:
        """Re-word what a person can fix: token, shop name, version, unsupported query."""
        if error.status == 401:
            return _fatal(
                f"Shopify: the access token is invalid for {self.where} (HTTP 401); copy the "
                "Admin API access token (shpat_...) of the app installed in this shop",
                error,
            )
        if error.status == 404:
            return _fatal(
                f"Shopify: shop not found or API version unsupported: check the shop name "
                f"({self.config.shop}) and api_version ({self.config.api_version}) "
                f"at {self.http.redactor.url(self.config.root_url)}",
                error,
            )
        if isinstance(error, PermanentRecordError):
            return _fatal(
                f"Shopify: {self.where} refused Cauce's query ({error.provider_message}); this "
                "API version may lack a field Cauce needs: use a supported api_version",
                error,
            )
        return error

    def paged(
        self,
        query: str,
        root: str,
        variables: dict[str, Any],
        page_size: int,
        *,
        optional: frozenset[str] = frozenset(),
    ) -> Iterator[list[dict[str, Any]]]:
        """Yield pages of ``data[root].nodes``, following ``pageInfo``; cost-aware ``first``.

        A page that would cost more than the single-query limit is asked for
        again with a proportionally smaller ``first`` (never below 1); the
        size that fits is remembered for this query, so later pages and later
        reads on this connection do not pay the refused round trip again.
        """
        after: str | None = None
        first = min(page_size, self._fitting.get(query, page_size))
        while True:
            try:
                data = self.execute(
                    query, {**variables, "first": first, "after": after}, optional=optional
                )
            except CostTooHigh as too_high:
                if first <= 1:
                    raise FatalError(
                        f"Shopify: one record costs {too_high.cost:g} points on {self.where}, "
                        f"over the {too_high.max_cost:g}-point limit of a single query"
                    ) from None
                first = max(1, min(first - 1, int(first * too_high.max_cost / too_high.cost)))
                self._fitting[query] = first
                continue
            connection = data.get(root) or {}
            nodes = connection.get("nodes") or []
            yield nodes
            info = connection.get("pageInfo") or {}
            cursor = info.get("endCursor")
            if not info.get("hasNextPage") or not cursor or cursor == after:
                return
            after = cursor


def _fatal(text: str, cause: ConnectorError) -> FatalError:
    error = FatalError(text)
    error.provider = cause.provider
    error.method = cause.method
    error.path = cause.path
    error.status = cause.status
    error.provider_message = cause.provider_message
    return error
