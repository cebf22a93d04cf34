"""Mailchimp's error bodies: RFC 7807 ``application/problem+json`` documents.

Every error the emulator returns goes through :class:`Problem`, so a client
sees the same shape as from the real API: ``type``, ``title``, ``status``,
``detail``, ``instance`` (plus ``errors[]`` for validation failures), the
``Content-Type: application/problem+json; charset=utf-8`` header and the
``Link: <...ProblemDetailDocument.json>; rel="describedBy"`` header.
Titles and details are Mailchimp's own texts where they are known.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

ERROR_DOCS = "https://mailchimp.com/developer/marketing/docs/errors/"
PROBLEM_CONTENT_TYPE = "application/problem+json; charset=utf-8"
INVALID_RESOURCE_DETAIL = (
    "The resource submitted could not be validated. "
    "For field-specific details, see the 'errors' array."
)


class Problem(Exception):
    """An API error, rendered as Mailchimp's problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {title}: {detail}")
        self.status = status
        self.title = title
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": ERROR_DOCS,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": str(uuid.uuid4()),
        }
        if self.errors is not None:
            document["errors"] = self.errors
        return document


def not_found(detail: str = "The requested resource could not be found.") -> Problem:
    return Problem(404, "Resource Not Found", detail)


def invalid(field: str, message: str, detail: str = INVALID_RESOURCE_DETAIL) -> Problem:
    """A 400 "Invalid Resource" naming the offending field."""
    return Problem(400, "Invalid Resource", detail, errors=[{"field": field, "message": message}])


def bad_request(detail: str) -> Problem:
    return Problem(400, "Invalid Resource", detail)


def root_url(request: Request) -> str:
    """This app's own root (scheme, host and mount prefix), for the ``Link`` header."""
    return str(request.url.replace(path=request.scope.get("root_path", ""), query="")).rstrip("/")


def describedby(request: Request) -> str:
    return f'<{root_url(request)}/schema/3.0/ProblemDetailDocument.json>; rel="describedBy"'


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    headers = {
        "Link": describedby(request),
        **problem.headers,
    }
    return JSONResponse(
        problem.body(), status_code=problem.status, headers=headers, media_type=PROBLEM_CONTENT_TYPE
    )


async def handle_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return problem_response(request, exc)


async def handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    """Turn FastAPI's own 404/405 answers into Mailchimp problems."""
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        problem = not_found()
    elif exc.status_code == 405:
        problem = Problem(
            405,
            "Method Not Allowed",
            "The requested method and resource are not compatible. "
            "See the Allow header for this resource's available methods.",
            headers=dict(exc.headers or {}),
        )
    else:
        problem = Problem(exc.status_code, "Bad Request", str(exc.detail))
    return problem_response(request, problem)


async def handle_validation_error(request: Request, exc: Exception) -> JSONResponse:
    """Query parameters of the wrong type: Mailchimp answers 400 with the field named."""
    assert isinstance(exc, RequestValidationError)
    errors = [
        {"field": ".".join(str(p) for p in err.get("loc", ())[1:]), "message": str(err.get("msg"))}
        for err in exc.errors()
    ]
    return problem_response(
        request, Problem(400, "Invalid Resource", INVALID_RESOURCE_DETAIL, errors)
    )


def fault_body(status: int, message: str) -> tuple[str, bytes]:
    """Error body for faults injected by :class:`~cauce.sandbox.faults.SandboxMiddleware`."""
    titles = {
        429: ("Too Many Requests", "You have exceeded the limit of 10 simultaneous connections."),
        500: (
            "Internal Server Error",
            "An unexpected internal error has occurred. "
            "Please contact Support for more information.",
        ),
        502: ("Bad Gateway", message),
        503: ("Service Unavailable", message),
        504: ("Gateway Timeout", message),
    }
    title, detail = titles.get(status, ("Error", message))
    body = Problem(status, title, detail).body()
    return PROBLEM_CONTENT_TYPE, json.dumps(body).encode()
