"""The deprecated ``Customer.emailMarketingConsent`` (before API 2025-04) still resolves."""

from __future__ import annotations

from .support import Shopify, customer_gid


def test_old_consent_field_agrees_with_default_email_address_and_is_flagged_deprecated(
    shopify: Shopify,
) -> None:
    response = shopify.post(
        """query($id: ID!) { customer(id: $id) {
             email emailMarketingConsent { marketingState marketingOptInLevel consentUpdatedAt }
             defaultEmailAddress { marketingState marketingOptInLevel marketingUpdatedAt } } }""",
        {"id": customer_gid(2)},
    )
    assert response.status_code == 200
    assert "X-Shopify-API-Deprecated-Reason" in response.headers
    customer = response.json()["data"]["customer"]
    old, new = customer["emailMarketingConsent"], customer["defaultEmailAddress"]
    assert customer["email"] == "buyer2@example.com"
    assert old["marketingState"] == new["marketingState"] == "INVALID"
    assert old["marketingOptInLevel"] == new["marketingOptInLevel"]
    assert old["consentUpdatedAt"] == new["marketingUpdatedAt"]
