"""The HubSpot connector: CRM v3 contacts, read incrementally and written in batches.

Streams ``contacts`` (incremental on ``lastmodifieddate``) and
``properties``; sink ``contacts`` (batch upsert by e-mail, update-only mode,
opt-in property creation); triggers ``contact_events`` (signed webhooks) and
``contact_changes`` (polling); actions ``get_contact``, ``update_contact`` and
``upsert_contact``. See README.md in this folder for the API version,
limits and what is deliberately not supported.
"""

from __future__ import annotations

from cauce.connectors.hubspot.config import HubSpotConfig
from cauce.connectors.hubspot.connection import HubSpotConnection
from cauce.connectors.hubspot.streams import CONTACT_FIELDS, PROPERTY_FIELDS
from cauce.sdk import ConnectorSpec, ObjectSpec, WriteMode

__all__ = ["HubSpotConfig", "HubSpotConnection", "connector"]

connector = ConnectorSpec(
    id="hubspot",
    display_name="HubSpot",
    config_model=HubSpotConfig,
    factory=HubSpotConnection,
    description="HubSpot CRM contacts: incremental reads, batch upserts, webhooks",
    streams=(
        ObjectSpec(
            "contacts",
            "Contacts, every property at the top level; incremental on lastmodifieddate",
            primary_key="id",
            cursor_field="lastmodifieddate",
            fields=CONTACT_FIELDS,
        ),
        ObjectSpec(
            "properties",
            "Contact property definitions (name, label, type, options)",
            primary_key="name",
            fields=PROPERTY_FIELDS,
        ),
    ),
    sinks=(
        ObjectSpec(
            "contacts",
            "Create or update contacts by e-mail (batch upsert, 100 per call)",
            primary_key="email",
            max_batch_size=100,
            modes=(WriteMode.UPSERT, WriteMode.UPDATE, WriteMode.MIRROR),
        ),
    ),
    triggers=(
        ObjectSpec(
            "contact_events",
            "Webhooks: contact.creation, contact.propertyChange, contact.deletion",
        ),
        ObjectSpec("contact_changes", "Polling: contacts created or changed since the last check"),
    ),
    actions=(
        ObjectSpec("get_contact", "Look up a contact by e-mail or id"),
        ObjectSpec("update_contact", "Set properties of an existing contact"),
        ObjectSpec("upsert_contact", "Create or update a contact by e-mail"),
    ),
    docs_url="docs/connectors/hubspot.md",
)
