"""What `cauce connectors show` tells a user about a connector's settings, streams and sinks."""

from __future__ import annotations

from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Literal

import pytest
from pydantic import SecretStr

from cauce.config.catalog import config_fields, describe_connector, example_connection, type_name
from cauce.sdk import ConnectorSpec


class Region(Enum):
    EU = "eu"
    US = "us"


@pytest.mark.parametrize(
    ("annotation", "name"),
    [
        (str, "string"),
        (int | None, "integer"),
        (SecretStr, "string"),
        (Decimal, "decimal"),
        (Path, "path"),
        (list[str], "list of string"),
        (dict[str, int], "mapping of integer"),
        (Literal["a", "b"], "one of: a, b"),
        (Region, "one of: eu, us"),
        (str | int, "string or integer"),
    ],
)
def test_field_types_are_named_in_plain_words(annotation: object, name: str) -> None:
    assert type_name(annotation) == name


def test_settings_show_required_defaults_and_secrets(crm: ConnectorSpec) -> None:
    fields = {field.name: field for field in config_fields(crm)}

    assert list(fields) == ["base_url", "api_key", "page_size", "retry"]
    assert (fields["api_key"].required, fields["api_key"].secret) == (True, True)
    assert fields["api_key"].description == "Private app token."
    assert (fields["page_size"].type, fields["page_size"].default) == ("integer", 100)
    assert fields["retry"].type == "mapping (RetrySettings)"
    assert fields["retry"].default == {"max_attempts": 5}


def test_streams_and_sinks_carry_keys_cursors_batch_sizes_and_modes(crm: ConnectorSpec) -> None:
    described = describe_connector(crm)

    assert described["streams"][0] == {
        "name": "contacts",
        "description": "",
        "primary_key": "id",
        "cursor_field": "updated_at",
        "fields": [],
    }
    sink = described["sinks"][0]
    assert (sink["key"], sink["max_batch_size"], sink["modes"]) == (
        "email",
        100,
        ["upsert", "update"],
    )


def test_the_example_connection_puts_secrets_in_environment_variables(crm: ConnectorSpec) -> None:
    assert example_connection(crm, "hubspot") == (
        "connections:\n"
        "  hubspot:\n"
        "    connector: crm\n"
        "    config:\n"
        "      api_key: ${HUBSPOT_API_KEY}\n"
    )
