"""Lookups for workflows: ``get_order`` and ``get_customer``.

Both answer ``{"found": false, ...}`` rather than failing when the record
does not exist, so a workflow can branch on it; every other field is the
record exactly as the ``orders`` / ``customers`` streams give it.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, model_validator

from cauce.connectors.shopify import flatten, queries
from cauce.connectors.shopify.client import ShopifyClient
from cauce.connectors.shopify.streams import complete_order
from cauce.sdk import Action

LAST_ORDER = frozenset({"lastOrder"})


def _gid(kind: str, value: str | int) -> str:
    text = str(value).strip()
    if text.startswith("gid://"):
        return text
    if text.isdigit():
        return f"gid://shopify/{kind}/{text}"
    raise ValueError(f"{value!r} is neither a Shopify {kind} GID nor a numeric id")


class GetOrderInput(BaseModel):
    id: str | int = Field(description="Order GID (gid://shopify/Order/…) or numeric id.")

    def gid(self) -> str:
        return _gid("Order", self.id)

    @model_validator(mode="after")
    def _valid(self) -> GetOrderInput:
        self.gid()
        return self


class GetCustomerInput(BaseModel):
    id: str | int | None = Field(None, description="Customer GID or numeric id.")
    email: str | None = Field(None, description="Email address (exact match).")

    @model_validator(mode="after")
    def _one_of(self) -> GetCustomerInput:
        if (self.id is None) == (self.email is None):
            raise ValueError("give exactly one of id or email")
        if self.id is not None:
            _gid("Customer", self.id)
        return self


class GetOrder(Action):
    name = "get_order"
    description = "Look up one order by id (flattened like the orders stream)"
    input_model = GetOrderInput

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, GetOrderInput)
        gid = params.gid()
        version = self.client.config.api_version
        node = self.client.execute(queries.order_by_id_query(version), {"id": gid}).get("order")
        if not node:
            return {"found": False, "id": gid}
        return {"found": True, **complete_order(self.client, node)}


class GetCustomer(Action):
    name = "get_customer"
    description = "Look up one customer by id or email (flattened like the customers stream)"
    input_model = GetCustomerInput

    def __init__(self, client: ShopifyClient) -> None:
        self.client = client

    def run(self, params: BaseModel, *, idempotency_key: str | None = None) -> dict[str, Any]:
        assert isinstance(params, GetCustomerInput)
        version = self.client.config.api_version
        if params.id is not None:
            gid = _gid("Customer", params.id)
            data = self.client.execute(
                queries.customer_by_id_query(version), {"id": gid}, optional=LAST_ORDER
            )
            node = data.get("customer")
            missing: dict[str, Any] = {"found": False, "id": gid}
        else:
            email = str(params.email).strip().lower()
            escaped = email.replace("\\", "\\\\").replace('"', '\\"')
            document = queries.list_query("customers", queries.customer_fields(version), "ID")
            data = self.client.execute(
                document,
                {"first": 5, "after": None, "query": f'email:"{escaped}"'},
                optional=LAST_ORDER,
            )
            nodes = (data.get("customers") or {}).get("nodes") or []
            records = [flatten.customer_record(n) for n in nodes]
            exact = [r for r in records if (r.get("email") or "").lower() == email]
            missing = {"found": False, "email": email}
            return {"found": True, **exact[0]} if exact else missing
        return {"found": True, **flatten.customer_record(node)} if node else missing
