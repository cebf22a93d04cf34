"""What the client does per call, checked without a network (``httpx.MockTransport``).

The client skips work httpx would do for nothing (a second URL parse, cookie
extraction from answers that set none, redacting requests nobody reads);
these tests pin that the results are the same as before.
"""

from __future__ import annotations

import httpx
import pytest

from cauce.sdk.http import BasicAuth, HttpClient, Redactor

SECRET = "sk-live-0a1b2c3d4e5f"


def echo(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, json={"url": str(request.url)})


@pytest.mark.parametrize(
    "path",
    [
        "lists/abc/members/0f1e",
        "/lists/abc/members/0f1e",
        "//lists/abc",
        "lists/a b/ü?q=x y&z=%41",
        "lists?fields=id,name",
        "",
    ],
)
def test_a_relative_path_is_joined_to_the_base_url_as_httpx_joins_it(path: str) -> None:
    base = "https://us21.api.example.com/3.0"
    joined_by_httpx = httpx.Client(base_url=base + "/").build_request("GET", path.lstrip("/"))
    expected = joined_by_httpx.url
    with HttpClient(base, transport=httpx.MockTransport(echo)) as client:
        sent = client.get(path).request.url
    assert sent == expected


def test_an_absolute_url_is_sent_as_given() -> None:
    with HttpClient("https://x.test/api", transport=httpx.MockTransport(echo)) as client:
        assert client.get("https://other.test/v1/x?a=1").json()["url"] == (
            "https://other.test/v1/x?a=1"
        )


def test_cookies_an_answer_sets_are_sent_with_the_next_requests() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Cookie"))
        if request.url.path == "/api/login":
            return httpx.Response(200, headers={"Set-Cookie": "session=abc; Path=/"})
        return httpx.Response(200)

    with HttpClient("https://x.test/api", transport=httpx.MockTransport(handler)) as client:
        client.get("/before")
        client.get("/login")
        client.get("/after")
    assert seen == [None, None, "session=abc"]


def test_history_is_redacted_when_read_and_keeps_the_last_requests() -> None:
    with HttpClient(
        "https://x.test/api",
        auth=BasicAuth("anystring", SECRET),
        transport=httpx.MockTransport(lambda request: httpx.Response(204)),
        history_size=2,
    ) as client:
        for n in range(3):
            client.get(f"/items/{n}", params={"api_key": SECRET, "n": n})
    history = client.history
    assert [r.url for r in history] == [
        "https://x.test/api/items/1?api_key=***&n=1",
        "https://x.test/api/items/2?api_key=***&n=2",
    ]
    assert all(r.headers["authorization"] == "***" for r in history)
    assert all(r.status == 204 and r.method == "GET" and r.attempt == 1 for r in history)
    assert SECRET not in repr(history)


def test_redactor_masks_secrets_learnt_after_it_was_first_used() -> None:
    tokens = ["first-token"]
    redactor = Redactor(["api-secret"], sources=[lambda: tokens])
    assert redactor.text("api-secret first-token") == "*** ***"
    redactor.add("later-secret")
    tokens.append("refreshed-token")
    assert redactor.text("later-secret refreshed-token api-secret") == "*** *** ***"
    redactor.add_source(lambda: ["sourced-secret"])
    assert redactor.headers({"X-Trace": "sourced-secret"}) == {"X-Trace": "***"}


def test_redactor_masks_the_longest_secret_first() -> None:
    redactor = Redactor(["abcd", "abcdefgh"])
    assert redactor.text("abcdefgh abcd") == "*** ***"
    assert redactor.url("https://x.test/abcdefgh") == "https://x.test/***"
