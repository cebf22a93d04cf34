"""HubSpot's error bodies: ``{status: "error", message, correlationId, category, ...}``.

Every error the emulator returns goes through :class:`HubSpotError`, so the
shape is the one HubSpot documents (``category`` and ``correlationId``
required, ``errors[]``/``context`` optional) plus the ``status: "error"`` that
live responses carry. Property validation errors reproduce HubSpot's
peculiar "Property values were not valid: [json]" message, which clients
parse to find the offending property, and also list the problems in
``errors[]`` with a ``code`` for clients that read the structured form.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException


def correlation_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class PropertyProblem:
    """One invalid property value, as HubSpot reports it inside a VALIDATION_ERROR."""

    name: str
    error: str  # PROPERTY_DOESNT_EXIST, INVALID_EMAIL, INVALID_OPTION, READ_ONLY_VALUE, ...
    message: str

    def as_hubspot(self) -> dict[str, Any]:
        return {
            "isValid": False,
            "message": self.message,
            "error": self.error,
            "name": self.name,
            "localizedErrorMessage": self.message,
        }


@dataclass
class HubSpotError(Exception):
    """An HTTP error answered with HubSpot's error body."""

    status: int
    category: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def body(self) -> dict[str, Any]:
        return {
            "status": "error",
            "message": self.message,
            "correlationId": correlation_id(),
            "category": self.category,
            **self.extra,
        }

    def response(self, headers: dict[str, str] | None = None) -> JSONResponse:
        return JSONResponse(self.body(), status_code=self.status, headers=headers)


def invalid_properties(
    problems: list[PropertyProblem], *, index: int | None = None
) -> HubSpotError:
    """HubSpot's 400 for bad property values; ``index`` names the batch input at fault."""
    details = json.dumps([problem.as_hubspot() for problem in problems])
    errors = [
        {
            "message": problem.message,
            "code": problem.error,
            "context": {"propertyName": [problem.name]},
        }
        for problem in problems
    ]
    extra: dict[str, Any] = {"errors": errors}
    if index is not None:
        extra["context"] = {"inputIndex": [str(index)]}
    return HubSpotError(
        400, "VALIDATION_ERROR", f"Property values were not valid: {details}", extra
    )


def validation_error(message: str, **extra: Any) -> HubSpotError:
    return HubSpotError(400, "VALIDATION_ERROR", message, dict(extra))


def not_found(message: str = "resource not found") -> HubSpotError:
    return HubSpotError(404, "OBJECT_NOT_FOUND", message)


def conflict(existing_id: int) -> HubSpotError:
    return HubSpotError(409, "CONFLICT", f"Contact already exists. Existing ID: {existing_id}")


async def hubspot_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubSpotError)
    return exc.response()


async def request_validation_handler(request: Request, exc: Exception) -> Response:
    """Malformed JSON or a body of the wrong shape, in HubSpot's words."""
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()) if part != "body")
        problems.append(f"{where or 'body'}: {error.get('msg', 'invalid')}")
    message = "Invalid input JSON: " + "; ".join(problems)
    return validation_error(message).response()


async def http_error_handler(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    categories = {404: "OBJECT_NOT_FOUND", 405: "VALIDATION_ERROR", 401: "INVALID_AUTHENTICATION"}
    message = "resource not found" if exc.status_code == 404 else str(exc.detail)
    error = HubSpotError(exc.status_code, categories.get(exc.status_code, "ERROR"), message)
    return error.response()


def injected_error_body(status: int, message: str) -> tuple[str, bytes]:
    """Bodies for faults injected by the sandbox middleware (5xx, 429, timeouts)."""
    if status == 429:
        body: dict[str, Any] = {
            "status": "error",
            "message": "You have reached your ten_secondly_rolling limit.",
            "errorType": "RATE_LIMIT",
            "correlationId": correlation_id(),
            "policyName": "TEN_SECONDLY_ROLLING",
        }
    else:
        body = HubSpotError(status, "INTERNAL_ERROR", message).body()
    return "application/json;charset=utf-8", json.dumps(body).encode()
