"""Paging while others write, and serving under a path prefix (as in the combined sandbox)."""

from __future__ import annotations

import threading

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount
from tests.sandbox.hubspot.conftest import Emulator

from cauce.sandbox.hubspot import HUBSPOT_TOKEN, create_app
from cauce.sandbox.serve import ThreadedServer
from cauce.sandbox.world import World


def test_paging_while_contacts_are_created_has_no_gaps_or_duplicates(
    api: httpx.Client, admin: httpx.Client, hubspot: Emulator
) -> None:
    admin.put("/rate-limits", json={"ten_secondly": 100_000}).raise_for_status()
    stop = threading.Event()

    def writer() -> None:
        with hubspot.client() as client:
            index = 0
            while not stop.is_set():
                inputs = [{"properties": {"email": f"c{index}-{i}@example.com"}} for i in range(5)]
                client.post("/crm/v3/objects/contacts/batch/create", json={"inputs": inputs})
                index += 1

    thread = threading.Thread(target=writer)
    thread.start()
    seen: list[str] = []
    try:
        after = None
        while True:
            params: dict[str, str | int] = {"limit": 7}
            if after:
                params["after"] = after
            response = api.get("/crm/v3/objects/contacts", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            seen += [row["id"] for row in page["results"]]
            after = page.get("paging", {}).get("next", {}).get("after")
            if not after or len(seen) > 2000:
                break
    finally:
        stop.set()
        thread.join()
    assert len(seen) == len(set(seen)), "no contact is returned twice"
    assert {str(c.id) for c in hubspot.world.contacts} <= set(seen), "no seeded contact is skipped"
    assert seen == sorted(seen, key=int)


def test_the_app_works_mounted_under_a_prefix(hubspot_world: World) -> None:
    outer = Starlette(routes=[Mount("/hubspot", app=create_app(hubspot_world))])
    with ThreadedServer(outer) as server:
        headers = {"Authorization": f"Bearer {HUBSPOT_TOKEN}"}
        with httpx.Client(base_url=server.url + "/hubspot", headers=headers) as client:
            page = client.get("/crm/v3/objects/contacts", params={"limit": 2}).json()
            link = page["paging"]["next"]["link"]
            assert link.startswith(server.url + "/hubspot/crm/v3/objects/contacts?")
            assert client.get(link).status_code == 200
            assert client.get("/_admin/state").json()["counts"]["contacts"] == 250
            requests = client.get("/_admin/requests").json()
            assert requests["by_endpoint"]["GET /crm/v3/objects/contacts"] == 2
