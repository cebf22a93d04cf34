"""Schedules, where-conditions and mappings are checked before any sync runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cauce.config import Config

ProblemsFn = Callable[..., list[str]]
LoadFn = Callable[..., Config]

SYNC = """\
connections:
  files:
    connector: folder
    config:
      directory: ./data
syncs:
  leads:
    source: {connection: files, stream: leads}
    destination: {connection: files, object: export}
"""


@pytest.mark.parametrize("schedule", ["*/15 * * * *", "0 6 * * mon-fri", "@daily", "@hourly"])
def test_standard_cron_expressions_and_shortcuts_are_accepted(load: LoadFn, schedule: str) -> None:
    config = load(SYNC + f"    schedule: '{schedule}'\n")

    assert config.syncs["leads"].schedule == schedule


def test_a_cron_field_out_of_range_is_named_with_its_allowed_values(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems(SYNC + "    schedule: '0 25 * * *'\n")

    assert found == [
        f"{config_file}:10: syncs.leads.schedule: invalid cron expression: bad hour field "
        "(expected 0-23, found '25')"
    ]


def test_a_cron_expression_with_the_wrong_number_of_fields_is_refused(
    problems: ProblemsFn,
) -> None:
    (found,) = problems(SYNC + "    schedule: '*/15 * * *'\n")

    assert found.endswith(
        ":10: syncs.leads.schedule: invalid cron expression: it has 4 field(s), not 5 "
        "(expected 5 fields 'minute hour day month weekday' such as '*/15 * * * *', or @daily, "
        "found '*/15 * * *')"
    )


def test_a_cron_expression_that_never_fires_is_refused(problems: ProblemsFn) -> None:
    (found,) = problems(SYNC + "    schedule: '0 0 31 2 *'\n")

    assert ":10: syncs.leads.schedule: this cron expression never fires" in found


def test_a_valid_where_condition_is_kept_as_written(load: LoadFn) -> None:
    config = load(SYNC + "    where: \"country = 'ES' and last_order_at within 90 days\"\n")

    assert config.syncs["leads"].where == "country = 'ES' and last_order_at within 90 days"


def test_a_broken_where_condition_points_at_the_line_and_column_in_the_file(
    problems: ProblemsFn, config_file: Path
) -> None:
    found = problems(SYNC + "    where: country =\n")

    assert found == [
        f"{config_file}:10:21: syncs.leads.where: invalid condition: expected a value after "
        "'=', found the end of the condition (at character 10)"
    ]


def test_a_quoted_where_condition_counts_the_quote_in_the_column(
    problems: ProblemsFn, config_file: Path
) -> None:
    (found,) = problems(SYNC + '    where: "age >> 30"\n')

    assert found.startswith(f"{config_file}:10:18: syncs.leads.where: invalid condition: ")
    assert "expected a value after '>', found '>'" in found


def test_an_error_on_the_second_line_of_a_block_condition_names_that_line(
    problems: ProblemsFn, config_file: Path
) -> None:
    text = SYNC + "    where: |\n      country = 'ES'\n        and last_order_at within 90 dayz\n"

    (found,) = problems(text)

    assert found.startswith(f"{config_file}:12:37: syncs.leads.where: invalid condition: ")
    assert "expected a time unit" in found


def test_every_mapping_problem_is_reported_at_its_own_key(
    problems: ProblemsFn, config_file: Path
) -> None:
    text = SYNC + (
        "    mapping:\n"
        "      email: email\n"
        "      merge_fields.FNAME: {feild: firstname}\n"
        "      orders: {field: orders, type: integr}\n"
        "      secret: '{{ email.__class__ }}'\n"
    )

    found = problems(text)

    assert found == [
        f'{config_file}:12: syncs.leads.mapping."merge_fields.FNAME".feild: unknown key '
        "'feild'; did you mean 'field'?",
        f'{config_file}:12: syncs.leads.mapping."merge_fields.FNAME": give exactly one of '
        "field, value or expr (found none of them)",
        f"{config_file}:13: syncs.leads.mapping.orders.type: unknown type 'integr'; "
        "did you mean 'integer'?",
        f"{config_file}:14: syncs.leads.mapping.secret: access to '__class__' is not allowed "
        "in expressions",
    ]


def test_a_valid_mapping_is_kept_for_the_engine(load: LoadFn) -> None:
    config = load(SYNC + "    mapping:\n      merge_fields.FNAME: firstname\n")

    assert config.syncs["leads"].mapping == {"merge_fields.FNAME": "firstname"}
