"""A valid cauce.yml loads into typed models, with variables, defaults and paths resolved."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cauce.config import Config, find_config
from cauce.errors import ConfigError
from cauce.sdk import WriteMode

LoadFn = Callable[..., Config]

FULL = """\
store:
  url: sqlite:///state/cauce.db
connections:
  crm:
    connector: crm
    config:
      api_key: ${CRM_TOKEN}
      page_size: ${PAGE_SIZE:-250}
  files:
    connector: folder
    config:
      directory: ./data
syncs:
  crm_to_files:
    source: {connection: crm, stream: contacts}
    destination: {connection: files, object: contacts_export}
    mode: mirror
    mirror: {max_delete_percent: 2.5}
    schedule: "*/15 * * * *"
    options: {encoding: cp1252}
    batch_size: ${BATCH:-200}
  files_to_crm:
    source: {connection: files, stream: new_leads}
    destination: {connection: crm, object: contacts}
    key: email
    mode: update
"""


def test_a_complete_file_loads_into_typed_sections(load: LoadFn) -> None:
    config = load(FULL, env={"CRM_TOKEN": "tok-123"})

    assert sorted(config.connections) == ["crm", "files"]
    assert config.connections["crm"].config == {"api_key": "tok-123", "page_size": "250"}
    export = config.syncs["crm_to_files"]
    assert export.source.stream == "contacts"
    assert export.destination.object == "contacts_export"
    assert export.write_mode is WriteMode.MIRROR
    assert export.mirror.max_delete_percent == 2.5
    assert export.batch_size == 200
    assert export.options == {"encoding": "cp1252"}
    leads = config.syncs["files_to_crm"]
    assert (leads.key, leads.mode, leads.schedule, leads.where, leads.mapping) == (
        "email",
        "update",
        None,
        None,
        None,
    )
    assert leads.mirror.max_delete_percent == 10
    assert leads.options == {}


def test_environment_variables_fill_values_and_defaults_apply_when_unset(load: LoadFn) -> None:
    text = FULL.replace("./data", "${DATA_DIR:-./data}/${SUBDIR}")
    config = load(text, env={"CRM_TOKEN": "t", "BATCH": "750", "SUBDIR": "inbox", "DATA_DIR": ""})

    assert config.syncs["crm_to_files"].batch_size == 750
    assert config.connections["files"].config["directory"] == "./data/inbox"


def test_a_double_dollar_keeps_a_literal_variable_reference(load: LoadFn) -> None:
    text = FULL.replace("./data", "./$${NOT_A_VARIABLE}")
    config = load(text, env={"CRM_TOKEN": "t"})

    assert config.connections["files"].config["directory"] == "./${NOT_A_VARIABLE}"


def test_a_value_from_the_environment_is_not_interpolated_again(load: LoadFn) -> None:
    config = load(FULL, env={"CRM_TOKEN": "pa$${x}${y}"})

    assert config.connections["crm"].config["api_key"] == "pa$${x}${y}"


def test_an_empty_file_is_a_valid_configuration_with_defaults(load: LoadFn) -> None:
    config = load("# nothing configured yet\n")

    assert config.connections == {}
    assert config.syncs == {}
    assert config.store.url == "sqlite:///.cauce/cauce.db"


def test_sections_whose_entries_are_all_commented_out_count_as_empty(load: LoadFn) -> None:
    config = load("store:\nconnections:\n  # crm: ...\nsyncs:\n")

    assert (config.connections, config.syncs) == ({}, {})


def test_the_default_store_lives_next_to_the_config_file(load: LoadFn, config_file: Path) -> None:
    config = load("connections: {}\n")

    expected = config_file.resolve().parent / ".cauce" / "cauce.db"
    assert config.resolve_store_url() == f"sqlite:///{expected}"


def test_a_relative_sqlite_store_resolves_against_the_config_folder(
    load: LoadFn, config_file: Path
) -> None:
    config = load("store: {url: 'sqlite:///state/cauce.db'}\n")

    assert config.resolve_store_url() == f"sqlite:///{config_file.resolve().parent}/state/cauce.db"


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////var/lib/cauce/cauce.db",
        "sqlite:///:memory:",
        "postgresql+psycopg://cauce:secret@db.internal/cauce",
    ],
)
def test_absolute_memory_and_server_store_urls_are_kept_as_written(load: LoadFn, url: str) -> None:
    config = load(f"store: {{url: '{url}'}}\n")

    assert config.resolve_store_url() == url


def test_a_config_built_in_code_resolves_its_store_against_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)

    assert Config().resolve_store_url() == f"sqlite:///{tmp_path.resolve()}/.cauce/cauce.db"


def test_looking_up_an_unknown_sync_suggests_the_closest_name(load: LoadFn) -> None:
    config = load(FULL, env={"CRM_TOKEN": "t"})

    with pytest.raises(
        ConfigError, match="no sync named 'crm_to_file'; did you mean 'crm_to_files'"
    ):
        config.get_sync("crm_to_file")
    assert config.get_connection("files").connector == "folder"


def test_find_config_prefers_the_explicit_path_then_the_environment_then_the_folder(
    tmp_path: Path,
) -> None:
    (tmp_path / "cauce.yml").write_text("{}\n")
    (tmp_path / "other.yml").write_text("{}\n")
    (tmp_path / "env.yml").write_text("{}\n")
    env = {"CAUCE_CONFIG": str(tmp_path / "env.yml")}

    assert find_config(str(tmp_path / "other.yml"), env=env, cwd=tmp_path).name == "other.yml"
    assert find_config(None, env=env, cwd=tmp_path).name == "env.yml"
    assert find_config(None, env={}, cwd=tmp_path) == tmp_path / "cauce.yml"
    assert find_config(str(tmp_path), env={}, cwd=tmp_path) == tmp_path / "cauce.yml"


def test_a_missing_config_file_suggests_cauce_init(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        find_config(None, env={}, cwd=tmp_path)

    message = str(caught.value.issues[0])
    assert message.startswith("cauce.yml: configuration file not found")
    assert "cauce init" in message
    assert "--config" in message


def test_a_missing_file_named_in_the_environment_says_where_the_name_came_from(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"from \$CAUCE_CONFIG"):
        find_config(None, env={"CAUCE_CONFIG": str(tmp_path / "nope.yml")}, cwd=tmp_path)
