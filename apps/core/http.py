"""JSON over HTTP: the response shape, the error rendering, CORS, body and query parsing."""

from __future__ import annotations

import functools
import logging

import orjson
from django.core.exceptions import SuspiciousOperation
from django.db import OperationalError
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from redis.exceptions import RedisError

from .errors import (
    BadJSON,
    HornError,
    InternalError,
    InvalidValue,
    MethodNotAllowed,
    MissingField,
    NoSuchEndpoint,
    NotFound,
    ServiceUnavailable,
)

log = logging.getLogger("horn.http")

CORS_HEADERS = "Content-Type, X-Horn-Token, Idempotency-Key, Authorization"


def json_response(data: dict, status: int = 200) -> HttpResponse:
    return HttpResponse(orjson.dumps(data), status=status, content_type="application/json")


def ok(**data) -> HttpResponse:
    return json_response({"code": 0, "msg": "ok", **data})


def _error(exc: HornError) -> HttpResponse:
    response = json_response(exc.body(), exc.status)
    if "retry_after" in exc.extra:
        response["Retry-After"] = str(exc.extra["retry_after"])
    return response


def _add_cors(request, response: HttpResponse) -> None:
    origin = request.headers.get("Origin")
    if origin and (request.method == "OPTIONS" or getattr(request, "horn_cors_ok", False)):
        response["Access-Control-Allow-Origin"] = origin
        response["Vary"] = "Origin"


def _preflight(methods: tuple[str, ...]) -> HttpResponse:
    # Preflights carry no credentials or body, so the org is unknown here; the
    # real request is checked against the org's allow-list before it acts.
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ", ".join(methods)
    response["Access-Control-Allow-Headers"] = CORS_HEADERS
    response["Access-Control-Max-Age"] = "600"
    return response


def api_view(*methods: str):
    """Wrap an async API view: method check, CORS, every error as `{code, msg, field}`."""

    def decorate(view):
        @functools.wraps(view)
        async def wrapper(request, *args, **kwargs):
            if request.method == "OPTIONS":
                response = _preflight(methods)
            else:
                try:
                    if request.method not in methods:
                        raise MethodNotAllowed(f"use {' or '.join(methods)}")
                    response = await view(request, *args, **kwargs)
                except HornError as exc:
                    response = _error(exc)
                except RedisError:
                    log.exception("Redis failed during %s", request.path)
                    response = _error(ServiceUnavailable("Redis is unavailable, retry later"))
                except SuspiciousOperation as exc:  # e.g. a Host header not in ALLOWED_HOSTS
                    response = _error(InvalidValue(str(exc) or "suspicious request"))
                except OperationalError:
                    log.exception("database failed during %s", request.path)
                    response = _error(ServiceUnavailable("the database is unavailable, retry later"))
                except Exception:
                    log.exception("unexpected error in %s", request.path)
                    response = _error(InternalError())
            _add_cors(request, response)
            return response

        wrapper.horn_methods = methods  # what the OpenAPI schema says it takes (horn/apischema.py)
        return csrf_exempt(wrapper)

    return decorate


def path_id(raw: str, what: str) -> int:
    """A numeric id from the URL; anything else is the same 404 as an id that does not exist."""
    if not raw.isdigit() or int(raw) > 2**63 - 1:  # a database's bigint
        raise NotFound(f"{what} not found", field="id")
    return int(raw)


def json_body(request) -> dict:
    try:
        data = orjson.loads(request.body)
    except orjson.JSONDecodeError:
        raise BadJSON("request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadJSON()
    return data


def query(request, name: str, *, required: bool = False, max_length: int = 256) -> str | None:
    value = request.GET.get(name)
    if value is None or value == "":
        if required:
            raise MissingField(f"{name} is required", field=name)
        return None
    if len(value) > max_length:
        raise InvalidValue(f"{name} is too long", field=name)
    return value


def _is_api(request) -> bool:
    return request.path.startswith(("/api/", "/pull", "/monitor/", "/files/", "/images"))


def handler404(request, exception=None):
    """JSON for API paths, Django's page for the rest."""
    if _is_api(request):
        return json_response(NoSuchEndpoint().body(), 404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def handler500(request):
    if _is_api(request):
        return json_response(InternalError().body(), 500)
    from django.views.defaults import server_error

    return server_error(request)
