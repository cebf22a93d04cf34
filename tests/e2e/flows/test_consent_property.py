"""Consent holds across any sequence of unsubscribes, bounces, CRM edits, CSV re-imports and syncs.

The real flows run in-process (``bootstrap(config).syncs.run(name)``, the
same service the CLI calls) against the sandbox: the CRM → ESP example
sync, and a CSV → Mailchimp members sync standing for a team re-importing
an old spreadsheet that still says everybody is subscribed. People
unsubscribe and hard-bounce through the Mailchimp emulator's admin
"simulate" endpoints, and contacts change in HubSpot's UI — including the
CRM claiming consent again for someone who left. After every step, no
member the sync found unsubscribed, cleaned, pending or transactional has
been moved to another status by a sync.
"""

from __future__ import annotations

import csv
import io
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from cauce.bootstrap import bootstrap
from cauce.demo import add_merge_fields, build_demo_config, sandbox_variables
from cauce.sandbox.generator import generate_world
from cauce.sandbox.runner import Sandbox

PEOPLE = 30
NEWCOMERS = [f"nuevo{n}@example.es" for n in range(3)]
CSV_SYNC = {
    "source": {"connection": "spreadsheet", "stream": "reimport"},
    "destination": {"connection": "mailchimp", "object": "members"},
    "key": "email_address",
    "mode": "upsert",
    "mapping": {
        "email_address": "email",
        "merge_fields.FNAME": {"field": "nombre", "default": ""},
        "status_if_new": {"value": "subscribed"},
    },
}


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    end = datetime.now(UTC) - timedelta(days=1)
    world = generate_world(23, PEOPLE, 10, 2, start=end - timedelta(days=60), end=end)
    with Sandbox(world) as running:
        yield running


def _config(sandbox: Sandbox, folder: Path) -> Path:
    yaml = YAML()
    document = yaml.load(build_demo_config(sandbox_variables(sandbox)))
    del document["connections"]["shopify"]
    for name in [n for n in document["syncs"] if n != "crm_to_esp"]:
        del document["syncs"][name]
    document["connections"]["spreadsheet"] = {"connector": "csv", "config": {"directory": "./data"}}
    document["syncs"]["csv_to_esp"] = CSV_SYNC
    (folder / "data").mkdir()
    path = folder / "cauce.yml"
    with path.open("w", encoding="utf-8") as out:
        yaml.dump(document, out)
    return path


def _members(http: httpx.Client, sandbox: Sandbox) -> dict[str, str]:
    state = http.get(f"{sandbox.admin_urls['mailchimp']}/state").json()
    list_id = sandbox.credentials["mailchimp"]["list_id"]
    return {m["email_address"]: m["status"] for m in state["lists"][list_id]["members"]}


person = st.integers(0, PEOPLE - 1)
step = st.one_of(
    st.tuples(st.just("unsubscribe"), person),
    st.tuples(st.just("bounce"), person),
    st.tuples(st.just("crm_edit"), person, st.sampled_from(["city", "optin", "stage"])),
    st.tuples(st.just("reimport"), st.lists(person, min_size=1, max_size=8), st.booleans()),
    st.tuples(st.just("sync")),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=2, max_size=7))
def test_no_sequence_of_flows_moves_a_member_out_of_a_status_a_sync_must_keep(
    sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory, steps: list[tuple[Any, ...]]
) -> None:
    folder = tmp_path_factory.mktemp("consent")
    with httpx.Client(timeout=30) as http:
        for admin in sandbox.admin_urls.values():
            http.post(f"{admin}/reset").raise_for_status()
        mailchimp = sandbox.credentials["mailchimp"]
        add_merge_fields(sandbox.urls["mailchimp"], mailchimp["api_key"], mailchimp["list_id"])
        app = bootstrap(_config(sandbox, folder))
        try:
            _play(sandbox, http, app, folder, steps)
        finally:
            app.close()
            shutil.rmtree(folder, ignore_errors=True)


def _play(
    sandbox: Sandbox, http: httpx.Client, app: Any, folder: Path, steps: list[tuple[Any, ...]]
) -> None:
    people = sandbox.world.contacts
    list_id = sandbox.credentials["mailchimp"]["list_id"]
    admin_mc, admin_hs = sandbox.admin_urls["mailchimp"], sandbox.admin_urls["hubspot"]
    campaign = sandbox.world.campaigns[0].id
    for number, (action, *args) in enumerate(steps):
        before = _members(http, sandbox)
        if action in ("unsubscribe", "bounce"):
            email = people[args[0]].email
            if before.get(email) not in ("subscribed", "pending"):
                continue
            path, body = (
                ("unsubscribe", {"campaign_id": campaign, "reason": "bye"})
                if action == "unsubscribe"
                else ("bounce", {"type": "hard", "campaign_id": campaign})
            )
            answer = http.post(f"{admin_mc}/lists/{list_id}/members/{email}/{path}", json=body)
            answer.raise_for_status()
            continue
        if action == "crm_edit":
            who, what = people[args[0]], args[1]
            change = {
                "city": {"city": f"Ciudad {number}"},
                "optin": {"hs_email_optout": "false", "firstname": f"Otra {number}"},
                "stage": {"lifecyclestage": "customer"},
            }[what]
            answer = http.patch(f"{admin_hs}/ui/contacts/{who.id}", json={"properties": change})
            answer.raise_for_status()
            continue
        if action == "reimport":
            chosen, with_newcomers = args
            rows = [(people[i].email.upper(), f"Nombre {number}") for i in chosen]
            rows += [(email, "Nuevo") for email in NEWCOMERS] if with_newcomers else []
            text = io.StringIO()
            writer = csv.writer(text)
            writer.writerow(["email", "nombre"])
            writer.writerows(rows)
            (folder / "data" / "reimport.csv").write_text(text.getvalue(), encoding="utf-8")
            outcome = app.syncs.run("csv_to_esp")
        else:
            outcome = app.syncs.run("crm_to_esp")
        assert outcome.status == "succeeded", outcome.error
        after = _members(http, sandbox)
        for email, status in before.items():
            if status != "subscribed":
                assert after[email] == status, f"step {number} ({action}) moved {email}"
        for email in set(after) - set(before):
            assert email in NEWCOMERS and after[email] == "subscribed"
