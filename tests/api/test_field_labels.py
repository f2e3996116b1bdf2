"""Every field a request can be refused at has a label: ``FIELD_LABELS`` is kept by hand, so
a field added to a request model or a parameter added to a route without one fails here
(docs/api.md, "Errors": ``label`` is the field's name for people)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import create_engine

from tanshi.api.app import create_api
from tanshi.api.context import Service
from tanshi.api.errors import FIELD_LABELS, ErrorDetail, field_label
from tanshi.api.settings import Settings


def _document() -> dict[str, Any]:
    return create_api(Service(create_engine("sqlite://"), Settings())).openapi()


def _properties(schema: dict, schemas: dict, seen: frozenset[str], found: set[str]) -> None:
    """The property names of ``schema``, nested ones (a list's items, a union's options) too."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        schema, seen = schemas[name], seen | {name}
    parts = [*schema.get("anyOf", ()), *schema.get("oneOf", ()), *schema.get("allOf", ()),
             *schema.get("prefixItems", ())]  # fmt: skip
    if isinstance(schema.get("items"), dict):
        parts.append(schema["items"])
    for name, part in schema.get("properties", {}).items():
        found.add(name)
        parts.append(part)
    for part in parts:
        _properties(part, schemas, seen, found)


def request_fields(document: dict[str, Any]) -> dict[str, str]:
    """Every field name a request can be refused at (its body's properties at any depth, its
    path, query and header parameters), each with one operation that has it."""
    schemas = document.get("components", {}).get("schemas", {})
    fields: dict[str, str] = {}
    for path, item in document["paths"].items():
        for method, operation in item.items():
            found = {parameter["name"] for parameter in operation.get("parameters", ())}
            for media in operation.get("requestBody", {}).get("content", {}).values():
                _properties(media["schema"], schemas, frozenset(), found)
            for name in found:
                fields.setdefault(name, f"{method.upper()} {path}")
    return fields


def test_every_request_field_has_a_label() -> None:
    fields = request_fields(_document())
    # The walk reaches parameters, bodies and nested items (a bid of an auction's bids).
    assert {"Idempotency-Key", "limit", "quantity_t", "bidder", "price_per_t"} <= set(fields)
    missing = {name: where for name, where in fields.items() if name not in FIELD_LABELS}
    assert not missing, f"add these to FIELD_LABELS in api/errors.py: {missing}"


def test_a_label_names_the_field_not_its_place() -> None:
    assert field_label("body.bids.0.price_per_t") == "price (per tonne)"
    assert field_label("header.Idempotency-Key") == "Idempotency-Key header"
    assert field_label("body.body") == "verification body"
    assert field_label("body") is None  # the whole body (JSON that does not parse)
    assert ErrorDetail(code="json_invalid", message="x", field="body").label is None
