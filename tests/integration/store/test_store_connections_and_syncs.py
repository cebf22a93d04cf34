from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from cauce.errors import StoreError
from cauce.store import SecretBox, Store


def raw_config(store: Store, name: str) -> str:
    with store.engine.connect() as conn:
        value = conn.execute(
            sa.text("SELECT config FROM connections WHERE name = :n"), {"n": name}
        ).scalar_one()
    return value if isinstance(value, str) else json.dumps(value)


def test_connection_secrets_are_encrypted_at_rest_and_readable_back(store: Store) -> None:
    config = {
        "base_url": "https://api.example.com",
        "api_key": "sk-live-0123456789",
        "auth": {"username": "ana", "password": "hunter2-and-more"},
    }
    store.save_connection("mailchimp", "mailchimp", config, ["api_key", "auth.password"])

    stored = raw_config(store, "mailchimp")
    assert "sk-live-0123456789" not in stored
    assert "hunter2-and-more" not in stored
    assert "https://api.example.com" in stored and "ana" in stored
    assert store.load_connection("mailchimp") == ("mailchimp", config)


def test_saving_a_connection_again_replaces_it(store: Store) -> None:
    store.save_connection("crm", "hubspot", {"token": "old"}, ["token"])
    store.save_connection("crm", "salesforce", {"token": "new", "region": "eu"}, ["token"])

    assert store.load_connection("crm") == ("salesforce", {"token": "new", "region": "eu"})
    assert store.list_connections() == [("crm", "salesforce")]


def test_unknown_connection_loads_as_none(store: Store) -> None:
    assert store.load_connection("nope") is None


def test_absent_or_empty_secret_fields_are_left_alone(store: Store) -> None:
    store.save_connection("csv", "csv", {"path": "a.csv", "token": None}, ["token", "auth.key"])

    assert store.load_connection("csv") == ("csv", {"path": "a.csv", "token": None})


def test_secret_field_that_is_not_text_is_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="'port' is marked secret but holds a int"):
        store.save_connection("db", "sql", {"port": 5432}, ["port"])


def test_store_opened_with_another_key_cannot_read_secrets_and_says_why(
    store: Store, store_url: str
) -> None:
    store.save_connection("esp", "brevo", {"api_key": "xkeysib-secret"}, ["api_key"])

    other = Store.open(store_url, secret_box=SecretBox.from_key(SecretBox.generate_key()))
    try:
        with pytest.raises(StoreError, match="encrypted with a different key") as raised:
            other.load_connection("esp")
        assert "xkeysib-secret" not in str(raised.value)
    finally:
        other.close()


def test_sync_definition_is_saved_without_touching_its_state(store: Store) -> None:
    store.upsert_sync("crm_to_esp", {"source": "crm.contacts", "mode": "upsert"})
    store.set_sync_state("crm_to_esp", {"cursor": "2026-01-01"})
    store.upsert_sync("crm_to_esp", {"source": "crm.contacts", "mode": "mirror"})

    sync = store.get_sync("crm_to_esp")
    assert sync is not None
    assert sync.definition == {"source": "crm.contacts", "mode": "mirror"}
    assert sync.state == {"cursor": "2026-01-01"}
    assert [s.name for s in store.list_syncs()] == ["crm_to_esp"]


def test_state_of_a_sync_never_run_is_empty(store: Store) -> None:
    assert store.get_sync_state("never") == {}
    assert store.get_sync("never") is None


def test_state_can_be_set_before_the_definition_is_saved(store: Store) -> None:
    store.set_sync_state("adhoc_import", {"offset": 10})

    assert store.get_sync_state("adhoc_import") == {"offset": 10}


def test_full_refresh_reset_forgets_state_and_fingerprints_of_that_sync_only(
    store: Store,
) -> None:
    for sync in ("a", "b"):
        store.set_sync_state(sync, {"cursor": 5})
        run = store.create_run(sync, job_id=None, dry_run=False, full_refresh=False)
        store.commit_batch(
            run,
            sync,
            fingerprints={"k": "f"},
            deleted_keys=[],
            rows=[],
            counts={},
            checkpoint=None,
        )

    store.reset_sync("a")

    assert store.get_sync_state("a") == {}
    assert store.count_fingerprints("a") == 0
    assert store.get_sync_state("b") == {"cursor": 5}
    assert store.count_fingerprints("b") == 1


def test_settings_round_trip_json_values(store: Store) -> None:
    assert store.get_setting("ui.theme", "light") == "light"
    store.set_setting("ui.theme", {"name": "dark", "contrast": 2})
    store.set_setting("ui.theme", {"name": "dark", "contrast": 3})

    assert store.get_setting("ui.theme") == {"name": "dark", "contrast": 3}


def test_unreachable_postgres_is_reported_without_the_password() -> None:
    with pytest.raises(StoreError) as raised:
        Store.open("postgresql://cauce:s3cr3t-pw@127.0.0.1:1/cauce")

    message = str(raised.value)
    assert "Cannot migrate the store postgresql+psycopg://cauce:***@127.0.0.1:1/cauce" in message
    assert "reachable" in message
    assert "s3cr3t-pw" not in message
