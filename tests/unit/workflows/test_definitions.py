"""Definitions as stored with runs: no secrets kept, the same workflow when run again."""

from __future__ import annotations

import pytest

from cauce.config.workflows import WorkflowConfig, parse_duration
from cauce.engine.workflows.definition import (
    HIDDEN_SECRET,
    DefinitionCache,
    restore_secrets,
    snapshot,
)

HTTP = {
    "action": "http.request",
    "with": {
        "url": "https://in.example.com/x",
        "headers": {"Authorization": "Bearer live-token-123", "X-Trace": "{{ event.id }}"},
        "json": {"api_key": "k-456789", "email": "{{ event.data.email }}"},
    },
}
WORKFLOW = WorkflowConfig.model_validate(
    {
        "trigger": {"webhook": {"generic": True, "secret": "hook-secret-999"}},
        "steps": [
            {"id": "first", "action": HTTP},
            {
                "id": "route",
                "branch": [
                    {"when": "event.type = 'a'", "steps": [{"id": "inner", "action": HTTP}]},
                    {"otherwise": [{"id": "later", "delay": "1h"}]},
                ],
            },
        ],
    }
)


def test_a_stored_definition_holds_no_secret_and_is_whole_again_when_restored() -> None:
    stored = snapshot(WORKFLOW)
    text = str(stored)
    for secret in ("live-token-123", "k-456789", "hook-secret-999"):
        assert secret not in text
    assert stored["steps"][0]["action"]["with"]["headers"]["X-Trace"] == "{{ event.id }}"
    assert text.count(HIDDEN_SECRET) == 5
    assert restore_secrets(stored, snapshot(WORKFLOW, hide_secrets=False)) == snapshot(
        WORKFLOW, hide_secrets=False
    )


def test_a_secret_missing_from_the_current_definition_stays_hidden() -> None:
    stored = snapshot(WORKFLOW)
    current = snapshot(WORKFLOW, hide_secrets=False)
    current["steps"] = current["steps"][1:]  # step "first" was removed from cauce.yml
    restored = restore_secrets(stored, current)
    assert restored["steps"][0]["action"]["with"]["headers"]["Authorization"] == HIDDEN_SECRET
    inner = restored["steps"][1]["branch"][0]["steps"][0]
    assert inner["action"]["with"]["headers"]["Authorization"] == "Bearer live-token-123"


def test_one_definition_is_compiled_once_whatever_form_it_comes_in() -> None:
    cache = DefinitionCache()
    compiled = cache.get("w", WORKFLOW)
    assert cache.get("w", snapshot(WORKFLOW, hide_secrets=False)) is compiled
    assert cache.get("other", WORKFLOW) is not compiled


@pytest.mark.parametrize(
    ("text", "seconds"), [("90s", 90), ("15m", 900), ("2h", 7200), ("1.5d", 129600), ("1w", 604800)]
)
def test_durations_read_as_people_write_them(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2 fortnights", "h", "", "-1h", "100d"])
def test_a_duration_that_is_not_one_says_how_to_write_it(text: str) -> None:
    with pytest.raises(ValueError, match=r"duration|longest delay"):
        parse_duration(text)
