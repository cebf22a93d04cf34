"""Webhook verifiers against published vectors and independently computed known answers.

HubSpot v1/v2 vectors are HubSpot's own (docs FAQ, see PROVIDERS.md). The
HMAC known answers were computed with ``openssl dgst -sha256 -hmac`` in a
shell, not with our code.
"""

from __future__ import annotations

import pytest

from cauce.sdk.webhooks import (
    WebhookSignatureError,
    sign_hubspot_v1,
    sign_hubspot_v2,
    sign_hubspot_v3,
    sign_shopify_hmac,
    sign_stripe,
    sign_woocommerce,
    verify_hubspot_v1,
    verify_hubspot_v2,
    verify_hubspot_v3,
    verify_shopify_hmac,
    verify_stripe,
    verify_woocommerce,
)

HUBSPOT_SECRET = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy"
HUBSPOT_BODY = (
    '[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,'
    '"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,'
    '"changeSource":"CRM","changeFlag":"NEW","appId":54321}]'
)
HUBSPOT_V1 = "232db2615f3d666fe21a8ec971ac7b5402d33b9a925784df3ca654d05f4817de"
HUBSPOT_V2 = "eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e"

# printf '%s' 'POSThttps://example.com/webhooks?portal=1[{"eventId":1}]1700000000000' |
#   openssl dgst -sha256 -hmac 'sandbox-hubspot-client-secret' -binary | base64
HUBSPOT_V3 = "RtyJiive10qACmKUsfvXMbxB95I+A+sGfJX0ycYIR24="
# printf '%s' '{"id":820982911946154508,"email":"jon@example.com","total_price":"59.99"}' |
#   openssl dgst -sha256 -hmac 'sandbox-shopify-client-secret' -binary | base64
SHOPIFY_BODY = b'{"id":820982911946154508,"email":"jon@example.com","total_price":"59.99"}'
SHOPIFY_HMAC = "hmKDzFL2TMrs9Lw6yybgId2cJoad8AkKfpVmEUAYlq0="
# printf '%s' '{"id":727,"status":"processing","total":"29.35"}' |
#   openssl dgst -sha256 -hmac 'wc-secret-Ünï' -binary | base64   (UTF-8 secret)
WOO_BODY = b'{"id":727,"status":"processing","total":"29.35"}'
WOO_SIGNATURE = "DwkTeaWw5zskTW/PycxTHXq9FWh1gwlumDw/Vl2rhT0="
# printf '%s' '1492774577.{"id":"evt_test_webhook","object":"event"}' |
#   openssl dgst -sha256 -hmac 'whsec_test_secret'
STRIPE_BODY = b'{"id":"evt_test_webhook","object":"event"}'
STRIPE_V1 = "88a022085c6bdb887b02cb26ff76dd681234d9675c0f22844059f55552a8883a"


def reason(call: object) -> str:
    assert callable(call)
    with pytest.raises(WebhookSignatureError) as info:
        call()
    return info.value.reason


def test_hubspot_v1_matches_hubspots_published_vector() -> None:
    assert sign_hubspot_v1(HUBSPOT_SECRET, HUBSPOT_BODY) == HUBSPOT_V1
    verify_hubspot_v1(HUBSPOT_SECRET, HUBSPOT_BODY.encode(), HUBSPOT_V1)


def test_hubspot_v1_accepts_an_uppercase_hex_header() -> None:
    verify_hubspot_v1(HUBSPOT_SECRET, HUBSPOT_BODY, HUBSPOT_V1.upper())


def test_hubspot_v1_refuses_a_body_changed_by_one_character() -> None:
    tampered = HUBSPOT_BODY.replace('"objectId":123', '"objectId":124')
    assert reason(lambda: verify_hubspot_v1(HUBSPOT_SECRET, tampered, HUBSPOT_V1)) == (
        "bad_signature"
    )


def test_hubspot_v2_matches_hubspots_published_vector() -> None:
    uri = "https://www.example.com/webhook_uri"
    assert sign_hubspot_v2(HUBSPOT_SECRET, "GET", uri, "") == HUBSPOT_V2
    verify_hubspot_v2(HUBSPOT_SECRET, "GET", uri, b"", HUBSPOT_V2)


def test_hubspot_v2_refuses_a_signature_made_for_another_uri() -> None:
    call = lambda: verify_hubspot_v2(  # noqa: E731
        HUBSPOT_SECRET, "GET", "https://www.example.com/other", "", HUBSPOT_V2
    )
    assert reason(call) == "bad_signature"


def test_hubspot_v3_matches_an_openssl_known_answer() -> None:
    uri = "https://example.com/webhooks?portal=1"
    body = '[{"eventId":1}]'
    secret = "sandbox-hubspot-client-secret"
    assert sign_hubspot_v3(secret, "POST", uri, body, 1_700_000_000_000) == HUBSPOT_V3
    verify_hubspot_v3(secret, "POST", uri, body, "1700000000000", HUBSPOT_V3, now=1_700_000_100)


def test_hubspot_v3_decodes_the_escapes_hubspot_decodes_before_signing() -> None:
    secret = "s"
    signature = sign_hubspot_v3(secret, "POST", "https://h.example/hook?a=b:c", "", 1000)
    verify_hubspot_v3(
        secret, "POST", "https://h.example/hook?a=b%3Ac", "", 1000, signature, now=1.0
    )


def test_hubspot_v3_refuses_a_request_older_than_five_minutes() -> None:
    secret = "sandbox-hubspot-client-secret"
    uri = "https://example.com/webhooks?portal=1"
    call = lambda: verify_hubspot_v3(  # noqa: E731
        secret, "POST", uri, '[{"eventId":1}]', 1_700_000_000_000, HUBSPOT_V3, now=1_700_000_301
    )
    assert reason(call) == "stale_timestamp"


def test_hubspot_v3_refuses_missing_or_garbled_timestamps() -> None:
    uri = "https://example.com/"
    assert reason(lambda: verify_hubspot_v3("s", "POST", uri, "", None, "x")) == "missing"
    assert reason(lambda: verify_hubspot_v3("s", "POST", uri, "", "soon", "x")) == "malformed"


def test_missing_signature_header_is_refused_with_reason_missing() -> None:
    assert reason(lambda: verify_hubspot_v1("s", "body", None)) == "missing"
    assert reason(lambda: verify_shopify_hmac("s", b"body", "")) == "missing"
    assert reason(lambda: verify_stripe("s", b"body", None)) == "missing"


def test_shopify_hmac_matches_an_openssl_known_answer() -> None:
    assert sign_shopify_hmac("sandbox-shopify-client-secret", SHOPIFY_BODY) == SHOPIFY_HMAC
    verify_shopify_hmac("sandbox-shopify-client-secret", SHOPIFY_BODY, SHOPIFY_HMAC)


def test_shopify_hmac_is_checked_on_raw_bytes_not_reserialised_json() -> None:
    reformatted = b'{"id": 820982911946154508, "email": "jon@example.com", "total_price": "59.99"}'
    call = lambda: verify_shopify_hmac(  # noqa: E731
        "sandbox-shopify-client-secret", reformatted, SHOPIFY_HMAC
    )
    assert reason(call) == "bad_signature"


def test_shopify_hmac_refuses_the_right_body_signed_with_another_secret() -> None:
    call = lambda: verify_shopify_hmac("rotated-secret", SHOPIFY_BODY, SHOPIFY_HMAC)  # noqa: E731
    assert reason(call) == "bad_signature"


def test_woocommerce_signature_matches_an_openssl_known_answer_with_a_utf8_secret() -> None:
    assert sign_woocommerce("wc-secret-Ünï", WOO_BODY) == WOO_SIGNATURE
    verify_woocommerce("wc-secret-Ünï", WOO_BODY, WOO_SIGNATURE)
    call = lambda: verify_woocommerce("wc-secret", WOO_BODY, WOO_SIGNATURE)  # noqa: E731
    assert reason(call) == "bad_signature"


def test_stripe_signature_matches_an_openssl_known_answer() -> None:
    header = sign_stripe("whsec_test_secret", STRIPE_BODY, timestamp=1492774577)
    assert header == f"t=1492774577,v1={STRIPE_V1}"
    verify_stripe("whsec_test_secret", STRIPE_BODY, header, now=1492774577 + 10)


def test_stripe_accepts_any_v1_during_a_secret_roll_and_ignores_v0() -> None:
    header = f"t=1492774577,v1={'0' * 64},v0=6ffbb59b2300aae63f27240,v1={STRIPE_V1}"
    verify_stripe("whsec_test_secret", STRIPE_BODY, header, now=1492774600)


def test_stripe_refuses_a_replayed_event_older_than_the_tolerance() -> None:
    header = f"t=1492774577,v1={STRIPE_V1}"
    call = lambda: verify_stripe(  # noqa: E731
        "whsec_test_secret", STRIPE_BODY, header, now=1492774577 + 301
    )
    assert reason(call) == "stale_timestamp"
    verify_stripe("whsec_test_secret", STRIPE_BODY, header, now=1492774577 + 301, tolerance=600)


def test_stripe_refuses_headers_without_timestamp_or_v1() -> None:
    assert reason(lambda: verify_stripe("s", b"{}", f"v1={STRIPE_V1}")) == "malformed"
    assert reason(lambda: verify_stripe("s", b"{}", "t=1492774577,v0=abc")) == "malformed"
    assert reason(lambda: verify_stripe("s", b"{}", "t=yesterday,v1=abc")) == "malformed"


def test_a_refusal_never_reveals_the_secret_or_the_expected_signature() -> None:
    secret = "whsec_very_secret_value"
    expected = sign_stripe(secret, STRIPE_BODY, timestamp=1492774577).split("v1=")[1]
    with pytest.raises(WebhookSignatureError) as info:
        verify_stripe(secret, STRIPE_BODY, "t=1492774577,v1=deadbeef", now=1492774577)
    text = str(info.value) + repr(info.value)
    assert secret not in text
    assert expected not in text
