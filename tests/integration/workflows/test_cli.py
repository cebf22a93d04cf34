"""`cauce workflow runs|show|replay` as an operator uses them after an in-house API failed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from typer.testing import CliRunner

from cauce.bootstrap import bootstrap
from cauce.cli.main import app
from cauce.sandbox.serve import ThreadedServer
from cauce.sdk import Event

CONFIG = """\
workflows:
  leads_to_backoffice:
    trigger:
      webhook: {generic: true, secret: "${HOOK_SECRET}"}
    steps:
      - id: shape
        set: {email: "{{ event.data.email | lower }}"}
      - id: post
        action:
          action: http.request
          with:
            url: "${BACKOFFICE_URL}/leads"
            json: {email: "{{ steps.shape.email }}"}
"""


class Backoffice:
    def __init__(self) -> None:
        self.down = True
        self.leads: list[str] = []
        self.app = FastAPI()

        @self.app.post("/leads")
        async def lead(request: Request) -> JSONResponse:
            if self.down:
                return JSONResponse(
                    {"message": "maintenance: leads are read-only"}, status_code=409
                )
            self.leads.append((await request.json())["email"])
            return JSONResponse({"ok": True})


@pytest.fixture
def backoffice() -> Iterator[tuple[Backoffice, str]]:
    api = Backoffice()
    server = ThreadedServer(api.app).start()
    yield api, server.url
    server.stop()


def _cli(env: dict[str, str], *args: str) -> Any:
    result = CliRunner().invoke(app, ["workflow", *args], env=env)
    return result


def test_an_operator_finds_the_failed_run_reads_why_and_replays_it(
    tmp_path: Path, backoffice: tuple[Backoffice, str]
) -> None:
    api, url = backoffice
    config = tmp_path / "cauce.yml"
    config.write_text(CONFIG)
    env = {"HOOK_SECRET": "a-long-hook-secret", "BACKOFFICE_URL": url, "CAUCE_CONFIG": str(config)}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        application = bootstrap(config)
        try:
            application.workflows.accept(
                "leads_to_backoffice", [Event("lead-1", "lead", {"email": "Ana@Example.com"})]
            )
            application.executor().run_until_idle()
        finally:
            application.close()

        listed = _cli(env, "list", "--json")
        assert json.loads(listed.stdout)[0]["runs"] == {"failed": 1}
        assert "a-long-hook-secret" not in listed.stdout

        runs = _cli(env, "runs", "leads_to_backoffice", "--status", "failed", "--json")
        [failed] = json.loads(runs.stdout)
        assert failed["step"] == "post"
        assert "maintenance: leads are read-only" in failed["error"]

        shown = _cli(env, "show", str(failed["id"]), "--json")
        steps = json.loads(shown.stdout)["steps"]
        assert [(s["path"], s["status"]) for s in steps] == [
            ("shape", "succeeded"),
            ("post", "failed"),
        ]
        assert steps[1]["input"]["json"] == {"email": "ana@example.com"}

        api.down = False
        replayed = _cli(env, "replay", "--failed", "--since", "1h", "--json")
        assert replayed.exit_code == 0, replayed.output
        [pair] = json.loads(replayed.stdout)
        assert pair["run"] == failed["id"]

        application = bootstrap(config)
        try:
            application.executor().run_until_idle()
        finally:
            application.close()
        assert api.leads == ["ana@example.com"]
        new = json.loads(_cli(env, "show", str(pair["replay"]), "--json").stdout)
        assert new["status"] == "succeeded" and new["replay_of"] == failed["id"]
        assert [s["path"] for s in new["steps"]] == ["post"]
        table = _cli(env, "runs")
        assert table.exit_code == 0 and "replay" in table.stdout


def test_replay_without_a_run_or_failed_says_what_to_give(tmp_path: Path) -> None:
    config = tmp_path / "cauce.yml"
    config.write_text(CONFIG)
    result = _cli({"CAUCE_CONFIG": str(config)}, "replay")
    assert result.exit_code == 1
    assert "give either a RUN_ID or --failed" in result.output


def test_a_typo_in_a_workflow_name_gets_the_closest_name(tmp_path: Path) -> None:
    config = tmp_path / "cauce.yml"
    config.write_text(CONFIG)
    env = {"CAUCE_CONFIG": str(config), "HOOK_SECRET": "x" * 12, "BACKOFFICE_URL": "http://x"}
    result = _cli(env, "runs", "leads_to_backofice")
    assert result.exit_code == 1
    assert "did you mean 'leads_to_backoffice'?" in " ".join(result.output.split())


def test_a_sample_event_that_is_not_json_is_refused_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "cauce.yml"
    config.write_text(CONFIG)
    sample = tmp_path / "event.json"
    sample.write_text('{"email": "a@b.c",\n oops}')
    env = {"CAUCE_CONFIG": str(config), "HOOK_SECRET": "x" * 12, "BACKOFFICE_URL": "http://x"}
    result = _cli(env, "test", "leads_to_backoffice", "--event", str(sample))
    assert result.exit_code == 1
    said = " ".join(result.output.split())
    assert "is not JSON" in said and "line 2" in said
