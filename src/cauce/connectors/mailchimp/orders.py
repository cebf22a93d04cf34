"""``orders``: e-commerce orders in a Mailchimp store, so its reports show revenue per campaign.

Mailchimp has no batch endpoint for orders (short of the asynchronous
``/batches``), so each order is one call: ``POST .../orders`` and, when the
order already exists (400 "An order with the provided ID already exists"),
``PATCH .../orders/{id}``. A few orders are sent at once (at most 4, well
inside the 10-connection limit). An order carries ``campaign_id`` (from the
landing URL's ``mc_cid``, mapped by the sync) so the campaign's report
counts it.

The order's ``customer`` always goes with ``opt_in_status: false``: a
customer record becomes a list member, and an order must never subscribe
anyone (an existing member's status is not touched either way).

The store is checked once per write session; with ``create_store: true``
(and ``store_name``, ``currency_code``) a missing store is created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from cauce.connectors.mailchimp.attribution import CampaignResolver
from cauce.connectors.mailchimp.client import MailchimpClient, subscriber_hash
from cauce.connectors.mailchimp.merge_fields import jsonable
from cauce.connectors.mailchimp.sinks import bool_option
from cauce.sdk import (
    FatalError,
    PermanentRecordError,
    Record,
    RowResult,
    RowStatus,
    Sink,
    WriteMode,
)

ORDER_FIELDS = (
    "id",
    "customer",
    "currency_code",
    "order_total",
    "processed_at_foreign",
    "campaign_id",
    "landing_site",
    "lines",
    "financial_status",
    "fulfillment_status",
    "tracking_code",
    "discount_total",
    "tax_total",
    "shipping_total",
    "order_url",
    "cancelled_at_foreign",
    "updated_at_foreign",
    "promos",
    "mc_cid",
    "utm_campaign",
)
_PASSED = tuple(f for f in ORDER_FIELDS[4:] if f not in ("lines", "mc_cid", "utm_campaign"))
_WORKERS = 4


def _money(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, str):
        try:
            return float(Decimal(value.strip()))
        except ArithmeticError:
            return value
    return value


CUSTOMER_FIELDS = (
    "id",
    "email_address",
    "company",
    "first_name",
    "last_name",
    "orders_count",
    "total_spent",
    "address",
)


def order_line(order_id: str, index: int, line: Mapping[str, Any]) -> dict[str, Any]:
    """A line as Mailchimp takes it: only its line fields; product ids default to the SKU.

    Shop records name things differently (Shopify: ``sku``, ``variant_id``,
    ``title``); extra keys are left out rather than sent to an API that may
    refuse them.
    """
    sku = line.get("sku") or None
    line_id = str(line.get("id") or f"{order_id}-{index + 1}")
    product = line.get("product_id") or sku or line_id
    variant = line.get("product_variant_id") or line.get("variant_id") or sku or product
    quantity = line.get("quantity")
    try:
        count = int(quantity) if quantity not in (None, "") else 1
    except (TypeError, ValueError):
        raise ValueError(
            f"lines[{index}].quantity must be a whole number, got {quantity!r}"
        ) from None
    item: dict[str, Any] = {
        "id": line_id,
        "product_id": str(product),
        "product_variant_id": str(variant),
        "quantity": count,
        "price": _money(line.get("price") if line.get("price") is not None else 0),
    }
    if line.get("discount") not in (None, ""):
        item["discount"] = _money(line["discount"])
    return item


def order_body(record: Record, campaign_id: str | None = None) -> dict[str, Any]:
    """The order as Mailchimp takes it; raises ValueError for what it would refuse."""
    order_id = str(record.get("id") or "").strip()
    if not order_id:
        raise ValueError("no order id: map one to the field id")
    given = record.get("customer") or {}
    if not isinstance(given, dict):
        raise ValueError(f"customer must be an object (id, email_address), got {given!r}")
    customer = {k: given[k] for k in CUSTOMER_FIELDS if given.get(k) not in (None, "")}
    email = str(customer.get("email_address") or record.get("email_address") or "").strip()
    if not customer.get("id") and not email:
        raise ValueError("no customer: map customer.id or customer.email_address")
    customer["id"] = str(customer.get("id") or subscriber_hash(email))
    if email:
        customer["email_address"] = email.lower()
    customer["opt_in_status"] = False
    customer = jsonable(customer)
    lines = []
    for index, line in enumerate(record.get("lines") or []):
        if not isinstance(line, dict):
            raise ValueError(f"lines[{index}] must be an object, got {line!r}")
        lines.append(order_line(order_id, index, line))
    if not lines:
        raise ValueError("an order needs at least one line (map lines)")
    currency = str(record.get("currency_code") or "").strip().upper()
    if not currency:
        raise ValueError("no currency_code (ISO 4217, e.g. EUR)")
    if record.get("order_total") in (None, ""):
        raise ValueError("no order_total")
    body: dict[str, Any] = {
        "id": order_id,
        "customer": customer,
        "currency_code": currency,
        "order_total": _money(record["order_total"]),
        "lines": lines,
    }
    for name in _PASSED:
        value = record.get(name)
        if value not in (None, ""):
            body[name] = _money(value) if name.endswith("_total") else jsonable(value)
    if campaign_id:
        body["campaign_id"] = campaign_id
    return body


class OrdersSink(Sink):
    name = "orders"
    key_field = "id"
    max_batch_size = 100
    modes = frozenset({WriteMode.UPSERT})
    description = "E-commerce orders with campaign_id (revenue in Mailchimp's campaign reports)"

    def __init__(self, client: MailchimpClient, options: Mapping[str, Any] | None = None) -> None:
        opts = dict(options or {})
        self.client = client
        store = opts.get("store_id") or client.config.store_id
        if not store:
            raise FatalError(
                "Mailchimp: the orders sink needs a store: set store_id on the connection or "
                "as the sink option store_id"
            )
        self.store_id = str(store)
        self.create_store = bool_option(opts, "create_store")
        self.store_name = str(opts.get("store_name") or "Cauce store")
        self.currency_code = str(opts.get("currency_code") or "").upper()
        self._store_ready = False
        self.campaigns = CampaignResolver(client)

    def fields(self) -> list[str]:
        return list(ORDER_FIELDS)

    @property
    def base(self) -> str:
        return f"/ecommerce/stores/{self.store_id}"

    def ensure_store(self) -> None:
        """Check the store exists (once per session); create it when asked to."""
        if self._store_ready:
            return
        try:
            store = self.client.get(self.base, {"fields": "id,list_id"})
        except PermanentRecordError as error:
            if error.status != 404:
                raise FatalError(
                    f"Mailchimp: cannot read store {self.store_id} ({error.provider_message})"
                ) from None
            if not self.create_store:
                raise FatalError(
                    f"Mailchimp: store {self.store_id} not found; create it in Mailchimp (or "
                    "connect the shop), or set the sink option create_store: true with "
                    "store_name and currency_code"
                ) from None
            self._create()
        else:
            linked = (store or {}).get("list_id")
            if linked and linked != self.client.list_id:
                raise FatalError(
                    f"Mailchimp: store {self.store_id} belongs to list {linked}, not to "
                    f"{self.client.list_id}; use that list_id or another store"
                )
        self._store_ready = True

    def _create(self) -> None:
        if len(self.currency_code) != 3:
            raise FatalError(
                f"Mailchimp: store {self.store_id} must be created but the sink option "
                "currency_code (ISO 4217, e.g. EUR) is missing"
            )
        body = {
            "id": self.store_id,
            "list_id": self.client.list_id,
            "name": self.store_name,
            "currency_code": self.currency_code,
        }
        try:
            self.client.request("POST", "/ecommerce/stores", json=body)
        except PermanentRecordError as error:
            if "already exists" not in (error.provider_message or "").lower():
                raise FatalError(
                    f"Mailchimp: cannot create store {self.store_id} ({error.provider_message})"
                ) from None

    def write(self, records: Sequence[Record], mode: WriteMode) -> list[RowResult]:
        self.ensure_store()
        with ThreadPoolExecutor(max_workers=min(_WORKERS, max(1, len(records)))) as pool:
            return list(pool.map(self._one, records))

    def _one(self, record: Record) -> RowResult:
        key = str(record.get(self.key_field) or "")
        try:
            body = order_body(record, self.campaigns.campaign_id(record))
        except ValueError as error:
            return RowResult(key, RowStatus.REJECTED, str(error))
        try:
            self.client.request("POST", f"{self.base}/orders", json=body)
            return RowResult(key, RowStatus.CREATED)
        except PermanentRecordError as error:
            if "already exists" not in (error.provider_message or "").lower():
                return RowResult(key, RowStatus.REJECTED, f"Mailchimp: {error.provider_message}")
        update = {k: v for k, v in body.items() if k != "id"}
        try:
            self.client.request(
                "PATCH", f"{self.base}/orders/{body['id']}", json=update, idempotent=True
            )
        except PermanentRecordError as error:
            return RowResult(key, RowStatus.REJECTED, f"Mailchimp: {error.provider_message}")
        return RowResult(key, RowStatus.UPDATED)
