"""Every way a cauce.yml can be wrong gives a message with its file, line and key path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cauce.config import load_config
from cauce.errors import ConfigError
from cauce.sdk import Registry

ProblemsFn = Callable[..., list[str]]

GOOD_SYNC = """\
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
TOKEN = {"CRM_TOKEN": "pat-eu1-0123456789"}


def test_malformed_yaml_is_one_problem_with_the_parsers_line_and_column(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems("connections:\n  crm:\n    connector: crm: csv\n")

    assert found == [
        f"{config_file}:3:19: invalid YAML: mapping values are not allowed here",
    ]


def test_an_unclosed_bracket_names_where_it_was_opened(problems: ProblemsFn) -> None:
    (found,) = problems("syncs:\n  a:\n    source: {connection: x, stream: y\n\n")

    assert "invalid YAML: expected ',' or '}'" in found
    assert "while parsing a flow mapping started on line 3" in found


def test_an_unquoted_variable_inside_braces_gets_a_quoting_hint(problems: ProblemsFn) -> None:
    (found,) = problems("connections:\n  w:\n    connector: sql\n    config: {url: ${DB_URL}}\n")

    assert ":4:" in found
    assert "put quotes around values with ${...}" in found


def test_a_tab_used_for_indentation_is_named_as_such(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems("connections:\n\tcrm:\n")

    assert found == [
        f"{config_file}:2:1: a tab character cannot be used for indentation in YAML; "
        "indent with spaces"
    ]


def test_a_key_written_twice_is_refused_with_both_places(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems("connections:\n  crm:\n    connector: crm\n  crm:\n    connector: crm\n")

    assert found == [
        f"{config_file}:4:3: duplicate key 'crm' in the mapping that starts on line 2; "
        "each key may appear once"
    ]


def test_a_file_that_is_not_utf8_says_so_with_its_line(
    config_file: Path, registry: Registry
) -> None:
    config_file.write_bytes(b"connections:\n  crm:\n    connector: Caf\xe9\n")

    with pytest.raises(ConfigError) as caught:
        load_config(config_file, env={}, registry=registry)

    assert str(caught.value.issues[0]) == (
        f"{config_file}:3: the file is not UTF-8 text (byte 0xe9); save it as UTF-8"
    )


def test_a_file_that_is_a_list_is_refused(problems: ProblemsFn, config_file: Path) -> None:
    found = problems("- crm\n- files\n")

    assert found == [
        f"{config_file}:1: the file must be a mapping of sections: store, connections, syncs, "
        "workflows (expected a mapping (key: value), found a list)"
    ]


def test_a_missing_environment_variable_names_the_variable_and_the_key(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems(GOOD_SYNC, env={})

    assert found == [
        f"{config_file}:5: connections.crm.config.api_key: environment variable CRM_TOKEN is "
        "not set; set it, or give a default with ${CRM_TOKEN:-...}"
    ]


def test_a_malformed_variable_reference_is_reported(problems: ProblemsFn) -> None:
    (found,) = problems(GOOD_SYNC.replace("${CRM_TOKEN}", "${CRM TOKEN}"), env=TOKEN)

    assert (
        ":5: connections.crm.config.api_key: malformed variable reference '${CRM TOKEN}'" in found
    )


def test_an_unknown_key_suggests_the_closest_valid_one(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems(GOOD_SYNC + "    scheduel: '@daily'\n", env=TOKEN)

    assert found == [
        f"{config_file}:14: syncs.leads.scheduel: unknown key 'scheduel'; did you mean 'schedule'?"
    ]


def test_an_unknown_top_level_section_suggests_the_closest_one(problems: ProblemsFn) -> None:
    found = problems(GOOD_SYNC.replace("syncs:", "sync:"), env=TOKEN)

    assert any(":10: sync: unknown key 'sync'; did you mean 'syncs'?" in line for line in found)


def test_an_unknown_key_without_a_close_match_lists_the_allowed_ones(problems: ProblemsFn) -> None:
    (found,) = problems("store:\n  url: sqlite:///x.db\n  pool: 5\n")

    assert found.endswith(":3: store.pool: unknown key 'pool'; allowed keys: url")


def test_a_wrong_type_says_what_was_expected_and_what_was_found(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems(GOOD_SYNC + "    batch_size: ten\n", env=TOKEN)

    assert found == [
        f"{config_file}:14: syncs.leads.batch_size: wrong type (expected an integer, found 'ten')"
    ]


def test_a_misspelt_mode_suggests_the_intended_one(problems: ProblemsFn) -> None:
    (found,) = problems(GOOD_SYNC + "    mode: upsrt\n", env=TOKEN)

    assert found.endswith(
        ":14: syncs.leads.mode: not one of the allowed values; did you mean 'upsert'? "
        "(expected one of 'upsert', 'update' or 'mirror', found 'upsrt')"
    )


def test_an_out_of_range_mirror_threshold_is_refused(problems: ProblemsFn) -> None:
    (found,) = problems(GOOD_SYNC + "    mirror: {max_delete_percent: 150}\n", env=TOKEN)

    assert found.endswith(
        ":14: syncs.leads.mirror.max_delete_percent: value out of range "
        "(expected a number at most 100, found 150)"
    )


def test_a_missing_required_key_is_reported_on_the_line_of_its_parent(
    problems: ProblemsFn, config_file: Path
) -> None:
    text = GOOD_SYNC.replace("    source: {connection: files, stream: leads}\n", "")

    found = problems(text, env=TOKEN)

    assert found == [
        f"{config_file}:11: syncs.leads.source: missing required key 'source' in syncs.leads"
    ]


def test_a_section_of_the_wrong_shape_says_a_mapping_was_expected(problems: ProblemsFn) -> None:
    (found,) = problems("connections:\n  - crm\n")

    assert found.endswith(
        ":1: connections: wrong type (expected a mapping (key: value), found a list)"
    )


def test_a_name_with_capitals_or_spaces_is_refused_with_a_usable_alternative(
    problems: ProblemsFn,
) -> None:
    (found,) = problems(GOOD_SYNC.replace("  leads:", "  New Leads:"), env=TOKEN)

    assert found.endswith(
        ":11: syncs.\"New Leads\": invalid sync name 'New Leads': use lowercase letters, digits, "
        "'_' and '-' only, e.g. 'new_leads'"
    )


def test_a_value_from_the_environment_is_never_shown_in_a_message(problems: ProblemsFn) -> None:
    text = GOOD_SYNC + "    batch_size: ${BATCH}\n"

    (found,) = problems(text, env={**TOKEN, "BATCH": "hunter2-not-a-number"})

    assert "hunter2" not in found
    assert found.endswith(
        ":14: syncs.leads.batch_size: wrong type (expected an integer, found the value of ${BATCH})"
    )


def test_every_problem_in_the_file_is_reported_at_once_in_line_order(
    problems: ProblemsFn, config_file: Path
) -> None:
    text = """\
store:
  url: sqlite:///x.db
  pool: 5
connections:
  crm:
    connector: crn
  files:
    connector: folder
    config:
      directory: ${DATA_DIR}
syncs:
  leads:
    source: {connection: file, stream: leads}
    destination: {connection: crm, object: contacts}
    mode: upsrt
    schedule: "61 * * * *"
    batch_size: ten
    scheduel: x
"""
    found = problems(text, env={})

    lines = [line.split(": ", 1)[0] for line in found]
    assert lines == [f"{config_file}:{n}" for n in (3, 6, 10, 13, 15, 16, 17, 18)]
    assert "did you mean 'crm'?" in found[1]
    assert "DATA_DIR" in found[2]
    assert "unknown connection 'file'; did you mean 'files'?" in found[3]


def test_aliases_that_expand_without_end_are_refused_quickly(problems: ProblemsFn) -> None:
    rows = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for name, previous in zip("bcdefg", "abcdef", strict=True):
        rows.append(f"{name}: &{name} [{', '.join([f'*{previous}'] * 10)}]")

    (found,) = problems("\n".join(rows) + "\n")

    assert found.endswith(
        ":5: e: the file expands to more than 100000 values, through YAML aliases (*name) "
        "repeating each other; write the values out or use fewer aliases"
    )


def test_shared_settings_through_anchors_and_merge_keys_work(problems: ProblemsFn) -> None:
    text = GOOD_SYNC.replace(
        "syncs:\n",
        "syncs:\n  base: &base\n    source: {connection: files, stream: leads}\n"
        "    destination: {connection: crm, object: contacts}\n"
        "  copy:\n    <<: *base\n    mode: upsrt\n",
    )

    (found,) = problems(text, env=TOKEN)

    assert ":16: syncs.copy.mode: not one of the allowed values; did you mean 'upsert'?" in found
