"""The GraphQL documents the connector sends, per API version.

Field choices follow the 2026-01 schema and its deprecations:
``customerJourneySummary.lastVisit.landingPage`` replaces ``Order.landingPageUrl``
(still asked for before 2025-01, where older shops' orders may lack a
journey summary), and ``Customer.defaultEmailAddress`` replaces
``Customer.email``/``emailMarketingConsent`` from 2025-04 on. Money comes as
``*Set`` bags (shop and presentment currency), never the deprecated scalars.
"""

from __future__ import annotations

#: Line items fetched with each order; an order with more gets the rest in extra queries.
LINE_ITEMS_PER_ORDER = 10
#: Versions before this one also read the deprecated ``Order.landingPageUrl``.
JOURNEY_ONLY_SINCE = "2025-01"
#: ``Customer.defaultEmailAddress`` exists from this version on.
DEFAULT_EMAIL_SINCE = "2025-04"

_MONEY_BAG = "{ shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }"

_LINE_ITEM = "id name title quantity sku originalUnitPriceSet { shopMoney { amount currencyCode } }"


def _newer_or_same(version: str, since: str) -> bool:
    return version == "unstable" or version >= since


def order_fields(version: str) -> str:
    legacy_landing = "" if _newer_or_same(version, JOURNEY_ONLY_SINCE) else "landingPageUrl"
    return f"""
      id legacyResourceId name email createdAt updatedAt processedAt cancelledAt
      cancelReason test sourceName customerAcceptsMarketing tags discountCodes
      displayFinancialStatus currencyCode presentmentCurrencyCode {legacy_landing}
      totalPriceSet {_MONEY_BAG}
      currentTotalPriceSet {_MONEY_BAG}
      totalRefundedSet {_MONEY_BAG}
      customer {{ id }}
      customerJourneySummary {{
        ready
        lastVisit {{
          landingPage referrerUrl source
          utmParameters {{ source medium campaign content term }}
        }}
      }}
      lineItems(first: {LINE_ITEMS_PER_ORDER}) {{
        nodes {{ {_LINE_ITEM} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    """


def customer_fields(version: str) -> str:
    if _newer_or_same(version, DEFAULT_EMAIL_SINCE):
        email = """
          defaultEmailAddress {
            emailAddress marketingState marketingOptInLevel marketingUpdatedAt
          }"""
    else:
        email = """
          email
          emailMarketingConsent { marketingState marketingOptInLevel consentUpdatedAt }"""
    return f"""
      id legacyResourceId firstName lastName displayName createdAt updatedAt
      numberOfOrders tags state locale verifiedEmail
      amountSpent {{ amount currencyCode }}
      lastOrder {{ id processedAt }}
      {email}
    """


def list_query(root: str, fields: str, sort_key: str) -> str:
    """A page of ``root`` (``orders``/``customers``) in ascending ``sort_key`` order."""
    return f"""
    query CaucePage($first: Int!, $after: String, $query: String) {{
      {root}(first: $first, after: $after, query: $query, sortKey: {sort_key}) {{
        nodes {{ {fields} }}
        pageInfo {{ hasNextPage endCursor }}
      }}
    }}
    """


def order_by_id_query(version: str) -> str:
    return f"query CauceOrder($id: ID!) {{ order(id: $id) {{ {order_fields(version)} }} }}"


def customer_by_id_query(version: str) -> str:
    return f"query CauceCustomer($id: ID!) {{ customer(id: $id) {{ {customer_fields(version)} }} }}"


MORE_LINE_ITEMS = f"""
query CauceLineItems($id: ID!, $after: String) {{
  order(id: $id) {{
    lineItems(first: 100, after: $after) {{
      nodes {{ {_LINE_ITEM} }}
      pageInfo {{ hasNextPage endCursor }}
    }}
  }}
}}
"""

LATEST_ORDER = """
query CauceLatestOrder {
  orders(first: 1, sortKey: CREATED_AT, reverse: true) { nodes { id createdAt } }
}
"""

CHECK = """
query CauceCheck {
  orders(first: 1) { nodes { id } }
  customers(first: 1) { nodes { id } }
}
"""

SUBSCRIBE = """
mutation CauceSubscribe($topic: WebhookSubscriptionTopic!, $uri: String!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: {uri: $uri, format: JSON}) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}
"""

UNSUBSCRIBE = """
mutation CauceUnsubscribe($id: ID!) {
  webhookSubscriptionDelete(id: $id) {
    deletedWebhookSubscriptionId
    userErrors { field message }
  }
}
"""
