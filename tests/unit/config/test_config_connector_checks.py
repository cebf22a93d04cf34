"""Connections and syncs are checked against what the installed connectors declare."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from cauce.config import Config

ProblemsFn = Callable[..., list[str]]
LoadFn = Callable[..., Config]
TOKEN = {"CRM_TOKEN": "pat-eu1-0123456789"}

BASE = """\
connections:
  crm:
    connector: crm
    config:
      api_key: ${CRM_TOKEN}
  files:
    connector: folder
    config:
      directory: ./data
syncs:
  leads:
    source: {connection: files, stream: leads}
    destination: {connection: crm, object: contacts}
"""


def test_an_unknown_connector_suggests_the_closest_installed_one(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems(BASE.replace("connector: crm", "connector: crn"), env=TOKEN)

    assert found == [
        f"{config_file}:3: connections.crm.connector: unknown connector 'crn'; did you mean "
        "'crm'? (expected an installed connector: crm, folder, found 'crn')"
    ]


def test_a_connector_that_failed_to_load_is_named_with_the_reason(
    problems: ProblemsFn, registry_with_broken: None
) -> None:
    (found,) = problems(BASE.replace("connector: crm", "connector: broken"), env=TOKEN)

    assert found.endswith(
        ":3: connections.crm.connector: connector 'broken' is installed but failed to load "
        "(ImportError: No module named 'ldap'); reinstall it or check its package"
    )


def test_a_missing_connector_setting_is_reported_on_the_connection(problems: ProblemsFn) -> None:
    (found,) = problems(BASE.replace("      api_key: ${CRM_TOKEN}\n", "      page_size: 50\n"))

    assert found.endswith(
        ":4: connections.crm.config.api_key: missing required key 'api_key' in "
        "connections.crm.config"
    )


def test_a_connector_setting_of_the_wrong_type_points_at_its_line(problems: ProblemsFn) -> None:
    text = BASE.replace(
        "      api_key: ${CRM_TOKEN}\n", "      api_key: x\n      page_size: many\n"
    )

    (found,) = problems(text)

    assert found.endswith(
        ":6: connections.crm.config.page_size: wrong type (expected an integer, found 'many')"
    )


def test_a_typo_in_a_nested_connector_setting_suggests_the_right_key(problems: ProblemsFn) -> None:
    text = BASE.replace(
        "      api_key: ${CRM_TOKEN}\n",
        "      api_key: x\n      retry:\n        max_attemps: 3\n",
    )

    (found,) = problems(text)

    assert found.endswith(
        ":7: connections.crm.config.retry.max_attemps: unknown key 'max_attemps'; "
        "did you mean 'max_attempts'?"
    )


def test_a_typo_in_a_lenient_connector_config_is_still_caught(problems: ProblemsFn) -> None:
    missing, unknown = problems(BASE.replace("directory:", "directroy:"), env=TOKEN)

    assert missing.endswith(
        ":8: connections.files.config.directory: missing required key "
        "'directory' in connections.files.config"
    )
    assert unknown.endswith(
        ":9: connections.files.config.directroy: unknown key 'directroy'; did you mean "
        "'directory'? (connector 'folder' has no such setting)"
    )


def test_the_value_of_a_secret_setting_is_never_shown(problems: ProblemsFn) -> None:
    text = BASE.replace("api_key: ${CRM_TOKEN}", "api_key: [sk-live-123]")

    (found,) = problems(text)

    assert "sk-live" not in found
    assert found.endswith("(expected a string, found a secret value (hidden))")


def test_an_unknown_connection_in_a_sync_suggests_the_closest_name(problems: ProblemsFn) -> None:
    (found,) = problems(BASE.replace("{connection: files,", "{connection: file,"), env=TOKEN)

    assert found.endswith(
        ":12: syncs.leads.source.connection: unknown connection 'file'; did you mean 'files'?"
    )


def test_an_unknown_stream_suggests_the_closest_one(problems: ProblemsFn) -> None:
    text = BASE.replace("{connection: files, stream: leads}", "{connection: crm, stream: contact}")

    (found,) = problems(text, env=TOKEN)

    assert found.endswith(
        ":12: syncs.leads.source.stream: connector 'crm' has no stream 'contact'; "
        "did you mean 'contacts'?"
    )


def test_an_unknown_sink_lists_the_ones_there_are(problems: ProblemsFn) -> None:
    text = BASE.replace("{connection: crm, object: contacts}", "{connection: crm, object: deals}")

    (found,) = problems(text, env=TOKEN)

    assert found.endswith(
        ":13: syncs.leads.destination.object: connector 'crm' has no sink 'deals'; "
        "its sinks: contacts"
    )


def test_a_connector_with_user_named_objects_accepts_any_name(load: LoadFn) -> None:
    text = BASE.replace("stream: leads", "stream: anything_at_all")

    config = load(text, env=TOKEN)

    assert config.syncs["leads"].source.stream == "anything_at_all"


def test_a_mode_the_sink_does_not_support_is_refused(problems: ProblemsFn) -> None:
    (found,) = problems(BASE + "    mode: mirror\n", env=TOKEN)

    assert found.endswith(
        ":14: syncs.leads.mode: sink 'contacts' of connector 'crm' does not support mode "
        "'mirror' (expected one of upsert, update, found 'mirror')"
    )


def test_a_key_the_sink_does_not_have_is_refused(problems: ProblemsFn) -> None:
    (found,) = problems(BASE + "    key: emial\n", env=TOKEN)

    assert found.endswith(
        ":14: syncs.leads.key: sink 'contacts' of connector 'crm' has no field 'emial'; did you "
        "mean 'email'? (expected one of email, firstname, lastname, found 'emial')"
    )


def test_a_sync_with_a_typo_still_gets_its_references_checked(problems: ProblemsFn) -> None:
    text = BASE.replace("stream: leads}", "stream: leads}\n    batchsize: 10").replace(
        "{connection: crm, object: contacts}", "{connection: crm, object: contact}"
    )

    found = problems(text, env=TOKEN)

    assert [line.split(": ")[1] for line in found] == [
        "syncs.leads.batchsize",
        "syncs.leads.destination.object",
    ]


def test_a_store_that_is_not_sqlite_or_postgresql_is_refused(problems: ProblemsFn) -> None:
    (found,) = problems("store:\n  url: mysql+pymysql://root@localhost/cauce\n")

    assert found.endswith(
        ":2: store.url: the store cannot live in 'mysql' (expected a sqlite or postgresql URL, "
        "found 'mysql')"
    )


def test_a_store_url_that_is_not_a_url_is_refused_without_echoing_secrets(
    problems: ProblemsFn,
) -> None:
    (found,) = problems("store:\n  url: ${STORE_URL}\n", env={"STORE_URL": "p@ss:word"})

    assert "p@ss" not in found
    assert ":2: store.url: not a database URL" in found
    assert found.endswith("found the value of ${STORE_URL})")


def test_a_connector_whose_settings_check_crashes_is_reported_not_fatal(
    problems: ProblemsFn, registry_with_crashing: None
) -> None:
    text = BASE.replace("connector: folder", "connector: crashing")

    (found,) = problems(text, env=TOKEN)

    assert found.endswith(
        ":8: connections.files.config: connector 'crashing' failed while checking these "
        "settings (TypeError); report this to the connector's authors"
    )
