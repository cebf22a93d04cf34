"""Consent across random sequences of syncs, actions and opt-outs made in HubSpot."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.connectors.hubspot.conftest import Portal

from cauce.connectors.hubspot import HubSpotConnection
from cauce.sdk import WriteMode

Connect = Callable[..., HubSpotConnection]
EMAILS = [f"person{i}@example.org" for i in range(4)]
OPT_OUT_VALUES = st.sampled_from([True, False, "true", "false", "no", None, ""])
STEP = st.one_of(
    st.tuples(st.just("sync"), st.sampled_from(EMAILS), OPT_OUT_VALUES),
    st.tuples(st.just("action"), st.sampled_from(EMAILS), OPT_OUT_VALUES),
    st.tuples(st.just("unsubscribe"), st.sampled_from(EMAILS), st.none()),
)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(st.lists(STEP, min_size=1, max_size=8))
def test_an_opted_out_contact_stays_opted_out_whatever_is_written_later(
    portal: Portal, connect: Connect, steps: list[tuple[str, str, object]]
) -> None:
    portal.admin.reset()
    connection = connect()
    sink = connection.sink("contacts", None)
    upsert = connection.action("upsert_contact")
    opted_out: set[str] = set()
    for kind, email, value in steps:
        if kind == "sync":
            sink.write([{"email": email, "hs_email_optout": value}], WriteMode.UPSERT)
        elif kind == "action":
            upsert({"email": email, "properties": {"hs_email_optout": value}})
        else:
            contact = portal.by_email().get(email)
            if contact is None:
                contact = portal.admin.post("/ui/contacts", json={"properties": {"email": email}})
            portal.admin.patch(
                f"/ui/contacts/{contact['id']}", json={"properties": {"hs_email_optout": "true"}}
            )
        if kind != "unsubscribe" and value in (True, "true"):
            opted_out.add(email)
        if kind == "unsubscribe":
            opted_out.add(email)
        held = portal.by_email()
        for address in opted_out:
            assert held[address]["properties"].get("hs_email_optout") == "true", (address, steps)
