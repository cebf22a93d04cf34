"""Purchase data on seeded contacts: what a shop integration keeps on the CRM contact."""

from __future__ import annotations

from decimal import Decimal

from cauce.sandbox.locales import CURRENCY_RATES

from .conftest import Emulator


def test_buyers_carry_their_order_count_euro_spend_and_last_order_day(hubspot: Emulator) -> None:
    orders = [o for o in hubspot.world.orders if o.email == hubspot.world.orders[0].email]
    email = orders[0].email
    spent = sum(
        (
            o.total / Decimal(CURRENCY_RATES[o.currency][0])
            for o in orders
            if o.cancelled_at is None and o.financial_status.upper() not in ("REFUNDED", "VOIDED")
        ),
        Decimal("0"),
    )
    with hubspot.client() as api:
        contact = api.get(
            f"/crm/v3/objects/contacts/{email}",
            params={
                "idProperty": "email",
                "properties": "total_orders,total_spent,last_order_date",
            },
        ).json()
    props = contact["properties"]
    assert props["total_orders"] == str(len(orders))
    assert Decimal(props["total_spent"]) == spent.quantize(Decimal("0.01"))
    assert props["last_order_date"] == max(o.created_at for o in orders).date().isoformat()


def test_contacts_without_orders_have_no_spend_or_last_order(hubspot: Emulator) -> None:
    buyers = {o.email for o in hubspot.world.orders}
    contact = next(c for c in hubspot.world.contacts if c.email not in buyers)
    with hubspot.client() as api:
        props = api.get(
            f"/crm/v3/objects/contacts/{contact.id}",
            params={"properties": "total_orders,total_spent,last_order_date"},
        ).json()["properties"]
    assert props == {**props, "total_orders": "0", "total_spent": None, "last_order_date": None}
