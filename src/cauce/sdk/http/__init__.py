"""The HTTP toolkit SaaS connectors are made of.

A connector's ``client.py`` is usually a few lines::

    from cauce.sdk.http import BearerAuth, HeaderRateLimiter, HttpClient, make_paginator

    client = HttpClient(
        "https://api.hubapi.com",
        auth=BearerAuth(token),
        rate_limiter=HeaderRateLimiter.hubspot(),
        provider="HubSpot",
    )
    for contact in client.paginate(
        "GET", "/crm/v3/objects/contacts", make_paginator("cursor_body"),
        params={"limit": 100}, records_path="results",
    ):
        ...

See docs/writing-a-connector.md for the whole tour.
"""

from cauce.sdk.http.auth import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    OAuth2RefreshAuth,
    OAuthTokens,
    SecretAuth,
)
from cauce.sdk.http.client import ClientStats, HttpClient, RecordedRequest
from cauce.sdk.http.errors import (
    Classification,
    ErrorClassifier,
    ErrorKind,
    json_body,
    provider_message,
)
from cauce.sdk.http.paginators import (
    CursorBodyPaginator,
    GraphQLPaginator,
    LinkHeaderPaginator,
    OffsetPaginator,
    PageNumberPaginator,
    PageRequest,
    Paginator,
    SinglePagePaginator,
    dig,
    make_paginator,
)
from cauce.sdk.http.ratelimit import GraphQLCostLimiter, HeaderRateLimiter, RateLimiter, TokenBucket
from cauce.sdk.http.redact import MASK, Redactor, SecretFilter, is_sensitive_name
from cauce.sdk.http.retry import RetryPolicy, parse_retry_after

__all__ = [
    "MASK",
    "ApiKeyAuth",
    "BasicAuth",
    "BearerAuth",
    "Classification",
    "ClientStats",
    "CursorBodyPaginator",
    "ErrorClassifier",
    "ErrorKind",
    "GraphQLCostLimiter",
    "GraphQLPaginator",
    "HeaderRateLimiter",
    "HttpClient",
    "LinkHeaderPaginator",
    "OAuth2RefreshAuth",
    "OAuthTokens",
    "OffsetPaginator",
    "PageNumberPaginator",
    "PageRequest",
    "Paginator",
    "RateLimiter",
    "RecordedRequest",
    "Redactor",
    "RetryPolicy",
    "SecretAuth",
    "SecretFilter",
    "SinglePagePaginator",
    "TokenBucket",
    "dig",
    "is_sensitive_name",
    "json_body",
    "make_paginator",
    "parse_retry_after",
    "provider_message",
]
