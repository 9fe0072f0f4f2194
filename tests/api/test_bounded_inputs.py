"""Every string a client can send is bounded: walking the request bodies and parameters of
/openapi.json, any string without maxLength (an enum, a date or a date-time is bounded by its
form) fails the test, naming the operation and the field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.api.openapi_walk import body_schema, leaves, operations, variants

BOUNDED_FORMS = {"date", "date-time", "time", "binary"}


def _unbounded(schema: dict[str, Any]) -> bool:
    return (
        schema.get("type") == "string"
        and "maxLength" not in schema
        and "enum" not in schema
        and "const" not in schema
        and schema.get("format") not in BOUNDED_FORMS
    )


def test_every_string_input_has_a_maximum_length(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    unbounded = []
    for operation in operations(document):
        for parameter in operation.spec.get("parameters", []):
            for variant in variants(document, parameter.get("schema", {})):
                if _unbounded(variant):
                    unbounded.append(f"{operation.name} {parameter['in']} {parameter['name']}")
        schema = body_schema(document, operation)
        if schema is None:
            continue
        for field, _, leaf in leaves(document, schema):
            if _unbounded(leaf):
                unbounded.append(f"{operation.name} body {field}")
    assert not unbounded, "\n".join(sorted(set(unbounded)))
