"""`cauce validate` reports every problem of a workflow at once, positioned, with suggestions."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.unit.workflows.fake_crm import crm_connector

from cauce.config.loader import load_config
from cauce.errors import ConfigError
from cauce.sdk.registry import Registry

BAD = """\
connections:
  crm: {connector: fakecrm, config: {crm: x}}
syncs: {}
workflows:
  bad:
    trigger:
      poll: {connection: crm, trigger: new_itemz, schedule: "99 * * * *"}
    steps:
      - id: f
        filter: "email is not emty"
      - id: up
        action: {connection: crmm, action: upsert_member, with: {a: "{{ x. }}"}}
      - id: look
        lookup: {connection: crm, action: get_contactt}
      - id: route
        branch:
          - when: "a = "
            steps: [{id: later, delay: "2 fortnights"}]
  after_sync:
    trigger: {sync: {sync: contactz}}
    steps: [{id: s, set: {a: 1}}]
"""


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "cauce.yml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path, registry=Registry({"fakecrm": crm_connector}))
    return [str(issue).split(": ", 1)[1] for issue in caught.value.issues]


def test_every_workflow_problem_is_reported_in_one_pass_with_suggestions(tmp_path: Path) -> None:
    found = _problems(tmp_path, BAD)
    expected_parts = [
        "trigger.poll.trigger: connector 'fakecrm' has no trigger 'new_itemz'; "
        "did you mean 'new_items'?",
        "trigger.poll.schedule: invalid cron expression: bad minute field",
        "steps[0].filter: invalid condition",
        "steps[1].action.connection: unknown connection 'crmm'; did you mean 'crm'?",
        "steps[1].action.with.a: invalid expression",
        "steps[2].lookup.action: connector 'fakecrm' has no action 'get_contactt'; "
        "did you mean 'get_contact'?",
        "steps[3].branch[0].when: invalid condition",
        "'2 fortnights' is not a duration",
        "after_sync.trigger.sync.sync: unknown sync 'contactz'",
    ]
    for part in expected_parts:
        assert any(part in problem for problem in found), (part, found)


def test_a_step_with_two_kinds_is_refused_with_the_step_named(tmp_path: Path) -> None:
    text = """\
workflows:
  w:
    trigger: {schedule: "* * * * *"}
    steps:
      - {id: both, filter: "a = 1", delay: "1h"}
"""
    found = _problems(tmp_path, text)
    assert any("step 'both' must have exactly one of" in p for p in found), found
