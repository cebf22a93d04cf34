"""Webhook signatures: verify what providers send us, sign what the sandbox sends.

Every ``verify_*`` function is pure (no I/O, no clock unless it takes
``now``) and has one style: it **returns None when the request is authentic
and raises** :class:`WebhookSignatureError` otherwise, with a machine-readable
``reason`` (``"missing"``, ``"malformed"``, ``"bad_signature"``,
``"stale_timestamp"``) and a message for a person. Raising instead of
returning a bool means a forgotten ``if`` can never accept a forged request,
and the webhook endpoint can log *why* it refused one. Comparisons use
:func:`hmac.compare_digest` so a timing attack cannot learn the signature
byte by byte. Neither the secret nor the expected signature ever appears in
an error message.

Each ``sign_*`` function produces exactly the header value the provider
would send; the sandbox emulators use them to deliver signed webhooks.

Algorithms (see ../shared/PROVIDERS.md for sources):

============  ===============================================  ==========
provider      signed content                                   encoding
============  ===============================================  ==========
HubSpot v1    SHA-256(client_secret + body)                    hex
HubSpot v2    SHA-256(client_secret + method + uri + body)     hex
HubSpot v3    HMAC-SHA256(secret, method+uri+body+timestamp)   base64
Shopify       HMAC-SHA256(secret, raw body)                    base64
WooCommerce   HMAC-SHA256(secret, raw body)                    base64
Stripe        HMAC-SHA256(secret, "{t}.{body}")                hex, ``t=..,v1=..``
============  ===============================================  ==========
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time

from cauce.errors import ConnectorError

__all__ = [
    "HUBSPOT_V3_TOLERANCE",
    "STRIPE_TOLERANCE",
    "WebhookSignatureError",
    "hubspot_v3_uri",
    "sign_hubspot_v1",
    "sign_hubspot_v2",
    "sign_hubspot_v3",
    "sign_shopify_hmac",
    "sign_stripe",
    "sign_woocommerce",
    "verify_hubspot_v1",
    "verify_hubspot_v2",
    "verify_hubspot_v3",
    "verify_shopify_hmac",
    "verify_stripe",
    "verify_woocommerce",
]

HUBSPOT_V3_TOLERANCE = 300
"""Seconds: HubSpot says to reject v3 requests whose timestamp is older than 5 minutes."""

STRIPE_TOLERANCE = 300
"""Seconds: stripe-python's ``DEFAULT_TOLERANCE``."""

Body = bytes | str

# HubSpot v3: "decode any URL-encoded characters listed in the following table"
# before signing; HubSpot signs the decoded URI, so signer and verifier both do it.
_HUBSPOT_DECODE = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}


class WebhookSignatureError(ConnectorError):
    """A webhook request is not provably from the provider; refuse it (HTTP 401).

    ``reason`` is one of ``missing``, ``malformed``, ``bad_signature``,
    ``stale_timestamp``.
    """

    def __init__(self, provider: str, reason: str, detail: str) -> None:
        super().__init__(f"{provider} webhook refused: {detail}")
        self.provider = provider
        self.reason = reason


def _bytes(value: Body) -> bytes:
    return value.encode("utf-8") if isinstance(value, str) else value


def _hmac_sha256(secret: str, message: bytes) -> bytes:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()


def _require(provider: str, signature: str | None) -> str:
    if signature is None or not signature.strip():
        raise WebhookSignatureError(provider, "missing", "the signature header is missing or empty")
    return signature.strip()


def _compare(provider: str, expected: str, given: str) -> None:
    if not hmac.compare_digest(expected.encode("ascii"), given.encode("utf-8", "replace")):
        raise WebhookSignatureError(
            provider,
            "bad_signature",
            "the signature does not match the body; check the app's client secret",
        )


def _check_fresh(provider: str, signed_at: float, now: float | None, tolerance: float) -> None:
    current = time.time() if now is None else now
    age = current - signed_at
    if age > tolerance:
        raise WebhookSignatureError(
            provider,
            "stale_timestamp",
            f"the request was signed {age:.0f} s ago, more than the {tolerance:.0f} s allowed "
            "(a replay, or this server's clock is wrong)",
        )


# -- HubSpot --------------------------------------------------------------------------------


def sign_hubspot_v1(secret: str, body: Body) -> str:
    """``X-HubSpot-Signature`` with ``X-HubSpot-Signature-Version: v1`` (CRM webhooks)."""
    return hashlib.sha256(secret.encode("utf-8") + _bytes(body)).hexdigest()


def verify_hubspot_v1(secret: str, body: Body, signature: str | None) -> None:
    """Verify a v1 signature: hex SHA-256 of the client secret followed by the raw body."""
    given = _require("HubSpot", signature)
    _compare("HubSpot", sign_hubspot_v1(secret, body), given.lower())


def sign_hubspot_v2(secret: str, method: str, uri: str, body: Body) -> str:
    """``X-HubSpot-Signature`` with version v2 (workflow webhooks, CRM cards)."""
    source = secret.encode("utf-8") + method.upper().encode() + uri.encode("utf-8") + _bytes(body)
    return hashlib.sha256(source).hexdigest()


def verify_hubspot_v2(
    secret: str, method: str, uri: str, body: Body, signature: str | None
) -> None:
    """Verify a v2 signature over secret + method + full URI + body."""
    given = _require("HubSpot", signature)
    _compare("HubSpot", sign_hubspot_v2(secret, method, uri, body), given.lower())


def hubspot_v3_uri(uri: str) -> str:
    """The URI as HubSpot signs it: the listed percent-escapes decoded."""
    if "%" not in uri:  # the usual webhook URL: nothing to decode
        return uri
    out = uri
    for encoded, char in _HUBSPOT_DECODE.items():
        out = out.replace(encoded, char).replace(encoded.lower(), char)
    return out


def sign_hubspot_v3(secret: str, method: str, uri: str, body: Body, timestamp_ms: int) -> str:
    """``X-HubSpot-Signature-v3`` for a request sent at ``timestamp_ms`` (ms since epoch)."""
    message = (
        method.upper().encode()
        + hubspot_v3_uri(uri).encode("utf-8")
        + _bytes(body)
        + str(int(timestamp_ms)).encode()
    )
    return base64.b64encode(_hmac_sha256(secret, message)).decode("ascii")


def verify_hubspot_v3(
    secret: str,
    method: str,
    uri: str,
    body: Body,
    timestamp_ms: str | int | None,
    signature: str | None,
    *,
    now: float | None = None,
    tolerance: float = HUBSPOT_V3_TOLERANCE,
) -> None:
    """Verify ``X-HubSpot-Signature-v3`` and ``X-HubSpot-Request-Timestamp``.

    ``uri`` is the full URL HubSpot called, scheme included (behind a proxy,
    the public URL, not the internal one). ``now`` is unix seconds.
    """
    given = _require("HubSpot", signature)
    if timestamp_ms is None or str(timestamp_ms).strip() == "":
        raise WebhookSignatureError(
            "HubSpot", "missing", "the X-HubSpot-Request-Timestamp header is missing"
        )
    try:
        stamp = int(str(timestamp_ms).strip())
    except ValueError:
        raise WebhookSignatureError(
            "HubSpot", "malformed", "X-HubSpot-Request-Timestamp is not milliseconds since epoch"
        ) from None
    _check_fresh("HubSpot", stamp / 1000, now, tolerance)
    _compare("HubSpot", sign_hubspot_v3(secret, method, uri, body, stamp), given)


# -- Shopify and WooCommerce ------------------------------------------------------------------


def sign_shopify_hmac(secret: str, body: Body) -> str:
    """``X-Shopify-Hmac-Sha256``: base64 HMAC-SHA256 of the raw body."""
    return base64.b64encode(_hmac_sha256(secret, _bytes(body))).decode("ascii")


def verify_shopify_hmac(secret: str, body: Body, header_b64: str | None) -> None:
    """Verify ``X-Shopify-Hmac-Sha256`` over the raw body bytes (never re-serialised JSON)."""
    _compare("Shopify", sign_shopify_hmac(secret, body), _require("Shopify", header_b64))


def sign_woocommerce(secret: str, body: Body) -> str:
    """``X-WC-Webhook-Signature``: base64 HMAC-SHA256 of the body as sent."""
    return base64.b64encode(_hmac_sha256(secret, _bytes(body))).decode("ascii")


def verify_woocommerce(secret: str, body: Body, header_b64: str | None) -> None:
    """Verify ``X-WC-Webhook-Signature`` over the raw body bytes."""
    _compare("WooCommerce", sign_woocommerce(secret, body), _require("WooCommerce", header_b64))


# -- Stripe ----------------------------------------------------------------------------------


def sign_stripe(secret: str, body: Body, timestamp: int | None = None) -> str:
    """A ``Stripe-Signature`` header value ``t=<unix>,v1=<hex>`` as Stripe sends it."""
    stamp = int(time.time()) if timestamp is None else int(timestamp)
    digest = _hmac_sha256(secret, f"{stamp}.".encode() + _bytes(body)).hex()
    return f"t={stamp},v1={digest}"


def verify_stripe(
    secret: str,
    body: Body,
    header: str | None,
    *,
    tolerance: float = STRIPE_TOLERANCE,
    now: float | None = None,
) -> None:
    """Verify ``Stripe-Signature``: any ``v1`` entry may match (several during a secret roll).

    As in stripe-python, only timestamps older than ``tolerance`` seconds are
    refused; ``v0`` and unknown schemes are ignored.
    """
    raw = _require("Stripe", header)
    stamp: int | None = None
    candidates: list[str] = []
    for item in raw.split(","):
        key, sep, value = item.strip().partition("=")
        if not sep:
            continue
        if key == "t":
            try:
                stamp = int(value)
            except ValueError:
                raise WebhookSignatureError(
                    "Stripe", "malformed", "the t= timestamp is not an integer"
                ) from None
        elif key == "v1":
            candidates.append(value)
    if stamp is None:
        raise WebhookSignatureError("Stripe", "malformed", "Stripe-Signature has no t= timestamp")
    if not candidates:
        raise WebhookSignatureError(
            "Stripe", "malformed", "Stripe-Signature has no v1 signature (only v1 is accepted)"
        )
    expected = _hmac_sha256(secret, f"{stamp}.".encode() + _bytes(body)).hex().encode("ascii")
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate.encode("utf-8", "replace"))
    if not matched:
        raise WebhookSignatureError(
            "Stripe",
            "bad_signature",
            "no v1 signature matches the body; check the endpoint's signing secret (whsec_...)",
        )
    if tolerance:
        _check_fresh("Stripe", stamp, now, tolerance)
