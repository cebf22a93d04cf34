"""Verifiers accept what the emulators really deliver over HTTP, and refuse tampered copies."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request, Response

from cauce.sandbox.serve import ThreadedServer
from cauce.sdk.webhooks import WebhookSignatureError, verify_hubspot_v3, verify_shopify_hmac


class Receiver:
    """A webhook endpoint that keeps every delivery exactly as it arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deliveries: list[dict[str, Any]] = []
        self.app = FastAPI()

        @self.app.post("/hooks/{name}")
        async def hook(name: str, request: Request) -> Response:
            body = await request.body()
            with self.lock:
                self.deliveries.append(
                    {"url": str(request.url), "body": body, "headers": dict(request.headers)}
                )
            return Response(status_code=204)

    def wait(self, count: int = 1, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.deliveries) >= count:
                    return list(self.deliveries)
            time.sleep(0.02)
        raise AssertionError(f"expected {count} webhook deliveries, got {len(self.deliveries)}")


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    receiver = Receiver()
    with ThreadedServer(receiver.app) as server:
        yield receiver, server.url


def test_hubspot_v3_signatures_of_real_deliveries_verify(receiver: tuple[Receiver, str]) -> None:
    from cauce.sandbox.hubspot import HUBSPOT_CLIENT_SECRET, create_app

    sink, url = receiver
    with ThreadedServer(create_app(None)) as hubspot:
        target = f"{url}/hooks/hubspot?portal=1"
        httpx.post(
            f"{hubspot.url}/_admin/webhooks/subscriptions",
            json={"targetUrl": target, "eventTypes": ["contact.creation"]},
        ).raise_for_status()
        httpx.post(
            f"{hubspot.url}/_admin/ui/contacts",
            json={"properties": {"email": "hook@example.com", "firstname": "Hook"}},
        ).raise_for_status()
        delivery = sink.wait()[0]
    headers = delivery["headers"]
    verify_hubspot_v3(
        HUBSPOT_CLIENT_SECRET,
        "POST",
        delivery["url"],
        delivery["body"],
        headers["x-hubspot-request-timestamp"],
        headers["x-hubspot-signature-v3"],
    )
    with pytest.raises(WebhookSignatureError) as info:
        verify_hubspot_v3(
            HUBSPOT_CLIENT_SECRET,
            "POST",
            delivery["url"],
            delivery["body"].replace(b"contact.creation", b"contact.deletion"),
            headers["x-hubspot-request-timestamp"],
            headers["x-hubspot-signature-v3"],
        )
    assert info.value.reason == "bad_signature"


def test_shopify_hmac_of_real_deliveries_verifies(receiver: tuple[Receiver, str]) -> None:
    from cauce.sandbox.shopify import create_app
    from cauce.sandbox.shopify.constants import SHOPIFY_CLIENT_SECRET

    sink, url = receiver
    with ThreadedServer(create_app(None)) as shopify:
        httpx.post(
            f"{shopify.url}/_admin/webhooks",
            json={"topic": "customers/create", "uri": f"{url}/hooks/shopify"},
        ).raise_for_status()
        httpx.post(
            f"{shopify.url}/_admin/customers",
            json={"email": "buyer@example.com", "first_name": "Bea"},
        ).raise_for_status()
        delivery = sink.wait()[0]
    header = delivery["headers"]["x-shopify-hmac-sha256"]
    verify_shopify_hmac(SHOPIFY_CLIENT_SECRET, delivery["body"], header)
    with pytest.raises(WebhookSignatureError):
        verify_shopify_hmac("another-app-secret", delivery["body"], header)
