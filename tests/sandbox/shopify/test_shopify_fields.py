"""What a connector reads for attribution: orders, money, journeys and customers from the World."""

from __future__ import annotations

from graphql import build_client_schema, get_introspection_query

from cauce.sandbox.orders_gen import CUSTOMER_ID_BASE

from .support import EMAIL_LANDING, Shopify, customer_gid, make_world, serve

ATTRIBUTION = """
query Attribution($id: ID!) {
  order(id: $id) {
    id legacyResourceId name email createdAt updatedAt processedAt cancelledAt cancelReason test
    sourceName customerAcceptsMarketing tags discountCodes displayFinancialStatus
    currencyCode presentmentCurrencyCode
    totalPriceSet { shopMoney { amount currencyCode } presentmentMoney { amount currencyCode } }
    currentTotalPriceSet { shopMoney { amount } }
    subtotalPriceSet { shopMoney { amount } }
    totalTaxSet { shopMoney { amount } }
    totalDiscountsSet { shopMoney { amount } }
    totalRefundedSet { shopMoney { amount } }
    customer {
      id email firstName lastName numberOfOrders
      defaultEmailAddress { emailAddress marketingState }
      amountSpent { amount currencyCode }
    }
    customerJourneySummary {
      ready customerOrderIndex daysToConversion
      firstVisit { landingPage }
      lastVisit {
        landingPage referrerUrl source sourceType occurredAt
        utmParameters { campaign content medium source term }
      }
    }
    lineItems(first: 5) {
      nodes { title quantity originalUnitPriceSet { shopMoney { amount currencyCode } } }
    }
  }
}"""


def _order(shopify: Shopify, order_id: int) -> dict[str, object]:
    body = shopify.gql(ATTRIBUTION, {"id": f"gid://shopify/Order/{order_id}"})
    assert "errors" not in body, body
    order: dict[str, object] = body["data"]["order"]
    return order


def test_an_email_attributed_order_carries_its_landing_page_and_utm_parameters(
    shopify: Shopify,
) -> None:
    order = _order(shopify, 5_000_000)
    journey = order["customerJourneySummary"]
    assert journey["ready"] is True  # type: ignore[index]
    visit = journey["lastVisit"]  # type: ignore[index]
    assert visit["landingPage"] == EMAIL_LANDING
    assert visit["source"] == "email"
    assert visit["sourceType"] == "NEWSLETTER"
    assert visit["utmParameters"] == {
        "campaign": "black_friday_2026",
        "content": None,
        "medium": "email",
        "source": "mailchimp",
        "term": None,
    }
    assert visit["occurredAt"] < order["createdAt"]  # type: ignore[operator]
    assert journey["firstVisit"] == {"landingPage": EMAIL_LANDING}  # type: ignore[index]


def test_wire_formats_match_shopify(shopify: Shopify) -> None:
    order = _order(shopify, 5_000_001)
    assert order["id"] == "gid://shopify/Order/5000001"
    assert order["legacyResourceId"] == "5000001"
    assert order["name"] == "#1002"
    assert order["createdAt"].endswith("Z") and len(order["createdAt"]) == 20  # type: ignore[union-attr, arg-type]
    assert order["totalPriceSet"] == {  # 11.07 EUR
        "shopMoney": {"amount": "11.07", "currencyCode": "EUR"},
        "presentmentMoney": {"amount": "11.07", "currencyCode": "EUR"},
    }
    assert order["totalTaxSet"] == {"shopMoney": {"amount": "0.0"}}
    assert order["customer"]["numberOfOrders"] == "3"  # type: ignore[index]
    assert order["lineItems"]["nodes"][0]["originalUnitPriceSet"]["shopMoney"] == {  # type: ignore[index]
        "amount": "10.0",
        "currencyCode": "EUR",
    }


def test_a_foreign_currency_order_has_shop_and_presentment_money(shopify: Shopify) -> None:
    order = _order(shopify, 5_000_006)  # USD in a EUR shop
    assert order["currencyCode"] == "EUR"
    assert order["presentmentCurrencyCode"] == "USD"
    bag = order["totalPriceSet"]
    assert bag["presentmentMoney"] == {"amount": "16.42", "currencyCode": "USD"}  # type: ignore[index]
    assert bag["shopMoney"]["currencyCode"] == "EUR"  # type: ignore[index]
    assert bag["shopMoney"]["amount"] != "16.42"  # type: ignore[index]


def test_cancelled_refunded_and_pos_orders(shopify: Shopify) -> None:
    cancelled = _order(shopify, 5_000_009)
    assert cancelled["cancelledAt"] is not None and cancelled["cancelReason"] == "CUSTOMER"
    refunded = _order(shopify, 5_000_004)
    assert refunded["displayFinancialStatus"] == "REFUNDED"
    assert refunded["totalRefundedSet"] == {"shopMoney": {"amount": "14.28"}}
    assert refunded["currentTotalPriceSet"] == {"shopMoney": {"amount": "0.0"}}
    pos = _order(shopify, 5_000_003)
    assert pos["sourceName"] == "pos"
    assert pos["customerJourneySummary"]["lastVisit"] is None  # type: ignore[index]


def test_customers_come_from_buyers_and_some_contacts_without_orders(shopify: Shopify) -> None:
    world = make_world()
    body = shopify.gql(
        """{ customers(first: 100) { nodes {
             id legacyResourceId email displayName numberOfOrders state locale
             amountSpent { amount currencyCode } lastOrder { id } createdAt updatedAt tags
             defaultEmailAddress { emailAddress marketingState } } } }"""
    )
    customers = {int(node["legacyResourceId"]): node for node in body["data"]["customers"]["nodes"]}
    buyers = {o.customer_id for o in world.orders}
    assert buyers <= set(customers)
    without_orders = set(customers) - buyers
    assert without_orders == {
        CUSTOMER_ID_BASE + c.id
        for c in world.contacts
        if CUSTOMER_ID_BASE + c.id not in buyers and c.id % 3 == 0
    }
    for customer_id in without_orders:
        assert customers[customer_id]["numberOfOrders"] == "0"
        assert customers[customer_id]["lastOrder"] is None
    one = customers[CUSTOMER_ID_BASE + 2]
    assert one["email"] == "buyer2@example.com"
    assert one["displayName"] == "Ana2 García2"
    assert one["locale"] == "es-ES"
    assert one["defaultEmailAddress"] == {
        "emailAddress": "buyer2@example.com",
        "marketingState": "INVALID",
    }
    assert one["amountSpent"]["currencyCode"] == "EUR"


def test_customer_orders_connection_lists_that_customers_orders(shopify: Shopify) -> None:
    body = shopify.gql(
        """query($id: ID!) { customer(id: $id) { orders(first: 10) { nodes { id email } } } }""",
        {"id": customer_gid(3)},
    )
    nodes = body["data"]["customer"]["orders"]["nodes"]
    assert nodes and {node["email"] for node in nodes} == {"buyer3@example.com"}
    expected = sorted(
        o.id for o in shopify.state.orders.values() if o.customer_id == CUSTOMER_ID_BASE + 3
    )
    assert [int(node["id"].rsplit("/", 1)[1]) for node in nodes] == expected


def test_introspection_works_for_generated_clients(shopify: Shopify) -> None:
    body = shopify.gql(get_introspection_query())
    schema = build_client_schema(body["data"])
    order = schema.get_type("Order")
    assert order is not None
    fields = order.fields  # type: ignore[union-attr]
    assert (
        fields["landingPageUrl"].deprecation_reason
        == "Use `customerJourneySummary.lastVisit.landingPage` instead."
    )
    assert str(fields["totalPriceSet"].type) == "MoneyBag!"


def test_naive_world_datetimes_are_taken_as_utc() -> None:
    world = make_world(contacts=3, orders=1)
    order = world.orders[0]
    order.created_at = order.created_at.replace(tzinfo=None)
    for shop in serve(world):
        body = shop.gql(f'{{ order(id: "gid://shopify/Order/{order.id}") {{ createdAt }} }}')
        assert body["data"]["order"]["createdAt"] == order.created_at.strftime("%Y-%m-%dT%H:%M:%SZ")
