"""Property: no sequence of unsubscribes, bounces, re-imports and syncs re-subscribes anyone."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.connectors.mailchimp.conftest import Connect, Emulator

from cauce.sdk import RowStatus, WriteMode

PEOPLE = [f"person{n}@example.org" for n in range(6)]

record = st.fixed_dictionaries(
    {"email_address": st.sampled_from(PEOPLE)},
    optional={
        "status_if_new": st.sampled_from(["subscribed", "pending", "transactional"]),
        "consent": st.booleans(),
        "status": st.sampled_from(["subscribed", "pending"]),
        "tags": st.lists(st.sampled_from(["a", "b"]), max_size=2),
        "merge_fields": st.fixed_dictionaries({"FNAME": st.sampled_from(["X", "Y"])}),
    },
)
step = st.one_of(
    st.tuples(st.just("unsubscribe"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("bounce"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("archive"), st.sampled_from(PEOPLE)),
    st.tuples(st.just("sync"), st.lists(record, min_size=1, max_size=6)),
    st.tuples(st.just("new_session"), st.just(None)),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(steps=st.lists(step, min_size=1, max_size=8))
def test_no_sequence_of_syncs_resubscribes_a_suppressed_address(
    mailchimp: Emulator, connect: Connect, steps: list[tuple[str, Any]]
) -> None:
    mailchimp.admin.reset()
    connection = connect()
    sink = connection.sink("members", {"replace_tags": False})
    suppressed: set[str] = set()
    for action, arg in steps:
        held = mailchimp.members()
        if action in ("unsubscribe", "bounce"):
            if arg not in held or held[arg]["status"] not in ("subscribed", "pending"):
                continue
            if action == "unsubscribe":
                mailchimp.unsubscribe(arg)
            else:
                mailchimp.hard_bounce(arg)
            suppressed.add(arg)
        elif action == "archive":
            if arg in held and held[arg]["status"] != "archived":
                mailchimp.api().delete(f"/lists/a1b2c3d4e5/members/{arg}")
        elif action == "new_session":
            sink = connection.sink("members", None)
        else:
            unique = list({r["email_address"]: r for r in arg}.values())
            results = sink.write(unique, WriteMode.UPSERT)
            for result in results:
                if result.key in suppressed:
                    assert result.status in (RowStatus.SKIPPED, RowStatus.UPDATED)
        statuses = {e: m["status"] for e, m in mailchimp.members().items()}
        for email in suppressed:
            assert statuses[email] in ("unsubscribed", "cleaned", "archived"), (
                email,
                statuses[email],
            )
