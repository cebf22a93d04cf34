"""Contact property definitions and value validation, as HubSpot's properties API describes them.

Values are stored as strings, as HubSpot returns them. Writes are checked
against the definitions: an unknown name is ``PROPERTY_DOESNT_EXIST``, a
read-only one ``READ_ONLY_VALUE``, a bad e-mail ``INVALID_EMAIL``, an
enumeration value outside the options ``INVALID_OPTION``, a non-number
``INVALID_INTEGER``/``INVALID_DECIMAL``, a bad date ``INVALID_DATE``.
Datetimes may be written as ms since the epoch or ISO 8601 and are returned
as ISO 8601 with milliseconds and ``Z``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from cauce.sandbox.hubspot.errors import PropertyProblem

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
TYPES = {
    "string": ("text", "textarea", "phonenumber", "html", "file"),
    "number": ("number", "calculation_equation"),
    "date": ("date",),
    "datetime": ("date",),
    "enumeration": ("select", "radio", "checkbox", "booleancheckbox", "calculation_equation"),
    "bool": ("booleancheckbox",),
    "phone_number": ("phonenumber",),
}
LIFECYCLE_STAGES = (
    "subscriber",
    "lead",
    "marketingqualifiedlead",
    "salesqualifiedlead",
    "opportunity",
    "customer",
    "evangelist",
    "other",
)
#: Returned when a request names no properties (HubSpot's default contact set).
DEFAULT_RETURNED = (
    "createdate",
    "email",
    "firstname",
    "hs_object_id",
    "lastmodifieddate",
    "lastname",
)
#: Always computed by the CRM, never written by clients.
SYSTEM = ("hs_object_id", "lastmodifieddate")


def iso_ms(moment: datetime | int) -> str:
    """HubSpot's timestamp format: ``2026-03-01T10:15:00.123Z``."""
    if isinstance(moment, int):
        moment = datetime.fromtimestamp(moment / 1000, UTC)
    elif moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(timespec="milliseconds")[:23] + "Z"


def parse_ms(value: str) -> int | None:
    """ms since epoch from a ms string, an ISO datetime or an ISO date; None if unparseable."""
    text = value.strip()
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


@dataclass
class PropertyDef:
    name: str
    label: str
    type: str = "string"
    field_type: str = "text"
    group_name: str = "contactinformation"
    description: str = ""
    options: list[dict[str, Any]] = field(default_factory=list)
    read_only: bool = False
    has_unique_value: bool = False
    hubspot_defined: bool = True
    created_ms: int = 0
    updated_ms: int = 0

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": self.options,
            "displayOrder": -1,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": False,
            "formField": not self.read_only,
            "archived": False,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only,
            },
            "createdAt": iso_ms(self.created_ms),
            "updatedAt": iso_ms(self.updated_ms),
        }
        if self.hubspot_defined:
            body["hubspotDefined"] = True
        return body

    def normalize(self, raw: Any) -> tuple[str | None, PropertyProblem | None]:
        """The stored string for ``raw`` ("" clears the value), or the problem with it."""
        if self.read_only:
            return None, PropertyProblem(
                self.name,
                "READ_ONLY_VALUE",
                f'"{self.name}" is a read only property; its value cannot be set.',
            )
        if raw is None:
            return "", None
        value = ("true" if raw else "false") if isinstance(raw, bool) else str(raw).strip()
        if value == "":
            return "", None
        if self.name == "email":
            if not EMAIL_RE.match(value):
                return None, PropertyProblem(
                    self.name, "INVALID_EMAIL", f"Email address {value} is invalid"
                )
            return value.lower(), None
        if self.type == "number":
            try:
                float(value)
            except ValueError:
                return None, PropertyProblem(
                    self.name, "INVALID_DECIMAL", f"{value} was not a valid number."
                )
            return value, None
        if self.type in ("datetime", "date"):
            ms = parse_ms(value)
            if ms is None:
                return None, PropertyProblem(
                    self.name,
                    "INVALID_DATE",
                    f"{value} was not a valid date or timestamp (ms since epoch or ISO 8601).",
                )
            return (iso_ms(ms) if self.type == "datetime" else iso_ms(ms)[:10]), None
        if self.type == "bool":
            if value.lower() not in ("true", "false"):
                return None, PropertyProblem(
                    self.name,
                    "INVALID_BOOLEAN",
                    f"{value} was not a valid boolean (true or false).",
                )
            return value.lower(), None
        if self.type == "enumeration":
            allowed = {option["value"] for option in self.options}
            chosen = value.split(";") if self.field_type == "checkbox" else [value]
            bad = [choice for choice in chosen if choice not in allowed]
            if bad:
                return None, PropertyProblem(
                    self.name,
                    "INVALID_OPTION",
                    f"{bad[0]} was not one of the allowed options: {sorted(allowed)}",
                )
        return value, None


def _options(values: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    return [
        {"label": value, "value": value, "displayOrder": index, "hidden": False}
        for index, value in enumerate(values)
    ]


def default_properties(now_ms: int) -> dict[str, PropertyDef]:
    """HubSpot's built-in contact properties that a marketing integration touches."""
    defs = [
        PropertyDef("email", "Email", has_unique_value=False),
        PropertyDef("firstname", "First Name"),
        PropertyDef("lastname", "Last Name"),
        PropertyDef("phone", "Phone Number", field_type="phonenumber"),
        PropertyDef("mobilephone", "Mobile Phone Number", field_type="phonenumber"),
        PropertyDef("company", "Company Name"),
        PropertyDef("jobtitle", "Job Title"),
        PropertyDef("website", "Website URL"),
        PropertyDef("address", "Street Address"),
        PropertyDef("city", "City"),
        PropertyDef("state", "State/Region"),
        PropertyDef("zip", "Postal Code"),
        PropertyDef("country", "Country/Region"),
        PropertyDef(
            "lifecyclestage",
            "Lifecycle Stage",
            "enumeration",
            "radio",
            options=_options(LIFECYCLE_STAGES),
        ),
        PropertyDef(
            "hs_language",
            "Preferred language",
            "enumeration",
            "select",
            options=_options(["es", "es-mx", "pt-br", "pt", "en", "fr", "de", "it", "nl"]),
        ),
        PropertyDef(
            "hs_email_optout",
            "Unsubscribed from all email",
            "bool",
            "booleancheckbox",
            group_name="emailinformation",
            options=_options(["true", "false"]),
        ),
        PropertyDef(
            "hs_email_bounce",
            "Marketing emails bounced",
            "number",
            "number",
            group_name="emailinformation",
            read_only=True,
        ),
        PropertyDef(
            "hs_email_last_open_date",
            "Last marketing email open date",
            "datetime",
            "date",
            group_name="emailinformation",
            read_only=True,
        ),
        PropertyDef("createdate", "Create Date", "datetime", "date"),
        PropertyDef("lastmodifieddate", "Last Modified Date", "datetime", "date", read_only=True),
        PropertyDef(
            "hs_object_id", "Record ID", "number", "number", read_only=True, has_unique_value=True
        ),
    ]
    for definition in defs:
        definition.created_ms = definition.updated_ms = now_ms
    return {definition.name: definition for definition in defs}


def custom_properties(now_ms: int) -> dict[str, PropertyDef]:
    """Custom properties the seeded portal already has (as a marketing team would add)."""
    defs = [
        PropertyDef(
            "email_consent_status",
            "Email consent status",
            "enumeration",
            "select",
            group_name="emailinformation",
            description="Mailchimp audience status, kept in sync by the ESP integration.",
            options=_options(["subscribed", "unsubscribed", "cleaned", "pending", "transactional"]),
            hubspot_defined=False,
        ),
        PropertyDef(
            "total_orders",
            "Total orders",
            "number",
            "number",
            group_name="contactinformation",
            description="Number of shop orders placed by the contact.",
            hubspot_defined=False,
        ),
        PropertyDef(
            "total_spent",
            "Total spent (EUR)",
            "number",
            "number",
            group_name="contactinformation",
            description="Sum of the contact's shop orders in euros, cancelled and refunded "
            "orders excluded.",
            hubspot_defined=False,
        ),
        PropertyDef(
            "last_order_date",
            "Last order date",
            "date",
            "date",
            group_name="contactinformation",
            description="Day of the contact's most recent shop order.",
            hubspot_defined=False,
        ),
    ]
    for definition in defs:
        definition.created_ms = definition.updated_ms = now_ms
    return {definition.name: definition for definition in defs}
