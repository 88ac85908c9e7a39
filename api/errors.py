"""Domain errors mapped to HTTP once, and the error bodies every route documents."""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from core.errors import Conflict, InvalidInput, NotFound, OrchestratorError, ServiceUnavailable

# Most specific first: Conflict is a kind of InvalidInput.
STATUS_OF: dict[type[OrchestratorError], int] = {
    Conflict: 409,
    InvalidInput: 422,
    NotFound: 404,
    ServiceUnavailable: 503,
}


class ErrorOut(BaseModel):
    detail: str


class FieldError(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class InvalidOut(BaseModel):
    """422: our own refusal (a sentence) or FastAPI's per-field validation errors (a list)."""

    detail: str | list[FieldError]


_DESCRIPTIONS = {
    400: ("the body is not JSON that can be parsed", ErrorOut),
    401: ("no bearer token, or a wrong one", ErrorOut),
    404: ("no such thing for this tenant", ErrorOut),
    409: ("refused in the current state (finished project, closed question)", ErrorOut),
    422: ("the request is invalid: a sentence or a list of field errors", InvalidOut),
    503: ("Temporal, the database or the secret store cannot be reached", ErrorOut),
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route: the error statuses it can answer with, and their bodies."""
    return {
        status: {"description": _DESCRIPTIONS[status][0], "model": _DESCRIPTIONS[status][1]}
        for status in statuses
    }


NOT_UNICODE = "not valid Unicode text: it holds a lone UTF-16 surrogate (\\ud800-\\udfff)"


# Routes whose bodies may hold a pasted key (a secret's value, a model config's key field).
SENSITIVE_PATHS = ("/secrets", "/models")
# A field named so may hold a credential on any route.
SECRET_WORDS = ("secret", "key", "token", "password")


def _names_a_secret(loc: Any) -> bool:
    return any(
        isinstance(part, str) and any(word in part.lower() for word in SECRET_WORDS) for part in loc
    )


class ErrorResponse(JSONResponse):
    """JSON escaped to ASCII: an error may echo input holding a lone surrogate, which UTF-8
    cannot encode (FastAPI's own 422 then fails as a 500)."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, allow_nan=False, separators=(",", ":")).encode("ascii")


async def _as_http(request: Request, exc: Exception) -> JSONResponse:
    status = next(STATUS_OF[c] for c in type(exc).__mro__ if c in STATUS_OF)
    return ErrorResponse({"detail": str(exc)}, status_code=status)


async def _invalid_request(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors())
    sensitive_path = any(part in request.url.path for part in SENSITIVE_PATHS)
    for error in errors:
        if sensitive_path or _names_a_secret(error.get("loc", ())):
            # A secret's value must never come back, not even inside a validation error.
            error.pop("input", None)
            error.pop("ctx", None)
    for error in errors:
        if error.get("type") == "string_unicode":  # pydantic's wording names no cause
            error["msg"] = NOT_UNICODE
    return ErrorResponse({"detail": errors}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _invalid_request)
    for error in STATUS_OF:
        app.add_exception_handler(error, _as_http)
