"""The emulator's narrowed scopes and lowered search cap, as a client meets them."""

from __future__ import annotations

import httpx


def test_a_call_without_its_scope_gets_hubspots_missing_scopes_403(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/scopes", json={"granted": ["crm.objects.contacts.write"]}).raise_for_status()
    answer = api.get("/crm/v3/objects/contacts", params={"limit": 1})
    assert answer.status_code == 403
    body = answer.json()
    assert body["category"] == "MISSING_SCOPES"
    assert body["errors"][0]["context"]["requiredGranularScopes"] == ["crm.objects.contacts.read"]


def test_search_and_batch_read_need_only_the_read_scope(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/scopes", json={"granted": ["crm.objects.contacts.read"]}).raise_for_status()
    assert api.post("/crm/v3/objects/contacts/search", json={"limit": 1}).status_code == 200
    read = api.post("/crm/v3/objects/contacts/batch/read", json={"inputs": []})
    assert read.status_code == 200
    written = api.post("/crm/v3/objects/contacts", json={"properties": {"email": "a@b.co"}})
    assert written.status_code == 403
    assert api.get("/crm/v3/properties/contacts").status_code == 403


def test_reset_grants_every_scope_again(api: httpx.Client, admin: httpx.Client) -> None:
    admin.put("/scopes", json={"granted": []}).raise_for_status()
    admin.post("/reset").raise_for_status()
    assert api.get("/crm/v3/objects/contacts", params={"limit": 1}).status_code == 200
    assert len(admin.get("/scopes").json()["granted"]) == 4


def test_a_lowered_search_cap_refuses_paging_past_it(
    api: httpx.Client, admin: httpx.Client
) -> None:
    admin.put("/search", json={"max_results": 20}).raise_for_status()
    first = api.post("/crm/v3/objects/contacts/search", json={"limit": 10, "after": "10"})
    assert first.status_code == 200
    past = api.post("/crm/v3/objects/contacts/search", json={"limit": 10, "after": "20"})
    assert past.status_code == 400
    assert "past 20 results" in past.json()["message"]
    admin.post("/reset").raise_for_status()
    again = api.post("/crm/v3/objects/contacts/search", json={"limit": 10, "after": "20"})
    assert again.status_code == 200


def test_scopes_must_be_a_list_of_names(admin: httpx.Client) -> None:
    assert admin.put("/scopes", json={"granted": "all"}).status_code == 400
    assert admin.put("/search", json={"max_results": 0}).status_code == 400
