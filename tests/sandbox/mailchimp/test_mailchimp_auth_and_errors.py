"""Authentication as Mailchimp does it, and errors in its problem+json shape."""

from __future__ import annotations

import base64

import httpx

from cauce.sandbox.mailchimp import MAILCHIMP_API_KEY, MAILCHIMP_LIST_ID, MAILCHIMP_OAUTH_TOKEN

from .conftest import Sandbox


def test_ping_answers_chimpy_with_basic_auth_and_any_username(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.url + "/3.0/ping", auth=("whatever-user", MAILCHIMP_API_KEY))
    assert response.status_code == 200
    assert response.json() == {"health_status": "Everything's Chimpy!"}


def test_oauth_bearer_token_and_legacy_apikey_forms_are_accepted(sandbox: Sandbox) -> None:
    bearer = httpx.get(
        sandbox.url + "/3.0/lists", headers={"Authorization": f"Bearer {MAILCHIMP_OAUTH_TOKEN}"}
    )
    query = httpx.get(sandbox.url + "/3.0/lists", params={"apikey": MAILCHIMP_API_KEY})
    legacy = httpx.get(
        sandbox.url + "/3.0/lists", headers={"Authorization": f"apikey {MAILCHIMP_API_KEY}"}
    )
    assert [bearer.status_code, query.status_code, legacy.status_code] == [200, 200, 200]


def test_request_without_a_key_is_refused_as_api_key_missing(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.url + "/3.0/lists")
    assert response.status_code == 401
    assert response.json()["title"] == "API Key Missing"


def test_wrong_key_is_refused_with_mailchimps_problem_document(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.url + "/3.0/lists", auth=("x", "0" * 32 + "-us21"))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert response.headers["link"].endswith(
        '/schema/3.0/ProblemDetailDocument.json>; rel="describedBy"'
    )
    body = response.json()
    assert body["type"] == "https://mailchimp.com/developer/marketing/docs/errors/"
    assert body["title"] == "API Key Invalid"
    assert body["status"] == 401
    assert "wrong data center" in body["detail"]
    assert body["instance"]
    assert MAILCHIMP_API_KEY not in response.text


def test_key_of_another_data_center_is_refused(sandbox: Sandbox) -> None:
    other_dc = MAILCHIMP_API_KEY.replace("-us21", "-us5")
    response = httpx.get(sandbox.url + "/3.0/ping", auth=("x", other_dc))
    assert response.status_code == 401
    assert response.json()["title"] == "API Key Invalid"


def test_conflicting_header_and_query_keys_are_refused(sandbox: Sandbox) -> None:
    response = httpx.get(
        sandbox.url + "/3.0/ping",
        params={"apikey": "another-key-us21"},
        auth=("x", MAILCHIMP_API_KEY),
    )
    assert response.status_code == 401


def test_garbled_basic_credentials_are_refused_not_crashed(sandbox: Sandbox) -> None:
    response = httpx.get(sandbox.url + "/3.0/ping", headers={"Authorization": "Basic %%%"})
    assert response.status_code == 401
    encoded = base64.b64encode(b"no-colon-here").decode()
    response = httpx.get(sandbox.url + "/3.0/ping", headers={"Authorization": f"Basic {encoded}"})
    assert response.status_code == 401


def test_unknown_resource_is_resource_not_found(sandbox: Sandbox) -> None:
    response = sandbox.api.get("/lists/0000000000")
    assert response.status_code == 404
    assert response.json()["title"] == "Resource Not Found"
    assert response.json()["detail"] == "The requested resource could not be found."


def test_wrong_method_is_method_not_allowed_problem(sandbox: Sandbox) -> None:
    response = sandbox.api.delete("/ping")
    assert response.status_code == 405
    assert response.json()["title"] == "Method Not Allowed"


def test_malformed_json_body_is_a_json_parse_error(sandbox: Sandbox) -> None:
    response = sandbox.api.post(
        f"/lists/{MAILCHIMP_LIST_ID}/members",
        content=b"{not json",
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["title"] == "JSON Parse Error"


def test_non_numeric_count_is_an_invalid_resource_naming_the_field(sandbox: Sandbox) -> None:
    response = sandbox.api.get(f"/lists/{MAILCHIMP_LIST_ID}/members", params={"count": "lots"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "count"


def test_nan_and_infinity_in_a_body_are_json_parse_errors(sandbox: Sandbox) -> None:
    # Python's parser takes them, JSON does not; the member would not render back as JSON.
    for literal in (b"NaN", b"Infinity", b"-Infinity"):
        response = sandbox.api.put(
            f"/lists/{MAILCHIMP_LIST_ID}/members/lucia@example.org",
            content=b'{"email_address": "lucia@example.org", "location": {"latitude": '
            + literal
            + b"}}",
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["title"] == "JSON Parse Error"


def test_wrong_method_on_a_member_path_is_method_not_allowed(sandbox: Sandbox) -> None:
    response = sandbox.api.put(f"/lists/{MAILCHIMP_LIST_ID}/members", json={})
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json; charset=utf-8"
    assert "GET" in response.headers["allow"].split(", ")


def test_a_missing_key_is_reported_before_a_malformed_path_parameter(sandbox: Sandbox) -> None:
    response = httpx.get(f"{sandbox.url}/3.0/lists/{MAILCHIMP_LIST_ID}/merge-fields/not-a-number")
    assert response.status_code == 401
    assert response.json()["title"] == "API Key Missing"
