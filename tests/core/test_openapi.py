"""The OpenAPI schema (drf-spectacular, horn/apischema.py): complete, served, and kept by the running API.

schemathesis generates requests from the schema (valid and invalid ones) for every operation and
sends them to the live server as Alice (an admin); each answer must be no 5xx, a status the schema
lists, the content type it says, and a body that matches its schema.
"""

from __future__ import annotations

import json

import pytest
import schemathesis
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from horn import urls

API_PREFIXES = ("api/", "pull", "images", "files/", "monitor/")


def test_the_served_schema_is_the_one_the_api_is_tested_against(horn):
    assert horn.get("/api/schema/", params={"format": "json"}).json() == _schema()


def test_every_api_endpoint_is_described_with_the_methods_it_takes(horn):
    paths = horn.get("/api/schema/", params={"format": "json"}).json()["paths"]
    described = {path: {m.upper() for m in ops} for path, ops in paths.items()}
    for pattern in get_resolver(urls).url_patterns:
        route = str(pattern.pattern)
        methods = getattr(pattern.callback, "horn_methods", None)
        if not route.startswith(API_PREFIXES) or methods is None:
            continue
        path = "/" + route.replace("<str:", "{").replace(">", "}")
        assert path in described, f"{path} is not in the OpenAPI schema (horn/apischema.py)"
        assert described[path] == set(methods), f"{path}: the schema says {described[path]}, the view takes {methods}"


def test_the_schema_and_its_browser_are_served_without_third_party_files(horn):
    schema = horn.get("/api/schema/", params={"format": "json"}).json()
    assert schema["openapi"].startswith("3.") and schema["info"]["title"] == "Horn API"
    assert set(schema["components"]["securitySchemes"]) >= {"staffToken", "apiKey", "visitorToken"}
    page = horn.get("/api/docs/")
    assert page.status_code == 200 and "swagger-ui" in page.text
    assert "cdn." not in page.text and "jsdelivr" not in page.text  # Swagger UI's files come from Horn


def _schema() -> dict:
    """What GET /api/schema/ serves, made in-process: schemathesis needs it when the tests are collected."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


api = schemathesis.openapi.from_dict(_schema())


@pytest.fixture
def short_polls(settings):
    """A long-poll with nothing due answers in a second, not thirty (set once: hypothesis runs many examples)."""
    settings.HORN_PULL_TIMEOUT = 1


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@api.parametrize()
@hypothesis_settings(
    max_examples=10, deadline=None, database=None, derandomize=True, suppress_health_check=list(HealthCheck)
)
def test_the_running_api_keeps_to_its_schema(case, server, world, short_polls):
    case.call_and_validate(base_url=server, headers=world.alice.auth, checks=CHECKS)
